/**
 * The rendered crawl-and-query ASL executed by aws-local-stepfunctions, each Lambda task bound to its
 * handler's `run`, AWS faked by aws-sdk-client-mock: each path of the machine (all checks pass, crawler
 * already running, crawl failed, query failed, a check fails, bad input, a table without names).
 */
import '../support/quiet-logs';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type QueryExecutionState,
} from '@aws-sdk/client-athena';
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetCrawlerCommand, GetTableCommand, GlueClient, StartCrawlerCommand } from '@aws-sdk/client-glue';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { run as checkTable } from '../../lambdas/check-table';
import { run as evaluateChecks } from '../../lambdas/evaluate-checks';
import { run as getCrawlStatus } from '../../lambdas/get-crawl-status';
import { run as getQueryStatus } from '../../lambdas/get-query-status';
import { run as publishVerdict } from '../../lambdas/publish-verdict';
import { suitePeriods } from '../../lambdas/shared/validation';
import { sqlTimestamp, windowEnds } from '../../lambdas/shared/validation/periods';
import { run as startCrawl } from '../../lambdas/start-crawl';
import { run as startQueries } from '../../lambdas/start-queries';
import { run as validateCrawlInput } from '../../lambdas/validate-crawl-input';
import {
  runCrawlAndQueryLocally,
  type CrawlAndQueryResult,
} from '../../local/stepfunctions/run-crawl-and-query';
import { OutputColumns } from '../../workflow/contract';
import {
  CrawlErrorName,
  CrawlState,
  ValidationChecks,
  type CrawlConfig,
  type CrawlLambdaTask,
  type ValidationCheckName,
} from '../../workflow/crawl-contract';
import { awsError } from '../support/aws-errors';

const glue = mockClient(GlueClient);
const athena = mockClient(AthenaClient);
const cloudWatch = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);

const env = {
  GLUE_DATABASE: 'flinkflow',
  ATHENA_WORKGROUP: 'flinkflow',
  VERDICT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:flinkflow-verdicts',
  AWS_ACCOUNT_ID: '123456789012',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
};

/** Which check a query's SQL belongs to (the fake Athena answers by check). */
function checkOf(sql: string): ValidationCheckName {
  if (sql.includes('newest_window_end')) return 'freshness';
  if (sql.includes('HAVING')) return 'uniqueness';
  if (sql.includes('row_count')) return 'sanity';
  if (sql.includes('AS events')) return 'volume';
  return 'completeness';
}

interface Scenario {
  startCrawler?: Error;
  crawlerStates?: string[];
  lastCrawl?: { Status: string; ErrorMessage?: string };
  columns?: string[];
  /** A query's final state and reason. */
  queryState?: Partial<Record<ValidationCheckName, { state: QueryExecutionState; reason?: string }>>;
  /** Extra rows a check's result has (e.g. a duplicate for uniqueness). */
  rows?: Partial<Record<ValidationCheckName, (config: CrawlConfig) => string[][]>>;
  incomingRecords?: number[];
}

const TICKERS = ['AAPL', 'MSFT'];

/** The rows a healthy pipeline's table gives each query, for the instant the execution measures. */
function healthyRows(check: ValidationCheckName, config: CrawlConfig): string[][] {
  const periods = suitePeriods(config, new Date(config.asOf));
  switch (check) {
    case 'freshness':
      return [[sqlTimestamp(periods.settledEnd)]];
    case 'completeness':
      return TICKERS.flatMap((t) =>
        windowEnds(periods.completeness, config.windowSeconds).map((end) => [t, sqlTimestamp(end), '1']),
      );
    case 'uniqueness':
      return [];
    case 'sanity':
      return [['12', '0', '0', '12.5', '88.25', '3']];
    case 'volume':
      return [['600', '2']];
    default:
      return [];
  }
}

let config: CrawlConfig | undefined;

async function validate(input: unknown, scenario: Scenario = {}): Promise<CrawlAndQueryResult> {
  glue.reset();
  athena.reset();
  cloudWatch.reset();
  sns.reset();
  config = undefined;
  if (scenario.startCrawler) glue.on(StartCrawlerCommand).rejects(scenario.startCrawler);
  else glue.on(StartCrawlerCommand).resolves({});
  const states = scenario.crawlerStates ?? ['RUNNING', 'READY'];
  let poll = 0;
  glue.on(GetCrawlerCommand).callsFake(() => {
    const state = states[Math.min(poll++, states.length - 1)];
    return {
      Crawler: {
        Name: 'ticks-demo-crawler',
        State: state,
        ...(state === 'READY'
          ? { LastCrawl: scenario.lastCrawl ?? { Status: 'SUCCEEDED', StartTime: new Date() } }
          : {}),
      },
    };
  });
  glue.on(GetTableCommand).resolves({
    Table: {
      Name: 'ticks_demo_output',
      DatabaseName: 'flinkflow',
      StorageDescriptor: {
        Location: 's3://flinkflow-ticks-demo-123456789012-eu-west-1/output/',
        Columns: (scenario.columns ?? OutputColumns.map((c) => c.name)).map((Name) => ({
          Name,
          Type: 'string',
        })),
      },
      PartitionKeys: [{ Name: 'ticker', Type: 'string' }],
    },
  });
  athena.on(StartQueryExecutionCommand).callsFake((request: { QueryString: string }) => ({
    QueryExecutionId: `query-${checkOf(request.QueryString)}`,
  }));
  const polls = new Map<string, number>();
  athena.on(GetQueryExecutionCommand).callsFake((request: { QueryExecutionId: string }) => {
    const id = request.QueryExecutionId;
    const check = id.replace('query-', '') as ValidationCheckName;
    const seen = (polls.get(id) ?? 0) + 1;
    polls.set(id, seen);
    const final = scenario.queryState?.[check] ?? { state: 'SUCCEEDED' };
    const state = seen === 1 ? 'RUNNING' : final.state;
    return {
      QueryExecution: {
        QueryExecutionId: id,
        Status: { State: state, ...(final.reason ? { StateChangeReason: final.reason } : {}) },
        Statistics: { DataScannedInBytes: 2048 },
      },
    };
  });
  athena.on(GetQueryResultsCommand).callsFake((request: { QueryExecutionId: string }) => {
    const check = request.QueryExecutionId.replace('query-', '') as ValidationCheckName;
    if (!config) throw new Error('ValidateCrawlInput has not run');
    const rows = [...healthyRows(check, config), ...(scenario.rows?.[check]?.(config) ?? [])];
    const header = ['header'];
    return {
      ResultSet: {
        Rows: [header, ...rows].map((row) => ({ Data: row.map((VarCharValue) => ({ VarCharValue })) })),
      },
    };
  });
  cloudWatch.on(GetMetricDataCommand).resolves({
    MetricDataResults: [{ Id: 'incoming', Values: scenario.incomingRecords ?? [600] }],
  });
  cloudWatch.on(PutMetricDataCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'message-1' });

  const bound: Partial<Record<CrawlLambdaTask, (input: unknown) => Promise<unknown>>> = {
    ValidateCrawlInput: async (request) => {
      const result = await validateCrawlInput(request as never);
      config = result.config;
      return result;
    },
    StartCrawl: (state) => startCrawl(state as never),
    GetCrawlStatus: (state) => getCrawlStatus(state as never),
    CheckTable: (state) => checkTable(state as never),
    StartQueries: (state) => startQueries(state as never),
    GetQueryStatus: (state) => getQueryStatus(state as never),
    EvaluateChecks: (state) => evaluateChecks(state as never),
    PublishVerdict: (state) => publishVerdict(state as never),
  };
  return runCrawlAndQueryLocally({ input, env, waitSeconds: 0, retryIntervalMs: 0, tasks: bound });
}

const entered = (result: CrawlAndQueryResult) =>
  result.events.filter((e) => e.type === 'StateEntered').map((e) => e.state);

const input = { pipelineName: 'ticks-demo', validation: { tickers: TICKERS } };

describe('the crawl-and-query state machine (rendered ASL, handlers run in-process)', () => {
  it('It should crawl, check the table, run the suite and end SUCCEEDED with a passing verdict', async () => {
    // Act
    const result = await validate(input);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    if (result.status !== 'SUCCEEDED') return;
    expect(result.output).toMatchObject({
      pipelineName: 'ticks-demo',
      passed: true,
      failed: [],
      table: 'flinkflow.ticks_demo_output',
      queries: 5,
      bytesScanned: 5 * 2048,
    });
    expect(result.output.checks.map((c) => [c.check, c.passed])).toEqual(
      ValidationChecks.map((check) => [check, true]),
    );
    expect(result.output.checks.find((c) => c.check === 'uniqueness')).toMatchObject({
      queryExecutionId: 'query-uniqueness',
      bytesScanned: 2048,
      value: 0,
      threshold: 0,
    });
    expect(entered(result)).toEqual([
      CrawlState.ValidateCrawlInput,
      CrawlState.StartCrawl,
      CrawlState.WaitForCrawl,
      CrawlState.GetCrawlStatus,
      CrawlState.IsCrawlDone,
      CrawlState.WaitForCrawl,
      CrawlState.GetCrawlStatus,
      CrawlState.IsCrawlDone,
      CrawlState.CheckTable,
      CrawlState.StartQueries,
      CrawlState.WaitForQueries,
      CrawlState.GetQueryStatus,
      CrawlState.AreQueriesDone,
      CrawlState.WaitForQueries,
      CrawlState.GetQueryStatus,
      CrawlState.AreQueriesDone,
      CrawlState.EvaluateChecks,
      CrawlState.PublishVerdict,
      CrawlState.Validated,
    ]);
    // One metric per check, no notification for a passing verdict.
    expect(cloudWatch.commandCalls(PutMetricDataCommand)[0]?.args[0].input.MetricData).toHaveLength(6);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    // Every query in the pipeline's workgroup with a token of this execution and check.
    const tokens = athena
      .commandCalls(StartQueryExecutionCommand)
      .map((c) => c.args[0].input.ClientRequestToken);
    expect(new Set(tokens).size).toBe(5);
    expect(
      athena.commandCalls(StartQueryExecutionCommand).every((c) => c.args[0].input.WorkGroup === 'flinkflow'),
    ).toBe(true);
  });

  it('It should wait for a crawl that was already running instead of failing', async () => {
    // Act
    const result = await validate(input, {
      startCrawler: awsError('CrawlerRunningException'),
      crawlerStates: ['RUNNING', 'STOPPING', 'READY'],
    });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const crawl = result.events.find((e) => e.type === 'StateExited' && e.state === CrawlState.StartCrawl);
    expect((crawl?.output as { crawl: { alreadyRunning: boolean } }).crawl.alreadyRunning).toBe(true);
    expect(entered(result).filter((s) => s === CrawlState.GetCrawlStatus)).toHaveLength(3);
  });

  it('It should fail with CrawlFailedError and Glue’s message when the crawl failed', async () => {
    // Act
    const result = await validate(input, {
      lastCrawl: { Status: 'FAILED', ErrorMessage: 'Internal Service Exception' },
    });

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: CrawlErrorName.CrawlFailed });
    if (result.status === 'SUCCEEDED') return;
    expect(result.cause).toContain('ended FAILED: Internal Service Exception');
    expect(entered(result)).toContain('GetCrawlStatusFailed');
    expect(entered(result)).not.toContain(CrawlState.StartQueries);
  });

  it('It should fail with QueryFailedError and Athena’s reason when a query failed', async () => {
    // Act
    const result = await validate(input, {
      queryState: { sanity: { state: 'FAILED', reason: 'Query exhausted resources at this scale factor' } },
    });

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: CrawlErrorName.QueryFailed });
    if (result.status === 'SUCCEEDED') return;
    expect(result.cause).toContain('The sanity query query-sanity FAILED: Query exhausted resources');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('It should end SUCCEEDED with passed=false, naming the failing check and its value, and notify', async () => {
    // Act: one (ticker, window) twice, as a restart without exactly-once would write it.
    const result = await validate(input, {
      rows: {
        uniqueness: (c) => [['MSFT', sqlTimestamp(suitePeriods(c, new Date(c.asOf)).settledEnd), '2']],
      },
    });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    if (result.status !== 'SUCCEEDED') return;
    expect(result.output.passed).toBe(false);
    expect(result.output.failed).toEqual(['uniqueness']);
    expect(result.output.checks.find((c) => c.check === 'uniqueness')).toMatchObject({
      passed: false,
      value: 1,
      detail: expect.stringContaining('MSFT'),
    });
    const published = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(published?.TopicArn).toBe(env.VERDICT_TOPIC_ARN);
    expect(published?.Subject).toContain('uniqueness');
    expect(published?.Message).toMatch(/- uniqueness: value 1, threshold 0: .*MSFT/);
    const metrics = cloudWatch.commandCalls(PutMetricDataCommand)[0]?.args[0].input.MetricData ?? [];
    expect(metrics.find((m) => m.Dimensions?.some((d) => d.Value === 'uniqueness'))?.Value).toBe(0);
    expect(metrics.find((m) => m.Dimensions?.some((d) => d.Value === 'freshness'))?.Value).toBe(1);
  });

  it('It should fail the volume check when the windows hold fewer events than the stream received', async () => {
    // Act
    const result = await validate(input, { incomingRecords: [400, 400] });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    if (result.status !== 'SUCCEEDED') return;
    expect(result.output.failed).toEqual(['volume']);
    expect(result.output.checks.find((c) => c.check === 'volume')).toMatchObject({
      value: 0.25,
      threshold: 0.05,
    });
  });

  it('It should fail with InvalidInputError naming every bad field, before crawling', async () => {
    // Act
    const result = await validate({ pipelineName: 'Bad Name', validation: { completenessWindows: 0 } });

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInputError' });
    if (result.status === 'SUCCEEDED') return;
    expect(result.cause).toContain('pipelineName');
    expect(result.cause).toContain('validation.completenessWindows');
    expect(glue.commandCalls(StartCrawlerCommand)).toHaveLength(0);
  });

  it('It should fail with TableMismatchError when the crawler did not name the columns', async () => {
    // Act
    const result = await validate(input, { columns: ['col0', 'col1', 'col2', 'col3'] });

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: CrawlErrorName.TableMismatch });
    if (result.status === 'SUCCEEDED') return;
    expect(result.cause).toContain('CSV classifier ticks-demo-csv');
  });
});
