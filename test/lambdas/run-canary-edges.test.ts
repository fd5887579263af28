/**
 * RunCanary's edges one at a time: the plan's refusals and settings, each bound of the waits (readyAt,
 * the crawl and query budgets), the crawl and query failure branches with their exact messages, what the
 * queries are started with, and the verdict's reason.
 */
import '../support/quiet-logs';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { GetCrawlerCommand, GlueClient, StartCrawlerCommand } from '@aws-sdk/client-glue';
import { DescribeApplicationCommand, KinesisAnalyticsV2Client } from '@aws-sdk/client-kinesis-analytics-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { run } from '../../lambdas/run-canary';
import { queryToken } from '../../lambdas/start-queries';
import type { CanaryStatus } from '../../workflow/canary-contract';
import type { ApplicationHealthCheck } from '../../workflow/contract';
import { awsError } from '../support/aws-errors';
import { application, clockAfter, redeployState } from '../support/redeploy';

const kda = mockClient(KinesisAnalyticsV2Client);
const glue = mockClient(GlueClient);
const athena = mockClient(AthenaClient);
const env = { GLUE_DATABASE: 'flinkflow', ATHENA_WORKGROUP: 'flinkflow-wg' };

beforeEach(() => {
  kda.reset();
  glue.reset();
  athena.reset();
});

const health = { phase: 'HEALTHY', since: '2026-12-01T12:00:03.000Z' } as ApplicationHealthCheck;
const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error,
  );

function withProperties(job: Record<string, string>, sink: Record<string, string> = {}) {
  const answer = application('RUNNING', 4, 'v2');
  answer.ApplicationDetail.ApplicationConfigurationDescription!.EnvironmentPropertyDescriptions = {
    PropertyGroupDescriptions: [
      { PropertyGroupId: 'job.config.0', PropertyMap: job },
      { PropertyGroupId: 'sink.config.0', PropertyMap: sink },
    ],
  };
  return answer;
}

/** Planned at T0 + 5 s for a 10 s window: ready at 12:01:05 (T0 + 65 s). */
const planned = (overrides: Partial<CanaryStatus> = {}): CanaryStatus => ({
  phase: 'WAITING',
  attempt: 1,
  nextWaitSeconds: 60,
  notBefore: health.since,
  readyAt: '2026-12-01T12:01:05.000Z',
  windowSeconds: 10,
  settleSeconds: 15,
  freshnessMinutes: 2,
  partitionByTime: false,
  database: 'flinkflow',
  table: 'ticks_demo_output',
  workGroup: 'flinkflow-wg',
  crawlerName: 'ticks-demo-crawler',
  ...overrides,
});
const querying = (overrides: Partial<CanaryStatus> = {}) =>
  planned({
    phase: 'QUERYING',
    asOf: '2026-12-01T12:01:05.000Z',
    queriesStartedAt: '2026-12-01T12:01:06.000Z',
    queries: [
      { name: 'freshness', queryExecutionId: 'q-f' },
      { name: 'uniqueness', queryExecutionId: 'q-u' },
      { name: 'sanity', queryExecutionId: 'q-s' },
    ],
    ...overrides,
  });
const rows = (...values: string[][]) => ({
  ResultSet: { Rows: [['h'], ...values].map((r) => ({ Data: r.map((v) => ({ VarCharValue: v })) })) },
});

describe('RunCanary: the plan', () => {
  it('It should refuse to plan without $.health at all', async () => {
    expect(await caught(run(redeployState(), clockAfter(5), env))).toMatchObject({
      name: 'InvalidInputError',
      problems: [expect.objectContaining({ field: 'health' })],
    });
  });

  it('It should refuse to plan without $.health.since, pointing at the wiring', async () => {
    expect(
      await caught(run(redeployState({ health: { phase: 'HEALTHY' } as never }), clockAfter(5), env)),
    ).toMatchObject({
      name: 'InvalidInputError',
      problems: [
        {
          field: 'health',
          message:
            "RunCanary runs after the health gate and reads $.health.since (when the new version began running); check the machine's wiring",
        },
      ],
    });
    expect(kda.calls()).toHaveLength(0);
  });

  it('It should take a blank environment variable as not set, and name the second one too', async () => {
    expect(
      await caught(run(redeployState({ health }), clockAfter(5), { ...env, GLUE_DATABASE: '  ' })),
    ).toMatchObject({
      name: 'ConfigurationError',
      message:
        'Environment variable GLUE_DATABASE is not set. The stack (infra/redeploy.ts) sets it on RunCanary; set it yourself when running the task elsewhere.',
    });
    expect(
      await caught(run(redeployState({ health }), clockAfter(5), { GLUE_DATABASE: 'db' })),
    ).toMatchObject({
      message: expect.stringMatching(/^Environment variable ATHENA_WORKGROUP is not set\./),
    });
  });

  it.each([
    [{ 'window.seconds': '0' }, '{"window.seconds":"0"}'],
    [{ 'window.seconds': '2.5' }, '{"window.seconds":"2.5"}'],
    [
      { 'window.seconds': '10', 'watermark.seconds': 'soon' },
      '{"window.seconds":"10","watermark.seconds":"soon"}',
    ],
  ])('It should refuse window settings %j with what it read', async (job, shown) => {
    kda.on(DescribeApplicationCommand).resolves(withProperties(job));
    expect(await caught(run(redeployState({ health }), clockAfter(5), env))).toMatchObject({
      name: 'ConfigurationError',
      message: `Application ticks-demo-app has no valid window.seconds/watermark.seconds in property group job.config.0 (got ${shown}); it was not made by flinkflow provision, so the canary cannot tell which windows to read`,
    });
  });

  it('It should plan a whole status, reading partition.by.time and a missing watermark as 0', async () => {
    kda
      .on(DescribeApplicationCommand)
      .resolves(withProperties({ 'window.seconds': '10' }, { 'partition.by.time': 'true' }));

    const status = await run(redeployState({ health }), clockAfter(5), env);

    expect(kda).toHaveReceivedCommandWith(DescribeApplicationCommand, { ApplicationName: 'ticks-demo-app' });
    // Window 12:00:10-12:00:20, + watermark 0 s + checkpoint interval 10 s + margin 30 s = 12:01:00.
    expect(status).toEqual({
      phase: 'WAITING',
      attempt: 1,
      nextWaitSeconds: 55,
      notBefore: '2026-12-01T12:00:03.000Z',
      readyAt: '2026-12-01T12:01:00.000Z',
      windowSeconds: 10,
      settleSeconds: 10,
      freshnessMinutes: expect.any(Number),
      partitionByTime: true,
      database: 'flinkflow',
      table: 'ticks_demo_output',
      workGroup: 'flinkflow-wg',
      crawlerName: 'ticks-demo-crawler',
    });
  });

  it('It should read any other partition.by.time as false, and wait at least a second when planned late', async () => {
    kda
      .on(DescribeApplicationCommand)
      .resolves(withProperties({ 'window.seconds': '10' }, { 'partition.by.time': 'yes' }));

    const status = await run(redeployState({ health }), clockAfter(600), env);

    expect(status).toMatchObject({ partitionByTime: false, nextWaitSeconds: 1 });
  });
});

describe('RunCanary: waiting and crawling', () => {
  it('It should start the crawl at readyAt exactly, with the next attempt', async () => {
    glue.on(StartCrawlerCommand).resolves({});

    const status = await run(redeployState({ health, canary: planned() }), clockAfter(65), env);

    expect(status).toEqual({
      ...planned(),
      attempt: 2,
      phase: 'CRAWLING',
      crawlStartedAt: '2026-12-01T12:01:05.000Z',
      nextWaitSeconds: 20,
    });
  });

  it('It should pass an error starting the crawler through unchanged', async () => {
    const denied = awsError('AccessDeniedException');
    glue.on(StartCrawlerCommand).rejects(denied);
    expect(await caught(run(redeployState({ health, canary: planned() }), clockAfter(70), env))).toBe(denied);
  });

  it('It should wait for a crawl still running, and give up at the crawl budget with the crawler state', async () => {
    glue.on(GetCrawlerCommand).resolves({ Crawler: { Name: 'ticks-demo-crawler', State: 'STOPPING' } });
    const canary = planned({
      phase: 'CRAWLING',
      crawlStartedAt: '2026-12-01T12:01:05.000Z',
      nextWaitSeconds: 20,
    });

    expect(await run(redeployState({ health, canary }), clockAfter(65 + 899), env)).toEqual({
      ...canary,
      attempt: 2,
    });
    expect(glue).toHaveReceivedCommandWith(GetCrawlerCommand, { Name: 'ticks-demo-crawler' });
    expect(await caught(run(redeployState({ health, canary }), clockAfter(65 + 900), env))).toMatchObject({
      name: 'CrawlTimeoutError',
      message: "Crawler ticks-demo-crawler still STOPPING after 900 s (900 s allowed for the canary's crawl)",
    });
  });

  it('It should count the crawl budget from readyAt when the crawl start is not recorded, and say unknown for no crawler', async () => {
    glue.on(GetCrawlerCommand).resolves({});
    const canary = planned({ phase: 'CRAWLING' });
    expect(await caught(run(redeployState({ health, canary }), clockAfter(65 + 950.4), env))).toMatchObject({
      message: "Crawler ticks-demo-crawler still unknown after 950 s (900 s allowed for the canary's crawl)",
    });
  });

  it('It should fail a cancelled crawl without a message, saying Glue gave none', async () => {
    glue.on(GetCrawlerCommand).resolves({ Crawler: { State: 'READY', LastCrawl: { Status: 'CANCELLED' } } });
    const canary = planned({ phase: 'CRAWLING', crawlStartedAt: '2026-12-01T12:01:05.000Z' });
    expect(await caught(run(redeployState({ health, canary }), clockAfter(90), env))).toMatchObject({
      name: 'CrawlFailedError',
      message: "The canary's crawl by ticks-demo-crawler ended CANCELLED: Glue gave no message",
    });
  });
});

describe('RunCanary: the queries', () => {
  it('It should start each query with its token, catalog, database and workgroup, once a crawler without a last crawl is READY', async () => {
    glue.on(GetCrawlerCommand).resolves({ Crawler: { State: 'READY' } });
    athena
      .on(StartQueryExecutionCommand)
      .callsFake(() => ({ QueryExecutionId: `q-${athena.commandCalls(StartQueryExecutionCommand).length}` }));
    const canary = planned({ phase: 'CRAWLING', crawlStartedAt: '2026-12-01T12:01:05.000Z' });

    const status = await run(redeployState({ health, canary }), clockAfter(90), env);

    const calls = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    expect(calls.map(({ QueryString: _sql, ...rest }) => rest)).toEqual(
      ['freshness', 'uniqueness', 'sanity'].map((check) => ({
        ClientRequestToken: queryToken('redeploy-abc\n2026-12-01T12:00:03.000Z', check),
        QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'flinkflow' },
        WorkGroup: 'flinkflow-wg',
      })),
    );
    expect(status).toEqual({
      ...canary,
      attempt: 2,
      phase: 'QUERYING',
      asOf: '2026-12-01T12:01:05.000Z',
      queriesStartedAt: '2026-12-01T12:01:30.000Z',
      queries: [
        { name: 'freshness', queryExecutionId: 'q-1' },
        { name: 'uniqueness', queryExecutionId: 'q-2' },
        { name: 'sanity', queryExecutionId: 'q-3' },
      ],
      nextWaitSeconds: 3,
    });
  });

  it('It should fail when Athena gives no query id, naming the query', async () => {
    glue.on(GetCrawlerCommand).resolves({ Crawler: { State: 'READY', LastCrawl: { Status: 'SUCCEEDED' } } });
    athena.on(StartQueryExecutionCommand).resolves({});
    const canary = planned({ phase: 'CRAWLING', crawlStartedAt: '2026-12-01T12:01:05.000Z' });
    expect(await caught(run(redeployState({ health, canary }), clockAfter(90), env))).toMatchObject({
      name: 'QueryFailedError',
      message: "Athena returned no QueryExecutionId for the canary's freshness query",
    });
  });

  it.each([
    [
      { State: 'CANCELLED', AthenaError: { ErrorMessage: 'query was cancelled by the user' } },
      'CANCELLED: query was cancelled by the user',
    ],
    [{ State: 'FAILED' }, 'FAILED: Athena gave no reason'],
  ])(
    'It should fail a query that ended %j with the reason Athena gave, or say it gave none',
    async (Status, end) => {
      athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status } as never });
      expect(
        await caught(run(redeployState({ health, canary: querying() }), clockAfter(70), env)),
      ).toMatchObject({
        name: 'QueryFailedError',
        message: `The canary's freshness query q-f ${end}`,
      });
    },
  );

  it('It should keep polling below the query budget and list every query still running at it', async () => {
    // The general answer first: a later one without an input match would replace the specific one.
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'QUEUED' } } });
    athena.on(GetQueryExecutionCommand, { QueryExecutionId: 'q-f' }).resolves({});
    athena.on(GetQueryExecutionCommand, { QueryExecutionId: 'q-u' }).resolves({ QueryExecution: {} });
    const canary = querying();

    expect(await run(redeployState({ health, canary }), clockAfter(66 + 299), env)).toEqual({
      ...canary,
      attempt: 2,
      nextWaitSeconds: 3,
    });
    expect(await caught(run(redeployState({ health, canary }), clockAfter(66 + 300), env))).toMatchObject({
      name: 'QueryTimeoutError',
      message:
        "The canary's freshness (q-f, UNKNOWN), uniqueness (q-u, UNKNOWN), sanity (q-s, QUEUED) still running after 300 s (300 s allowed)",
    });
  });

  it('It should count the query budget from asOf when the start is not recorded', async () => {
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    const canary = querying();
    delete canary.queriesStartedAt;
    expect(await caught(run(redeployState({ health, canary }), clockAfter(65 + 300), env))).toMatchObject({
      message: expect.stringMatching(/still running after 300 s \(300 s allowed\)$/),
    });
  });

  it('It should name only the failing checks in the reason, and leave the bytes out when Athena gives none', async () => {
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-f' })
      .resolves(rows(['2026-12-01 12:01:00.000']));
    athena.on(GetQueryResultsCommand, { QueryExecutionId: 'q-u' }).resolves(rows());
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-s' })
      .resolves(rows(['20', '20', '0', '1050.5', '1099.5', '2']));

    const status = await run(redeployState({ health, canary: querying() }), clockAfter(70), env);

    expect(status.phase).toBe('FAILED');
    expect(status.nextWaitSeconds).toBe(0);
    const sanity = status.verdict?.checks.find((c) => c.check === 'sanity');
    expect(status.reason).toBe(
      `the canary found the new version's windows since 2026-12-01T12:00:03.000Z wrong: sanity: ${sanity?.detail}`,
    );
    expect(sanity?.detail).toMatch(/^20 of 20 rows with an average outside 0\.\.100/);
    for (const check of status.verdict?.checks ?? []) expect(check).not.toHaveProperty('bytesScanned');
  });

  it.each([
    ['a verdict phase with its queries', querying({ phase: 'FAILED' }), 'FAILED'],
    [
      'QUERYING without asOf',
      (() => {
        const c = querying();
        delete c.asOf;
        return c;
      })(),
      'QUERYING',
    ],
  ])('It should refuse %s and start no query', async (_case, canary, phase) => {
    expect(await caught(run(redeployState({ health, canary }), clockAfter(70), env))).toMatchObject({
      problems: [
        expect.objectContaining({ message: expect.stringContaining(`called again with phase ${phase};`) }),
      ],
    });
    expect(athena.calls()).toHaveLength(0);
  });

  it('It should refuse a QUERYING status without its queries as a wiring problem', async () => {
    const canary = querying();
    delete canary.queries;
    expect(await caught(run(redeployState({ health, canary }), clockAfter(70), env))).toMatchObject({
      name: 'InvalidInputError',
      problems: [
        {
          field: 'canary',
          message:
            'RunCanary was called again with phase QUERYING; the machine goes on after PASSED or FAILED, so check IsCanaryDone',
        },
      ],
    });
  });
});
