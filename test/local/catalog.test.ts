/**
 * The readable catalog on the local cloud, through the real SDK v3 clients: Glue's custom CSV
 * classifiers and a crawl that applies one to sink-shaped files, crawler schedules that may be absent,
 * and Athena over the result (named columns, the workgroup's enforced result location, partition
 * pruning seen in DataScannedInBytes).
 */
import {
  CreateWorkGroupCommand,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import {
  CreateClassifierCommand,
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  DeleteClassifierCommand,
  GetClassifierCommand,
  GetClassifiersCommand,
  GetCrawlerCommand,
  GetTableCommand,
  StartCrawlerCommand,
  UpdateClassifierCommand,
  UpdateCrawlerCommand,
  type CreateCsvClassifierRequest,
} from '@aws-sdk/client-glue';
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  csvBody,
  parquetBodies,
  parquetColumnSizes,
  sinkFiles,
  type SinkFile,
} from '../../bench/catalog/sink-files';
import { OutputColumns, OutputPartitionColumns } from '../../workflow/contract';
import { crawlerStates, createBucketWith, failure, queryStates, useFixture } from './local-cloud-fixture';

jest.setTimeout(60_000);

/** Two tickers, three hours from 22:00 (so dt changes at midnight), a file per ticker every 10 minutes. */
const sink = sinkFiles({
  start: new Date('2024-03-01T22:00:00Z'),
  hours: 3,
  tickers: ['AAPL', 'MSFT'],
  checkpointSeconds: 600,
  windowSeconds: 300,
});
const bodies = Object.fromEntries(sink.map((f) => [`output/${f.key}`, csvBody(f)]));
const bytesWhere = (keep: (f: SinkFile) => boolean) =>
  sink.filter(keep).reduce((sum, f) => sum + Buffer.byteLength(csvBody(f)), 0);
const allBytes = bytesWhere(() => true);

/** The classifier the pipeline creates: the contract's names, no header line, comma-delimited. */
const pipelineClassifier: CreateCsvClassifierRequest = {
  Name: 'demo-csv',
  Header: OutputColumns.map((c) => c.name),
  ContainsHeader: 'ABSENT',
  Delimiter: ',',
};

const fx = useFixture({ queryQueuedMs: 20 }, async (f) => {
  await createBucketWith(f.s3, 'sink', { ...bodies, 'output/ticker=AAPL/dt=2024-03-01/hr=22/_SUCCESS': '' });
  await createBucketWith(f.s3, 'results', {});
  await f.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'catalog' } }));
  await f.glue.send(new CreateClassifierCommand({ CsvClassifier: pipelineClassifier }));
  await f.glue.send(
    new CreateCrawlerCommand({
      Name: 'named',
      Role: 'arn:aws:iam::000000000000:role/crawler',
      DatabaseName: 'catalog',
      TablePrefix: 'named_',
      Classifiers: ['demo-csv'],
      Targets: { S3Targets: [{ Path: 's3://sink/output/' }] },
    }),
  );
  await f.glue.send(new StartCrawlerCommand({ Name: 'named' }));
  await crawlerStates(f.glue, 'named');
});

async function runToEnd(input: StartQueryExecutionCommandInput) {
  const { QueryExecutionId } = await fx.athena.send(new StartQueryExecutionCommand(input));
  await queryStates(fx.athena, QueryExecutionId as string);
  const { QueryExecution } = await fx.athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
  return QueryExecution;
}

async function rows(input: StartQueryExecutionCommandInput) {
  const execution = await runToEnd(input);
  expect(execution?.Status?.StateChangeReason).toBeUndefined();
  const { ResultSet } = await fx.athena.send(
    new GetQueryResultsCommand({ QueryExecutionId: execution?.QueryExecutionId }),
  );
  return {
    execution,
    types: ResultSet?.ResultSetMetadata?.ColumnInfo?.map((c) => c.Type),
    rows: (ResultSet?.Rows ?? []).map((r) => (r.Data ?? []).map((d) => d.VarCharValue ?? null)),
  };
}

describe('Glue CSV classifiers', () => {
  it('It should create, read, list, update and delete a CSV classifier, counting its versions', async () => {
    // Prepare
    await fx.glue.send(
      new CreateClassifierCommand({
        CsvClassifier: { Name: 'semi', Delimiter: ';', QuoteSymbol: "'", ContainsHeader: 'PRESENT' },
      }),
    );

    // Act
    const created = await fx.glue.send(new GetClassifierCommand({ Name: 'semi' }));
    await fx.glue.send(
      new UpdateClassifierCommand({ CsvClassifier: { Name: 'semi', Header: ['a', 'b'], Delimiter: '|' } }),
    );
    const updated = await fx.glue.send(new GetClassifierCommand({ Name: 'semi' }));
    const listed = await fx.glue.send(new GetClassifiersCommand({}));
    await fx.glue.send(new DeleteClassifierCommand({ Name: 'semi' }));
    const gone = await failure(fx.glue.send(new GetClassifierCommand({ Name: 'semi' })));

    // Assess
    expect(created.Classifier?.CsvClassifier).toMatchObject({
      Name: 'semi',
      Delimiter: ';',
      QuoteSymbol: "'",
      ContainsHeader: 'PRESENT',
      Version: 1,
    });
    expect(created.Classifier?.CsvClassifier?.CreationTime).toBeInstanceOf(Date);
    // Members left out of the update keep their values.
    expect(updated.Classifier?.CsvClassifier).toMatchObject({
      Delimiter: '|',
      QuoteSymbol: "'",
      ContainsHeader: 'PRESENT',
      Header: ['a', 'b'],
      Version: 2,
    });
    expect(listed.Classifiers?.map((c) => c.CsvClassifier?.Name)).toEqual(['demo-csv', 'semi']);
    expect(gone).toMatchObject({ name: 'EntityNotFoundException', message: 'Classifier semi not found.' });
  });

  it('It should refuse bad classifiers with InvalidInputException saying what is wrong, and a second one with AlreadyExistsException', async () => {
    // Act
    const errors = await Promise.all(
      [
        { CsvClassifier: { Name: 'x', Delimiter: ',,' } },
        { CsvClassifier: { Name: 'x', Delimiter: ',', QuoteSymbol: ',' } },
        { CsvClassifier: { Name: 'x', Header: ['a', 'A'] } },
        { CsvClassifier: { Name: 'x', ContainsHeader: 'MAYBE' } },
        { CsvClassifier: { Name: 'x', CustomDatatypes: ['DATETIME'] } },
        { JsonClassifier: { Name: 'x', JsonPath: '$[*]' } },
        {},
      ].map((input) => failure(fx.glue.send(new CreateClassifierCommand(input as never)))),
    );
    const duplicate = await failure(
      fx.glue.send(new CreateClassifierCommand({ CsvClassifier: pipelineClassifier })),
    );

    // Assess
    expect(errors.map((e) => e.name)).toEqual(Array(7).fill('InvalidInputException'));
    expect(errors.map((e) => e.message)).toEqual([
      'CsvClassifier.Delimiter must be exactly one character other than a line break; got ",,".',
      'CsvClassifier.QuoteSymbol and Delimiter must differ; both are ",".',
      'CsvClassifier.Header names the column "A" twice.',
      "CsvClassifier.ContainsHeader 'MAYBE' is not valid; expected one of: UNKNOWN, PRESENT, ABSENT.",
      'CsvClassifier.CustomDatatypes[0] "DATETIME" is not valid; expected one of: BINARY, BOOLEAN, DATE, DECIMAL, DOUBLE, FLOAT, INT, LONG, SHORT, STRING, TIMESTAMP.',
      'The local Glue keeps CSV classifiers only; JsonClassifier is not supported here.',
      'CreateClassifier takes exactly one of GrokClassifier, XMLClassifier, JsonClassifier, CsvClassifier; got none.',
    ]);
    expect(duplicate).toMatchObject({ name: 'AlreadyExistsException' });
  });

  it('It should refuse a crawler that names a classifier that does not exist', async () => {
    // Act
    const error = await failure(
      fx.glue.send(
        new CreateCrawlerCommand({
          Name: 'orphan',
          Role: 'r',
          DatabaseName: 'catalog',
          Classifiers: ['nope'],
          Targets: { S3Targets: [{ Path: 's3://sink/output/' }] },
        }),
      ),
    );

    // Assess
    expect(error).toMatchObject({
      name: 'EntityNotFoundException',
      message: 'Classifier nope does not exist; create it with CreateClassifier first.',
    });
  });
});

describe('A crawl with the pipeline CSV classifier', () => {
  it("It should name the columns after the classifier's Header and keep the sink's partitions", async () => {
    // Act
    const { Table } = await fx.glue.send(
      new GetTableCommand({ DatabaseName: 'catalog', Name: 'named_output' }),
    );
    const { Crawler } = await fx.glue.send(new GetCrawlerCommand({ Name: 'named' }));

    // Assess: timestamps stay strings (the classifier configures no custom TIMESTAMP type).
    expect(Crawler?.LastCrawl?.Status).toBe('SUCCEEDED');
    expect(Table?.StorageDescriptor?.Columns).toEqual([
      { Name: 'window_end', Type: 'string' },
      { Name: 'window_start', Type: 'string' },
      { Name: 'avg_price', Type: 'double' },
      { Name: 'event_count', Type: 'bigint' },
    ]);
    expect(Table?.PartitionKeys?.map((k) => k.Name)).toEqual([...OutputPartitionColumns]);
    expect(Table?.Parameters).toMatchObject({ classification: 'csv', delimiter: ',' });
    expect(Table?.Parameters?.['skip.header.line.count']).toBeUndefined();
    expect(Table?.Parameters?.['objectCount']).toBe(String(sink.length));
  });

  it('It should type the window bounds as timestamp when the classifier configures the TIMESTAMP custom datatype, and Athena reads them', async () => {
    // Prepare
    await fx.glue.send(
      new CreateClassifierCommand({
        CsvClassifier: {
          ...pipelineClassifier,
          Name: 'typed-csv',
          CustomDatatypeConfigured: true,
          CustomDatatypes: ['TIMESTAMP'],
        },
      }),
    );
    await fx.glue.send(
      new CreateCrawlerCommand({
        Name: 'typed',
        Role: 'r',
        DatabaseName: 'catalog',
        TablePrefix: 'typed_',
        Classifiers: ['typed-csv'],
        Targets: { S3Targets: [{ Path: 's3://sink/output/' }] },
      }),
    );
    await fx.glue.send(new StartCrawlerCommand({ Name: 'typed' }));
    await crawlerStates(fx.glue, 'typed');

    // Act
    const { Table } = await fx.glue.send(
      new GetTableCommand({ DatabaseName: 'catalog', Name: 'typed_output' }),
    );
    const result = await rows({
      QueryString:
        "SELECT max(window_end) AS last_end, count(*) AS n FROM typed_output WHERE ticker = 'MSFT' AND dt = '2024-03-01'",
      QueryExecutionContext: { Database: 'catalog' },
      ResultConfiguration: { OutputLocation: 's3://results/typed/' },
    });

    // Assess
    expect(Table?.StorageDescriptor?.Columns?.map((c) => c.Type)).toEqual([
      'timestamp',
      'timestamp',
      'double',
      'bigint',
    ]);
    expect(result.types).toEqual(['timestamp', 'bigint']);
    // 22:00 to midnight: 24 five-minute windows, the last ending at midnight.
    expect(result.rows.slice(1)).toEqual([['2024-03-02 00:00:00.000', '24']]);
  });

  it('It should leave a crawler without a classifier on the built-in col0.. names over the same files', async () => {
    // Prepare
    await fx.glue.send(
      new CreateCrawlerCommand({
        Name: 'plain',
        Role: 'r',
        DatabaseName: 'catalog',
        TablePrefix: 'plain_',
        Targets: { S3Targets: [{ Path: 's3://sink/output/' }] },
      }),
    );
    await fx.glue.send(new StartCrawlerCommand({ Name: 'plain' }));
    await crawlerStates(fx.glue, 'plain');

    // Act
    const { Table } = await fx.glue.send(
      new GetTableCommand({ DatabaseName: 'catalog', Name: 'plain_output' }),
    );

    // Assess
    expect(Table?.StorageDescriptor?.Columns?.map((c) => c.Name)).toEqual(['col0', 'col1', 'col2', 'col3']);
  });
});

describe('Crawler schedules', () => {
  it('It should keep a schedule when UpdateCrawler leaves Schedule out, drop it for an empty one, and take a crawler without any', async () => {
    // Prepare
    await fx.glue.send(
      new CreateCrawlerCommand({
        Name: 'timed',
        Role: 'r',
        DatabaseName: 'catalog',
        Schedule: 'cron(0 * * * ? *)',
        Targets: { S3Targets: [{ Path: 's3://sink/output/' }] },
      }),
    );

    // Act
    await fx.glue.send(new UpdateCrawlerCommand({ Name: 'timed', Description: 'still hourly' }));
    const kept = await fx.glue.send(new GetCrawlerCommand({ Name: 'timed' }));
    await fx.glue.send(new UpdateCrawlerCommand({ Name: 'timed', Schedule: '' }));
    const dropped = await fx.glue.send(new GetCrawlerCommand({ Name: 'timed' }));
    const none = await fx.glue.send(new GetCrawlerCommand({ Name: 'named' }));

    // Assess
    expect(kept.Crawler?.Schedule).toEqual({ ScheduleExpression: 'cron(0 * * * ? *)', State: 'SCHEDULED' });
    expect(dropped.Crawler?.Schedule).toBeUndefined();
    expect(none.Crawler?.Schedule).toBeUndefined();
  });
});

describe('Athena over the named sink table', () => {
  it("It should write the result where the enforced workgroup says, whatever the request's location", async () => {
    // Prepare
    await fx.athena.send(
      new CreateWorkGroupCommand({
        Name: 'pipeline',
        Configuration: {
          ResultConfiguration: { OutputLocation: 's3://results/enforced/' },
          EnforceWorkGroupConfiguration: true,
          BytesScannedCutoffPerQuery: 10_000_000,
        },
      }),
    );

    // Act
    const { execution, rows: result } = await rows({
      QueryString: 'SELECT count(*) FROM catalog.named_output',
      WorkGroup: 'pipeline',
      ResultConfiguration: { OutputLocation: 's3://results/elsewhere/' },
    });
    const location = execution?.ResultConfiguration?.OutputLocation as string;
    const head = await fx.s3.send(
      new HeadObjectCommand({ Bucket: 'results', Key: location.replace('s3://results/', '') }),
    );

    // Assess
    expect(location).toBe(`s3://results/enforced/${execution?.QueryExecutionId}.csv`);
    expect(head.ContentLength).toBeGreaterThan(0);
    expect(result.slice(1)).toEqual([[String(sink.reduce((n, f) => n + f.rows.length, 0))]]);
    expect(execution?.Statistics?.DataScannedInBytes).toBe(allBytes);
  });

  it('It should read only the partitions that ranges, IN, BETWEEN and OR on dt/hr/ticker select, in CTEs too', async () => {
    // Prepare
    const cases: [string, (f: SinkFile) => boolean][] = [
      ["dt = '2024-03-02' AND hr >= '00'", (f) => f.dt === '2024-03-02'],
      ["dt = '2024-03-01' AND hr > '22' AND ticker IN ('AAPL')", (f) => f.hr === '23' && f.ticker === 'AAPL'],
      ["hr BETWEEN '00' AND '00'", (f) => f.hr === '00'],
      [
        "(dt = '2024-03-01' AND hr = '23') OR dt > '2024-03-01'",
        (f) => f.hr === '23' || f.dt === '2024-03-02',
      ],
      // A filter on a data column alone reads every partition.
      ['event_count > 100', () => true],
    ];

    // Act
    const scanned = [];
    for (const [where] of cases) {
      const execution = await runToEnd({
        QueryString: `SELECT count(*) FROM catalog.named_output WHERE ${where}`,
        WorkGroup: 'pipeline',
      });
      scanned.push(execution?.Statistics?.DataScannedInBytes);
    }
    const cte = await rows({
      QueryString:
        "WITH recent AS (SELECT ticker, window_start FROM catalog.named_output WHERE dt = '2024-03-02') " +
        'SELECT ticker, count(*) FROM recent GROUP BY ticker ORDER BY ticker',
      WorkGroup: 'pipeline',
    });

    // Assess
    expect(scanned).toEqual(cases.map(([, keep]) => bytesWhere(keep)));
    expect(scanned[0]).toBeLessThan(allBytes);
    expect(cte.execution?.Statistics?.DataScannedInBytes).toBe(bytesWhere((f) => f.dt === '2024-03-02'));
    expect(cte.rows.slice(1)).toEqual([
      ['AAPL', '12'],
      ['MSFT', '12'],
    ]);
  });
});

describe('Athena over Parquet sink files', () => {
  it('It should count the chunks of the columns a query names in DataScannedInBytes, of the pruned partitions only', async () => {
    // Prepare
    const parquet = await parquetBodies(sink, fx.dataDir);
    await createBucketWith(
      fx.s3,
      'sink-parquet',
      Object.fromEntries(sink.map((f, i) => [`output/${f.key}`, parquet[i] as Buffer])),
    );
    await fx.glue.send(
      new CreateCrawlerCommand({
        Name: 'parquet',
        Role: 'r',
        DatabaseName: 'catalog',
        TablePrefix: 'parquet_',
        Targets: { S3Targets: [{ Path: 's3://sink-parquet/output/' }] },
      }),
    );
    await fx.glue.send(new StartCrawlerCommand({ Name: 'parquet' }));
    await crawlerStates(fx.glue, 'parquet');
    const sizes = await Promise.all(parquet.map((body) => parquetColumnSizes(body, fx.dataDir)));
    const chunkBytes = (keep: (f: SinkFile) => boolean, columns: string[]) =>
      sink.reduce(
        (sum, f, i) => (keep(f) ? sum + columns.reduce((s, c) => s + (sizes[i]?.[c] ?? 0), 0) : sum),
        0,
      );
    const recent = (f: SinkFile) => f.dt === '2024-03-02';

    // Act
    const oneColumn = await rows({
      QueryString: "SELECT sum(event_count) FROM catalog.parquet_output WHERE dt = '2024-03-02'",
      WorkGroup: 'pipeline',
    });
    const star = await runToEnd({
      QueryString: "SELECT * FROM catalog.parquet_output WHERE dt = '2024-03-02'",
      WorkGroup: 'pipeline',
    });

    // Assess
    const wholeFiles = sink.reduce((sum, f, i) => (recent(f) ? sum + (parquet[i] as Buffer).length : sum), 0);
    expect(oneColumn.execution?.Statistics?.DataScannedInBytes).toBe(chunkBytes(recent, ['event_count']));
    expect(star?.Statistics?.DataScannedInBytes).toBe(
      chunkBytes(
        recent,
        OutputColumns.map((c) => c.name),
      ),
    );
    expect(star?.Statistics?.DataScannedInBytes).toBeLessThan(wholeFiles);
    expect(oneColumn.rows.slice(1)).toEqual([
      [String(sink.filter(recent).reduce((n, f) => n + f.rows.reduce((m, r) => m + r.eventCount, 0), 0))],
    ]);
  });
});

describe('The same endpoints through the AWS CLI (botocore parses every answer)', () => {
  const run = promisify(execFile);
  const aws = async (endpoint: string, ...args: string[]) => {
    const { stdout } = await run(
      path.resolve(__dirname, '..', '..', '.venv', 'bin', 'aws'),
      [...args, '--endpoint-url', endpoint, '--output', 'json'],
      {
        env: {
          PATH: process.env['PATH'] ?? '',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
      },
    );
    return JSON.parse(stdout) as Record<string, never>;
  };

  it('It should answer the classifier, the named table, the workgroup and an idempotent query in the shapes the CLI reads', async () => {
    // Prepare
    const { glue, athena } = fx.services.endpoints;
    const token = 'cli-token-0000000000000000000000000001';
    const query = [
      'athena',
      'start-query-execution',
      '--query-string',
      "SELECT ticker, count(*) FROM catalog.named_output WHERE dt = '2024-03-02' GROUP BY ticker",
      '--work-group',
      'pipeline',
      '--client-request-token',
      token,
    ];

    // Act
    const classifier = await aws(glue, 'glue', 'get-classifier', '--name', 'demo-csv');
    const table = await aws(
      glue,
      'glue',
      'get-table',
      '--database-name',
      'catalog',
      '--name',
      'named_output',
    );
    const workGroup = await aws(athena, 'athena', 'get-work-group', '--work-group', 'pipeline');
    const first = await aws(athena, ...query);
    const second = await aws(athena, ...query);
    await queryStates(fx.athena, first['QueryExecutionId']);
    const execution = await aws(
      athena,
      'athena',
      'get-query-execution',
      '--query-execution-id',
      first['QueryExecutionId'],
    );

    // Assess
    expect(classifier).toMatchObject({
      Classifier: {
        CsvClassifier: {
          Name: 'demo-csv',
          ContainsHeader: 'ABSENT',
          Header: OutputColumns.map((c) => c.name),
        },
      },
    });
    expect(table).toMatchObject({
      Table: {
        Name: 'named_output',
        StorageDescriptor: { Columns: OutputColumns.map((c) => expect.objectContaining({ Name: c.name })) },
        PartitionKeys: OutputPartitionColumns.map((k) => ({ Name: k, Type: 'string' })),
      },
    });
    expect(workGroup).toMatchObject({
      WorkGroup: {
        Name: 'pipeline',
        Configuration: {
          EnforceWorkGroupConfiguration: true,
          BytesScannedCutoffPerQuery: 10_000_000,
          ResultConfiguration: { OutputLocation: 's3://results/enforced/' },
        },
      },
    });
    expect(second['QueryExecutionId']).toBe(first['QueryExecutionId']);
    expect(execution).toMatchObject({
      QueryExecution: {
        QueryExecutionId: first['QueryExecutionId'],
        WorkGroup: 'pipeline',
        Status: { State: 'SUCCEEDED' },
        Statistics: { DataScannedInBytes: bytesWhere((f) => f.dt === '2024-03-02') },
      },
    });
  });
});

describe("The local S3's listing (an indexed walk instead of moto's full scan)", () => {
  it('It should list a prefix page by page in key order, after puts, overwrites and deletes', async () => {
    // Prepare
    await createBucketWith(fx.s3, 'listing', { 'a/1': 'x', 'a/2': 'x', 'a/3': 'x', 'b/1': 'x' });
    const list = async (input: { Prefix?: string; StartAfter?: string }) => {
      const keys: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await fx.s3.send(
          new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 2, ...input, ContinuationToken }),
        );
        keys.push(...(page.Contents ?? []).map((o) => `${o.Key}:${o.Size}`));
        ContinuationToken = page.NextContinuationToken;
      } while (ContinuationToken);
      return keys;
    };

    // Act
    const before = await list({ Prefix: 'a/' });
    await fx.s3.send(new DeleteObjectCommand({ Bucket: 'listing', Key: 'a/2' }));
    await fx.s3.send(new PutObjectCommand({ Bucket: 'listing', Key: 'a/1', Body: 'longer' }));
    await fx.s3.send(new PutObjectCommand({ Bucket: 'listing', Key: 'a/0', Body: 'x' }));
    const after = await list({ Prefix: 'a/' });
    const fromStart = await list({ StartAfter: 'a/1' });

    // Assess
    expect(before).toEqual(['a/1:1', 'a/2:1', 'a/3:1']);
    expect(after).toEqual(['a/0:1', 'a/1:6', 'a/3:1']);
    expect(fromStart).toEqual(['a/3:1', 'b/1:1']);
  });
});
