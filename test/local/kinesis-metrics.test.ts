/**
 * The local Kinesis publishes AWS/Kinesis IncomingRecords and IncomingBytes per stream to the local
 * CloudWatch, as AWS does: the records PutRecord and PutRecords put, summed per minute. Checked with the
 * real SDK v3 clients: put N records, then GetMetricData's Sum over the minutes is N.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServices, type LocalServices } from '../../local/services';
import { failure } from './local-cloud-fixture';

jest.setTimeout(60_000);

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let dataDir: string;
let services: LocalServices;
let kinesis: KinesisClient;
let cloudWatch: CloudWatchClient;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-kinesis-metrics-'));
  // No timer: the test publishes with flush(), as the daemon's 5 s timer would.
  services = await startServices({ dataDir, kinesisMetricsPeriodMs: 0, scheduleTickMs: 0 });
  kinesis = new KinesisClient({
    endpoint: services.endpoints.kinesis,
    region,
    credentials,
    requestHandler: new NodeHttpHandler(),
  });
  cloudWatch = new CloudWatchClient({ endpoint: services.edge, region, credentials });
}, 60_000);

afterAll(async () => {
  kinesis?.destroy();
  cloudWatch?.destroy();
  await services?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function activeStream(name: string): Promise<string> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  for (;;) {
    const { StreamDescriptionSummary } = await kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: name }),
    );
    if (StreamDescriptionSummary?.StreamStatus === 'ACTIVE')
      return StreamDescriptionSummary.StreamARN as string;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The metric's Sum per minute, as GetMetricData gives it, for the last hour (whole minutes). */
async function sums(metric: string, stream: string): Promise<{ total: number; timestamps: Date[] }> {
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  const { MetricDataResults = [] } = await cloudWatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(minute - 3_600_000),
      EndTime: new Date(minute + 60_000),
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/Kinesis',
              MetricName: metric,
              Dimensions: [{ Name: 'StreamName', Value: stream }],
            },
            Period: 60,
            Stat: 'Sum',
          },
        },
      ],
    }),
  );
  const result = MetricDataResults[0];
  return {
    total: (result?.Values ?? []).reduce((a, b) => a + b, 0),
    timestamps: result?.Timestamps ?? [],
  };
}

describe('local Kinesis stream metrics', () => {
  it('It should publish IncomingRecords and IncomingBytes equal to what PutRecord and PutRecords put, per stream', async () => {
    // Prepare
    const ticksArn = await activeStream('metrics-ticks');
    await activeStream('metrics-other');
    const payload = (i: number) => Buffer.from(JSON.stringify({ ticker: 'AAPL', price: 40 + i }));
    let bytes = 0;

    // Act: 3 single puts (one addressed by ARN), 2 batches of 25, and 4 records on another stream.
    for (let i = 0; i < 3; i++) {
      const data = payload(i);
      bytes += data.length;
      await kinesis.send(
        new PutRecordCommand({
          ...(i === 0 ? { StreamARN: ticksArn } : { StreamName: 'metrics-ticks' }),
          PartitionKey: 'AAPL',
          Data: data,
        }),
      );
    }
    for (let batch = 0; batch < 2; batch++) {
      const records = Array.from({ length: 25 }, (_, i) => ({
        PartitionKey: `k${i}`,
        Data: payload(batch * 25 + i),
      }));
      bytes += records.reduce((sum, r) => sum + r.Data.length, 0);
      await kinesis.send(new PutRecordsCommand({ StreamName: 'metrics-ticks', Records: records }));
    }
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'metrics-other',
        Records: Array.from({ length: 4 }, (_, i) => ({ PartitionKey: 'x', Data: payload(i) })),
      }),
    );
    await services.kinesisMetrics.flush();

    // Assess
    const records = await sums('IncomingRecords', 'metrics-ticks');
    expect(records.total).toBe(53);
    expect((await sums('IncomingBytes', 'metrics-ticks')).total).toBe(bytes);
    expect((await sums('IncomingRecords', 'metrics-other')).total).toBe(4);
    for (const timestamp of records.timestamps) expect(timestamp.getTime() % 60_000).toBe(0);
  });

  it('It should count nothing for a put that fails', async () => {
    // Act
    const error = await failure(
      kinesis.send(
        new PutRecordCommand({ StreamName: 'no-such-stream', PartitionKey: 'k', Data: Buffer.from('x') }),
      ),
    );
    await services.kinesisMetrics.flush();

    // Assess
    expect(error.name).toBe('ResourceNotFoundException');
    expect((await sums('IncomingRecords', 'no-such-stream')).total).toBe(0);
  });
});
