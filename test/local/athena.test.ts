/**
 * The local Athena endpoint against the real SDK v3 client, checked against the Athena API reference:
 * workgroups, the query lifecycle, results in S3 and through GetQueryResults, statistics and errors.
 */
import {
  BatchGetQueryExecutionCommand,
  CreateWorkGroupCommand,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetWorkGroupCommand,
  ListQueryExecutionsCommand,
  ListWorkGroupsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type Row,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import { CreateCrawlerCommand, CreateDatabaseCommand, StartCrawlerCommand } from '@aws-sdk/client-glue';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { crawlerStates, createBucketWith, failure, queryStates, useFixture } from './local-cloud-fixture';

// Real servers on a shared 2-core machine: a call can wait behind other suites' work.
jest.setTimeout(30_000);

/** Window rows as the job writes them (window end, average, count, window start), per ticker folder. */
const files: Record<string, string> = {
  'output/ticker=AAPL/part-0-0.csv':
    '2024-01-01 12:01:00,50.25,12,2024-01-01 12:00:00\n2024-01-01 12:02:00,51.5,9,2024-01-01 12:01:00\n',
  'output/ticker=MSFT/part-0-0.csv': '2024-01-01 12:01:00,20.0,3,2024-01-01 12:00:00\n',
  'output/ticker=INTC/part-0-0.csv': '2024-01-01 12:01:00,30.125,4,2024-01-01 12:00:00\n',
  // Never data: Athena (like the crawler) skips these.
  'output/ticker=AAPL/_SUCCESS': '',
  'output/ticker=MSFT/.part-1-0.inprogress.abc': '2024-01-01 12:03:00,99.0,1,2024-01-01 12:02:00\n',
};
const dataBytes = Object.entries(files)
  .filter(([key]) => key.endsWith('.csv'))
  .reduce((sum, [, body]) => sum + Buffer.byteLength(body), 0);

// Long enough QUEUED and RUNNING phases that a 20 ms poll sees both on a loaded machine.
const fx = useFixture({ queryQueuedMs: 300, queryMinRunningMs: 150 }, async () => {
  await createBucketWith(fx.s3, 'ticks', files);
  await createBucketWith(fx.s3, 'results', {});
  await fx.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'pipeline' } }));
  await fx.glue.send(
    new CreateCrawlerCommand({
      Name: 'ticks',
      Role: 'arn:aws:iam::000000000000:role/crawler',
      DatabaseName: 'pipeline',
      TablePrefix: 'demo_',
      Targets: { S3Targets: [{ Path: 's3://ticks/output/' }] },
    }),
  );
  await fx.glue.send(new StartCrawlerCommand({ Name: 'ticks' }));
  await crawlerStates(fx.glue, 'ticks');
  await fx.athena.send(
    new CreateWorkGroupCommand({
      Name: 'flinkflow',
      Configuration: {
        ResultConfiguration: { OutputLocation: 's3://results/athena/' },
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10_000_000,
      },
    }),
  );
});

async function runToEnd(input: StartQueryExecutionCommandInput) {
  const { QueryExecutionId } = await fx.athena.send(new StartQueryExecutionCommand(input));
  const states = await queryStates(fx.athena, QueryExecutionId as string);
  const { QueryExecution } = await fx.athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
  return { id: QueryExecutionId as string, states, execution: QueryExecution };
}

const values = (rows: Row[] | undefined) => rows?.map((r) => r.Data?.map((d) => d.VarCharValue ?? null));

describe('Athena workgroups', () => {
  it('It should have the primary workgroup and list created ones', async () => {
    // Act
    const primary = await fx.athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }));
    const list = await fx.athena.send(new ListWorkGroupsCommand({}));

    // Assess
    expect(primary.WorkGroup).toMatchObject({ Name: 'primary', State: 'ENABLED' });
    expect(list.WorkGroups?.map((w) => w.Name)).toEqual(['flinkflow', 'primary']);
  });

  it('It should refuse a duplicate workgroup, an unknown one, and a scan cutoff under 10 MB with InvalidRequestException', async () => {
    // Act
    const duplicate = failure(fx.athena.send(new CreateWorkGroupCommand({ Name: 'flinkflow' })));
    const unknown = failure(fx.athena.send(new GetWorkGroupCommand({ WorkGroup: 'nope' })));
    const tiny = failure(
      fx.athena.send(
        new CreateWorkGroupCommand({ Name: 'tiny', Configuration: { BytesScannedCutoffPerQuery: 1000 } }),
      ),
    );

    // Assess
    expect(await duplicate).toMatchObject({ name: 'InvalidRequestException' });
    expect(await unknown).toMatchObject({ name: 'InvalidRequestException' });
    expect(await tiny).toMatchObject({
      name: 'InvalidRequestException',
      message: expect.stringMatching(/10 MB/),
    });
  });
});

describe('Athena queries', () => {
  it('It should go QUEUED -> RUNNING -> SUCCEEDED and return the rows with the header row first', async () => {
    // Act
    const { id, states, execution } = await runToEnd({
      QueryString:
        'SELECT ticker, count(*) AS windows, sum(col2) AS events, round(avg(col1), 4) AS avg_price FROM "pipeline"."demo_output" GROUP BY ticker ORDER BY ticker',
      WorkGroup: 'flinkflow',
    });
    const results = await fx.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id }));

    // Assess
    expect(states).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    expect(execution?.Status?.SubmissionDateTime).toBeInstanceOf(Date);
    expect(execution?.Status?.CompletionDateTime).toBeInstanceOf(Date);
    expect(values(results.ResultSet?.Rows)).toEqual([
      ['ticker', 'windows', 'events', 'avg_price'],
      ['AAPL', '2', '21', '50.875'],
      ['INTC', '1', '4', '30.125'],
      ['MSFT', '1', '3', '20.0'],
    ]);
    expect(results.ResultSet?.ResultSetMetadata?.ColumnInfo?.map((c) => [c.Name, c.Type])).toEqual([
      ['ticker', 'varchar'],
      ['windows', 'bigint'],
      ['events', 'bigint'],
      ['avg_price', 'double'],
    ]);
  });

  it('It should count the bytes of the data files it read in DataScannedInBytes and report the engine time', async () => {
    // Act
    const { execution } = await runToEnd({
      QueryString: 'SELECT * FROM demo_output',
      QueryExecutionContext: { Database: 'pipeline' },
      WorkGroup: 'flinkflow',
    });

    // Assess: the three CSV files, not _SUCCESS nor the in-progress file.
    expect(execution?.Statistics?.DataScannedInBytes).toBe(dataBytes);
    expect(execution?.Statistics?.EngineExecutionTimeInMillis).toBeGreaterThanOrEqual(0);
    expect(execution?.Statistics?.TotalExecutionTimeInMillis).toBeGreaterThanOrEqual(
      execution?.Statistics?.EngineExecutionTimeInMillis ?? 0,
    );
  });

  it('It should read only the partitions an equality or IN on a partition key selects, as Athena prunes', async () => {
    // Prepare
    const bytesOf = (ticker: string) =>
      Buffer.byteLength(files[`output/ticker=${ticker}/part-0-0.csv`] as string);

    // Act
    const one = await runToEnd({
      QueryString: "SELECT count(*) FROM pipeline.demo_output WHERE ticker = 'MSFT'",
      WorkGroup: 'flinkflow',
    });
    const two = await runToEnd({
      QueryString:
        "SELECT count(*) FROM pipeline.demo_output t WHERE t.ticker IN ('MSFT', 'INTC') AND col2 > 0",
      WorkGroup: 'flinkflow',
    });
    const unpruned = await runToEnd({
      QueryString: "SELECT count(*) FROM pipeline.demo_output WHERE ticker = 'MSFT' OR col2 > 100",
      WorkGroup: 'flinkflow',
    });
    const subquery = await runToEnd({
      QueryString:
        "SELECT count(*) FROM pipeline.demo_output WHERE ticker = 'MSFT' AND col1 < (SELECT max(col1) FROM pipeline.demo_output)",
      WorkGroup: 'flinkflow',
    });
    const results = await fx.athena.send(new GetQueryResultsCommand({ QueryExecutionId: two.id }));
    const subqueryResults = await fx.athena.send(
      new GetQueryResultsCommand({ QueryExecutionId: subquery.id }),
    );

    // Assess
    expect(subquery.execution?.Statistics?.DataScannedInBytes).toBe(dataBytes);
    expect(values(subqueryResults.ResultSet?.Rows)?.[1]).toEqual(['1']);
    expect(one.execution?.Statistics?.DataScannedInBytes).toBe(bytesOf('MSFT'));
    expect(two.execution?.Statistics?.DataScannedInBytes).toBe(bytesOf('MSFT') + bytesOf('INTC'));
    expect(values(results.ResultSet?.Rows)?.[1]).toEqual(['2']);
    expect(unpruned.execution?.Statistics?.DataScannedInBytes).toBe(dataBytes);
  });

  it("It should write the results as <QueryExecutionId>.csv under the workgroup's enforced output location", async () => {
    // Act
    const { id, execution } = await runToEnd({
      QueryString: "SELECT ticker, col0 AS window_end FROM pipeline.demo_output WHERE ticker = 'MSFT'",
      WorkGroup: 'flinkflow',
      ResultConfiguration: { OutputLocation: 's3://elsewhere/' },
    });
    const object = await fx.s3.send(new GetObjectCommand({ Bucket: 'results', Key: `athena/${id}.csv` }));

    // Assess
    expect(execution?.ResultConfiguration?.OutputLocation).toBe(`s3://results/athena/${id}.csv`);
    expect(await object.Body?.transformToString()).toBe(
      '"ticker","window_end"\n"MSFT","2024-01-01 12:01:00"\n',
    );
  });

  it('It should page GetQueryResults with NextToken, the header only on the first page', async () => {
    // Prepare
    const { id } = await runToEnd({
      QueryString: 'SELECT n FROM UNNEST(ARRAY[0, 1, 2, 3, 4]) AS t(n) ORDER BY n',
      WorkGroup: 'flinkflow',
    });

    // Act
    const first = await fx.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 4 }));
    const second = await fx.athena.send(
      new GetQueryResultsCommand({
        QueryExecutionId: id,
        MaxResults: 4,
        NextToken: first.NextToken as string,
      }),
    );

    // Assess
    expect(values(first.ResultSet?.Rows)).toEqual([['n'], ['0'], ['1'], ['2']]);
    expect(values(second.ResultSet?.Rows)).toEqual([['3'], ['4']]);
    expect(second.NextToken).toBeUndefined();
  });

  it('It should fail a query over a table that does not exist with TABLE_NOT_FOUND', async () => {
    // Act
    const { states, execution } = await runToEnd({
      QueryString: 'SELECT *\nFROM pipeline.nothing',
      WorkGroup: 'flinkflow',
    });

    // Assess
    expect(states.at(-1)).toBe('FAILED');
    expect(execution?.Status?.StateChangeReason).toBe(
      "TABLE_NOT_FOUND: line 2:6: Table 'awsdatacatalog.pipeline.nothing' does not exist",
    );
    expect(execution?.Status?.AthenaError?.ErrorCategory).toBe(2);
  });

  it('It should fail a malformed query with SYNTAX_ERROR and an unknown column with COLUMN_NOT_FOUND', async () => {
    // Act
    const syntax = await runToEnd({
      QueryString: 'SELEC ticker FROM pipeline.demo_output',
      WorkGroup: 'flinkflow',
    });
    const column = await runToEnd({
      QueryString: 'SELECT no_such_column FROM pipeline.demo_output',
      WorkGroup: 'flinkflow',
    });

    // Assess
    expect(syntax.execution?.Status?.State).toBe('FAILED');
    expect(syntax.execution?.Status?.StateChangeReason).toMatch(/^SYNTAX_ERROR: line 1:\d+: /);
    expect(column.execution?.Status?.StateChangeReason).toMatch(
      /^COLUMN_NOT_FOUND: line 1:\d+: Column 'no_such_column' cannot be resolved/,
    );
  });

  it("It should fail a query that would scan more than the workgroup's BytesScannedCutoffPerQuery", async () => {
    // Prepare: 11 MB of rows, over the 10 MB cutoff.
    const line = '2024-01-01 12:01:00,50.25,12,2024-01-01 12:00:00\n';
    await createBucketWith(fx.s3, 'big', {});
    await fx.s3.send(
      new PutObjectCommand({
        Bucket: 'big',
        Key: 'big/part-0.csv',
        Body: line.repeat(Math.ceil(11_000_000 / line.length)),
      }),
    );
    await fx.glue.send(
      new CreateCrawlerCommand({
        Name: 'big',
        Role: 'r',
        DatabaseName: 'pipeline',
        Targets: { S3Targets: [{ Path: 's3://big/big/' }] },
      }),
    );
    await fx.glue.send(new StartCrawlerCommand({ Name: 'big' }));
    await crawlerStates(fx.glue, 'big');

    // Act
    const limited = await runToEnd({
      QueryString: 'SELECT count(*) FROM pipeline.big',
      WorkGroup: 'flinkflow',
    });
    const unlimited = await runToEnd({
      QueryString: 'SELECT count(*) FROM pipeline.big',
      ResultConfiguration: { OutputLocation: 's3://results/primary/' },
    });

    // Assess
    expect(limited.execution?.Status?.State).toBe('FAILED');
    expect(limited.execution?.Status?.StateChangeReason).toBe(
      'Query cancelled! : Bytes scanned limit was exceeded',
    );
    expect(unlimited.execution?.Status?.State).toBe('SUCCEEDED');
    expect(unlimited.execution?.Statistics?.DataScannedInBytes).toBeGreaterThan(11_000_000);
  });

  it('It should refuse a query without any output location, as Athena does', async () => {
    // Act
    const refused = failure(fx.athena.send(new StartQueryExecutionCommand({ QueryString: 'SELECT 1' })));

    // Assess
    expect(await refused).toMatchObject({
      name: 'InvalidRequestException',
      message: expect.stringMatching(/^No output location provided/),
    });
  });

  it('It should answer InvalidRequestException for an unknown query id and refuse results of a failed query', async () => {
    // Prepare
    const failed = await runToEnd({ QueryString: 'SELECT * FROM pipeline.nothing', WorkGroup: 'flinkflow' });

    // Act
    const unknownExecution = failure(
      fx.athena.send(
        new GetQueryExecutionCommand({ QueryExecutionId: '00000000-0000-0000-0000-000000000000' }),
      ),
    );
    const unknownResults = failure(
      fx.athena.send(
        new GetQueryResultsCommand({ QueryExecutionId: '00000000-0000-0000-0000-000000000000' }),
      ),
    );
    const failedResults = failure(
      fx.athena.send(new GetQueryResultsCommand({ QueryExecutionId: failed.id })),
    );

    // Assess
    expect(await unknownExecution).toMatchObject({
      name: 'InvalidRequestException',
      AthenaErrorCode: 'INVALID_INPUT',
    });
    expect(await unknownResults).toMatchObject({ name: 'InvalidRequestException' });
    expect(await failedResults).toMatchObject({
      name: 'InvalidRequestException',
      message: expect.stringMatching(/FAILED/),
    });
  });

  it('It should cancel a queued query with StopQueryExecution', async () => {
    // Act
    const { QueryExecutionId } = await fx.athena.send(
      new StartQueryExecutionCommand({ QueryString: 'SELECT 1', WorkGroup: 'flinkflow' }),
    );
    await fx.athena.send(new StopQueryExecutionCommand({ QueryExecutionId }));
    const states = await queryStates(fx.athena, QueryExecutionId as string);
    const results = failure(fx.athena.send(new GetQueryResultsCommand({ QueryExecutionId })));

    // Assess
    expect(states).toEqual(['CANCELLED']);
    expect(await results).toMatchObject({ name: 'InvalidRequestException' });
  });

  it("It should list a workgroup's executions newest first and fetch them in a batch, reporting unknown ids", async () => {
    // Prepare
    const a = await runToEnd({ QueryString: 'SELECT 1', WorkGroup: 'flinkflow' });
    const b = await runToEnd({ QueryString: 'SELECT 2', WorkGroup: 'flinkflow' });

    // Act
    const listed = await fx.athena.send(new ListQueryExecutionsCommand({ WorkGroup: 'flinkflow' }));
    const batch = await fx.athena.send(
      new BatchGetQueryExecutionCommand({ QueryExecutionIds: [a.id, b.id, 'unknown-id'] }),
    );

    // Assess
    expect(listed.QueryExecutionIds?.slice(0, 2)).toEqual([b.id, a.id]);
    expect(batch.QueryExecutions?.map((q) => q.Query)).toEqual(['SELECT 1', 'SELECT 2']);
    expect(batch.UnprocessedQueryExecutionIds?.map((u) => u.QueryExecutionId)).toEqual(['unknown-id']);
  });

  it('It should answer a repeated ClientRequestToken with the same execution', async () => {
    // Act
    const first = await fx.athena.send(
      new StartQueryExecutionCommand({
        QueryString: 'SELECT 3',
        WorkGroup: 'flinkflow',
        ClientRequestToken: 'token-000000000000000000000000000001',
      }),
    );
    const again = await fx.athena.send(
      new StartQueryExecutionCommand({
        QueryString: 'SELECT 3',
        WorkGroup: 'flinkflow',
        ClientRequestToken: 'token-000000000000000000000000000001',
      }),
    );
    const mismatch = failure(
      fx.athena.send(
        new StartQueryExecutionCommand({
          QueryString: 'SELECT 4',
          WorkGroup: 'flinkflow',
          ClientRequestToken: 'token-000000000000000000000000000001',
        }),
      ),
    );

    // Assess
    expect(again.QueryExecutionId).toBe(first.QueryExecutionId);
    expect(await mismatch).toMatchObject({ name: 'InvalidRequestException' });
    await queryStates(fx.athena, first.QueryExecutionId as string);
  });

  it('It should run the Trino functions the pipeline uses and print timestamps as Athena does', async () => {
    // Act
    const { id, execution } = await runToEnd({
      QueryString: [
        "SELECT from_iso8601_timestamp('2024-01-01T12:00:00.000Z') AS parsed,",
        '  approx_distinct(ticker) AS tickers,',
        '  max(CAST(col0 AS timestamp)) AS last_window,',
        "  date_diff('second', min(CAST(col3 AS timestamp)), max(CAST(col0 AS timestamp))) AS span",
        'FROM pipeline.demo_output',
      ].join('\n'),
      WorkGroup: 'flinkflow',
    });
    const results = await fx.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id }));

    // Assess
    expect(execution?.Status?.State).toBe('SUCCEEDED');
    expect(values(results.ResultSet?.Rows)?.[1]).toEqual([
      '2024-01-01 12:00:00.000 UTC',
      '3',
      '2024-01-01 12:02:00.000',
      '120',
    ]);
    expect(results.ResultSet?.ResultSetMetadata?.ColumnInfo?.map((c) => c.Type)).toEqual([
      'timestamp with time zone',
      'bigint',
      'timestamp',
      'bigint',
    ]);
  });

  it('It should not read files of folders that are not registered partitions', async () => {
    // Prepare: a new ticker folder appears after the crawl; Athena sees it only once it is a partition.
    await fx.s3.send(
      new PutObjectCommand({
        Bucket: 'ticks',
        Key: 'output/ticker=TBV/part-0-0.csv',
        Body: '2024-01-01 12:01:00,1.0,1,2024-01-01 12:00:00\n',
      }),
    );

    // Act
    const { id } = await runToEnd({
      QueryString: 'SELECT DISTINCT ticker FROM pipeline.demo_output ORDER BY 1',
      WorkGroup: 'flinkflow',
    });
    const results = await fx.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id }));
    const listing = await fx.s3.send(
      new ListObjectsV2Command({ Bucket: 'ticks', Prefix: 'output/ticker=TBV/' }),
    );

    // Assess
    expect(listing.KeyCount).toBe(1);
    expect(values(results.ResultSet?.Rows)).toEqual([['ticker'], ['AAPL'], ['INTC'], ['MSFT']]);
  });
});
