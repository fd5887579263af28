/**
 * The crawl-and-query tasks one by one, AWS faked by aws-sdk-client-mock: the input's resolution, the
 * crawl's start and polls, the table check, the queries' start and polls, the evaluation and the verdict's
 * publication (the machine's paths are in test/workflow/crawl-and-query-machine.test.ts).
 */
import '../support/quiet-logs';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetCrawlerCommand, GetTableCommand, GlueClient, StartCrawlerCommand } from '@aws-sdk/client-glue';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { run as checkTable } from '../../lambdas/check-table';
import { run as evaluateChecks } from '../../lambdas/evaluate-checks';
import { run as getCrawlStatus } from '../../lambdas/get-crawl-status';
import { run as getQueryStatus } from '../../lambdas/get-query-status';
import { handler as publishHandler, run as publishVerdict } from '../../lambdas/publish-verdict';
import { loadCrawlDeploymentSettings, requireCrawlState } from '../../lambdas/shared/crawl-state';
import { run as startCrawl } from '../../lambdas/start-crawl';
import { queryToken, run as startQueries } from '../../lambdas/start-queries';
import { resolveCrawlRequest } from '../../lambdas/validate-crawl-input';
import { ErrorName } from '../../workflow/contract';
import { CrawlErrorName, type CrawlStatus, type ValidationVerdict } from '../../workflow/crawl-contract';
import { awsError } from '../support/aws-errors';
import { fakeLambdaContext } from '../support/lambda-context';
import { AS_OF, at, crawlSettings, crawlState, EXECUTION } from '../support/crawl';

const glue = mockClient(GlueClient);
const athena = mockClient(AthenaClient);
const cloudWatch = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);

beforeEach(() => {
  glue.reset();
  athena.reset();
  cloudWatch.reset();
  sns.reset();
});

const crawl = (overrides: Partial<CrawlStatus> = {}): CrawlStatus => ({
  phase: 'WAITING',
  crawlerName: 'ticks-demo-crawler',
  startedAt: AS_OF,
  alreadyRunning: false,
  crawlerState: 'RUNNING',
  attempt: 0,
  nextWaitSeconds: 20,
  ...overrides,
});

describe('ValidateCrawlInput', () => {
  it('It should derive the names and the defaults from the pipeline’s window settings', () => {
    // Act
    const { config } = resolveCrawlRequest(
      {
        input: { pipelineName: 'ticks-demo', windowSeconds: 10, watermarkSeconds: 2 },
        executionId: EXECUTION,
        startTime: AS_OF,
      },
      crawlSettings,
    );

    // Assess
    expect(config).toMatchObject({
      crawlerName: 'ticks-demo-crawler',
      tableName: 'ticks_demo_output',
      streamName: 'ticks-demo-ticks',
      athenaWorkGroup: 'flinkflow',
      executionId: EXECUTION,
      asOf: AS_OF,
      // watermark 2 s + a 10 s checkpoint interval
      settleSeconds: 12,
      // ceil((10 + 12 + 60) / 60)
      freshnessMinutes: 2,
      completenessWindows: 3,
      tickers: ['AAPL', 'AMZN', 'MSFT', 'INTC', 'TBV'],
      checks: ['freshness', 'completeness', 'uniqueness', 'sanity', 'volume', 'scanCost'],
    });
  });

  it('It should measure as of a given earlier instant, and refuse one after the start or one that is no instant', () => {
    // Prepare
    const request = (asOf: unknown) => ({
      input: { pipelineName: 'ticks-demo', asOf },
      executionId: EXECUTION,
      startTime: AS_OF,
    });
    const earlier = new Date(Date.parse(AS_OF) - 90_000);

    // Act
    const { config } = resolveCrawlRequest(request(earlier.toISOString()), crawlSettings);
    const later = () =>
      resolveCrawlRequest(request(new Date(Date.parse(AS_OF) + 1000).toISOString()), crawlSettings);
    const garbage = () => resolveCrawlRequest(request('yesterday'), crawlSettings);

    // Assess
    expect(config.asOf).toBe(earlier.toISOString());
    expect(later).toThrow(
      expect.objectContaining({
        name: ErrorName.InvalidInput,
        problems: [
          expect.objectContaining({
            field: 'asOf',
            message: expect.stringMatching(/^must not be after the execution's start/),
          }),
        ],
      }),
    );
    expect(garbage).toThrow(
      expect.objectContaining({
        problems: [
          expect.objectContaining({
            field: 'asOf',
            message: expect.stringMatching(/ISO-8601 instant.*"yesterday"/),
          }),
        ],
      }),
    );
  });

  it('It should list every problem of the input at once, saying what to write', () => {
    // Act
    const act = () =>
      resolveCrawlRequest(
        {
          input: {
            pipelineName: 'x',
            validation: { minPrice: 50, maxPrice: 10, checks: ['speed'], tickers: [] },
            extra: 1,
          },
          executionId: EXECUTION,
          startTime: AS_OF,
        },
        crawlSettings,
      );

    // Assess
    expect(act).toThrow(
      expect.objectContaining({
        name: ErrorName.InvalidInput,
        message: expect.stringMatching(/^Invalid crawl-and-query input \(\d+ problems\)/),
        problems: expect.arrayContaining([
          expect.objectContaining({ field: 'pipelineName' }),
          expect.objectContaining({ field: 'extra', message: expect.stringMatching(/not a known field/) }),
          expect.objectContaining({
            field: 'validation.maxPrice',
            message: 'must be greater than minPrice (50), got 10',
          }),
          expect.objectContaining({
            field: 'validation.checks.0',
            message: expect.stringMatching(/"freshness"/),
          }),
          expect.objectContaining({
            field: 'validation.tickers',
            message: expect.stringMatching(/at least one ticker/),
          }),
        ]),
      }),
    );
  });

  it('It should refuse a request without the execution context', () => {
    // Act
    const act = () =>
      resolveCrawlRequest(
        { input: { pipelineName: 'ticks-demo' }, executionId: '', startTime: 'soon' },
        crawlSettings,
      );

    // Assess
    expect(act).toThrow(/\$\$\.Execution\.Id and \$\$\.Execution\.StartTime/);
  });

  it('It should name the deployment variable that is missing', () => {
    // Act
    const act = () => loadCrawlDeploymentSettings({ GLUE_DATABASE: 'flinkflow', AWS_REGION: 'eu-west-1' });

    // Assess
    expect(act).toThrow(/ATHENA_WORKGROUP is not set/);
  });
});

describe('StartCrawl and GetCrawlStatus', () => {
  it('It should start the crawler and ask for a wait', async () => {
    // Prepare
    glue.on(StartCrawlerCommand).resolves({});

    // Act
    const result = await startCrawl(crawlState(), at(AS_OF));

    // Assess
    expect(result).toEqual(crawl());
    expect(glue).toHaveReceivedCommandWith(StartCrawlerCommand, { Name: 'ticks-demo-crawler' });
  });

  it('It should wait for a crawl already running instead of failing', async () => {
    // Prepare
    glue.on(StartCrawlerCommand).rejects(awsError('CrawlerRunningException'));

    // Act
    const result = await startCrawl(crawlState(), at(AS_OF));

    // Assess
    expect(result).toMatchObject({ phase: 'WAITING', alreadyRunning: true });
  });

  it('It should say to provision first when the crawler does not exist', async () => {
    // Prepare
    glue.on(StartCrawlerCommand).rejects(awsError('EntityNotFoundException'));

    // Act
    const act = startCrawl(crawlState(), at(AS_OF));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: CrawlErrorName.CrawlFailed,
      message: expect.stringMatching(/does not exist: provision pipeline ticks-demo first/),
    });
  });

  it.each(['RUNNING', 'STOPPING'] as const)(
    'It should keep waiting while the crawler is %s',
    async (state) => {
      // Prepare
      glue.on(GetCrawlerCommand).resolves({ Crawler: { State: state } });

      // Act
      const result = await getCrawlStatus(
        crawlState({ crawl: crawl({ attempt: 2 }) }),
        at('2026-12-01T16:11:00Z'),
      );

      // Assess
      expect(result).toMatchObject({
        phase: 'WAITING',
        crawlerState: state,
        attempt: 3,
        nextWaitSeconds: 20,
      });
    },
  );

  it('It should end the loop when the crawler is READY after a crawl that SUCCEEDED', async () => {
    // Prepare
    glue.on(GetCrawlerCommand).resolves({
      Crawler: { State: 'READY', LastCrawl: { Status: 'SUCCEEDED', StartTime: new Date(AS_OF) } },
    });

    // Act
    const result = await getCrawlStatus(crawlState({ crawl: crawl() }), at(AS_OF));

    // Assess
    expect(result).toMatchObject({ phase: 'READY', lastCrawl: { status: 'SUCCEEDED', startTime: AS_OF } });
  });

  it('It should keep waiting when READY still shows a crawl from before this execution started one', async () => {
    // Prepare
    glue.on(GetCrawlerCommand).resolves({
      Crawler: {
        State: 'READY',
        LastCrawl: { Status: 'FAILED', StartTime: new Date('2026-12-01T15:00:00Z') },
      },
    });

    // Act
    const result = await getCrawlStatus(crawlState({ crawl: crawl() }), at(AS_OF));

    // Assess
    expect(result).toMatchObject({ phase: 'WAITING', crawlerState: 'READY', attempt: 1 });
  });

  it.each(['FAILED', 'CANCELLED'] as const)(
    'It should fail with Glue’s message when the last crawl %s',
    async (status) => {
      // Prepare
      glue.on(GetCrawlerCommand).resolves({
        Crawler: {
          State: 'READY',
          LastCrawl: {
            Status: status,
            ErrorMessage: 'Access denied to s3://b/output/',
            LogGroup: '/aws-glue/crawlers',
            LogStream: 'ticks-demo-crawler',
          },
        },
      });

      // Act
      const act = getCrawlStatus(crawlState({ crawl: crawl() }), at(AS_OF));

      // Assess
      await expect(act).rejects.toMatchObject({
        name: CrawlErrorName.CrawlFailed,
        message: `The crawl of ticks-demo-crawler ended ${status}: Access denied to s3://b/output/ (log group /aws-glue/crawlers, stream ticks-demo-crawler)`,
      });
    },
  );

  it('It should fail with CrawlTimeoutError once crawlTimeoutSeconds have passed', async () => {
    // Prepare
    glue.on(GetCrawlerCommand).resolves({ Crawler: { State: 'RUNNING' } });

    // Act
    const act = getCrawlStatus(crawlState({ crawl: crawl() }), at('2026-12-01T16:25:00Z'));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: CrawlErrorName.CrawlTimeout,
      message: expect.stringMatching(/still RUNNING after 900 s \(crawlTimeoutSeconds 900\)/),
    });
  });

  it('It should retry a throttled GetCrawler', async () => {
    // Prepare
    glue.on(GetCrawlerCommand).rejects(awsError('ThrottlingException'));

    // Act
    const act = getCrawlStatus(crawlState({ crawl: crawl() }), at(AS_OF));

    // Assess
    await expect(act).rejects.toMatchObject({ name: ErrorName.Transient });
  });

  it('It should say which state is missing when wired wrongly', () => {
    // Act
    const act = () => requireCrawlState({ config: crawlState().config }, 'GetCrawlStatus', 'crawl');

    // Assess
    expect(act).toThrow(/crawl: GetCrawlStatus expects the execution state with \$\.crawl/);
  });
});

describe('CheckTable', () => {
  const columns = (names: string[]) => names.map((Name) => ({ Name, Type: 'string' }));

  it('It should accept the named columns and the ticker partition', async () => {
    // Prepare
    glue.on(GetTableCommand).resolves({
      Table: {
        Name: 'ticks_demo_output',
        StorageDescriptor: {
          Location: 's3://b/output/',
          Columns: columns(['window_end', 'window_start', 'avg_price', 'event_count']),
        },
        PartitionKeys: columns(['ticker']),
      },
    });

    // Act
    const result = await checkTable(crawlState());

    // Assess
    expect(result).toEqual({
      tableName: 'ticks_demo_output',
      columns: ['window_end', 'window_start', 'avg_price', 'event_count'],
      partitionKeys: ['ticker'],
      location: 's3://b/output/',
    });
    expect(glue).toHaveReceivedCommandWith(GetTableCommand, {
      DatabaseName: 'flinkflow',
      Name: 'ticks_demo_output',
    });
  });

  it('It should name the classifier when the columns are col0..col3, and the expected partitions', async () => {
    // Prepare
    glue.on(GetTableCommand).resolves({
      Table: {
        Name: 'ticks_demo_output',
        StorageDescriptor: { Columns: columns(['col0', 'col1', 'col2', 'col3']) },
        PartitionKeys: columns(['ticker']),
      },
    });

    // Act
    const act = checkTable(crawlState({}, { pipelineName: 'ticks-demo', partitionByTime: true }));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: CrawlErrorName.TableMismatch,
      message: expect.stringMatching(
        /columns are \[col0, col1, col2, col3\].*CSV classifier ticks-demo-csv.*partition keys are \[ticker\], expected \[ticker, dt, hr\]/,
      ),
    });
  });

  it('It should explain a missing table as output not written yet', async () => {
    // Prepare
    glue.on(GetTableCommand).rejects(awsError('EntityNotFoundException'));

    // Act
    const act = checkTable(crawlState());

    // Assess
    await expect(act).rejects.toMatchObject({
      name: CrawlErrorName.TableMismatch,
      message: expect.stringMatching(
        /made no table flinkflow\.ticks_demo_output: the pipeline has written no output yet/,
      ),
    });
  });
});

describe('StartQueries and GetQueryStatus', () => {
  it('It should start one query per check in the workgroup with a token of the execution and the check', async () => {
    // Prepare
    let n = 0;
    athena.on(StartQueryExecutionCommand).callsFake(() => ({ QueryExecutionId: `q${++n}` }));

    // Act
    const result = await startQueries(crawlState(), at(AS_OF));

    // Assess
    expect(result.queries.map((q) => q.name)).toEqual([
      'freshness',
      'completeness',
      'uniqueness',
      'sanity',
      'volume',
    ]);
    const calls = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    expect(calls[0]).toMatchObject({
      WorkGroup: 'flinkflow',
      QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'flinkflow' },
      ClientRequestToken: queryToken(EXECUTION, 'freshness'),
    });
    expect(calls[0]).not.toHaveProperty('ResultConfiguration');
    expect(queryToken(EXECUTION, 'freshness')).toMatch(/^[0-9a-f]{64}$/);
    expect(queryToken(EXECUTION, 'freshness')).not.toBe(queryToken(`${EXECUTION}-2`, 'freshness'));
  });

  it('It should run only the checks the input names', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q' });

    // Act
    const result = await startQueries(
      crawlState(
        {},
        { pipelineName: 'ticks-demo', validation: { checks: ['sanity', 'freshness', 'scanCost'] } },
      ),
      at(AS_OF),
    );

    // Assess
    expect(result.queries.map((q) => q.name)).toEqual(['freshness', 'sanity']);
  });

  it('It should report a query Athena refuses as QueryFailedError', async () => {
    // Prepare
    athena
      .on(StartQueryExecutionCommand)
      .rejects(awsError('InvalidRequestException', { message: 'WorkGroup flinkflow is disabled.' }));

    // Act
    const act = startQueries(crawlState(), at(AS_OF));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: CrawlErrorName.QueryFailed,
      message: 'Athena refused the freshness query in workgroup flinkflow: WorkGroup flinkflow is disabled.',
    });
  });

  const started = {
    queries: [
      { name: 'freshness', queryExecutionId: 'q1' },
      { name: 'sanity', queryExecutionId: 'q2' },
    ],
    startedAt: AS_OF,
  };

  it('It should wait while a query runs and be done when all succeeded, with the bytes each scanned', async () => {
    // Prepare
    athena.on(GetQueryExecutionCommand, { QueryExecutionId: 'q1' }).resolves({
      QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 10 } },
    });
    athena
      .on(GetQueryExecutionCommand, { QueryExecutionId: 'q2' })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({
        QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 20 } },
      });

    // Act
    const first = await getQueryStatus(crawlState({ started }), at(AS_OF));
    const second = await getQueryStatus(crawlState({ started, queryStatus: first }), at(AS_OF));

    // Assess
    expect(first).toMatchObject({ phase: 'WAITING', attempt: 1 });
    expect(second).toEqual({
      phase: 'DONE',
      attempt: 2,
      queries: [
        { name: 'freshness', queryExecutionId: 'q1', state: 'SUCCEEDED', bytesScanned: 10 },
        { name: 'sanity', queryExecutionId: 'q2', state: 'SUCCEEDED', bytesScanned: 20 },
      ],
    });
  });

  it.each(['FAILED', 'CANCELLED'] as const)(
    'It should fail with Athena’s reason when a query %s',
    async (state) => {
      // Prepare
      athena.on(GetQueryExecutionCommand).resolves({
        QueryExecution: { Status: { State: state, StateChangeReason: 'Query exhausted resources' } },
      });

      // Act
      const act = getQueryStatus(crawlState({ started }), at(AS_OF));

      // Assess
      await expect(act).rejects.toMatchObject({
        name: CrawlErrorName.QueryFailed,
        message: `The freshness query q1 ${state}: Query exhausted resources`,
      });
    },
  );

  it('It should stop queries still running after queryTimeoutSeconds and fail', async () => {
    // Prepare
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});

    // Act
    const act = getQueryStatus(crawlState({ started }), at('2026-12-01T16:15:00Z'));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: CrawlErrorName.QueryTimeout,
      message: expect.stringMatching(
        /freshness \(q1, RUNNING\), sanity \(q2, RUNNING\) still running after 300 s/,
      ),
    });
    expect(athena.commandCalls(StopQueryExecutionCommand)).toHaveLength(2);
  });
});

describe('EvaluateChecks', () => {
  it('It should read every page without the header row, and IncomingRecords over the volume minutes', async () => {
    // Prepare: the stale pipeline: its newest window ended 30 minutes before the run.
    const state = crawlState(
      {
        queryStatus: {
          phase: 'DONE',
          attempt: 1,
          queries: [
            { name: 'freshness', queryExecutionId: 'q1', state: 'SUCCEEDED', bytesScanned: 100 },
            { name: 'volume', queryExecutionId: 'q2', state: 'SUCCEEDED', bytesScanned: 300 },
          ],
        },
      },
      { pipelineName: 'ticks-demo', validation: { checks: ['freshness', 'volume', 'scanCost'] } },
    );
    const page = (rows: string[][], NextToken?: string) => ({
      ResultSet: { Rows: rows.map((row) => ({ Data: row.map((VarCharValue) => ({ VarCharValue })) })) },
      ...(NextToken ? { NextToken } : {}),
    });
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q1' })
      .resolves(page([['newest_window_end'], ['2026-12-01 15:40:00.000']]));
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q2' })
      .resolvesOnce(page([['events', 'windows']], 'next'))
      .resolves(page([['300', '3']]));
    cloudWatch
      .on(GetMetricDataCommand)
      .resolves({ MetricDataResults: [{ Id: 'incoming', Values: [100, 200] }] });

    // Act
    const verdict = await evaluateChecks(state);

    // Assess
    expect(verdict).toMatchObject({
      passed: false,
      failed: ['freshness'],
      queries: 2,
      bytesScanned: 400,
    });
    expect(verdict.checks).toEqual([
      expect.objectContaining({
        check: 'freshness',
        passed: false,
        value: 30,
        // ceil((60 + 65 + 60) / 60) minutes
        threshold: 4,
        queryExecutionId: 'q1',
        bytesScanned: 100,
      }),
      expect.objectContaining({ check: 'volume', passed: true, value: 0, threshold: 0.05 }),
      expect.objectContaining({ check: 'scanCost', passed: true, value: 300 }),
    ]);
    const metric = cloudWatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    // 60 s windows settle 65 s after their end: the last settled window ends 16:08; three of them.
    expect(metric.StartTime).toEqual(new Date('2026-12-01T16:05:00Z'));
    expect(metric.EndTime).toEqual(new Date('2026-12-01T16:08:00Z'));
    expect(metric.MetricDataQueries?.[0]?.MetricStat).toMatchObject({
      Metric: {
        Namespace: 'AWS/Kinesis',
        MetricName: 'IncomingRecords',
        Dimensions: [{ Name: 'StreamName', Value: 'ticks-demo-ticks' }],
      },
      Period: 60,
      Stat: 'Sum',
    });
  });
});

describe('PublishVerdict', () => {
  const verdict = (passed: boolean): ValidationVerdict => ({
    pipelineName: 'ticks-demo',
    passed,
    failed: passed ? [] : ['completeness'],
    asOf: AS_OF,
    table: 'flinkflow.ticks_demo_output',
    checks: [
      { check: 'freshness', passed: true, value: 1, threshold: 3, detail: 'fresh' },
      {
        check: 'completeness',
        passed,
        value: passed ? 0 : 3,
        threshold: 0,
        detail: passed ? 'all there' : 'missing 3 of 15 rows: TBV 16:05:00-16:06:00',
      },
    ],
    queries: 2,
    bytesScanned: 10,
  });

  it('It should write one metric per check and notify nobody when all passed', async () => {
    // Prepare
    cloudWatch.on(PutMetricDataCommand).resolves({});

    // Act
    const result = await publishVerdict(crawlState({ verdict: verdict(true) }));

    // Assess
    expect(result).toEqual({ metrics: 2 });
    expect(cloudWatch).toHaveReceivedCommandWith(PutMetricDataCommand, {
      Namespace: 'flinkflow/Validation',
      MetricData: [
        expect.objectContaining({
          MetricName: 'CheckPassed',
          Value: 1,
          Timestamp: new Date(AS_OF),
          Dimensions: [
            { Name: 'Pipeline', Value: 'ticks-demo' },
            { Name: 'Check', Value: 'freshness' },
          ],
        }),
        expect.objectContaining({
          MetricName: 'CheckPassed',
          Value: 1,
          Dimensions: [
            { Name: 'Pipeline', Value: 'ticks-demo' },
            { Name: 'Check', Value: 'completeness' },
          ],
        }),
      ],
    });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('It should publish the failing checks with their values to the verdict topic', async () => {
    // Prepare
    cloudWatch.on(PutMetricDataCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });

    // Act
    const result = await publishHandler(crawlState({ verdict: verdict(false) }), fakeLambdaContext());

    // Assess
    expect(result).toEqual({ metrics: 2, notificationId: 'm-1' });
    const message = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(message.TopicArn).toBe(crawlSettings.verdictTopicArn);
    expect(message.Subject).toBe('flinkflow ticks-demo: 1 validation check failed (completeness)');
    expect(message.Message).toContain(
      '- completeness: value 3, threshold 0: missing 3 of 15 rows: TBV 16:05:00-16:06:00',
    );
    expect(message.Message).not.toContain('- freshness');
  });

  it('It should let a failed publication fail the task (retried when transient)', async () => {
    // Prepare
    cloudWatch.on(PutMetricDataCommand).resolves({});
    sns.on(PublishCommand).rejects(awsError('InternalErrorException', { statusCode: 500 }));

    // Act
    const act = publishVerdict(crawlState({ verdict: verdict(false) }));

    // Assess
    await expect(act).rejects.toMatchObject({ name: ErrorName.Transient });
  });
});
