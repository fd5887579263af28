/**
 * The validation suite's queries on the local Athena (DuckDB over the local S3 and Glue), through the
 * crawl-and-query tasks' own `run` with real SDK clients: a table as the crawler catalogs the sink's
 * time-partitioned CSV output (created here with the catalog API, so nothing depends on the crawler's CSV
 * classifier), IncomingRecords in the local CloudWatch. Checks that the SQL runs there, that every check
 * passes on complete data, that partition filters keep each query's DataScannedInBytes to the hours it
 * needs, and that a duplicate row, a stale table and a ticker whose files were deleted fail uniqueness,
 * freshness and completeness, each naming what it found.
 */
import { CreateWorkGroupCommand } from '@aws-sdk/client-athena';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateDatabaseCommand, CreatePartitionCommand, CreateTableCommand } from '@aws-sdk/client-glue';
import { DeleteObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { validationWorkGroupConfiguration } from '../../infra/validation-workgroup';
import { run as evaluateChecks } from '../../lambdas/evaluate-checks';
import { run as getQueryStatus } from '../../lambdas/get-query-status';
import { createAwsClients, type AwsClients } from '../../lambdas/shared/clients';
import { suitePeriods, windowEnds } from '../../lambdas/shared/validation/periods';
import { sqlTimestamp } from '../../lambdas/shared/validation';
import { run as startQueries } from '../../lambdas/start-queries';
import { resolveCrawlRequest } from '../../lambdas/validate-crawl-input';
import { endpointEnvironment } from '../../local/services';
import { OutputColumns } from '../../workflow/contract';
import type { CrawlExecutionState, ValidationVerdict } from '../../workflow/crawl-contract';
import { createBucketWith, useFixture } from './local-cloud-fixture';

jest.setTimeout(60_000);

const BUCKET = 'flinkflow-ticks-demo-000000000000-us-east-1';
const TICKERS = ['AAPL', 'MSFT'];
const EVENTS_PER_WINDOW = 10;
// A whole minute, so the volume period's minutes are whole windows of the data below.
const asOf = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const input = {
  pipelineName: 'ticks-demo',
  windowSeconds: 10,
  watermarkSeconds: 2,
  partitionByTime: true,
  validation: { tickers: TICKERS, maxBytesScannedPerQuery: 1_000_000 },
};

const hourOf = (ms: number) => {
  const iso = new Date(ms).toISOString();
  return { dt: iso.slice(0, 10), hr: iso.slice(11, 13) };
};
/** A window row as the sink writes it (OutputColumns order: end, start, average, count). */
const row = (end: number) =>
  `${sqlTimestamp(end)},${sqlTimestamp(end - 10_000)},${(40 + ((end / 10_000) % 7)).toFixed(2)},${EVENTS_PER_WINDOW}\n`;

/** Rows of every 10 s window of the last four minutes, one file per ticker and hour, plus a day-old hour. */
function outputFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const ticker of TICKERS) {
    for (let end = asOf.getTime() - 240_000; end <= asOf.getTime() - 10_000; end += 10_000) {
      const { dt, hr } = hourOf(end - 10_000);
      const key = `output/ticker=${ticker}/dt=${dt}/hr=${hr}/part-0.csv`;
      files[key] = (files[key] ?? '') + row(end);
    }
    // Yesterday: a large partition that no query of the suite should read.
    const old = asOf.getTime() - 86_400_000;
    const { dt, hr } = hourOf(old);
    files[`output/ticker=${ticker}/dt=${dt}/hr=${hr}/part-0.csv`] = Array.from({ length: 2000 }, (_, i) =>
      row(old + i * 1000),
    ).join('');
  }
  return files;
}

let clients: AwsClients;
const files = outputFiles();
const totalBytes = Object.values(files).reduce((sum, body) => sum + Buffer.byteLength(body), 0);

const fx = useFixture({ queryQueuedMs: 0, queryMinRunningMs: 0 }, async (fixture) => {
  Object.assign(process.env, endpointEnvironment(fixture.services.endpoints, 'us-east-1'));
  clients = createAwsClients(process.env);
  await createBucketWith(fixture.s3, BUCKET, files);
  await createBucketWith(fixture.s3, 'flinkflow-athena-results', {});
  await fixture.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'flinkflow' } }));
  const location = `s3://${BUCKET}/output/`;
  const serde = {
    SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
    Parameters: { 'field.delim': ',' },
  };
  await fixture.glue.send(
    new CreateTableCommand({
      DatabaseName: 'flinkflow',
      TableInput: {
        Name: 'ticks_demo_output',
        Parameters: { classification: 'csv' },
        PartitionKeys: ['ticker', 'dt', 'hr'].map((Name) => ({ Name, Type: 'string' })),
        StorageDescriptor: {
          Location: location,
          Columns: OutputColumns.map((c) => ({ Name: c.name, Type: c.type })),
          SerdeInfo: serde,
        },
      },
    }),
  );
  const partitions = new Set(Object.keys(files).map((key) => key.split('/').slice(1, 4).join('/')));
  for (const partition of partitions) {
    await fixture.glue.send(
      new CreatePartitionCommand({
        DatabaseName: 'flinkflow',
        TableName: 'ticks_demo_output',
        PartitionInput: {
          Values: partition.split('/').map((part) => part.split('=')[1]!),
          StorageDescriptor: { Location: `${location}${partition}/`, SerdeInfo: serde },
        },
      }),
    );
  }
  await fixture.athena.send(
    new CreateWorkGroupCommand({
      Name: 'flinkflow',
      Configuration: validationWorkGroupConfiguration({
        outputLocation: 's3://flinkflow-athena-results/results/',
        bytesScannedCutoffPerQuery: 1024 ** 3,
      }),
    }),
  );
  // The stream's IncomingRecords: one datapoint per minute of the data, as Kinesis publishes it.
  const cloudWatch = new CloudWatchClient({});
  for (let minute = asOf.getTime() - 240_000; minute < asOf.getTime(); minute += 60_000) {
    await cloudWatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/Kinesis',
        MetricData: [
          {
            MetricName: 'IncomingRecords',
            Dimensions: [{ Name: 'StreamName', Value: 'ticks-demo-ticks' }],
            Timestamp: new Date(minute),
            Value: TICKERS.length * 6 * EVENTS_PER_WINDOW,
            Unit: 'Count',
          },
        ],
      }),
    );
  }
  cloudWatch.destroy();
});

/** StartQueries, GetQueryStatus until DONE, EvaluateChecks: what the machine does between its Waits. */
async function validate(executionId: string, startTime = asOf): Promise<ValidationVerdict> {
  const { config } = resolveCrawlRequest(
    { input, executionId, startTime: startTime.toISOString() },
    {
      glueDatabase: 'flinkflow',
      athenaWorkGroup: 'flinkflow',
      verdictTopicArn: 'unused',
      account: '000000000000',
      region: 'us-east-1',
    },
  );
  const deps = { clients };
  let state: CrawlExecutionState = { input, config };
  state = { ...state, started: await startQueries(state, deps) };
  for (let polls = 0; polls < 100; polls++) {
    state = { ...state, queryStatus: await getQueryStatus(state, deps) };
    if (state.queryStatus?.phase === 'DONE') return evaluateChecks(state, deps);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The queries did not end: ${JSON.stringify(state.queryStatus)}`);
}

describe('the validation suite on the local Athena', () => {
  it('It should pass every check on complete data, each query reading only the hours it needs', async () => {
    // Act
    const verdict = await validate('arn:aws:states:us-east-1:000000000000:execution:crawl-and-query:local-1');

    // Assess
    expect(verdict.checks.filter((c) => !c.passed)).toEqual([]);
    expect(verdict.passed).toBe(true);
    expect(verdict.queries).toBe(5);
    const scanned = verdict.checks.flatMap((c) => (c.bytesScanned === undefined ? [] : [c.bytesScanned]));
    expect(scanned).toHaveLength(5);
    // Yesterday's partitions hold most of the bytes; no query reads them.
    for (const bytes of scanned) expect(bytes).toBeLessThan(totalBytes / 4);
    expect(verdict.checks.find((c) => c.check === 'volume')?.value).toBe(0);
    process.stdout.write(
      `validation suite on the local Athena: ${scanned.join(', ')} bytes scanned per query, table ${totalBytes} bytes\n`,
    );
  });

  it('It should fail uniqueness and name the pair when a window is written twice', async () => {
    // Prepare: the newest settled window of MSFT again, in a second file of its hour.
    const periods = suitePeriods(
      { windowSeconds: 10, settleSeconds: 12, freshnessMinutes: 2, completenessWindows: 3 },
      asOf,
    );
    const end = windowEnds(periods.completeness, 10).at(-1)!;
    const { dt, hr } = hourOf(end - 10_000);
    await fx.s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `output/ticker=MSFT/dt=${dt}/hr=${hr}/part-1.csv`,
        Body: row(end),
      }),
    );

    // Act
    const verdict = await validate('arn:aws:states:us-east-1:000000000000:execution:crawl-and-query:local-2');

    // Assess: the window is past the volume check's whole minutes, so only these two see it.
    expect(verdict.failed).toEqual(['completeness', 'uniqueness']);
    expect(verdict.checks.find((c) => c.check === 'uniqueness')).toMatchObject({
      value: 1,
      detail: expect.stringContaining('MSFT'),
    });
  });

  it('It should fail freshness when the producer stopped longer ago than the bound', async () => {
    // Act: the same data, validated ten minutes after its newest window.
    const later = new Date(asOf.getTime() + 10 * 60_000);
    const verdict = await validate(
      'arn:aws:states:us-east-1:000000000000:execution:crawl-and-query:local-3',
      later,
    );

    // Assess
    const freshness = verdict.checks.find((c) => c.check === 'freshness');
    // It reads only the partitions of the bound's period, so it finds no window at all there.
    expect(freshness).toMatchObject({
      passed: false,
      value: null,
      threshold: 2,
      detail: "no window ended in the last 2 minutes (only that period's partitions were read)",
    });
    expect(verdict.failed).toContain('freshness');
  });

  it('It should fail completeness and name the ticker whose output files were deleted', async () => {
    // Prepare: every file of AAPL's recent hours is gone.
    const recent = Object.keys(outputFiles()).filter(
      (key) =>
        key.startsWith('output/ticker=AAPL/') && key.includes(`dt=${hourOf(asOf.getTime() - 10_000).dt}/`),
    );
    expect(recent.length).toBeGreaterThan(0);
    await fx.s3.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: recent.map((Key) => ({ Key })) } }),
    );

    // Act
    const verdict = await validate('arn:aws:states:us-east-1:000000000000:execution:crawl-and-query:local-4');

    // Assess
    const completeness = verdict.checks.find((c) => c.check === 'completeness');
    expect(completeness?.passed).toBe(false);
    expect(completeness?.detail).toMatch(/AAPL/);
    expect(verdict.failed).toContain('completeness');
  });
});
