/**
 * A Managed Flink application RUNNING when the local cloud stops is RUNNING again after it starts on the
 * same data folder, as an application on AWS keeps running when the service's control plane restarts:
 * the services are started on a temp data folder, an application runs the real job on real Flink and
 * seeded ticks flow, everything stops as `local down` stops it (the job is killed), and starts again on
 * the same folder. The job resumes from its newest checkpoint (Kinesis records and sequence numbers, S3
 * objects and open multipart uploads, metrics and logs came back with moto and kinesalite), more ticks
 * are produced, and the windows in S3 are checked against a recomputation from every produced event:
 * none lost, none written twice. The application counts one restart, and its log stream says why.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateStreamCommand,
  KinesisClient,
  PutRecordsCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import {
  DescribeApplicationCommand,
  KinesisAnalyticsV2Client,
  StopApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startServices, type LocalServices } from '../../local/services';
import { TickGenerator, type TickEvent } from '../../producer';
import { createAndStartApplication, javaPidsMentioning, PACKAGED_ZIP } from '../support/flink-jobs';
import { maxApplicationMetric } from '../support/local-cloud';
import { compareWindows } from './windows';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const NAME = 'resume-app';
const CODE_BUCKET = 'flinkflow-resume-code';
const OUTPUT_BUCKET = 'flinkflow-resume-output';
const STREAM = 'flinkflow-resume-ticks';
const WINDOW_SECONDS = 5;
const WATERMARK_SECONDS = 1;
const SEED = 7;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
// A PyFlink start takes tens of seconds on a shared 2-core machine; the restart after `up` is a start.
const START_TIMEOUT_MS = 300_000;

jest.setTimeout(20 * 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Clients {
  kinesis: KinesisClient;
  s3: S3Client;
  flink: KinesisAnalyticsV2Client;
  cloudWatch: CloudWatchClient;
  logs: CloudWatchLogsClient;
  destroy(): void;
}

function clientsOf(services: LocalServices): Clients {
  const { endpoints } = services;
  const base = { region: REGION, credentials };
  const clients = {
    // kinesalite speaks HTTP/1.1 only.
    kinesis: new KinesisClient({
      ...base,
      endpoint: endpoints.kinesis,
      requestHandler: new NodeHttpHandler(),
    }),
    s3: new S3Client({ ...base, endpoint: endpoints.s3, forcePathStyle: true }),
    flink: new KinesisAnalyticsV2Client({ ...base, endpoint: endpoints.kinesisanalyticsv2 }),
    cloudWatch: new CloudWatchClient({ ...base, endpoint: endpoints.cloudwatch }),
    logs: new CloudWatchLogsClient({ ...base, endpoint: endpoints.logs }),
  };
  return { ...clients, destroy: () => Object.values(clients).forEach((c) => c.destroy()) };
}

/** Puts seeded ticks (event time = now) on the stream, 5 every 250 ms, recording each delivered one. */
function produce(kinesis: KinesisClient, generator: TickGenerator, produced: TickEvent[]) {
  let running = true;
  const loop = (async () => {
    while (running) {
      const now = Date.now();
      const events = Array.from({ length: 5 }, (_, i) => generator.next(now + i));
      const out = await kinesis.send(
        new PutRecordsCommand({
          StreamName: STREAM,
          Records: events.map((e) => ({ PartitionKey: e.ticker, Data: Buffer.from(JSON.stringify(e)) })),
        }),
      );
      if (out.FailedRecordCount) throw new Error(`${out.FailedRecordCount} records were not put`);
      produced.push(...events);
      await sleep(250);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

function runsOf(dataDir: string): string[] {
  const runs = path.join(dataDir, 'flink', 'apps', NAME, 'runs');
  return existsSync(runs)
    ? readdirSync(runs)
        .sort()
        .map((run) => path.join(runs, run))
    : [];
}

/**
 * The completed checkpoints of a run (`chk-<n>` with its `_metadata`), newest last. Flink keeps only the
 * newest completed one, so progress shows in the number n, not in how many there are.
 */
function completedCheckpoints(runDir: string): string[] {
  const root = path.join(runDir, 'work', 'checkpoints');
  if (!existsSync(root)) return [];
  // Flink deletes a subsumed checkpoint's folder while the walk may be in it (ENOENT): walk again.
  for (let attempt = 1; ; attempt++) {
    try {
      return readdirSync(root, { recursive: true })
        .map(String)
        .filter((f) => /chk-\d+[/\\]_metadata$/.test(f))
        .map((f) => path.join(root, path.dirname(f)))
        .sort((a, b) => Number(/chk-(\d+)$/.exec(a)![1]) - Number(/chk-(\d+)$/.exec(b)![1]));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 20) throw error;
    }
  }
}

function checkpointNumber(checkpoint: string | undefined): number {
  return checkpoint ? Number(/chk-(\d+)$/.exec(checkpoint)![1]) : 0;
}

function runnerLogOf(dataDir: string, runDir: string): string {
  const file = path.join(dataDir, 'flink', 'apps', NAME, 'logs', `${path.basename(runDir)}.log`);
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/**
 * The window rows in the output bucket as (ticker, window start, avg, count): every committed CSV line,
 * the ticker from its `ticker=` folder. Hidden and `_`-prefixed objects (`_SUCCESS`, the S3 writer's
 * pieces of unfinished parts) are no output, as for Glue.
 */
async function outputRows(s3: S3Client): Promise<string[][]> {
  const rows: string[][] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: OUTPUT_BUCKET, Prefix: `${NAME}/`, ContinuationToken }),
    );
    for (const object of page.Contents ?? []) {
      const key = object.Key ?? '';
      if (key.split('/').some((part) => part.startsWith('.') || part.startsWith('_'))) continue;
      const ticker = /(?:^|\/)ticker=([^/]+)\//.exec(key)?.[1];
      if (!ticker) throw new Error(`output object ${key} is not under a ticker= folder`);
      const body = await s3.send(new GetObjectCommand({ Bucket: OUTPUT_BUCKET, Key: key }));
      for (const line of (await body.Body!.transformToString()).split('\n')) {
        if (!line.trim()) continue;
        const [, start, avg, count] = line.split(',');
        rows.push([ticker, start ?? '', avg ?? '', count ?? '']);
      }
    }
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return rows;
}

async function statusOf(flink: KinesisAnalyticsV2Client): Promise<string> {
  const out = await flink.send(new DescribeApplicationCommand({ ApplicationName: NAME }));
  return out.ApplicationDetail?.ApplicationStatus ?? 'unknown';
}

/** Polls `check` every second until it returns a value, recording the application's statuses. */
async function watch<T>(
  flink: KinesisAnalyticsV2Client,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  statuses: string[],
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await statusOf(flink);
    if (statuses.at(-1) !== status) statuses.push(status);
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms; statuses ${statuses.join(' -> ')}`);
    await sleep(1_000);
  }
}

async function createAndStart(clients: Clients): Promise<{ logGroupName: string; logStreamName: string }> {
  const { s3, kinesis } = clients;
  await s3.send(new CreateBucketCommand({ Bucket: CODE_BUCKET }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: CODE_BUCKET, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: OUTPUT_BUCKET }));
  await kinesis.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 1 }));
  await waitUntilStreamExists({ client: kinesis, maxWaitTime: 30 }, { StreamName: STREAM });
  return createAndStartApplication(clients, {
    name: NAME,
    region: REGION,
    account: ACCOUNT,
    codeBucket: CODE_BUCKET,
    zip: readFileSync(PACKAGED_ZIP),
    stream: STREAM,
    outputBucket: OUTPUT_BUCKET,
    windowSeconds: WINDOW_SECONDS,
    watermarkSeconds: WATERMARK_SECONDS,
    startTimeoutMs: START_TIMEOUT_MS,
  });
}

describe('A RUNNING application across local down and up, on real Flink', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-e2e-resume-'));
  const logFile = path.join(dataDir, 'services.log');
  const log = (service: string, line: string) =>
    appendFileSync(logFile, `${new Date().toISOString()} ${service}: ${line}\n`);
  let services: LocalServices | undefined;
  let clients: Clients | undefined;
  let passed = false;

  afterAll(async () => {
    clients?.destroy();
    await services?.stop();
    // A failed run leaves its data folder (the services' log, the runs' logs) to be read.
    if (passed) rmSync(dataDir, { recursive: true, force: true });
    else process.stderr.write(`e2e-resume: the data folder is kept: ${dataDir}\n`);
  });

  it('It should be RUNNING again after up, resume from its newest checkpoint, count one restart and lose or repeat no window', async () => {
    // Prepare: the application runs and has committed windows and a checkpoint taken after production began.
    process.stderr.write(`e2e-resume: the services log to ${logFile}\n`);
    services = await startServices({ dataDir, log });
    clients = clientsOf(services);
    const { logGroupName, logStreamName } = await createAndStart(clients);
    const [firstRun] = runsOf(dataDir);
    const generator = new TickGenerator(SEED);
    const produced: TickEvent[] = [];
    const statuses: string[] = [];
    const newestAtProductionStart = checkpointNumber(completedCheckpoints(firstRun!).at(-1));
    let ticks = produce(clients.kinesis, generator, produced);
    const { s3, flink } = clients;
    try {
      await watch(
        flink,
        async () => {
          const newest = checkpointNumber(completedCheckpoints(firstRun!).at(-1));
          return newest >= newestAtProductionStart + 2 && (await outputRows(s3)).length >= 3
            ? true
            : undefined;
        },
        240_000,
        statuses,
        'a checkpoint after production began and three committed windows',
      );
    } finally {
      await ticks.stop();
    }
    const producedBeforeDown = produced.length;
    const jvms = javaPidsMentioning(firstRun!);

    // Act: down (the jobs are killed), then up on the same data folder.
    clients.destroy();
    const downAt = Date.now();
    await services.stop();
    const downMs = Date.now() - downAt;
    services = undefined;
    const newestBeforeUp = completedCheckpoints(firstRun!).at(-1);
    const jvmsLeft = jvms.filter((pid) => javaPidsMentioning(firstRun!).includes(pid));
    const upAt = Date.now();
    services = await startServices({ dataDir, log });
    const upMs = Date.now() - upAt;
    clients = clientsOf(services);
    const statusAfterUp = await statusOf(clients.flink);
    const after: string[] = [statusAfterUp];
    const secondRun = await watch(
      clients.flink,
      async () => {
        const second = runsOf(dataDir)[1];
        return second && /\[runner\] \{"status": ?"RUNNING"/.test(runnerLogOf(dataDir, second))
          ? second
          : undefined;
      },
      START_TIMEOUT_MS,
      after,
      'the job RUNNING again after up',
    );
    const runningAgainMs = Date.now() - upAt;
    ticks = produce(clients.kinesis, generator, produced);
    try {
      await sleep(20_000);
    } finally {
      await ticks.stop();
    }
    const s3After = clients.s3;
    const comparison = await watch(
      clients.flink,
      async () => {
        const result = compareWindows(await outputRows(s3After), produced, WINDOW_SECONDS, WATERMARK_SECONDS);
        return result.missing.length === 0 ? result : undefined;
      },
      180_000,
      after,
      'every certain window in S3',
    ).catch(async () =>
      compareWindows(await outputRows(s3After), produced, WINDOW_SECONDS, WATERMARK_SECONDS),
    );
    const restarts = await maxApplicationMetric(clients.cloudWatch, NAME, 'numRestarts');
    const reasons = await clients.logs.send(
      new FilterLogEventsCommand({
        logGroupName,
        logStreamNames: [logStreamName],
        filterPattern: '"local cloud stopped"',
      }),
    );
    const statusAtEnd = await statusOf(clients.flink);
    await clients.flink.send(new StopApplicationCommand({ ApplicationName: NAME, Force: true }));
    process.stderr.write(
      `e2e-resume: down ${(downMs / 1000).toFixed(1)} s, up ${(upMs / 1000).toFixed(1)} s, up to the job RUNNING again ` +
        `${(runningAgainMs / 1000).toFixed(1)} s; ${producedBeforeDown} events before down, ${produced.length} in all; ` +
        `${comparison.seen} windows in S3, ${comparison.mustHave} certain\n`,
    );

    // Assess: RUNNING on both sides of the stop, the job killed and restarted from the newest checkpoint.
    expect(statuses.at(-1)).toBe('RUNNING');
    expect(jvms.length).toBeGreaterThan(0);
    expect(jvmsLeft).toEqual([]);
    expect(statusAfterUp).toBe('RUNNING');
    expect(after.every((s) => s === 'RUNNING')).toBe(true);
    expect(statusAtEnd).toBe('RUNNING');
    expect(newestBeforeUp).toBeDefined();
    expect(runnerLogOf(dataDir, secondRun)).toContain(`--from-savepoint file:${newestBeforeUp}`);
    expect(readFileSync(path.join(secondRun, 'work', 'flink.log'), 'utf8')).toMatch(
      new RegExp(`Restoring job [0-9a-f]{32} from .*${path.basename(newestBeforeUp!)}`),
    );
    // One restart counted, and the reason in the application's log stream.
    expect(restarts).toBe(1);
    expect(reasons.events?.length).toBeGreaterThan(0);
    expect(JSON.parse(reasons.events![0]!.message ?? '{}')).toMatchObject({ messageType: 'ERROR' });
    // Every window against the recomputation from all produced events, before and after the stop.
    expect(producedBeforeDown).toBeGreaterThan(100);
    expect(produced.length).toBeGreaterThan(producedBeforeDown + 200);
    expect(comparison.mustHave).toBeGreaterThanOrEqual(10);
    expect(comparison.duplicates).toEqual([]);
    expect(comparison.wrong).toEqual([]);
    expect(comparison.missing).toEqual([]);
    passed = true;
  });
});
