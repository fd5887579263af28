import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { GetCrawlerCommand, GetTablesCommand, GlueClient, StartCrawlerCommand } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import {
  findOutputTable,
  parseWindowRows,
  resolveWindowColumns,
  runAthenaQuery,
  runCrawl,
  windowsQuery,
} from '../../cli/local-run/query';
import { OutputColumns } from '../../workflow/contract';

const glueMock = mockClient(GlueClient);
const athenaMock = mockClient(AthenaClient);
const glue = new GlueClient({ region: 'us-east-1' });
const athena = new AthenaClient({ region: 'us-east-1' });

/** A poller on a fake clock that counts its sleeps. */
function fakePoller() {
  let t = Date.UTC(2026, 10, 25, 12, 0, 0);
  const sleeps: number[] = [];
  return { sleeps, now: () => t, sleep: async (ms: number) => void sleeps.push((t += ms)) };
}

beforeEach(() => {
  glueMock.reset();
  athenaMock.reset();
});

describe('runCrawl', () => {
  it('It should not take the previous crawl for this one, and wait until the crawler is READY again', async () => {
    // Prepare: first still READY with an old result, then RUNNING, then READY with this crawl's result.
    const poller = fakePoller();
    const old = {
      Status: 'FAILED' as const,
      StartTime: new Date(poller.now() - 3_600_000),
      ErrorMessage: 'old',
    };
    glueMock
      .on(GetCrawlerCommand)
      .resolvesOnce({ Crawler: { State: 'READY', LastCrawl: old } })
      .resolvesOnce({ Crawler: { State: 'RUNNING', LastCrawl: old } })
      .resolves({
        Crawler: { State: 'READY', LastCrawl: { Status: 'SUCCEEDED', StartTime: new Date(poller.now()) } },
      });
    glueMock.on(StartCrawlerCommand).resolves({});

    // Act
    const result = await runCrawl(glue, 'demo-crawler', poller, { pollMs: 500 });

    // Assess
    expect(result).toEqual({ status: 'SUCCEEDED' });
    expect(glueMock).toHaveReceivedCommandWith(StartCrawlerCommand, { Name: 'demo-crawler' });
    expect(glueMock).toHaveReceivedCommandTimes(GetCrawlerCommand, 3);
    expect(poller.sleeps).toHaveLength(2);
  });

  it('It should wait for a crawl that is already running and report a failed crawl with its message', async () => {
    // Prepare
    const poller = fakePoller();
    glueMock
      .on(StartCrawlerCommand)
      .rejects(Object.assign(new Error('running'), { name: 'CrawlerRunningException' }));
    glueMock
      .on(GetCrawlerCommand)
      .resolvesOnce({ Crawler: { State: 'STOPPING' } })
      .resolves({
        Crawler: {
          State: 'READY',
          LastCrawl: { Status: 'FAILED', ErrorMessage: 'Access denied', StartTime: new Date(poller.now()) },
        },
      });

    // Act
    const run = runCrawl(glue, 'demo-crawler', poller);

    // Assess
    await expect(run).rejects.toThrow('The crawl of demo-crawler ended FAILED: Access denied');
  });
});

describe('runAthenaQuery', () => {
  it('It should poll until SUCCEEDED and read every page, dropping the header row', async () => {
    // Prepare
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({
        QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 1234 } },
      });
    const row = (...values: string[]) => ({ Data: values.map((v) => ({ VarCharValue: v })) });
    athenaMock
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1' })
      .resolvesOnce({
        ResultSet: {
          ResultSetMetadata: {
            ColumnInfo: [
              { Name: 'ticker', Type: 'varchar' },
              { Name: 'n', Type: 'bigint' },
            ],
          },
          Rows: [row('ticker', 'n'), row('AAPL', '1')],
        },
        NextToken: 'page-2',
      })
      .resolves({ ResultSet: { Rows: [row('MSFT', '2')] } });
    const poller = fakePoller();

    // Act
    const result = await runAthenaQuery(
      athena,
      'SELECT 1',
      { database: 'flinkflow', outputLocation: 's3://b/results/' },
      poller,
    );

    // Assess
    expect(result).toMatchObject({
      queryExecutionId: 'q-1',
      columns: ['ticker', 'n'],
      rows: [
        ['AAPL', '1'],
        ['MSFT', '2'],
      ],
      dataScannedBytes: 1234,
    });
    expect(athenaMock).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      QueryString: 'SELECT 1',
      QueryExecutionContext: { Database: 'flinkflow' },
      ResultConfiguration: { OutputLocation: 's3://b/results/' },
    });
    expect(athenaMock.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input)).toEqual([
      { QueryExecutionId: 'q-1' },
      { QueryExecutionId: 'q-1', NextToken: 'page-2' },
    ]);
    expect(poller.sleeps).toHaveLength(2);
  });

  it("It should fail with the query, its state and Athena's reason", async () => {
    // Prepare
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-2' });
    athenaMock.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: {
          State: 'FAILED',
          StateChangeReason: "TABLE_NOT_FOUND: line 1:15: Table 'x' does not exist",
        },
      },
    });

    // Act
    const run = runAthenaQuery(athena, 'SELECT * FROM x', { database: 'd' }, fakePoller());

    // Assess
    await expect(run).rejects.toThrow(
      "Athena query q-2 FAILED: TABLE_NOT_FOUND: line 1:15: Table 'x' does not exist",
    );
  });
});

describe('output table and its columns', () => {
  it('It should find the table whose location is the output location', async () => {
    // Prepare
    glueMock.on(GetTablesCommand).resolves({
      TableList: [
        { Name: 'other_output', StorageDescriptor: { Location: 's3://other/output/' } },
        { Name: 'local_demo_output', StorageDescriptor: { Location: 's3://bucket/output' } },
      ],
    });

    // Act
    const table = await findOutputTable(glue, 'flinkflow', 's3://bucket/output/', 'local_demo_');

    // Assess
    expect(table.Name).toBe('local_demo_output');
  });

  it('It should say which tables exist when none covers the output', async () => {
    // Prepare
    glueMock.on(GetTablesCommand).resolves({ TableList: [{ Name: 'a' }, { Name: 'b' }] });

    // Act
    const find = findOutputTable(glue, 'flinkflow', 's3://bucket/output/', 'local_demo_');

    // Assess
    await expect(find).rejects.toThrow(
      'No table over s3://bucket/output/ in the Glue database flinkflow (tables: a, b)',
    );
  });

  it('It should map named columns by name and headerless CSV columns (col0...) by type, leaving out time partitions', () => {
    // Prepare
    const named = {
      Name: 't',
      StorageDescriptor: {
        // The job's own names (Parquet, or CSV through the classifier), as the contract lists them.
        Columns: OutputColumns.map((c) => ({ Name: c.name, Type: c.type })),
      },
      PartitionKeys: [{ Name: 'ticker', Type: 'string' }],
    };
    const headerless = {
      Name: 't',
      StorageDescriptor: {
        Columns: [
          { Name: 'col0', Type: 'string' },
          { Name: 'col1', Type: 'string' },
          { Name: 'col2', Type: 'double' },
          { Name: 'col3', Type: 'bigint' },
        ],
      },
      PartitionKeys: [
        { Name: 'ticker', Type: 'string' },
        { Name: 'dt', Type: 'string' },
        { Name: 'hr', Type: 'string' },
      ],
    };

    // Act
    const byName = resolveWindowColumns(named);
    const byType = resolveWindowColumns(headerless);

    // Assess
    expect(byName).toEqual({
      ticker: 'ticker',
      windowStart: 'window_start',
      windowEnd: 'window_end',
      avgPrice: 'avg_price',
      count: 'event_count',
    });
    expect(byType).toEqual({
      ticker: 'ticker',
      windowStart: 'col0',
      windowEnd: 'col1',
      avgPrice: 'col2',
      count: 'col3',
    });
    expect(windowsQuery('flinkflow', 't', byType)).toContain('FROM "flinkflow"."t"');
  });

  it('It should put window bounds in order whichever column holds the start', () => {
    // Act
    const rows = parseWindowRows([
      ['AAPL', '2026-11-25 12:00:10.000', '2026-11-25 12:00:00.000', '15.005', '2'],
    ]);

    // Assess
    expect(rows).toEqual([
      {
        ticker: 'AAPL',
        windowStart: Date.UTC(2026, 10, 25, 12, 0, 0),
        windowEnd: Date.UTC(2026, 10, 25, 12, 0, 10),
        avgPrice: 15.005,
        count: 2,
      },
    ]);
  });
});
