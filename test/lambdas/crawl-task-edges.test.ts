/**
 * The crawl-and-query tasks at their edges, which test/lambdas/crawl-tasks.test.ts leaves out: responses
 * with fields missing, errors that must fail the task as they are, the exact messages, and what each task
 * sends to the service.
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
import { run as publishVerdict } from '../../lambdas/publish-verdict';
import { run as startCrawl } from '../../lambdas/start-crawl';
import { run as startQueries } from '../../lambdas/start-queries';
import { resolveCrawlRequest, run as validateCrawlInput } from '../../lambdas/validate-crawl-input';
import { OutputColumns } from '../../workflow/contract';
import type { CrawlStatus, QueryStatus, ValidationVerdict } from '../../workflow/crawl-contract';
import { awsError } from '../support/aws-errors';
import { AS_OF, at, crawlSettings, crawlState, EXECUTION } from '../support/crawl';

const glue = mockClient(GlueClient);
const athena = mockClient(AthenaClient);
const cloudWatch = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);
beforeEach(() => {
  for (const client of [glue, athena, cloudWatch, sns]) client.reset();
});

const denied = () => awsError('AccessDeniedException', { statusCode: 403 });
const columns = OutputColumns.map((c) => c.name);
const crawl: CrawlStatus = {
  phase: 'WAITING',
  crawlerName: 'ticks-demo-crawler',
  startedAt: AS_OF,
  alreadyRunning: false,
  crawlerState: 'RUNNING',
  attempt: 0,
  nextWaitSeconds: 20,
};
const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error,
  );

describe('ValidateCrawlInput at its edges', () => {
  it.each([
    ['an empty execution id', { executionId: '', startTime: AS_OF }],
    ['an execution id that is no string', { executionId: 42, startTime: AS_OF }],
    ['a start time that is no instant', { executionId: EXECUTION, startTime: 'soon' }],
  ])('It should refuse %s, naming the request and what it got', (_, request) => {
    // Act
    const act = () =>
      resolveCrawlRequest({ input: { pipelineName: 'ticks-demo' }, ...request } as never, crawlSettings);

    // Assess
    expect(act).toThrow(
      expect.objectContaining({
        name: 'InvalidInputError',
        message: expect.stringMatching(/^Invalid crawl-and-query request/),
        problems: [
          {
            field: '$',
            message: expect.stringContaining(
              `got ${JSON.stringify({ executionId: request.executionId, startTime: request.startTime })}`,
            ),
          },
        ],
      }),
    );
  });

  it('It should name the instant it refuses and call the document the crawl-and-query input', () => {
    // Act
    const act = () =>
      resolveCrawlRequest(
        {
          input: { pipelineName: 'ticks-demo', asOf: '2026-12-01T17:00:00.000Z' },
          executionId: EXECUTION,
          startTime: AS_OF,
        },
        crawlSettings,
      );

    // Assess
    expect(act).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/^Invalid crawl-and-query input/),
        problems: [
          {
            field: 'asOf',
            message: `must not be after the execution's start (${AS_OF}), got 2026-12-01T17:00:00.000Z; omit it to measure as of the start`,
          },
        ],
      }),
    );
    expect(() =>
      resolveCrawlRequest(
        { input: { pipelineName: 'X' }, executionId: EXECUTION, startTime: AS_OF },
        crawlSettings,
      ),
    ).toThrow(/^Invalid crawl-and-query input/);
  });

  it('It should use the deployment settings it is given instead of the environment', async () => {
    // Act
    const result = await validateCrawlInput(
      { input: { pipelineName: 'ticks-demo' }, executionId: EXECUTION, startTime: AS_OF },
      { settings: () => ({ ...crawlSettings, athenaWorkGroup: 'given' }) },
    );

    // Assess
    expect(result.config.athenaWorkGroup).toBe('given');
  });
});

describe('StartCrawl at its edges', () => {
  it('It should keep Glue’s error as the cause of CrawlFailedError, and fail other errors as they are', async () => {
    // Prepare
    glue.on(StartCrawlerCommand).rejectsOnce(awsError('EntityNotFoundException')).rejectsOnce(denied());

    // Act
    const missing = await caught(startCrawl(crawlState(), at(AS_OF)));
    const other = await caught(startCrawl(crawlState(), at(AS_OF)));

    // Assess
    expect((missing?.cause as Error).name).toBe('EntityNotFoundException');
    expect(other?.name).toBe('AccessDeniedException');
  });
});

describe('GetCrawlStatus at its edges', () => {
  const state = crawlState({ crawl });

  it('It should ask for the pipeline’s crawler and wait while Glue shows no crawler state', async () => {
    // Prepare
    glue.on(GetCrawlerCommand).resolves({});

    // Act
    const result = await getCrawlStatus(state, at('2026-12-01T16:11:00Z'));

    // Assess
    expect(glue).toHaveReceivedCommandWith(GetCrawlerCommand, { Name: 'ticks-demo-crawler' });
    expect(result).toMatchObject({ phase: 'WAITING', crawlerState: 'UNKNOWN' });
  });

  it('It should take a last crawl begun exactly the clock skew before the execution’s as this one', async () => {
    // Prepare
    glue.on(GetCrawlerCommand).resolves({
      Crawler: {
        State: 'READY',
        LastCrawl: { Status: 'SUCCEEDED', StartTime: new Date(Date.parse(AS_OF) - 60_000) },
      },
    });

    // Act
    const result = await getCrawlStatus(state, at('2026-12-01T16:11:00Z'));

    // Assess
    expect(result).toMatchObject({ phase: 'READY', lastCrawl: { status: 'SUCCEEDED' } });
  });

  it('It should fail a READY crawler without a last crawl, and name a log group without a stream', async () => {
    // Prepare
    glue
      .on(GetCrawlerCommand)
      .resolvesOnce({ Crawler: { State: 'READY' } })
      .resolvesOnce({
        Crawler: { State: 'READY', LastCrawl: { Status: 'FAILED', LogGroup: '/aws-glue/crawlers' } },
      });

    // Act
    const none = await caught(getCrawlStatus(state, at('2026-12-01T16:11:00Z')));
    const failed = await caught(getCrawlStatus(state, at('2026-12-01T16:11:00Z')));

    // Assess
    expect(none?.message).toBe('The crawl of ticks-demo-crawler ended UNKNOWN: Glue gave no message');
    expect(failed?.message).toBe(
      'The crawl of ticks-demo-crawler ended FAILED: Glue gave no message (log group /aws-glue/crawlers, stream unknown)',
    );
  });
});

describe('CheckTable at its edges', () => {
  const table = (cols: string[], keys: string[], location?: string) => ({
    Table: {
      Name: 'ticks_demo_output',
      StorageDescriptor: { Columns: cols.map((Name) => ({ Name, Type: 'string' })), Location: location },
      PartitionKeys: keys.map((Name) => ({ Name, Type: 'string' })),
    },
  });

  it('It should fail errors other than a missing table as they are, and keep a missing table’s as the cause', async () => {
    // Prepare
    glue.on(GetTableCommand).rejectsOnce(denied()).rejectsOnce(awsError('EntityNotFoundException'));

    // Act
    const other = await caught(checkTable(crawlState()));
    const missing = await caught(checkTable(crawlState()));

    // Assess
    expect(other?.name).toBe('AccessDeniedException');
    expect((missing?.cause as Error).name).toBe('EntityNotFoundException');
  });

  it('It should say everything that is wrong with a table without columns or keys', async () => {
    // Prepare
    glue
      .on(GetTableCommand)
      .resolvesOnce({ Table: { Name: 'x' } })
      .resolvesOnce({});

    // Act
    const bare = await caught(checkTable(crawlState()));
    const none = await caught(checkTable(crawlState()));

    // Assess
    const message = `Table flinkflow.ticks_demo_output: columns are [], expected [${columns.join(', ')}]; partition keys are [], expected [ticker] for partitionByTime false; check the input's partitionByTime against the pipeline's`;
    expect(bare?.message).toBe(message);
    expect(none?.message).toBe(message);
  });

  it('It should give the classifier hint only for Glue’s own colN names', async () => {
    // Prepare
    glue
      .on(GetTableCommand)
      .resolvesOnce(table(['col10', 'a'], ['ticker']))
      .resolvesOnce(table(['xcol1', 'col2x'], ['ticker']))
      .resolvesOnce(table([...columns.slice(0, 3), ''], ['ticker']));

    // Act
    const hinted = await caught(checkTable(crawlState()));
    const plain = await caught(checkTable(crawlState()));
    const nameless = await caught(checkTable(crawlState()));

    // Assess
    expect(hinted?.message).toContain('the crawler did not apply the CSV classifier ticks-demo-csv');
    expect(plain?.message).not.toContain('classifier');
    expect(nameless?.message).toContain(`columns are [${columns.slice(0, 3).join(', ')}, ]`);
  });

  it('It should list the partition keys it found against those it expected', async () => {
    // Prepare
    glue.on(GetTableCommand).resolves(table(columns, ['ticker', 'dt']));

    // Act
    const error = await caught(checkTable(crawlState()));

    // Assess
    expect(error?.message).toBe(
      "Table flinkflow.ticks_demo_output: partition keys are [ticker, dt], expected [ticker] for partitionByTime false; check the input's partitionByTime against the pipeline's",
    );
  });

  it('It should accept the time partitions of a pipeline partitioned by time, with no location as empty', async () => {
    // Prepare
    glue.on(GetTableCommand).resolves(table(columns, ['ticker', 'dt', 'hr']));

    // Act
    const result = await checkTable(crawlState({}, { pipelineName: 'ticks-demo', partitionByTime: true }));

    // Assess
    expect(result).toEqual({
      tableName: 'ticks_demo_output',
      columns,
      partitionKeys: ['ticker', 'dt', 'hr'],
      location: '',
    });
  });
});

describe('StartQueries and GetQueryStatus at their edges', () => {
  it('It should fail when Athena returns no id, and fail errors other than a refusal as they are', async () => {
    // Prepare
    athena
      .on(StartQueryExecutionCommand)
      .resolvesOnce({})
      .rejectsOnce(denied())
      .rejectsOnce(awsError('InvalidRequestException', { message: 'bad SQL' }));

    // Act
    const noId = await caught(startQueries(crawlState(), at(AS_OF)));
    const other = await caught(startQueries(crawlState(), at(AS_OF)));
    const refused = await caught(startQueries(crawlState(), at(AS_OF)));

    // Assess
    expect(noId?.message).toBe('Athena returned no QueryExecutionId');
    expect(other?.name).toBe('AccessDeniedException');
    expect((refused?.cause as Error).message).toBe('bad SQL');
  });

  const started = {
    startedAt: AS_OF,
    queries: [
      { name: 'freshness', queryExecutionId: 'q1' },
      { name: 'sanity', queryExecutionId: 'q2' },
    ],
  };

  it('It should wait on a query Athena shows no state or statistics for', async () => {
    // Prepare
    athena.on(GetQueryExecutionCommand).resolvesOnce({}).resolves({ QueryExecution: {} });

    // Act
    const result = await getQueryStatus(crawlState({ started }), at(AS_OF));

    // Assess
    expect(result).toEqual({
      phase: 'WAITING',
      attempt: 1,
      queries: [
        { name: 'freshness', queryExecutionId: 'q1', state: 'UNKNOWN', bytesScanned: null },
        { name: 'sanity', queryExecutionId: 'q2', state: 'UNKNOWN', bytesScanned: null },
      ],
    });
  });

  it('It should give Athena’s error message when there is no state change reason, or say there is none', async () => {
    // Prepare
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({
        QueryExecution: { Status: { State: 'FAILED', AthenaError: { ErrorMessage: 'no table' } } },
      })
      .resolvesOnce({ QueryExecution: { Status: { State: 'CANCELLED' } } });

    // Act
    const withError = await caught(getQueryStatus(crawlState({ started }), at(AS_OF)));
    const without = await caught(getQueryStatus(crawlState({ started }), at(AS_OF)));

    // Assess
    expect(withError?.message).toBe('The freshness query q1 FAILED: no table');
    expect(without?.message).toBe('The freshness query q1 CANCELLED: Athena gave no reason');
  });

  it('It should stop only the queries still running at the timeout, and name only them', async () => {
    // Prepare
    athena
      .on(GetQueryExecutionCommand, { QueryExecutionId: 'q1' })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } })
      .on(GetQueryExecutionCommand, { QueryExecutionId: 'q2' })
      .resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});

    // Act
    const error = await caught(getQueryStatus(crawlState({ started }), at('2026-12-01T17:10:00Z')));

    // Assess
    expect(athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { QueryExecutionId: 'q2' },
    ]);
    expect(error?.message).toMatch(/^sanity \(q2, RUNNING\) still running after 3600 s/);
  });
});

describe('EvaluateChecks and PublishVerdict at their edges', () => {
  const queryStatus = (names: string[]): QueryStatus => ({
    phase: 'DONE',
    attempt: 1,
    queries: names.map((name, i) => ({
      name,
      queryExecutionId: `q${i}`,
      state: 'SUCCEEDED',
      bytesScanned: 10,
    })),
  });

  it('It should add IncomingRecords over every page, skipping results and pages without values', async () => {
    // Prepare
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { Rows: [{ Data: [] }, { Data: [{ VarCharValue: '30' }] }] } });
    cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [{ Id: 'incoming', Values: [10, 5] }, { Id: 'incoming' }],
        NextToken: 'n',
      })
      .resolvesOnce({ NextToken: 'm' })
      .resolvesOnce({ MetricDataResults: [{ Id: 'incoming', Values: [15] }] });

    // Act
    const verdict = await evaluateChecks(
      crawlState(
        { queryStatus: queryStatus(['volume']) },
        { pipelineName: 'ticks-demo', validation: { checks: ['volume'] } },
      ),
    );

    // Assess
    expect(cloudWatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 3);
    expect(cloudWatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries?.[0]?.Id).toBe(
      'incoming',
    );
    expect(verdict.checks[0]?.detail).toMatch(/^30 events in the windows of .* against 30 IncomingRecords/);
  });

  it('It should not read CloudWatch when the volume check is not asked for', async () => {
    // Prepare
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [{ Data: [] }] } });

    // Act
    await evaluateChecks(
      crawlState(
        { queryStatus: queryStatus(['uniqueness']) },
        { pipelineName: 'ticks-demo', validation: { checks: ['uniqueness'] } },
      ),
    );

    // Assess
    expect(cloudWatch).not.toHaveReceivedCommand(GetMetricDataCommand);
  });

  it('It should count each metric in Count, and tag the notification with the pipeline and the failed checks', async () => {
    // Prepare
    const verdict: ValidationVerdict = {
      pipelineName: 'ticks-demo',
      passed: false,
      failed: ['freshness', 'volume'],
      asOf: AS_OF,
      table: 'flinkflow.ticks_demo_output',
      checks: [
        { check: 'freshness', passed: false, value: null, threshold: 2, detail: 'old' },
        { check: 'volume', passed: false, value: 1, threshold: 0.05, detail: 'off' },
      ],
      queries: 2,
      bytesScanned: 0,
    };
    cloudWatch.on(PutMetricDataCommand).resolves({});
    sns.on(PublishCommand).resolves({});

    // Act
    const result = await publishVerdict(crawlState({ verdict }));

    // Assess
    expect(
      cloudWatch.commandCalls(PutMetricDataCommand)[0]?.args[0].input.MetricData?.map((m) => m.Unit),
    ).toEqual(['Count', 'Count']);
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes).toEqual({
      pipeline: { DataType: 'String', StringValue: 'ticks-demo' },
      failed: { DataType: 'String', StringValue: 'freshness,volume' },
    });
    expect(result).toEqual({ metrics: 2 });
  });
});
