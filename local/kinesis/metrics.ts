/**
 * The local Kinesis' stream-level CloudWatch metrics: `AWS/Kinesis` `IncomingRecords` (Count) and
 * `IncomingBytes` (Bytes) with the dimension `StreamName`, counting the records PutRecord and PutRecords
 * put successfully, as the Kinesis developer guide defines them ("Monitoring the Amazon Kinesis Data
 * Streams service with Amazon CloudWatch": basic stream-level metrics, one-minute granularity).
 *
 * The kinesis gateway reports each successful put; the counts are kept per stream and per UTC minute and
 * published to the local CloudWatch (moto) every `periodMs`, each data point stamped with its minute. Two
 * flushes within a minute give two data points of that minute, so a `Sum` over a 60 s period is the
 * minute's count, as AWS reports it. `IncomingBytes` counts the data blobs' bytes.
 */
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';

export const KINESIS_NAMESPACE = 'AWS/Kinesis';
const MINUTE = 60_000;
/** PutMetricData takes at most 1000 data points per call. */
const DATA_PER_CALL = 1000;

export interface KinesisMetricsOptions {
  cloudWatchEndpoint: string;
  region: string;
  /** Publish every this many ms; 0 starts no timer (the caller flushes). */
  periodMs: number;
  now?: () => Date;
  log?: (line: string) => void;
}

export interface KinesisMetrics {
  /** Counts `records` records of `bytes` bytes in all put successfully to `stream` now. */
  recordPut(stream: string, records: number, bytes: number): void;
  /** Publishes what was counted since the last flush. */
  flush(): Promise<void>;
  /** Stops the timer and publishes what is left. */
  stop(): Promise<void>;
}

export function startKinesisMetrics(options: KinesisMetricsOptions): KinesisMetrics {
  const log = options.log ?? (() => undefined);
  const now = () => (options.now ? options.now() : new Date()).getTime();
  const cloudWatch = new CloudWatchClient({
    endpoint: options.cloudWatchEndpoint,
    region: options.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  /** `<minute>\n<stream>` -> the counts not yet published. */
  let counts = new Map<string, { records: number; bytes: number }>();

  const keep = (entries: [string, { records: number; bytes: number }][]) => {
    for (const [key, value] of entries) {
      const kept = counts.get(key) ?? { records: 0, bytes: 0 };
      counts.set(key, { records: kept.records + value.records, bytes: kept.bytes + value.bytes });
    }
  };

  const flush = async () => {
    const entries = [...counts];
    counts = new Map();
    // Two data points per stream and minute.
    for (let i = 0; i < entries.length; i += DATA_PER_CALL / 2) {
      const chunk = entries.slice(i, i + DATA_PER_CALL / 2);
      const data: MetricDatum[] = chunk.flatMap(([key, { records, bytes }]) => {
        const [minute, stream] = key.split('\n') as [string, string];
        const common = {
          Dimensions: [{ Name: 'StreamName', Value: stream }],
          Timestamp: new Date(Number(minute)),
        };
        return [
          { ...common, MetricName: 'IncomingRecords', Unit: 'Count' as const, Value: records },
          { ...common, MetricName: 'IncomingBytes', Unit: 'Bytes' as const, Value: bytes },
        ];
      });
      try {
        await cloudWatch.send(new PutMetricDataCommand({ Namespace: KINESIS_NAMESPACE, MetricData: data }));
      } catch (error) {
        // What was not published is kept: the next flush tries again rather than losing it.
        keep(entries.slice(i));
        log(`publishing Kinesis metrics failed, kept for the next flush: ${(error as Error).message}`);
        return;
      }
    }
  };

  let chain: Promise<unknown> = Promise.resolve();
  const serialFlush = () => {
    const run = chain.then(flush);
    chain = run.catch(() => undefined);
    return run;
  };
  const timer =
    options.periodMs > 0
      ? setInterval(() => {
          void serialFlush();
        }, options.periodMs)
      : undefined;
  timer?.unref();

  return {
    recordPut: (stream, records, bytes) => {
      if (records > 0) keep([[`${Math.floor(now() / MINUTE) * MINUTE}\n${stream}`, { records, bytes }]]);
    },
    flush: serialFlush,
    stop: async () => {
      if (timer) clearInterval(timer);
      await serialFlush();
      cloudWatch.destroy();
    },
  };
}
