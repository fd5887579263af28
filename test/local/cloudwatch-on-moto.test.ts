/**
 * What the health gate and the local Managed Flink endpoint rely on from the local CloudWatch and
 * CloudWatch Logs (moto's server): the table "CloudWatch and CloudWatch Logs" in docs/local-cloud.md,
 * checked with the real SDK v3 clients. A moto upgrade that changes one of these rows fails here, and the
 * table must change with it (the JSON filter pattern row records a limitation, so it fails when moto
 * gains the feature).
 */
import {
  CloudWatchClient,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServices, type LocalServices } from '../../local/services';
import { failure } from './local-cloud-fixture';

jest.setTimeout(60_000);

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const NAMESPACE = 'AWS/KinesisAnalytics';
let dataDir: string;
let services: LocalServices;
let cloudWatch: CloudWatchClient;
let logs: CloudWatchLogsClient;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-cloudwatch-moto-'));
  services = await startServices({ dataDir, kinesisMetricsPeriodMs: 0, scheduleTickMs: 0 });
  cloudWatch = new CloudWatchClient({ endpoint: services.endpoints.cloudwatch, region, credentials });
  logs = new CloudWatchLogsClient({ endpoint: services.endpoints.logs, region, credentials });
}, 60_000);

afterAll(async () => {
  cloudWatch?.destroy();
  logs?.destroy();
  await services?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** One point of `application`'s restart counter at `at`. */
async function put(application: string, value: number, at: Date) {
  await cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: NAMESPACE,
      MetricData: [
        {
          MetricName: 'numRestarts',
          Dimensions: [{ Name: 'Application', Value: application }],
          Value: value,
          Timestamp: at,
        },
      ],
    }),
  );
}

/** GetMetricData's values and timestamps of `application`'s counter, one Stat and Period. */
async function read(application: string, start: Date, end: Date, stat: string, period: number) {
  const { MetricDataResults = [] } = await cloudWatch.send(
    new GetMetricDataCommand({
      StartTime: start,
      EndTime: end,
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: {
              Namespace: NAMESPACE,
              MetricName: 'numRestarts',
              Dimensions: [{ Name: 'Application', Value: application }],
            },
            Period: period,
            Stat: stat,
          },
        },
      ],
    }),
  );
  const result = MetricDataResults[0];
  return (result?.Timestamps ?? []).map((t, i) => [t.getTime() - start.getTime(), result!.Values![i]]);
}

describe('the local CloudWatch (moto) as docs/local-cloud.md describes it', () => {
  it('It should keep points per Application dimension and answer Maximum per period from StartTime', async () => {
    // Prepare: three points 0, 1, 3 ten seconds apart (the middle one 50 s into a 60 s period), and
    // another application's point between them.
    const start = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000);
    const at = (seconds: number) => new Date(start.getTime() + seconds * 1000);
    await put('app-one', 0, at(40));
    await put('app-one', 1, at(50));
    await put('app-one', 3, at(60));
    await put('app-two', 9, at(55));
    const end = at(180);

    // Act
    const byMinute = await read('app-one', start, end, 'Maximum', 60);
    const byTen = await read('app-one', start, end, 'Maximum', 10);
    const fromMidMinute = await read('app-one', at(45), end, 'Maximum', 60);
    const statistics = await cloudWatch.send(
      new GetMetricStatisticsCommand({
        Namespace: NAMESPACE,
        MetricName: 'numRestarts',
        Dimensions: [{ Name: 'Application', Value: 'app-one' }],
        StartTime: start,
        EndTime: end,
        Period: 60,
        Statistics: ['Maximum'],
      }),
    );

    // Assess: the other application's 9 is in none of them; GetMetricData's periods start at StartTime.
    expect(byMinute.sort((a, b) => a[0]! - b[0]!)).toEqual([
      [0, 1],
      [60_000, 3],
    ]);
    expect(byTen.map(([, value]) => value).sort((a, b) => a! - b!)).toEqual([0, 1, 3]);
    // From 45 s, one period holds the points at 50 and 60 s: a clock-minute bucket would split them.
    expect(fromMidMinute).toEqual([[0, 3]]);
    // GetMetricStatistics (which flinkflow does not use) starts its periods at the first point instead:
    // the three points fall into one period from 40 s.
    expect(
      (statistics.Datapoints ?? []).map((d) => [
        (d.Timestamp?.getTime() ?? NaN) - start.getTime(),
        d.Maximum,
      ]),
    ).toEqual([[40_000, 3]]);
    expect(await read('app-two', start, end, 'Maximum', 60)).toEqual([[0, 9]]);
  });

  it('It should filter log events on a quoted term by stream, ignore a JSON pattern, and refuse a missing group', async () => {
    // Prepare
    const logGroupName = '/aws/kinesis-analytics/moto-check';
    await logs.send(new CreateLogGroupCommand({ logGroupName }));
    for (const logStreamName of ['kinesis-analytics-log-stream', 'other-stream']) {
      await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName }));
    }
    const now = Date.now();
    const line = (messageType: string, message: string) => JSON.stringify({ messageType, message });
    await logs.send(
      new PutLogEventsCommand({
        logGroupName,
        logStreamName: 'kinesis-analytics-log-stream',
        logEvents: [
          { timestamp: now, message: line('INFO', 'job running') },
          { timestamp: now + 1, message: line('ERROR', 'java.lang.RuntimeException: boom') },
        ],
      }),
    );
    await logs.send(
      new PutLogEventsCommand({
        logGroupName,
        logStreamName: 'other-stream',
        logEvents: [{ timestamp: now, message: line('ERROR', 'java.lang.RuntimeException: elsewhere') }],
      }),
    );
    const filter = async (filterPattern: string) =>
      (
        await logs.send(
          new FilterLogEventsCommand({
            logGroupName,
            logStreamNames: ['kinesis-analytics-log-stream'],
            filterPattern,
          }),
        )
      ).events?.map((e) => JSON.parse(e.message ?? '{}') as { message: string }) ?? [];

    // Act
    const quoted = await filter('"RuntimeException"');
    const json = await filter('{ $.messageType = "ERROR" }');
    const missing = await failure(
      logs.send(
        new PutLogEventsCommand({
          logGroupName: '/no/such/group',
          logStreamName: 's',
          logEvents: [{ timestamp: now, message: 'x' }],
        }),
      ),
    );

    // Assess
    expect(quoted.map((e) => e.message)).toEqual(['java.lang.RuntimeException: boom']);
    expect(json.map((e) => e.message)).toEqual(['job running', 'java.lang.RuntimeException: boom']);
    expect(missing.name).toBe('ResourceNotFoundException');
  });
});
