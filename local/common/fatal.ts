/**
 * What a long-running process does with an error nobody handled (`uncaughtException`,
 * `unhandledRejection`): report it with its stack, stop what the process started, and exit non-zero.
 * Carrying on after one leaves a process in a state no code planned for (a server that answers with
 * half its providers, a run whose clean-up never comes); failing loudly is the only honest outcome.
 */

/** The part of `process` this needs; a test passes an EventEmitter. */
export interface FatalErrorSource {
  on(event: 'uncaughtException', listener: (error: Error) => void): unknown;
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

export interface FatalErrorOptions {
  /** Where the report goes (the daemon's log, the CLI's stderr). */
  report(text: string): void;
  /** Stops what the process started; awaited at most `graceMs`. */
  cleanUp(): Promise<void>;
  exit(code: number): void;
  /** The exit code; 1 unless set. */
  exitCode?: number;
  /** How long the clean-up may take before the process exits anyway. */
  graceMs?: number;
}

const describe = (error: unknown) =>
  error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);

/**
 * Installs the handlers. The first fatal error starts the clean-up and the exit; later ones (often
 * caused by the first) are reported but start nothing new.
 */
export function exitOnFatalError(source: FatalErrorSource, options: FatalErrorOptions): void {
  let exiting = false;
  const fatal = (kind: string, error: unknown) => {
    options.report(`${kind}: ${describe(error)}`);
    if (exiting) return;
    exiting = true;
    const code = options.exitCode ?? 1;
    const graceMs = options.graceMs ?? 20_000;
    options.report(`stopping what this process started, then exiting with code ${code}`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        options.report(`the clean-up took longer than ${graceMs} ms; exiting without it`);
        resolve();
      }, graceMs);
    });
    void Promise.race([
      options.cleanUp().catch((e: unknown) => options.report(`the clean-up failed too: ${describe(e)}`)),
      timeout,
    ]).then(() => {
      clearTimeout(timer);
      options.exit(code);
    });
  };
  source.on('uncaughtException', (error) => fatal('uncaught exception', error));
  source.on('unhandledRejection', (reason) => fatal('unhandled rejection', reason));
}
