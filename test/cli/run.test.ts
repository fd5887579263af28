import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { GetCrawlerCommand, GetTablesCommand, GlueClient, StartCrawlerCommand } from '@aws-sdk/client-glue';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  DescribeApplicationCommand,
  KinesisAnalyticsV2Client,
  StopApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { localRun, type LocalRunDeps, type LocalRunOptions } from '../../cli/local-run/run';
import { TICKERS, formatEventTime, type DeliveredTick, type ProduceResult } from '../../producer';
import type { ProvisionOutput } from '../../workflow/contract';
import {
  ValidationChecks,
  type ValidationCheckName,
  type ValidationVerdict,
} from '../../workflow/crawl-contract';
import { renderSummary } from '../../cli/local-run/summary';

const glueMock = mockClient(GlueClient);
const athenaMock = mockClient(AthenaClient);
const s3Mock = mockClient(S3Client);
const kdaMock = mockClient(KinesisAnalyticsV2Client);

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const PRICE: Record<string, number> = { AAPL: 10, AMZN: 20.5, MSFT: 30.25, INTC: 40, TBV: 50.01 };
const output: ProvisionOutput = {
  pipelineName: 'local-demo',
  streamName: 'local-demo-ticks',
  streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/local-demo-ticks',
  bucketName: 'flinkflow-local-demo-000000000000-us-east-1',
  codeObject: { key: 'code/flinkflow-app.zip', versionId: 'v1' },
  applicationName: 'local-demo-app',
  applicationArn: 'arn:aws:kinesisanalytics:us-east-1:000000000000:application/local-demo-app',
  applicationVersionId: 1,
  applicationStatus: 'RUNNING',
  crawlerName: 'local-demo-crawler',
  crawlSchedule: 'cron(0/15 * * * ? *)',
  validationScheduleName: 'local-demo-validation',
  validationScheduleArn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/local-demo-validation',
  glueDatabase: 'flinkflow',
  outputLocation: 's3://flinkflow-local-demo-000000000000-us-east-1/output/',
  health: { restarts: 0, completedCheckpoints: 1, settleSeconds: 20, checks: 2 },
  timings: { startedAt: '', finishedAt: '' },
};
const options: LocalRunOptions = {
  input: { pipelineName: 'local-demo', windowSeconds: 10, watermarkSeconds: 2 },
  seed: 42,
  ratePerSecond: 5,
  produceSeconds: 30,
  outputTimeoutMs: 60_000,
  keep: false,
};

/** One event per ticker per second for 30 s at a constant price: windows [0,10) and [10,20) close. */
function producedTicks(): DeliveredTick[] {
  const ticks: DeliveredTick[] = [];
  for (let second = 0; second < 30; second++) {
    for (const ticker of TICKERS) {
      ticks.push({
        index: ticks.length,
        event: { event_time: formatEventTime(T0 + second * 1000), ticker, price: PRICE[ticker] as number },
        shardId: 's',
        sequenceNumber: String(ticks.length),
      });
    }
  }
  return ticks;
}

const row = (...values: string[]) => ({ Data: values.map((v) => ({ VarCharValue: v })) });
const stamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);

/** Athena answers the windows query with the rows given and the totals query with one row. */
function athenaAnswers(windowRows: string[][]) {
  let n = 0;
  athenaMock.on(StartQueryExecutionCommand).callsFake(() => ({ QueryExecutionId: `q-${++n}` }));
  athenaMock.on(GetQueryExecutionCommand).resolves({
    QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 100 } },
  });
  athenaMock.on(GetQueryResultsCommand).callsFake((input: { QueryExecutionId: string }) => {
    const isWindows = Number(input.QueryExecutionId.slice(2)) % 2 === 1;
    return {
      ResultSet: {
        Rows: isWindows
          ? [row('h'), ...windowRows.map((r) => row(...r))]
          : [row('h'), row('AAPL', '2', '20')],
      },
    };
  });
}

const allWindowRows = () =>
  TICKERS.flatMap((ticker) =>
    [0, 10].map((s) => [
      ticker,
      stamp(T0 + s * 1000),
      stamp(T0 + (s + 10) * 1000),
      String(PRICE[ticker]),
      '10',
    ]),
  );

/** A verdict of the crawl-and-query machine: every check passed, or the ones named failed. */
function verdict(failed: ValidationCheckName[] = []): ValidationVerdict {
  return {
    pipelineName: 'local-demo',
    passed: failed.length === 0,
    failed,
    asOf: new Date(T0).toISOString(),
    table: 'local_demo_output',
    checks: ValidationChecks.map((check) => ({
      check,
      passed: !failed.includes(check),
      value: failed.includes(check) ? 7 : 0,
      threshold: 0,
      detail: failed.includes(check) ? `${check} found 7` : 'fine',
    })),
    queries: 5,
    bytesScanned: 1000,
  };
}

function makeDeps(
  overrides: {
    running?: boolean;
    provision?: LocalRunDeps['provision'];
    validate?: LocalRunDeps['validate'];
  } = {},
) {
  let t = T0;
  const calls: string[] = [];
  const controller = new AbortController();
  const deps: LocalRunDeps = {
    cloud: {
      isRunning: async () => overrides.running ?? false,
      start: async () => {
        calls.push('start');
        return {
          environment: { AWS_ENDPOINT_URL_KINESIS: 'http://127.0.0.1:1' },
          account: '000000000000',
          region: 'us-east-1',
          dataDir: '/tmp/flinkflow-test/local/data',
        };
      },
      stop: async () => void calls.push('stop'),
    },
    applyEnvironment: (env) => void calls.push(`env ${Object.keys(env).join(',')}`),
    clients: () => ({
      kinesis: new KinesisClient({ region: 'us-east-1' }),
      s3: new S3Client({ region: 'us-east-1' }),
      glue: new GlueClient({ region: 'us-east-1' }),
      athena: new AthenaClient({ region: 'us-east-1' }),
      kinesisAnalytics: new KinesisAnalyticsV2Client({ region: 'us-east-1' }),
    }),
    deploy: async (_clients, cloud) => {
      calls.push(`deploy to ${cloud.dataDir}`);
      return { CODE_ASSET_BUCKET: 'assets', CODE_ASSET_KEY: 'flink/abc.zip' };
    },
    provision:
      overrides.provision ??
      (async (_input, onProgress) => {
        calls.push('provision');
        onProgress({ type: 'stateEntered', state: 'ValidateInput', at: t });
        return { status: 'SUCCEEDED', output };
      }),
    validate:
      overrides.validate ??
      (async (input) => {
        calls.push(
          `validate ${input.pipelineName} ${input.windowSeconds ?? '?'}s, ${input.validation?.completenessWindows ?? '?'} windows, as of T0+${(Date.parse(input.asOf ?? '') - T0) / 1000}s`,
        );
        return { status: 'SUCCEEDED', output: verdict() };
      }),
    produce: async (produceOptions) => {
      const ticks = producedTicks();
      produceOptions.onDelivered?.(ticks);
      const result: ProduceResult = {
        seed: produceOptions.seed ?? 0,
        delivered: ticks.length,
        requests: 1,
        retriedRecords: 0,
        deliveredByTicker: { AAPL: 30 },
        stoppedBy: 'duration',
        elapsedMs: 30_000,
        recordsPerSecond: 5,
      };
      return result;
    },
    poller: { now: () => (t += 100), sleep: async (ms) => void (t += ms), signal: controller.signal },
    log: () => undefined,
    onProgress: () => undefined,
  };
  return { deps, calls };
}

beforeEach(() => {
  glueMock.reset();
  athenaMock.reset();
  s3Mock.reset();
  kdaMock.reset();
  s3Mock
    .on(ListObjectsV2Command)
    .resolves({ Contents: TICKERS.map((t) => ({ Key: `output/ticker=${t}/part-0-0` })) });
  glueMock.on(StartCrawlerCommand).resolves({});
  glueMock.on(GetCrawlerCommand).resolves({
    Crawler: { State: 'READY', LastCrawl: { Status: 'SUCCEEDED', StartTime: new Date(T0 + 3_600_000) } },
  });
  glueMock.on(GetTablesCommand).resolves({
    TableList: [
      {
        Name: 'local_demo_output',
        StorageDescriptor: {
          Location: output.outputLocation,
          Columns: [
            { Name: 'col0', Type: 'string' },
            { Name: 'col1', Type: 'string' },
            { Name: 'col2', Type: 'double' },
            { Name: 'col3', Type: 'bigint' },
          ],
        },
        PartitionKeys: [{ Name: 'ticker', Type: 'string' }],
      },
    ],
  });
  kdaMock
    .on(DescribeApplicationCommand)
    .resolves({ ApplicationDetail: { ApplicationStatus: 'RUNNING' } as never });
});

describe('localRun', () => {
  it('It should fail with exit code 1 naming the failed checks when the validation suite fails, though every window arrived', async () => {
    // Prepare
    athenaAnswers(allWindowRows());
    const { deps } = makeDeps({
      validate: async () => ({ status: 'SUCCEEDED', output: verdict(['uniqueness', 'volume']) }),
    });

    // Act
    const summary = await localRun(options, deps);

    // Assess
    expect(summary.completeness?.complete).toBe(true);
    expect(summary).toMatchObject({ ok: false, exitCode: 1 });
    expect(summary.error).toContain('uniqueness, volume');
    expect(summary.steps.find((s) => s.name === 'validate (crawl-and-query machine)')?.detail).toBe(
      'FAILED: uniqueness, volume (6 checks)',
    );
    expect(renderSummary(summary)).toContain('FAIL');
  });

  it('It should fail with the reason when the validation machine cannot run', async () => {
    // Prepare
    athenaAnswers(allWindowRows());
    const { deps } = makeDeps({
      validate: async () => ({ status: 'FAILED', error: 'CrawlFailedError', cause: 'the crawl failed' }),
    });

    // Act
    const summary = await localRun(options, deps);

    // Assess
    expect(summary).toMatchObject({ ok: false, exitCode: 1 });
    expect(summary.error).toContain('The validation could not run: FAILED CrawlFailedError');
    expect(summary.verdict).toBeUndefined();
  });

  it('It should run every step in order, find every window with its average, and stop the cloud it started', async () => {
    // Prepare
    athenaAnswers(allWindowRows());
    const { deps, calls } = makeDeps();

    // Act
    const summary = await localRun(options, deps);

    // Assess
    expect(summary.steps.map((s) => [s.name, s.status])).toEqual([
      ['start local cloud', 'ok'],
      ['deploy code and catalog', 'ok'],
      ['provision', 'ok'],
      ['produce ticks', 'ok'],
      ['wait for windows in S3', 'ok'],
      ['crawl (local-demo-crawler)', 'ok'],
      ['Athena queries', 'ok'],
      ['validate (crawl-and-query machine)', 'ok'],
      ['stop local cloud', 'ok'],
    ]);
    expect(calls).toEqual([
      'start',
      'env AWS_ENDPOINT_URL_KINESIS',
      'deploy to /tmp/flinkflow-test/local/data',
      'provision',
      // The newest closed window ends at T0+20s; it settles 2 s (watermark) + 10 s (checkpoint) later.
      'validate local-demo 10s, 2 windows, as of T0+32s',
      'stop',
    ]);
    expect(summary.verdict?.passed).toBe(true);
    expect(summary).toMatchObject({
      ok: true,
      exitCode: 0,
      expectedWindows: 10,
      applicationStatus: 'RUNNING',
    });
    expect(summary.completeness?.complete).toBe(true);
    expect(summary.windows.filter((w) => w.expectedCount === 10)).toHaveLength(10);
    expect(athenaMock).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      QueryExecutionContext: { Database: 'flinkflow' },
    });
  });

  it('It should stop the cloud it started and report the failed step and the application status when provisioning fails', async () => {
    // Prepare
    kdaMock
      .on(DescribeApplicationCommand)
      .resolves({ ApplicationDetail: { ApplicationStatus: 'READY' } as never });
    const { deps, calls } = makeDeps({
      provision: async () => ({
        status: 'FAILED',
        error: 'ApplicationStartFailedError',
        cause: JSON.stringify({
          failedStep: 'StartApplication',
          error: 'ApplicationStartFailedError',
          cause: 'job failed: No module named flinkflow_app',
          existingResources: [],
        }),
      }),
    });

    // Act
    const summary = await localRun({ ...options, applicationName: 'local-demo-app' }, deps);

    // Assess
    expect(summary.exitCode).toBe(1);
    expect(summary.ok).toBe(false);
    expect(summary.error).toContain('Provisioning FAILED: ApplicationStartFailedError');
    expect(summary.error).toContain('No module named flinkflow_app');
    expect(summary.steps.map((s) => [s.name, s.status]).slice(-2)).toEqual([
      ['provision', 'failed'],
      ['stop local cloud', 'ok'],
    ]);
    expect(calls).toContain('stop');
    expect(summary.applicationStatus).toBe('READY');
  });

  it('It should leave a cloud it did not start running, stop only its application, and retry until a late window arrives', async () => {
    // Prepare: the first query misses TBV's second window; the next round has it.
    const rows = allWindowRows();
    let n = 0;
    athenaMock.on(StartQueryExecutionCommand).callsFake(() => ({ QueryExecutionId: `q-${++n}` }));
    athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athenaMock.on(GetQueryResultsCommand).callsFake((input: { QueryExecutionId: string }) => {
      const id = Number(input.QueryExecutionId.slice(2));
      const windowRows = id === 1 ? rows.slice(0, -1) : rows;
      return {
        ResultSet: { Rows: id % 2 === 1 ? [row('h'), ...windowRows.map((r) => row(...r))] : [row('h')] },
      };
    });
    kdaMock.on(StopApplicationCommand).resolves({});
    const { deps, calls } = makeDeps({ running: true });

    // Act
    const summary = await localRun(options, deps);

    // Assess
    expect(summary).toMatchObject({ ok: true, exitCode: 0 });
    expect(summary.steps.filter((s) => s.name === 'Athena queries')).toHaveLength(2);
    expect(calls).not.toContain('stop');
    expect(kdaMock).toHaveReceivedCommandWith(StopApplicationCommand, {
      ApplicationName: 'local-demo-app',
      Force: true,
    });
    expect(summary.steps[0]?.detail).toBe('already running: reused, left running');
  });

  it('It should fail with exit code 1 and name the missing windows when they never arrive', async () => {
    // Prepare
    athenaAnswers(allWindowRows().filter((r) => r[0] !== 'INTC'));
    const { deps } = makeDeps();

    // Act
    const summary = await localRun({ ...options, outputTimeoutMs: 20_000 }, deps);

    // Assess
    expect(summary.exitCode).toBe(1);
    expect(summary.completeness?.complete).toBe(false);
    expect(summary.completeness?.perTicker.find((t) => t.ticker === 'INTC')).toMatchObject({
      expected: 2,
      arrived: 0,
    });
    expect(summary.error).toBe('Not every expected window arrived with the expected values; see the table.');
  });
});

describe('localRun interrupted', () => {
  it('It should stop the cloud it started and exit 130 when interrupted while provisioning', async () => {
    // Prepare: provisioning never ends by itself; Ctrl-C arrives meanwhile.
    const controller = new AbortController();
    const { deps, calls } = makeDeps({
      provision: () => {
        setTimeout(() => controller.abort(), 5);
        return new Promise(() => undefined);
      },
    });
    deps.poller = { ...deps.poller, signal: controller.signal };

    // Act
    const summary = await localRun(options, deps);

    // Assess
    expect(summary.exitCode).toBe(130);
    expect(summary.steps.map((s) => [s.name, s.status])).toEqual([
      ['start local cloud', 'ok'],
      ['deploy code and catalog', 'ok'],
      ['provision', 'failed'],
      ['stop local cloud', 'ok'],
    ]);
    expect(calls).toContain('stop');
  });
});
