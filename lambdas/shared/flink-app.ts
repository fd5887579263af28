import { checkpointIntervalSeconds } from '../../workflow/contract';

/**
 * What the Flink job expects from its application, as docs/flink-app.md fixes it: the property group
 * ids and the files inside the deployable zip that the run options name.
 */
export const PropertyGroupIds = {
  consumer: 'consumer.config.0',
  sink: 'sink.config.0',
  job: 'job.config.0',
  runOptions: 'kinesis.analytics.flink.run.options',
} as const;

/** Paths inside the code zip built by flink-app (`make flink-zip`). */
export const FlinkAppFiles = {
  python: 'main.py',
  jarfile: 'lib/flinkflow-app-deps.jar',
} as const;

/** How often the job checkpoints, in ms: the input's convention (workflow/provision-input.ts). */
export function checkpointIntervalMs(windowSeconds: number): number {
  return checkpointIntervalSeconds(windowSeconds) * 1000;
}
