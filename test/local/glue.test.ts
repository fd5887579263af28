/**
 * The local Glue endpoint against the real SDK v3 client, checked against the Glue API reference:
 * catalog operations and their errors, the crawler's states and LastCrawl, and what a crawl writes.
 */
import {
  BatchCreatePartitionCommand,
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteDatabaseCommand,
  DeleteTableCommand,
  GetCrawlerCommand,
  GetCrawlerMetricsCommand,
  GetDatabaseCommand,
  GetDatabasesCommand,
  GetPartitionCommand,
  GetPartitionsCommand,
  GetTableCommand,
  GetTablesCommand,
  StartCrawlerCommand,
  StartCrawlerScheduleCommand,
  StopCrawlerCommand,
  StopCrawlerScheduleCommand,
  UpdateCrawlerCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { operationOf } from '../../local/common/aws-json-server';
import { createGlueService } from '../../local/glue/provider';
import { crawlerStates, createBucketWith, failure, useFixture } from './local-cloud-fixture';

// Real servers on a shared 2-core machine: a call can wait behind other suites' work.
jest.setTimeout(30_000);

const fx = useFixture();

const role = 'arn:aws:iam::000000000000:role/crawler';

/** Lines as the Flink job's CSV sink writes them: window end, average, count, window start (no header). */
const aaplRows =
  '2024-01-01 12:01:00,50.25,12,2024-01-01 12:00:00\n2024-01-01 12:02:00,51.5,9,2024-01-01 12:01:00\n';
const msftRows = '2024-01-01 12:01:00,20.0,3,2024-01-01 12:00:00\n';

async function createCrawler(
  name: string,
  databaseName: string,
  targetPath: string,
  extra: Record<string, unknown> = {},
) {
  await fx.glue.send(
    new CreateCrawlerCommand({
      Name: name,
      Role: role,
      DatabaseName: databaseName,
      Targets: {
        S3Targets: [
          {
            Path: targetPath,
            ...(extra['Exclusions'] ? { Exclusions: extra['Exclusions'] as string[] } : {}),
          },
        ],
      },
      ...(extra['TablePrefix'] ? { TablePrefix: extra['TablePrefix'] as string } : {}),
      ...(extra['Schedule'] ? { Schedule: extra['Schedule'] as string } : {}),
      Configuration: JSON.stringify({
        Version: 1.0,
        Grouping: { TableGroupingPolicy: 'CombineCompatibleSchemas' },
      }),
    }),
  );
}

async function crawl(name: string) {
  await fx.glue.send(new StartCrawlerCommand({ Name: name }));
  return crawlerStates(fx.glue, name);
}

describe('Glue Data Catalog', () => {
  it('It should create a database, fold its name to lower case, and refuse a second one with AlreadyExistsException', async () => {
    // Act
    await fx.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'Sales', Description: 'ticks' } }));
    const got = await fx.glue.send(new GetDatabaseCommand({ Name: 'sales' }));
    const again = failure(fx.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'sales' } })));

    // Assess
    expect(got.Database).toMatchObject({ Name: 'sales', Description: 'ticks', CatalogId: '000000000000' });
    expect(got.Database?.CreateTime).toBeInstanceOf(Date);
    expect(await again).toMatchObject({ name: 'AlreadyExistsException' });
  });

  it('It should answer EntityNotFoundException for a database, table or partition that does not exist', async () => {
    // Prepare
    await fx.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'nf' } }));

    // Act
    const database = failure(fx.glue.send(new GetDatabaseCommand({ Name: 'missing' })));
    const table = failure(fx.glue.send(new GetTableCommand({ DatabaseName: 'nf', Name: 'missing' })));
    const tableInMissingDatabase = failure(
      fx.glue.send(new CreateTableCommand({ DatabaseName: 'missing', TableInput: { Name: 't' } })),
    );

    // Assess
    expect(await database).toMatchObject({
      name: 'EntityNotFoundException',
      message: 'Database missing not found.',
    });
    expect(await table).toMatchObject({
      name: 'EntityNotFoundException',
      message: 'Table missing not found.',
    });
    expect(await tableInMissingDatabase).toMatchObject({ name: 'EntityNotFoundException' });
  });

  it('It should create, list, update (with VersionId) and delete tables', async () => {
    // Prepare
    await fx.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'tables_db' } }));
    const columns = [{ Name: 'price', Type: 'double' }];

    // Act
    await fx.glue.send(
      new CreateTableCommand({
        DatabaseName: 'tables_db',
        TableInput: { Name: 'Ticks', StorageDescriptor: { Columns: columns } },
      }),
    );
    await fx.glue.send(new CreateTableCommand({ DatabaseName: 'tables_db', TableInput: { Name: 'other' } }));
    const duplicate = failure(
      fx.glue.send(new CreateTableCommand({ DatabaseName: 'tables_db', TableInput: { Name: 'ticks' } })),
    );
    const filtered = await fx.glue.send(
      new GetTablesCommand({ DatabaseName: 'tables_db', Expression: 'tick.*' }),
    );
    const before = await fx.glue.send(new GetTableCommand({ DatabaseName: 'tables_db', Name: 'ticks' }));
    await fx.glue.send(
      new UpdateTableCommand({
        DatabaseName: 'tables_db',
        VersionId: before.Table?.VersionId as string,
        TableInput: {
          Name: 'ticks',
          StorageDescriptor: { Columns: [...columns, { Name: 'n', Type: 'bigint' }] },
        },
      }),
    );
    const stale = failure(
      fx.glue.send(
        new UpdateTableCommand({
          DatabaseName: 'tables_db',
          VersionId: before.Table?.VersionId as string,
          TableInput: { Name: 'ticks' },
        }),
      ),
    );
    const after = await fx.glue.send(new GetTableCommand({ DatabaseName: 'tables_db', Name: 'ticks' }));
    await fx.glue.send(new DeleteTableCommand({ DatabaseName: 'tables_db', Name: 'ticks' }));
    const deleted = failure(fx.glue.send(new GetTableCommand({ DatabaseName: 'tables_db', Name: 'ticks' })));

    // Assess
    expect(await duplicate).toMatchObject({ name: 'AlreadyExistsException' });
    expect(filtered.TableList?.map((t) => t.Name)).toEqual(['ticks']);
    expect(after.Table?.StorageDescriptor?.Columns?.map((c) => c.Name)).toEqual(['price', 'n']);
    expect(Number(after.Table?.VersionId)).toBe(Number(before.Table?.VersionId) + 1);
    expect(await stale).toMatchObject({ name: 'ConcurrentModificationException' });
    expect(await deleted).toMatchObject({ name: 'EntityNotFoundException' });
  });

  it('It should add partitions in a batch, report duplicates in Errors, and filter them by Expression', async () => {
    // Prepare
    await fx.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'parts' } }));
    await fx.glue.send(
      new CreateTableCommand({
        DatabaseName: 'parts',
        TableInput: { Name: 't', PartitionKeys: [{ Name: 'ticker', Type: 'string' }] },
      }),
    );
    const partition = (ticker: string) => ({
      Values: [ticker],
      StorageDescriptor: { Location: `s3://b/t/ticker=${ticker}/` },
    });

    // Act
    const first = await fx.glue.send(
      new BatchCreatePartitionCommand({
        DatabaseName: 'parts',
        TableName: 't',
        PartitionInputList: [partition('AAPL'), partition('MSFT')],
      }),
    );
    const second = await fx.glue.send(
      new BatchCreatePartitionCommand({
        DatabaseName: 'parts',
        TableName: 't',
        PartitionInputList: [partition('AAPL'), partition('INTC')],
      }),
    );
    const filtered = await fx.glue.send(
      new GetPartitionsCommand({ DatabaseName: 'parts', TableName: 't', Expression: "ticker = 'MSFT'" }),
    );
    const all = await fx.glue.send(new GetPartitionsCommand({ DatabaseName: 'parts', TableName: 't' }));
    const one = await fx.glue.send(
      new GetPartitionCommand({ DatabaseName: 'parts', TableName: 't', PartitionValues: ['INTC'] }),
    );
    const missing = failure(
      fx.glue.send(
        new GetPartitionCommand({ DatabaseName: 'parts', TableName: 't', PartitionValues: ['TBV'] }),
      ),
    );

    // Assess
    expect(first.Errors).toEqual([]);
    expect(second.Errors).toEqual([
      expect.objectContaining({
        PartitionValues: ['AAPL'],
        ErrorDetail: expect.objectContaining({ ErrorCode: 'AlreadyExistsException' }),
      }),
    ]);
    expect(filtered.Partitions?.map((p) => p.Values)).toEqual([['MSFT']]);
    expect(all.Partitions?.map((p) => p.Values?.[0])).toEqual(['AAPL', 'INTC', 'MSFT']);
    expect(one.Partition?.StorageDescriptor?.Location).toBe('s3://b/t/ticker=INTC/');
    expect(await missing).toMatchObject({ name: 'EntityNotFoundException' });
  });

  it('It should page through databases with NextToken', async () => {
    // Act
    const first = await fx.glue.send(new GetDatabasesCommand({ MaxResults: 1 }));
    const second = await fx.glue.send(
      new GetDatabasesCommand({ MaxResults: 1, NextToken: first.NextToken as string }),
    );

    // Assess
    expect(first.DatabaseList).toHaveLength(1);
    expect(first.NextToken).toBeDefined();
    expect(second.DatabaseList?.[0]?.Name).not.toBe(first.DatabaseList?.[0]?.Name);
  });

  it('It should delete a database with its tables', async () => {
    // Prepare
    await fx.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'gone' } }));
    await fx.glue.send(new CreateTableCommand({ DatabaseName: 'gone', TableInput: { Name: 't' } }));

    // Act
    await fx.glue.send(new DeleteDatabaseCommand({ Name: 'gone' }));

    // Assess
    expect(
      await failure(fx.glue.send(new GetTableCommand({ DatabaseName: 'gone', Name: 't' }))),
    ).toMatchObject({ name: 'EntityNotFoundException' });
  });
});

describe('Glue crawlers', () => {
  beforeAll(async () => {
    await createBucketWith(fx.s3, 'crawl-csv', {
      'output/ticker=AAPL/part-1-0.csv': aaplRows,
      'output/ticker=MSFT/part-2-0.csv': msftRows,
      // What the crawler must leave out: success files, Flink's in-progress files, excluded files.
      'output/ticker=AAPL/_SUCCESS': '',
      'output/ticker=MSFT/_SUCCESS': 'x',
      'output/ticker=MSFT/.part-3-0.inprogress.1f2e': 'not,a,finished,file,with,more,columns\n',
      'output/ticker=INTC/_temporary/part-9.csv': 'a,b\n',
      'output/ticker=AAPL/notes.tmp': 'x|y|z|w|v\n',
    });
    await fx.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'pipeline' } }));
  });

  it('It should refuse a crawler that exists with AlreadyExistsException and answer EntityNotFoundException for an unknown one', async () => {
    // Prepare
    await createCrawler('dup', 'pipeline', 's3://crawl-csv/output/');

    // Act
    const again = failure(createCrawler('dup', 'pipeline', 's3://crawl-csv/output/'));
    const unknown = failure(fx.glue.send(new GetCrawlerCommand({ Name: 'nobody' })));
    const startUnknown = failure(fx.glue.send(new StartCrawlerCommand({ Name: 'nobody' })));

    // Assess
    expect(await again).toMatchObject({ name: 'AlreadyExistsException' });
    expect(await unknown).toMatchObject({ name: 'EntityNotFoundException' });
    expect(await startUnknown).toMatchObject({ name: 'EntityNotFoundException' });
  });

  it('It should go READY -> RUNNING -> STOPPING -> READY, refuse a second start with CrawlerRunningException, and record LastCrawl', async () => {
    // Prepare
    await createCrawler('ticks', 'pipeline', 's3://crawl-csv/output/', {
      Exclusions: ['**/*.tmp'],
      TablePrefix: 'demo_',
    });
    const before = await fx.glue.send(new GetCrawlerCommand({ Name: 'ticks' }));
    const startedAt = Date.now();

    // Act
    await fx.glue.send(new StartCrawlerCommand({ Name: 'ticks' }));
    const second = failure(fx.glue.send(new StartCrawlerCommand({ Name: 'ticks' })));
    const update = failure(fx.glue.send(new UpdateCrawlerCommand({ Name: 'ticks', TablePrefix: 'x_' })));
    const states = await crawlerStates(fx.glue, 'ticks');
    const after = await fx.glue.send(new GetCrawlerCommand({ Name: 'ticks' }));
    const metrics = await fx.glue.send(new GetCrawlerMetricsCommand({ CrawlerNameList: ['ticks'] }));

    // Assess
    expect(before.Crawler?.State).toBe('READY');
    expect(await second).toMatchObject({ name: 'CrawlerRunningException' });
    expect(await update).toMatchObject({ name: 'CrawlerRunningException' });
    expect(states).toEqual(['RUNNING', 'STOPPING', 'READY']);
    expect(after.Crawler?.LastCrawl?.Status).toBe('SUCCEEDED');
    expect(after.Crawler?.LastCrawl?.StartTime?.getTime()).toBeGreaterThanOrEqual(
      Math.floor(startedAt / 1000) * 1000,
    );
    expect(metrics.CrawlerMetricsList?.[0]).toMatchObject({ CrawlerName: 'ticks', TablesCreated: 1 });
  });

  it('It should infer a headerless CSV as col0, col1, ... with Glue types and the ticker folders as partitions', async () => {
    // Act (the crawl ran in the previous test)
    const { Table } = await fx.glue.send(
      new GetTableCommand({ DatabaseName: 'pipeline', Name: 'demo_output' }),
    );
    const { Partitions } = await fx.glue.send(
      new GetPartitionsCommand({ DatabaseName: 'pipeline', TableName: 'demo_output' }),
    );

    // Assess: timestamps stay string, as Glue's built-in CSV classifier leaves them.
    expect(Table?.StorageDescriptor?.Columns).toEqual([
      { Name: 'col0', Type: 'string' },
      { Name: 'col1', Type: 'double' },
      { Name: 'col2', Type: 'bigint' },
      { Name: 'col3', Type: 'string' },
    ]);
    expect(Table?.PartitionKeys).toEqual([{ Name: 'ticker', Type: 'string' }]);
    expect(Table?.StorageDescriptor?.Location).toBe('s3://crawl-csv/output/');
    expect(Table?.StorageDescriptor?.SerdeInfo?.SerializationLibrary).toBe(
      'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
    );
    expect(Table?.StorageDescriptor?.SerdeInfo?.Parameters).toEqual({ 'field.delim': ',' });
    expect(Table?.Parameters).toMatchObject({
      classification: 'csv',
      delimiter: ',',
      UPDATED_BY_CRAWLER: 'ticks',
    });
    expect(Table?.Parameters?.['skip.header.line.count']).toBeUndefined();
    // Only the two finished data files count: no _SUCCESS, in-progress, _temporary or excluded file.
    expect(Table?.Parameters?.['objectCount']).toBe('2');
    expect(Table?.Parameters?.['sizeKey']).toBe(
      String(Buffer.byteLength(aaplRows) + Buffer.byteLength(msftRows)),
    );
    expect(Partitions?.map((p) => [p.Values, p.StorageDescriptor?.Location])).toEqual([
      [['AAPL'], 's3://crawl-csv/output/ticker=AAPL/'],
      [['MSFT'], 's3://crawl-csv/output/ticker=MSFT/'],
    ]);
  });

  it('It should take a header row as column names when the data below it is typed', async () => {
    // Prepare
    await createBucketWith(fx.s3, 'crawl-header', {
      'prices/day=1/a.csv': 'Ticker,Price,Volume,Active\nAAPL,10.5,100,true\nMSFT,11,200,false\n',
    });
    await createCrawler('header', 'pipeline', 's3://crawl-header/prices');

    // Act
    await crawl('header');
    const { Table } = await fx.glue.send(new GetTableCommand({ DatabaseName: 'pipeline', Name: 'prices' }));

    // Assess
    expect(Table?.StorageDescriptor?.Columns).toEqual([
      { Name: 'ticker', Type: 'string' },
      { Name: 'price', Type: 'double' },
      { Name: 'volume', Type: 'bigint' },
      { Name: 'active', Type: 'boolean' },
    ]);
    expect(Table?.Parameters?.['skip.header.line.count']).toBe('1');
    expect(Table?.PartitionKeys).toEqual([{ Name: 'day', Type: 'string' }]);
  });

  it('It should read a Parquet schema from the file and type the columns as the catalog does', async () => {
    // Prepare: a small parquet file written by DuckDB.
    const file = path.join(fx.dataDir, 'windows.parquet');
    const duck = await DuckDBInstance.create(':memory:');
    const connection = await duck.connect();
    await connection.run(
      `COPY (SELECT TIMESTAMP '2024-01-01 12:01:00' AS event_time, 'AAPL' AS ticker_name, 50.25::DOUBLE AS avg_price, 12::BIGINT AS event_count, 7::INTEGER AS small)
       TO '${file}' (FORMAT parquet)`,
    );
    connection.closeSync();
    duck.closeSync();
    await createBucketWith(fx.s3, 'crawl-parquet', {
      'windows/ticker=AAPL/part-0.parquet': readFileSync(file),
      'windows/ticker=AAPL/_SUCCESS': '',
    });
    await createCrawler('parquet', 'pipeline', 's3://crawl-parquet/windows/', { TablePrefix: 'pq_' });

    // Act
    await crawl('parquet');
    const { Table } = await fx.glue.send(
      new GetTableCommand({ DatabaseName: 'pipeline', Name: 'pq_windows' }),
    );

    // Assess
    expect(Table?.StorageDescriptor?.Columns).toEqual([
      { Name: 'event_time', Type: 'timestamp' },
      { Name: 'ticker_name', Type: 'string' },
      { Name: 'avg_price', Type: 'double' },
      { Name: 'event_count', Type: 'bigint' },
      { Name: 'small', Type: 'int' },
    ]);
    expect(Table?.Parameters).toMatchObject({ classification: 'parquet', recordCount: '1' });
    expect(Table?.StorageDescriptor?.SerdeInfo?.SerializationLibrary).toBe(
      'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    );
    expect(Table?.PartitionKeys).toEqual([{ Name: 'ticker', Type: 'string' }]);
  });

  it('It should add the partitions that appear between crawls and widen a column whose values changed type', async () => {
    // Prepare
    await createBucketWith(fx.s3, 'crawl-grow', { 'data/ticker=AAPL/p1.csv': '1,2\n' });
    await createCrawler('grow', 'pipeline', 's3://crawl-grow/data/');
    await crawl('grow');
    await fx.s3.send(
      new (await import('@aws-sdk/client-s3')).PutObjectCommand({
        Bucket: 'crawl-grow',
        Key: 'data/ticker=TBV/p2.csv',
        Body: '3,4.5\n',
      }),
    );

    // Act
    await crawl('grow');
    const { Table } = await fx.glue.send(new GetTableCommand({ DatabaseName: 'pipeline', Name: 'data' }));
    const { Partitions } = await fx.glue.send(
      new GetPartitionsCommand({ DatabaseName: 'pipeline', TableName: 'data' }),
    );
    const { Crawler } = await fx.glue.send(new GetCrawlerCommand({ Name: 'grow' }));

    // Assess
    expect(Table?.StorageDescriptor?.Columns?.map((c) => c.Type)).toEqual(['bigint', 'double']);
    expect(Table?.VersionId).toBe('1');
    expect(Partitions?.map((p) => p.Values?.[0])).toEqual(['AAPL', 'TBV']);
    expect(Crawler?.Version).toBe(1);
  });

  it('It should make one table per folder at the TableLevelConfiguration level, counted from the bucket', async () => {
    // Prepare
    await createBucketWith(fx.s3, 'crawl-levels', {
      'root/alpha/ticker=AAPL/p.csv': '1,2.5\n',
      'root/beta/ticker=MSFT/p.csv': '3,4.5\n',
    });
    const crawler = (name: string, level: number) =>
      fx.glue.send(
        new CreateCrawlerCommand({
          Name: name,
          Role: role,
          DatabaseName: 'levels',
          TablePrefix: `${name}_`,
          Targets: { S3Targets: [{ Path: 's3://crawl-levels/root/' }] },
          Configuration: JSON.stringify({
            Version: 1.0,
            Grouping: { TableGroupingPolicy: 'CombineCompatibleSchemas', TableLevelConfiguration: level },
          }),
        }),
      );
    await crawler('l2', 2);
    await crawler('l3', 3);

    // Act
    await crawl('l2');
    await crawl('l3');
    const { TableList } = await fx.glue.send(new GetTablesCommand({ DatabaseName: 'levels' }));
    const alpha = await fx.glue.send(new GetTableCommand({ DatabaseName: 'levels', Name: 'l3_alpha' }));

    // Assess
    expect(TableList?.map((t) => t.Name)).toEqual(['l2_root', 'l3_alpha', 'l3_beta']);
    expect(TableList?.[0]?.PartitionKeys?.map((k) => k.Name)).toEqual(['partition_0', 'ticker']);
    expect(alpha.Table?.StorageDescriptor?.Location).toBe('s3://crawl-levels/root/alpha/');
    expect(alpha.Table?.PartitionKeys).toEqual([{ Name: 'ticker', Type: 'string' }]);
  });

  it('It should end a crawl of a bucket that does not exist as FAILED with the reason in LastCrawl', async () => {
    // Prepare
    await createCrawler('broken', 'pipeline', 's3://no-such-bucket/output/');

    // Act
    const states = await crawl('broken');
    const { Crawler } = await fx.glue.send(new GetCrawlerCommand({ Name: 'broken' }));

    // Assess
    expect(states).toEqual(['RUNNING', 'STOPPING', 'READY']);
    expect(Crawler?.LastCrawl?.Status).toBe('FAILED');
    expect(Crawler?.LastCrawl?.ErrorMessage).toMatch(/bucket/i);
  });

  it('It should stop a running crawl (LastCrawl CANCELLED) and refuse to stop a crawler that is not running', async () => {
    // Prepare
    await createCrawler('stoppable', 'pipeline', 's3://crawl-csv/output/', { TablePrefix: 'stopped_' });
    const notRunning = failure(fx.glue.send(new StopCrawlerCommand({ Name: 'stoppable' })));
    expect(await notRunning).toMatchObject({ name: 'CrawlerNotRunningException' });

    // Act
    await fx.glue.send(new StartCrawlerCommand({ Name: 'stoppable' }));
    await fx.glue.send(new StopCrawlerCommand({ Name: 'stoppable' }));
    const stopping = await fx.glue.send(new GetCrawlerCommand({ Name: 'stoppable' }));
    const states = await crawlerStates(fx.glue, 'stoppable');
    const { Crawler } = await fx.glue.send(new GetCrawlerCommand({ Name: 'stoppable' }));
    const table = failure(
      fx.glue.send(new GetTableCommand({ DatabaseName: 'pipeline', Name: 'stopped_output' })),
    );

    // Assess
    expect(stopping.Crawler?.State).toBe('STOPPING');
    expect(states.at(-1)).toBe('READY');
    expect(Crawler?.LastCrawl?.Status).toBe('CANCELLED');
    expect(await table).toMatchObject({ name: 'EntityNotFoundException' });
  });

  it('It should start a SCHEDULED crawler when its cron fires, once per minute, and skip it while it runs', async () => {
    // Prepare: the provider itself, to drive its schedule check with a chosen clock.
    const glue = createGlueService({
      s3Endpoint: fx.services.endpoints.s3,
      region: 'us-east-1',
      account: '000000000000',
      // A folder of its own: the fixture's Glue keeps its catalog in fx.dataDir.
      dataDir: path.join(fx.dataDir, 'schedule-test'),
      crawlerMinRunningMs: 200,
      crawlerStoppingMs: 100,
    });
    const call = (operation: string, input: Record<string, unknown>) => {
      const method = operationOf(glue.provider, operation);
      if (!method) throw new Error(`The Glue provider has no ${operation}`);
      return method(input);
    };
    await call('CreateCrawler', {
      Name: 'timed',
      Role: role,
      DatabaseName: 'timed_db',
      Schedule: 'cron(0/15 * * * ? *)',
      Targets: { S3Targets: [{ Path: 's3://crawl-csv/output/', Exclusions: ['**/*.tmp'] }] },
    });
    await call('CreateCrawler', {
      Name: 'paused',
      Role: role,
      DatabaseName: 'timed_db',
      Schedule: 'cron(0/15 * * * ? *)',
      Targets: { S3Targets: [{ Path: 's3://crawl-csv/output/' }] },
    });
    await call('StopCrawlerSchedule', { CrawlerName: 'paused' });

    // Act
    const notDue = glue.runDueSchedules(new Date('2024-01-01T10:14:59Z'));
    const due = glue.runDueSchedules(new Date('2024-01-01T10:15:01Z'));
    const state = glue.store.crawlers.get('timed')?.crawler.State;
    const sameMinute = glue.runDueSchedules(new Date('2024-01-01T10:15:40Z'));
    await glue.store.crawlers.get('timed')?.running;
    const tables = [...(glue.store.databases.get('timed_db')?.tables.keys() ?? [])];
    await glue.shutdown();

    // Assess
    expect(notDue).toEqual([]);
    expect(due).toEqual(['timed']);
    expect(state).toBe('RUNNING');
    expect(sameMinute).toEqual([]);
    expect(tables).toEqual(['output']);
    expect(glue.store.crawlers.get('timed')?.crawler.LastCrawl?.Status).toBe('SUCCEEDED');
  });

  it('It should start and stop a crawler schedule, with the API errors for a missing or already running schedule', async () => {
    // Prepare
    await createCrawler('scheduled', 'pipeline', 's3://crawl-csv/output/', {
      Schedule: 'cron(0/15 * * * ? *)',
    });
    await createCrawler('unscheduled', 'pipeline', 's3://crawl-csv/output/');

    // Act
    const created = await fx.glue.send(new GetCrawlerCommand({ Name: 'scheduled' }));
    const alreadyRunning = failure(
      fx.glue.send(new StartCrawlerScheduleCommand({ CrawlerName: 'scheduled' })),
    );
    await fx.glue.send(new StopCrawlerScheduleCommand({ CrawlerName: 'scheduled' }));
    const stopped = await fx.glue.send(new GetCrawlerCommand({ Name: 'scheduled' }));
    const notRunning = failure(fx.glue.send(new StopCrawlerScheduleCommand({ CrawlerName: 'scheduled' })));
    const noSchedule = failure(fx.glue.send(new StartCrawlerScheduleCommand({ CrawlerName: 'unscheduled' })));
    const badSchedule = failure(
      fx.glue.send(new UpdateCrawlerCommand({ Name: 'unscheduled', Schedule: 'every 5 minutes' })),
    );

    // Assess
    expect(created.Crawler?.Schedule).toEqual({
      ScheduleExpression: 'cron(0/15 * * * ? *)',
      State: 'SCHEDULED',
    });
    expect(await alreadyRunning).toMatchObject({ name: 'SchedulerRunningException' });
    expect(stopped.Crawler?.Schedule?.State).toBe('NOT_SCHEDULED');
    expect(await notRunning).toMatchObject({ name: 'SchedulerNotRunningException' });
    expect(await noSchedule).toMatchObject({ name: 'NoScheduleException' });
    expect(await badSchedule).toMatchObject({ name: 'InvalidInputException' });
  });
});
