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

/**
 * How often the job checkpoints. The file sink makes output visible only at a checkpoint, so a window
 * should not wait much longer than its own length to appear; below 10 s the checkpoint overhead buys
 * nothing for minute-scale windows, and above 60 s (the service's default) results lag for no reason.
 */
export function checkpointIntervalMs(windowSeconds: number): number {
  return Math.min(60, Math.max(10, windowSeconds)) * 1000;
}
