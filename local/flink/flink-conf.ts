/**
 * The Flink configuration the managed service derives from an application's
 * FlinkApplicationConfiguration, as `--flink-conf KEY=VALUE` pairs for the local runner
 * (docs/flink-app.md). The service sets these for the job; the job's code only falls back to its own
 * checkpoint interval when none is set.
 */
import { effectiveCheckpoint, effectiveParallelism } from './describe';
import type { ApplicationConfig } from './model';

/**
 * The pairs for one run of `config`: checkpoint interval and minimum pause (DEFAULT means the service's
 * 60 s and 5 s; CUSTOM the given values), and the parallelism. With checkpointing disabled no interval
 * is set, which is how Flink 1.20 leaves checkpointing off.
 */
export function flinkConfPairs(config: ApplicationConfig): string[] {
  const checkpoint = effectiveCheckpoint(config);
  const pairs: string[] = [];
  if (checkpoint.enabled) {
    pairs.push(
      `execution.checkpointing.interval=${checkpoint.intervalMs} ms`,
      `execution.checkpointing.min-pause=${checkpoint.minPauseMs} ms`,
    );
  }
  pairs.push(`parallelism.default=${effectiveParallelism(config)}`);
  return pairs;
}
