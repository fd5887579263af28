/**
 * exitOnFatalError: an error nothing handled is reported with its stack, the process stops what it
 * started, and it exits non-zero, even when the clean-up fails or hangs.
 */
import { EventEmitter } from 'node:events';
import { exitOnFatalError } from '../../local/common/fatal';

function harness(cleanUp: () => Promise<void>, graceMs = 1_000) {
  const source = new EventEmitter();
  const reports: string[] = [];
  const events: string[] = [];
  let exited: (code: number) => void = () => undefined;
  const exit = new Promise<number>((resolve) => (exited = resolve));
  exitOnFatalError(source, {
    report: (text) => reports.push(text),
    cleanUp: async () => {
      events.push('clean-up');
      await cleanUp();
      events.push('cleaned');
    },
    exit: (code) => {
      events.push(`exit ${code}`);
      exited(code);
    },
    exitCode: 3,
    graceMs,
  });
  return { source, reports, events, exit };
}

describe('exitOnFatalError', () => {
  it('It should report an uncaught exception with its stack, clean up, then exit with the code', async () => {
    // Prepare
    const { source, reports, events, exit } = harness(async () => undefined);
    const error = new Error('boom in a provider');

    // Act
    source.emit('uncaughtException', error);
    const code = await exit;

    // Assess
    expect(code).toBe(3);
    expect(events).toEqual(['clean-up', 'cleaned', 'exit 3']);
    expect(reports[0]).toBe(`uncaught exception: ${error.stack}`);
    expect(reports[1]).toMatch(/exiting with code 3/);
  });

  it('It should treat an unhandled rejection of a non-Error the same way', async () => {
    // Prepare
    const { source, reports, events, exit } = harness(async () => undefined);

    // Act
    source.emit('unhandledRejection', 'a bare string');
    await exit;

    // Assess
    expect(reports[0]).toBe('unhandled rejection: a bare string');
    expect(events).toEqual(['clean-up', 'cleaned', 'exit 3']);
  });

  it('It should report a second error during the clean-up without starting another', async () => {
    // Prepare
    let release: () => void = () => undefined;
    const { source, reports, events, exit } = harness(() => new Promise<void>((r) => (release = r)));

    // Act
    source.emit('uncaughtException', new Error('first'));
    source.emit('unhandledRejection', new Error('second'));
    release();
    await exit;

    // Assess
    expect(events).toEqual(['clean-up', 'cleaned', 'exit 3']);
    expect(
      reports.filter((r) => /^(uncaught exception|unhandled rejection): Error: (first|second)/.test(r)),
    ).toHaveLength(2);
  });

  it('It should still exit when the clean-up fails, reporting that failure too', async () => {
    // Prepare
    const { source, reports, events, exit } = harness(async () => {
      throw new Error('children would not stop');
    });

    // Act
    source.emit('uncaughtException', new Error('boom'));
    const code = await exit;

    // Assess
    expect(code).toBe(3);
    expect(events).toEqual(['clean-up', 'exit 3']);
    expect(reports.at(-1)).toMatch(/^the clean-up failed too: Error: children would not stop/);
  });

  it('It should exit after the grace period when the clean-up hangs', async () => {
    // Prepare
    const { source, reports, events, exit } = harness(() => new Promise<void>(() => undefined), 50);
    const started = Date.now();

    // Act
    source.emit('uncaughtException', new Error('boom'));
    await exit;

    // Assess
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(events).toEqual(['clean-up', 'exit 3']);
    expect(reports.at(-1)).toBe('the clean-up took longer than 50 ms; exiting without it');
  });
});
