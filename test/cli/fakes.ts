import type { CliIo } from '../../cli/io';

/** A CliIo that records what a command writes, with a fixed environment and clock. */
export function fakeIo(
  env: NodeJS.ProcessEnv = {},
): CliIo & { stdout: string[]; stderr: string[]; abort(): void } {
  const controller = new AbortController();
  const stdout: string[] = [];
  const stderr: string[] = [];
  let t = Date.UTC(2026, 10, 25, 12, 0, 0);
  return {
    stdout,
    stderr,
    out: (text) => stdout.push(text),
    err: (text) => stderr.push(text),
    env,
    now: () => (t += 10),
    signal: controller.signal,
    abort: () => controller.abort(),
  };
}
