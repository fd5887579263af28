/**
 * RunCanary step by step, AWS faked by aws-sdk-client-mock: the plan (which windows, how long to wait),
 * the crawl, the queries and the verdict, and the errors that roll a re-deploy back. The machine's paths
 * are in test/workflow/redeploy-machine.test.ts.
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
import { run as runCanary } from '../../lambdas/run-canary';
import type { CanaryStatus } from '../../workflow/canary-contract';
import type { ApplicationHealthCheck } from '../../workflow/contract';
import { awsError } from '../support/aws-errors';
import { application, clockAfter, redeployState, T0 } from '../support/redeploy';

const kda = mockClient(KinesisAnalyticsV2Client);
const glue = mockClient(GlueClient);
const athena = mockClient(AthenaClient);
const env = { GLUE_DATABASE: 'flinkflow', ATHENA_WORKGROUP: 'flinkflow' };

beforeEach(() => {
  kda.reset();
  glue.reset();
  athena.reset();
});

/** The health gate began 3 s after T0 (12:00:03): the first whole 10 s window is 12:00:10-12:00:20. */
const health = { phase: 'HEALTHY', since: '2026-12-01T12:00:03.000Z' } as ApplicationHealthCheck;

function withProperties(job: Record<string, string>, partitionByTime = false) {
  const answer = application('RUNNING', 4, 'v2');
  answer.ApplicationDetail.ApplicationConfigurationDescription!.EnvironmentPropertyDescriptions = {
    PropertyGroupDescriptions: [
      { PropertyGroupId: 'job.config.0', PropertyMap: job },
      { PropertyGroupId: 'sink.config.0', PropertyMap: { 'partition.by.time': String(partitionByTime) } },
    ],
  };
  return answer;
}

const planned = (overrides: Partial<CanaryStatus> = {}): CanaryStatus => ({
  phase: 'WAITING',
  attempt: 1,
  nextWaitSeconds: 1,
  notBefore: health.since,
  readyAt: '2026-12-01T12:01:05.000Z',
  windowSeconds: 10,
  settleSeconds: 15,
  freshnessMinutes: 2,
  partitionByTime: false,
  database: 'flinkflow',
  table: 'ticks_demo_output',
  workGroup: 'flinkflow',
  crawlerName: 'ticks-demo-crawler',
  ...overrides,
});

const rows = (...values: string[][]) => ({
  ResultSet: { Rows: [['h'], ...values].map((r) => ({ Data: r.map((v) => ({ VarCharValue: v })) })) },
});

describe('RunCanary', () => {
  it('It should plan the wait until the first window that started after the update is committed', async () => {
    // Prepare
    kda
      .on(DescribeApplicationCommand)
      .resolves(withProperties({ 'window.seconds': '10', 'watermark.seconds': '5' }));

    // Act
    const status = await runCanary(redeployState({ health }), clockAfter(5), env);

    // Assess: window 12:00:10-12:00:20, + watermark 5 s + checkpoint interval 10 s + margin 30 s.
    expect(status).toMatchObject({
      phase: 'WAITING',
      attempt: 1,
      notBefore: '2026-12-01T12:00:03.000Z',
      readyAt: '2026-12-01T12:01:05.000Z',
      settleSeconds: 15,
      table: 'ticks_demo_output',
      crawlerName: 'ticks-demo-crawler',
    });
    expect(status.nextWaitSeconds).toBe(65 - 5);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });

  it('It should refuse an application without window settings, saying the canary cannot tell which windows to read', async () => {
    kda.on(DescribeApplicationCommand).resolves(withProperties({}));
    await expect(runCanary(redeployState({ health }), clockAfter(5), env)).rejects.toThrow(
      /no valid window.seconds.*cannot tell which windows to read/,
    );
  });

  it('It should name the missing environment variable', async () => {
    await expect(runCanary(redeployState({ health }), clockAfter(5), {})).rejects.toThrow(
      /GLUE_DATABASE is not set/,
    );
  });

  it('It should keep waiting before readyAt, then crawl, waiting for a crawl already running', async () => {
    // Prepare
    glue.on(StartCrawlerCommand).rejects(awsError('CrawlerRunningException'));
    glue.on(GetCrawlerCommand).resolves({ Crawler: { State: 'RUNNING' } });
    const state = redeployState({ health, canary: planned() });

    // Act
    const early = await runCanary(state, clockAfter(50), env);
    const crawling = await runCanary(state, clockAfter(66), env);
    const polled = await runCanary(redeployState({ health, canary: crawling }), clockAfter(86), env);

    // Assess
    expect(early).toMatchObject({ phase: 'WAITING', attempt: 2, nextWaitSeconds: 15 });
    expect(crawling).toMatchObject({ phase: 'CRAWLING', nextWaitSeconds: 20 });
    expect(glue.commandCalls(StartCrawlerCommand)[0]!.args[0].input.Name).toBe('ticks-demo-crawler');
    expect(polled.phase).toBe('CRAWLING');
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });

  it('It should start the three queries on the windows since the update once the crawl is done', async () => {
    // Prepare
    glue.on(GetCrawlerCommand).resolves({ Crawler: { State: 'READY', LastCrawl: { Status: 'SUCCEEDED' } } });
    athena.on(StartQueryExecutionCommand).callsFake(() => ({
      QueryExecutionId: `q-${athena.commandCalls(StartQueryExecutionCommand).length}`,
    }));
    const canary = planned({ phase: 'CRAWLING', crawlStartedAt: '2026-12-01T12:01:06.000Z' });

    // Act
    const started = await runCanary(redeployState({ health, canary }), clockAfter(90), env);

    // Assess
    expect(started).toMatchObject({ phase: 'QUERYING', asOf: '2026-12-01T12:01:05.000Z' });
    expect(started.queries?.map((q) => q.name)).toEqual(['freshness', 'uniqueness', 'sanity']);
    const calls = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    for (const call of calls) {
      expect(call.QueryString).toContain(`> TIMESTAMP '2026-12-01 12:00:10.000'`);
      expect(call.WorkGroup).toBe('flinkflow');
    }
  });

  it('It should fail with the crawl’s message when the crawl failed', async () => {
    glue.on(GetCrawlerCommand).resolves({
      Crawler: { State: 'READY', LastCrawl: { Status: 'FAILED', ErrorMessage: 'Access denied' } },
    });
    const canary = planned({ phase: 'CRAWLING', partitionByTime: true, crawlStartedAt: T0 });
    await expect(runCanary(redeployState({ health, canary }), clockAfter(90), env)).rejects.toMatchObject({
      name: 'CrawlFailedError',
      message: expect.stringContaining('Access denied'),
    });
  });

  const querying = planned({
    phase: 'QUERYING',
    asOf: '2026-12-01T12:01:05.000Z',
    queriesStartedAt: '2026-12-01T12:01:06.000Z',
    queries: [
      { name: 'freshness', queryExecutionId: 'q-f' },
      { name: 'uniqueness', queryExecutionId: 'q-u' },
      { name: 'sanity', queryExecutionId: 'q-s' },
    ],
  });

  function answers(sanity: string[]) {
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 10 } },
    });
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-f' })
      .resolves(rows(['2026-12-01 12:01:00.000']));
    athena.on(GetQueryResultsCommand, { QueryExecutionId: 'q-u' }).resolves(rows());
    athena.on(GetQueryResultsCommand, { QueryExecutionId: 'q-s' }).resolves(rows(sanity));
  }

  it('It should pass windows with sane averages', async () => {
    answers(['20', '0', '0', '10.5', '99.5', '2']);
    const status = await runCanary(redeployState({ health, canary: querying }), clockAfter(70), env);
    expect(status.phase).toBe('PASSED');
    expect(status.verdict).toMatchObject({ passed: true, queries: 3, bytesScanned: 30 });
  });

  it('It should fail averages outside the price range, naming the check and what it found', async () => {
    answers(['20', '20', '0', '1050.5', '1099.5', '2']);
    const status = await runCanary(redeployState({ health, canary: querying }), clockAfter(70), env);
    expect(status.phase).toBe('FAILED');
    expect(status.verdict?.failed).toEqual(['sanity']);
    expect(status.reason).toMatch(/sanity: 20 of 20 rows with an average outside 0..100/);
  });

  it('It should keep polling queries still running, and give up past the query budget', async () => {
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    const state = redeployState({ health, canary: querying });
    await expect(runCanary(state, clockAfter(70), env)).resolves.toMatchObject({ phase: 'QUERYING' });
    await expect(runCanary(state, clockAfter(66 + 301), env)).rejects.toMatchObject({
      name: 'QueryTimeoutError',
    });
  });

  it('It should fail with Athena’s reason when a query failed', async () => {
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'TABLE_NOT_FOUND' } },
    });
    await expect(
      runCanary(redeployState({ health, canary: querying }), clockAfter(70), env),
    ).rejects.toMatchObject({
      name: 'QueryFailedError',
      message: expect.stringContaining('TABLE_NOT_FOUND'),
    });
  });

  it('It should refuse to run again after a verdict', async () => {
    const canary = planned({ phase: 'PASSED' });
    await expect(runCanary(redeployState({ health, canary }), clockAfter(70), env)).rejects.toThrow(
      /called again with phase PASSED/,
    );
  });
});
