import {
  CliError,
  EnvironmentError,
  InterruptedError,
  OperationFailedError,
  UsageError,
} from '../../cli/errors';

describe('The CLI errors', () => {
  it.each([
    [new UsageError('bad flag'), 'UsageError', 2],
    [new EnvironmentError('no cloud'), 'EnvironmentError', 3],
    [new OperationFailedError('failed'), 'OperationFailedError', 1],
    [new InterruptedError(), 'InterruptedError', 130],
  ])('It should give %p its name and exit code', (error, name, exitCode) => {
    // Assess
    expect(error).toBeInstanceOf(CliError);
    expect(error.name).toBe(name);
    expect(error.exitCode).toBe(exitCode);
  });

  it('It should say "Interrupted." unless told otherwise, and keep a cause', () => {
    // Prepare
    const cause = new Error('SIGINT');

    // Act
    const interrupted = new InterruptedError();
    const usage = new UsageError('bad', { cause });

    // Assess
    expect(interrupted.message).toBe('Interrupted.');
    expect(usage.cause).toBe(cause);
  });
});
