/**
 * The exit codes of `flinkflow`, documented in docs/cli.md. Scripts branch on them, so they never change
 * meaning.
 */
export const ExitCode = {
  /** The command did what it was asked. */
  Ok: 0,
  /** The command ran and the operation failed (an execution failed, windows were missing, ...). */
  Failed: 1,
  /** Bad usage or input: an unknown option, a bad value, an invalid provisioning document. Nothing was created. */
  Usage: 2,
  /** The environment is not ready: no local cloud running, no state machine ARN, an endpoint unreachable. */
  Environment: 3,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM; what the command started has been stopped. */
  Interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
