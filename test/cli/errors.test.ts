import {
  CliError,
  EnvironmentError,
  InterruptedError,
  OperationFailedError,
  UsageError,
} from '../../cli/errors';

describe('The CLI errors', () => {
  it.each([
    ['UsageError', () => new UsageError('bad flag'), 2],
    ['EnvironmentError', () => new EnvironmentError('no cloud'), 3],
    ['OperationFailedError', () => new OperationFailedError('failed'), 1],
    ['InterruptedError', () => new InterruptedError(), 130],
  ])('It should name a %s so and give it its exit code', (name, create, exitCode) => {
    // Act
    const error = create();

    // Assess
    expect(error).toBeInstanceOf(CliError);
    expect(error.name).toBe(name);
    expect(error.exitCode).toBe(exitCode);
  });

  it('It should name the base class CliError and keep the exit code it is given', () => {
    // Act
    const error = new CliError('custom', 1);

    // Assess
    expect(error.name).toBe('CliError');
    expect(error.exitCode).toBe(1);
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
