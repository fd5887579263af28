/**
 * Job supervision of the local Managed Flink endpoint: what happens when a job's process dies while its
 * application is RUNNING. The service keeps such an application RUNNING and restarts the job from its
 * newest checkpoint; locally the endpoint does the same, with a backoff between attempts. The API
 * operations live in service.ts; this module holds the restart policy and where a restart resumes from.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface RestartPolicy {
  /** The first restart's delay; each further one in a row doubles it. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A run that stayed up this long resets the doubling. */
  stableAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
};

/** The delay before restart number `attempt` (1-based) of a streak. */
export function restartDelayMs(policy: RestartPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * The newest completed checkpoint under a run's `state.checkpoints.dir` (`<dir>/<job id>/chk-<n>`): the
 * highest n whose `_metadata` exists (Flink writes it last, so a checkpoint without it never completed),
 * as a `file:` URI the runner's --from-savepoint takes. Undefined when there is none.
 */
export function latestCheckpoint(checkpointsDir: string): string | undefined {
  let best: { n: number; mtime: number; dir: string } | undefined;
  let jobs: string[];
  try {
    jobs = fs.readdirSync(checkpointsDir);
  } catch {
    return undefined;
  }
  for (const job of jobs) {
    let entries: string[];
    try {
      entries = fs.readdirSync(path.join(checkpointsDir, job));
    } catch {
      continue;
    }
    for (const entry of entries) {
      const match = /^chk-(\d+)$/.exec(entry);
      if (!match) continue;
      const dir = path.join(checkpointsDir, job, entry);
      let mtime: number;
      try {
        mtime = fs.statSync(path.join(dir, '_metadata')).mtimeMs;
      } catch {
        continue;
      }
      const n = Number(match[1]);
      if (!best || mtime > best.mtime || (mtime === best.mtime && n > best.n)) best = { n, mtime, dir };
    }
  }
  return best ? `file:${path.resolve(best.dir)}` : undefined;
}

/** One application's restart streak, kept while it is RUNNING. */
export class RestartStreak {
  private attempts = 0;
  constructor(private readonly policy: RestartPolicy) {}

  /** The delay before the next restart; counts it. */
  next(): { attempt: number; delayMs: number } {
    this.attempts += 1;
    return { attempt: this.attempts, delayMs: restartDelayMs(this.policy, this.attempts) };
  }

  /** A run ended after `upMs` of RUNNING; a long one ends the streak. */
  ranFor(upMs: number): void {
    if (upMs >= this.policy.stableAfterMs) this.attempts = 0;
  }
}
