import { ExitCode, type ExitCodeValue } from './exit-codes';

/** An error the CLI reports as one clear message and an exit code, without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** Bad flags or input: says what is wrong and how to fix it. Exit code 2. */
export class UsageError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Usage, options);
    this.name = 'UsageError';
  }
}

/** Something the command needs is not there (a running local cloud, a state machine ARN). Exit code 3. */
export class EnvironmentError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Environment, options);
    this.name = 'EnvironmentError';
  }
}

/** The operation ran and failed. Exit code 1. */
export class OperationFailedError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Failed, options);
    this.name = 'OperationFailedError';
  }
}

/** The user interrupted the command. Exit code 130. */
export class InterruptedError extends CliError {
  constructor(message = 'Interrupted.') {
    super(message, ExitCode.Interrupted);
    this.name = 'InterruptedError';
  }
}
