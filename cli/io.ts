/**
 * Where a command writes and what it reads from its surroundings. Injected so that tests run commands
 * without a terminal, a network or the real environment.
 */
export interface CliIo {
  /** Results: tables, JSON. */
  out(text: string): void;
  /** Progress and messages, so that `--json` output on stdout stays machine-readable. */
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Milliseconds since the epoch. */
  now(): number;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
}

/** The real process: stdout, stderr, process.env, and a signal that SIGINT/SIGTERM abort. */
export function processIo(): CliIo & {
  dispose(): void;
  exit(code: number): void;
  /** Aborts `signal` as a first Ctrl-C does (the command stops what it started). */
  abort(reason: Error): void;
} {
  const controller = new AbortController();
  let firstSignalAt = 0;
  const onSignal = (name: NodeJS.Signals) => {
    // The launcher passes on a signal the terminal already sent to this process: the same Ctrl-C.
    if (controller.signal.aborted && Date.now() - firstSignalAt < 1000) return;
    if (controller.signal.aborted) {
      // A second Ctrl-C means "now": do not wait for the clean-up.
      process.exit(130);
    }
    process.stderr.write(
      `\n${name} received: stopping what this command started (Ctrl-C again to force)...\n`,
    );
    firstSignalAt = Date.now();
    controller.abort(new Error(name));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `flinkflow ... | head` closes the pipe early; that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  // Libraries may write to stdout too (e.g. an SDK's warnings). Everything but the command's own result
  // goes to stderr, so `--json` stays parseable.
  const writeStdout = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  return {
    out: (text) => writeStdout(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    env: process.env,
    now: () => Date.now(),
    signal: controller.signal,
    // Exit once stdout is flushed: idle keep-alive sockets of the SDK clients would hold the process open.
    exit: (code) => {
      writeStdout('', () => process.exit(code));
    },
    abort: (reason) => controller.abort(reason),
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
