/**
 * What a task needs besides its input: the AWS clients, a clock and a sleep. Injected so that unit
 * tests control time; defaulted to the process-wide clients and the real clock.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { awsClients, type AwsClients } from './clients';

export interface TaskDeps {
  clients: AwsClients;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
}

/** The real dependencies: shared clients, wall clock, timers. */
export function defaultDeps(): TaskDeps {
  return { clients: awsClients(), now: () => new Date(), sleep: (ms) => delay(ms).then(() => undefined) };
}

/** Fills the dependencies a caller did not pass with the real ones. */
export function resolveDeps(deps: Partial<TaskDeps> = {}): TaskDeps {
  return { ...defaultDeps(), ...deps };
}

export interface PollOptions {
  /** Give up after this long (measured with `deps.now`). */
  timeoutMs: number;
  /** First wait; doubled after each poll up to `maxIntervalMs`. */
  intervalMs: number;
  maxIntervalMs: number;
}

/**
 * Calls `probe` until it returns a value (not `undefined`) or the time is up; then returns `undefined`.
 * Bounded, so a task never outlives its Lambda timeout waiting on a resource.
 */
export async function pollUntil<T>(
  deps: Pick<TaskDeps, 'now' | 'sleep'>,
  options: PollOptions,
  probe: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const deadline = deps.now().getTime() + options.timeoutMs;
  let interval = options.intervalMs;
  for (;;) {
    const result = await probe();
    if (result !== undefined) return result;
    const remaining = deadline - deps.now().getTime();
    if (remaining <= 0) return undefined;
    await deps.sleep(Math.min(interval, remaining));
    interval = Math.min(interval * 2, options.maxIntervalMs);
  }
}
