/**
 * The local Managed Flink endpoint after RUNNING, on real Flink in the whole local cloud: a job that
 * fails is restarted and the application stays RUNNING, as on the service; the restarts show in
 * CloudWatch (read with the real SDK client, boto3 and the AWS CLI) and the job's exception in the
 * application's log stream; a job whose JVM is killed (kill -9) resumes from its newest checkpoint.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { maxApplicationMetric } from '../support/local-cloud';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateStreamCommand, PutRecordsCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import {
  DescribeApplicationCommand,
  KinesisAnalyticsV2Client,
  StopApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { CreateBucketCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { residentBytes } from '../../local/common/processes';
import { useFixture } from './local-cloud-fixture';
import {
  createAndStartApplication,
  javaPidsMentioning,
  PACKAGED_ZIP,
  readWithAwsCli,
  readWithBoto3,
  zipFailingAfterRecords,
} from '../support/flink-jobs';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const CODE_BUCKET = 'flinkflow-recovery-code';
const OUTPUT_BUCKET = 'flinkflow-recovery-output';
const STREAM = 'flinkflow-recovery-ticks';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
// A PyFlink start takes tens of seconds on a shared 2-core machine; a restart is a start.
const START_TIMEOUT_MS = 300_000;

jest.setTimeout(15 * 60_000);

const fx = useFixture({}, async (fixture) => {
  await fixture.s3.send(new CreateBucketCommand({ Bucket: CODE_BUCKET }));
  await fixture.s3.send(
    new PutBucketVersioningCommand({ Bucket: CODE_BUCKET, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  await fixture.s3.send(new CreateBucketCommand({ Bucket: OUTPUT_BUCKET }));
  await fixture.kinesis.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 1 }));
  await waitUntilStreamExists({ client: fixture.kinesis, maxWaitTime: 30 }, { StreamName: STREAM });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function clients() {
  const { endpoints } = fx.services;
  return {
    flink: new KinesisAnalyticsV2Client({
      endpoint: endpoints.kinesisanalyticsv2,
      region: REGION,
      credentials,
    }),
    cloudWatch: new CloudWatchClient({ endpoint: endpoints.cloudwatch, region: REGION, credentials }),
    logs: new CloudWatchLogsClient({ endpoint: endpoints.logs, region: REGION, credentials }),
  };
}

/** Puts ticks on the stream every 200 ms until stopped (event time = now). */
function produceTicks(): { stop(): Promise<number> } {
  let running = true;
  let sent = 0;
  const loop = (async () => {
    while (running) {
      const now = new Date().toISOString();
      await fx.kinesis.send(
        new PutRecordsCommand({
          StreamName: STREAM,
          Records: ['AAPL', 'MSFT'].map((ticker, i) => ({
            PartitionKey: ticker,
            Data: Buffer.from(JSON.stringify({ ticker, price: 10 + i + (sent % 7), event_time: now })),
          })),
        }),
      );
      sent += 2;
      await sleep(200);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return sent;
    },
  };
}

/** Creates the application with its log stream, as the provisioning task does, and starts it. */
async function createAndStart(
  flink: KinesisAnalyticsV2Client,
  logs: CloudWatchLogsClient,
  name: string,
  zip: Buffer,
): Promise<{ logGroupName: string; logStreamName: string }> {
  return createAndStartApplication(
    { s3: fx.s3, flink, logs },
    {
      name,
      region: REGION,
      account: ACCOUNT,
      codeBucket: CODE_BUCKET,
      zip,
      stream: STREAM,
      outputBucket: OUTPUT_BUCKET,
      windowSeconds: 5,
      watermarkSeconds: 1,
      startTimeoutMs: START_TIMEOUT_MS,
    },
  );
}

async function statusOf(flink: KinesisAnalyticsV2Client, name: string): Promise<string> {
  const out = await flink.send(new DescribeApplicationCommand({ ApplicationName: name }));
  return out.ApplicationDetail?.ApplicationStatus ?? 'unknown';
}

/** Polls until `check` returns a value, recording the application's statuses meanwhile. */
async function watch<T>(
  flink: KinesisAnalyticsV2Client,
  name: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  statuses: string[],
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await statusOf(flink, name);
    if (statuses.at(-1) !== status) statuses.push(status);
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`${name}: no result within ${timeoutMs} ms; statuses ${statuses.join(' -> ')}`);
    await sleep(1_000);
  }
}

function runsOf(name: string): string[] {
  const runs = path.join(fx.dataDir, 'flink', 'apps', name, 'runs');
  return fs.existsSync(runs)
    ? fs
        .readdirSync(runs)
        .sort()
        .map((run) => path.join(runs, run))
    : [];
}

/** The endpoint's log of one run: what it started and every line the runner printed. */
function runnerLogOf(name: string, runDir: string): string {
  const file = path.join(fx.dataDir, 'flink', 'apps', name, 'logs', `${path.basename(runDir)}.log`);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

function newestCheckpoint(runDir: string): string | undefined {
  const root = path.join(runDir, 'work', 'checkpoints');
  if (!fs.existsSync(root)) return undefined;
  const done = fs
    .readdirSync(root, { recursive: true })
    .map(String)
    .filter((f) => /chk-\d+[/\\]_metadata$/.test(f))
    .map((f) => path.join(root, path.dirname(f)))
    .sort((a, b) => Number(/chk-(\d+)$/.exec(a)![1]) - Number(/chk-(\d+)$/.exec(b)![1]));
  return done.at(-1);
}

describe('A RUNNING job that fails, on real Flink', () => {
  it('It should stay RUNNING while Flink restarts the job, with numRestarts in CloudWatch and the exception in the log stream', async () => {
    // Prepare
    const { flink, cloudWatch, logs } = clients();
    const name = 'fails-after-records';
    const message = 'flinkflow-test: failing on purpose after 20 records';
    const zip = path.join(fx.dataDir, `${name}.zip`);
    zipFailingAfterRecords(zip, message, 20, path.join(fx.dataDir, `${name}.failed-once`));
    const ticks = produceTicks();
    try {
      const { logGroupName, logStreamName } = await createAndStart(flink, logs, name, fs.readFileSync(zip));

      // Act
      const statuses: string[] = [];
      const restarts = await watch(
        flink,
        name,
        async () => {
          const max = await maxApplicationMetric(cloudWatch, name, 'numRestarts');
          return max >= 1 ? max : undefined;
        },
        180_000,
        statuses,
      );
      const restartsSeenAt = Date.now();
      const events = await watch(
        flink,
        name,
        async () => {
          const out = await logs.send(
            new FilterLogEventsCommand({
              logGroupName,
              logStreamNames: [logStreamName],
              filterPattern: '"failing on purpose"',
            }),
          );
          return out.events?.length ? out.events : undefined;
        },
        30_000,
        statuses,
      );
      const fromBoto3 = readWithBoto3({
        endpoint: fx.services.endpoints.cloudwatch,
        region: REGION,
        application: name,
        logGroupName,
        logStreamName,
        filterPattern: '"failing on purpose"',
      });
      const fromAwsCli = readWithAwsCli({
        endpoint: fx.services.endpoints.cloudwatch,
        region: REGION,
        application: name,
        logGroupName,
        logStreamName,
        filterPattern: '"failing on purpose"',
      });
      const statusAtEnd = await statusOf(flink, name);
      await flink.send(new StopApplicationCommand({ ApplicationName: name, Force: true }));

      // Assess
      expect(statuses).toEqual(['RUNNING']);
      expect(statusAtEnd).toBe('RUNNING');
      expect(restarts).toBeGreaterThanOrEqual(1);
      // Flink restarted the job inside the same process: one run, no restart by the endpoint.
      expect(runsOf(name)).toHaveLength(1);
      const bodies = events.map((e) => JSON.parse(e.message ?? '{}') as Record<string, string>);
      const failure = bodies.find((b) => (b['message'] ?? '').includes(message));
      const failedAt = events.find((e) => (e.message ?? '').includes(message))?.timestamp ?? NaN;
      process.stdout.write(
        `flink-recovery: job failure to numRestarts >= 1 in CloudWatch ${((restartsSeenAt - failedAt) / 1000).toFixed(1)} s\n`,
      );
      expect(failure).toMatchObject({
        applicationARN: `arn:aws:kinesisanalytics:${REGION}:${ACCOUNT}:application/${name}`,
        messageType: 'ERROR',
      });
      expect(failure?.['throwableInformation']).toContain('RuntimeException');
      expect(fromBoto3.maxNumRestarts).toBeGreaterThanOrEqual(1);
      expect(fromBoto3.messages.some((m) => m.includes(message))).toBe(true);
      expect(fromAwsCli.maxNumRestarts).toBeGreaterThanOrEqual(1);
      expect(fromAwsCli.messages.some((m) => m.includes(message))).toBe(true);
    } finally {
      await ticks.stop();
      for (const client of [flink, cloudWatch, logs]) client.destroy();
    }
  });

  it('It should restart a job whose JVM is killed (kill -9) from its newest checkpoint, RUNNING throughout', async () => {
    // Prepare
    const { flink, cloudWatch, logs } = clients();
    const name = 'killed-jvm';
    const ticks = produceTicks();
    try {
      await createAndStart(flink, logs, name, fs.readFileSync(PACKAGED_ZIP));
      const [firstRun] = runsOf(name);
      const statuses: string[] = [];
      const checkpoint = await watch(flink, name, async () => newestCheckpoint(firstRun!), 120_000, statuses);
      const jvms = javaPidsMentioning(firstRun!);
      expect(jvms.length).toBeGreaterThan(0);
      const memoryBytes = jvms.reduce((sum, pid) => sum + residentBytes(pid), 0);

      // Act
      const killedAt = Date.now();
      for (const pid of jvms) process.kill(pid, 'SIGKILL');
      const secondRun = await watch(
        flink,
        name,
        async () => {
          const second = runsOf(name)[1];
          return second && /\[runner\] \{"status": ?"RUNNING"/.test(runnerLogOf(name, second))
            ? second
            : undefined;
        },
        START_TIMEOUT_MS,
        statuses,
      );
      const restartLatencyMs = Date.now() - killedAt;
      const killedRunCheckpoint = newestCheckpoint(firstRun!);
      const restarts = await watch(
        flink,
        name,
        async () => {
          const max = await maxApplicationMetric(cloudWatch, name, 'numRestarts');
          return max >= 1 ? max : undefined;
        },
        60_000,
        statuses,
      );
      const secondLog = fs.readFileSync(path.join(secondRun, 'work', 'flink.log'), 'utf8');
      await flink.send(new StopApplicationCommand({ ApplicationName: name, Force: true }));
      process.stdout.write(
        `flink-recovery: kill -9 to RUNNING again ${(restartLatencyMs / 1000).toFixed(1)} s; ` +
          `JVM resident memory before the kill ${(memoryBytes / 2 ** 20).toFixed(0)} MiB\n`,
      );

      // Assess
      expect(checkpoint).toBeDefined();
      expect(statuses).toEqual(['RUNNING']);
      expect(restarts).toBeGreaterThanOrEqual(1);
      // The endpoint restarted the job from the killed run's newest completed checkpoint.
      expect(killedRunCheckpoint).toBeDefined();
      const runnerLog = runnerLogOf(name, secondRun);
      expect(runnerLog).toContain(`--from-savepoint file:${killedRunCheckpoint}`);
      // And Flink restored the job's state from it.
      expect(secondLog).toMatch(
        new RegExp(`Restoring job [0-9a-f]{32} from .*${path.basename(killedRunCheckpoint!)}`),
      );
    } finally {
      await ticks.stop();
      for (const client of [flink, cloudWatch, logs]) client.destroy();
    }
  });
});
