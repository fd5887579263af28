/**
 * Bad input to the local endpoints, through the real SDK v3 clients (and raw HTTP where no SDK would
 * send such a request): queries that reach for local files or the engine's own state, names that look
 * like paths, a zip with an entry outside its root, and oversized or garbage request bodies. Each gets
 * an AWS-shaped error, nothing leaves the local cloud's own data, and the endpoint serves on afterwards.
 */
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  ListWorkGroupsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  GetDatabasesCommand,
  GetTablesCommand,
  StartCrawlerCommand,
} from '@aws-sdk/client-glue';
import {
  CreateApplicationCommand,
  DeleteApplicationCommand,
  DescribeApplicationCommand,
  DescribeApplicationOperationCommand,
  KinesisAnalyticsV2Client,
  ListApplicationsCommand,
  StartApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { cachePath, sandbox } from '../../local/athena/engine';
import { crawlerStates, createBucketWith, failure, queryStates, useFixture } from './local-cloud-fixture';

// Real servers (and, for the zip, the real runner) on a shared 2-core machine.
jest.setTimeout(60_000);

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const ROLE = 'arn:aws:iam::000000000000:role/flinkflow-app-role';

/** A file outside the local cloud's data that no query may read. */
const SECRET = path.join(fs.mkdtempSync('/tmp/flinkflow-secret-'), 'secret.csv');
const SECRET_TEXT = 'never-to-be-read,42';

let flink: KinesisAnalyticsV2Client;

const fx = useFixture({ queryQueuedMs: 10 }, async () => {
  fs.writeFileSync(SECRET, `${SECRET_TEXT}\n`);
  flink = new KinesisAnalyticsV2Client({
    endpoint: fx.services.endpoints.kinesisanalyticsv2,
    region,
    credentials,
  });
  await createBucketWith(fx.s3, 'data', { 'ticks/part-0.csv': 'AAPL,1,2024-01-01\nMSFT,2,2024-01-02\n' });
  await createBucketWith(fx.s3, 'results', {});
  await fx.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'pipeline' } }));
  await fx.glue.send(
    new CreateTableCommand({
      DatabaseName: 'pipeline',
      TableInput: {
        Name: 'ticks',
        Parameters: { classification: 'csv' },
        StorageDescriptor: {
          Location: 's3://data/ticks/',
          Columns: [
            { Name: 'ticker', Type: 'string' },
            { Name: 'n', Type: 'bigint' },
            { Name: 'day', Type: 'string' },
          ],
          SerdeInfo: {
            SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
            Parameters: { 'field.delim': ',' },
          },
        },
      },
    }),
  );
});

afterAll(() => {
  flink?.destroy();
  fs.rmSync(path.dirname(SECRET), { recursive: true, force: true });
});

/** Runs a query to its end; returns its final state, reason and (when it succeeded) its CSV rows. */
async function query(sql: string, database = 'pipeline') {
  const { QueryExecutionId } = await fx.athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      QueryExecutionContext: { Database: database },
      ResultConfiguration: { OutputLocation: 's3://results/q/' },
    }),
  );
  await queryStates(fx.athena, QueryExecutionId as string);
  const { QueryExecution } = await fx.athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
  let rows: string[] = [];
  if (QueryExecution?.Status?.State === 'SUCCEEDED') {
    const results = await fx.athena.send(new GetQueryResultsCommand({ QueryExecutionId }));
    rows = (results.ResultSet?.Rows ?? []).map((r) => (r.Data ?? []).map((d) => d.VarCharValue).join(','));
  }
  return {
    state: QueryExecution?.Status?.State,
    reason: QueryExecution?.Status?.StateChangeReason ?? '',
    category: QueryExecution?.Status?.AthenaError?.ErrorCategory,
    rows,
  };
}

/** Every file and folder under `root`, relative to it. */
function tree(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true }) as string[]).sort();
}

describe('Athena: a query sees the Glue tables of its catalog and nothing else', () => {
  it('It should still run a query over a catalog table, UNNEST included', async () => {
    // Act
    const result = await query(
      'SELECT ticker, x FROM ticks CROSS JOIN UNNEST(ARRAY[1, 2]) AS u(x) WHERE n = 1 ORDER BY x',
    );

    // Assess
    expect(result).toMatchObject({ state: 'SUCCEEDED', rows: ['ticker,x', 'AAPL,1', 'AAPL,2'] });
  });

  it.each([
    [
      `SELECT * FROM read_csv('${SECRET}')`,
      "FUNCTION_NOT_FOUND: line 1:15: Table function 'read_csv' not registered",
    ],
    [`SELECT * FROM read_csv_auto('${SECRET}')`, "Table function 'read_csv_auto' not registered"],
    [`SELECT * FROM read_parquet('${SECRET}')`, "Table function 'read_parquet' not registered"],
    [`SELECT * FROM read_json('${SECRET}')`, "Table function 'read_json' not registered"],
    [`SELECT * FROM read_text('${SECRET}')`, "Table function 'read_text' not registered"],
    [`SELECT * FROM read_blob('${SECRET}')`, "Table function 'read_blob' not registered"],
    [`SELECT * FROM glob('/etc/*')`, "Table function 'glob' not registered"],
    [`SELECT * FROM read_csv('https://example.com/x.csv')`, "Table function 'read_csv' not registered"],
    [`SELECT * FROM query('SELECT 1')`, "Table function 'query' not registered"],
    [`SELECT * FROM duckdb_settings()`, "Table function 'duckdb_settings' not registered"],
    // Nested where a check of the FROM clause alone would miss it.
    [
      `SELECT ticker, (SELECT count(*) FROM glob('/etc/*')) FROM ticks`,
      "FUNCTION_NOT_FOUND: line 1:38: Table function 'glob' not registered",
    ],
    [
      `WITH t AS (SELECT * FROM read_csv('${SECRET}')) SELECT * FROM t`,
      "Table function 'read_csv' not registered",
    ],
    [
      `SELECT current_setting('allowed_paths')`,
      "FUNCTION_NOT_FOUND: line 1:8: Function 'current_setting' not registered",
    ],
    [`FROM read_csv('${SECRET}')`, "Table function 'read_csv' not registered"],
  ])(
    'It should fail %s with FUNCTION_NOT_FOUND, as Athena fails a function it does not have',
    async (sql, reason) => {
      // Act
      const result = await query(sql);

      // Assess
      expect(result.state).toBe('FAILED');
      expect(result.category).toBe(2);
      expect(result.reason).toContain(reason);
    },
  );

  it.each([
    [
      `SELECT * FROM '${SECRET}'`,
      `TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.pipeline.${SECRET.toLowerCase()}' does not exist`,
    ],
    [`SELECT * FROM "${SECRET}"`, 'TABLE_NOT_FOUND'],
    [
      'SELECT * FROM system.main.duckdb_settings',
      "CATALOG_NOT_FOUND: line 1:15: Catalog 'system' does not exist",
    ],
    [
      'SELECT * FROM flinkflow_files.main.files_0',
      "CATALOG_NOT_FOUND: line 1:15: Catalog 'flinkflow_files' does not exist",
    ],
    ['SELECT * FROM temp.main.x', "Catalog 'temp' does not exist"],
    [
      'SELECT * FROM information_schema.tables',
      "SCHEMA_NOT_FOUND: line 1:15: Schema 'information_schema' does not exist",
    ],
  ])('It should fail %s: names only resolve in the Glue catalog', async (sql, reason) => {
    // Act
    const result = await query(sql);

    // Assess
    expect(result.state).toBe('FAILED');
    expect(result.reason).toContain(reason);
  });

  it.each([
    `COPY (SELECT 1) TO '${path.dirname(SECRET)}/out.csv'`,
    `ATTACH '${path.dirname(SECRET)}/x.db' AS x`,
    'INSTALL httpfs',
    'LOAD httpfs',
    'SET enable_external_access = true',
    "SET allowed_paths = ['/etc/passwd']",
    'PRAGMA enable_profiling',
    "CALL glob('/etc/*')",
    `CREATE TABLE t AS SELECT * FROM read_csv('${SECRET}')`,
  ])('It should refuse the statement %s with NOT_SUPPORTED and write nothing', async (sql) => {
    // Act
    const result = await query(sql);

    // Assess
    expect(result.state).toBe('FAILED');
    expect(result.reason).toMatch(/^NOT_SUPPORTED: .*SELECT queries only/);
    expect(fs.readdirSync(path.dirname(SECRET))).toEqual(['secret.csv']);
  });

  it('It should refuse a second statement after a query', async () => {
    // Act
    const result = await query(`SELECT 1; SELECT * FROM ticks`);

    // Assess
    expect(result.state).toBe('FAILED');
    expect(result.reason).toMatch(/^SYNTAX_ERROR: .*one statement; this one has 2/);
  });

  it('It should refuse a QueryString longer than Athena takes with InvalidRequestException', async () => {
    // Act
    const error = await failure(
      fx.athena.send(
        new StartQueryExecutionCommand({
          QueryString: `SELECT '${'x'.repeat(262_144)}'`,
          ResultConfiguration: { OutputLocation: 's3://results/q/' },
        }),
      ),
    );

    // Assess
    expect(error).toMatchObject({
      name: 'InvalidRequestException',
      message: expect.stringMatching(/262144/),
    });
  });

  it('It should keep the engine shut in even for SQL that gets past the statement checks', async () => {
    // Prepare: the sandbox alone, on a DuckDB connection, with one file allowed.
    const allowed = path.join(path.dirname(SECRET), 'allowed.csv');
    fs.writeFileSync(allowed, 'a,b\n1,2\n');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await sandbox(connection, [allowed]);
      const attempt = (sql: string) =>
        connection.runAndReadAll(sql).then(
          (r) => `read ${JSON.stringify(r.getRowsJson())}`,
          (e: Error) => e.message.split('\n')[0],
        );

      // Act
      const results = {
        allowed: await attempt(`SELECT * FROM read_csv('${allowed}')`),
        secret: await attempt(`SELECT * FROM read_csv('${SECRET}')`),
        remote: await attempt(`SELECT * FROM read_csv('http://127.0.0.1:1/x.csv')`),
        copy: await attempt(`COPY (SELECT 1) TO '${path.dirname(SECRET)}/copy.csv'`),
        attach: await attempt(`ATTACH '${path.dirname(SECRET)}/x.db' AS x`),
        load: await attempt('LOAD httpfs'),
        unlock: await attempt('SET enable_external_access = true'),
      };

      // Assess
      expect(results.allowed).toBe('read [["1","2"]]');
      expect(results.secret).toMatch(/^Permission Error: Cannot access file/);
      expect(results.remote).toMatch(/^Permission Error/);
      expect(results.copy).toMatch(/^Permission Error/);
      expect(results.attach).toMatch(/^Permission Error/);
      expect(results.load).toMatch(/^Permission Error/);
      expect(results.unlock).toMatch(/the configuration has been locked/);
      expect(fs.readdirSync(path.dirname(SECRET)).sort()).toEqual(['allowed.csv', 'secret.csv']);
    } finally {
      connection.closeSync();
      instance.closeSync();
      fs.rmSync(allowed, { force: true });
    }
  });

  it('It should quote catalog names in the SQL it writes: quotes in database, column and delimiter stay data', async () => {
    // Prepare: Glue takes any characters in these names; each would break (or inject into) unquoted SQL.
    await createBucketWith(fx.s3, 'quotes', { 'q/part-0.csv': "x'1'y\n" });
    await fx.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'db"; DROP' } }));
    await fx.glue.send(
      new CreateTableCommand({
        DatabaseName: 'db"; DROP',
        TableInput: {
          Name: "t'x",
          Parameters: { classification: 'csv' },
          StorageDescriptor: {
            Location: 's3://quotes/q/',
            Columns: [
              { Name: 'we"ird', Type: 'string' },
              { Name: "it's", Type: 'string' },
              { Name: 'c', Type: 'string' },
            ],
            SerdeInfo: { Parameters: { 'field.delim': "'" } },
          },
        },
      }),
    );

    // Act
    const result = await query(`SELECT "we""ird", "it's", c FROM "db""; drop"."t'x"`);

    // Assess
    expect(result).toMatchObject({ state: 'SUCCEEDED', rows: ['we"ird,it\'s,c', 'x,1,y'] });
  });

  it('It should keep a table file whose key climbs folders (`../`) inside the query cache', async () => {
    // Prepare: S3 keys are any string; as a plain path, cache/data/up/../../../../ is the data folder.
    const location = `up/${'../'.repeat(4)}`;
    const key = `${location}escaped-by-key.csv`;
    await fx.s3.send(new PutObjectCommand({ Bucket: 'data', Key: key, Body: 'ZZZZ,7,2024-01-03\n' }));
    const stored = await fx.s3.send(new GetObjectCommand({ Bucket: 'data', Key: key }));
    await fx.glue.send(
      new CreateTableCommand({
        DatabaseName: 'pipeline',
        TableInput: {
          Name: 'climb',
          Parameters: { classification: 'csv' },
          StorageDescriptor: {
            Location: `s3://data/${location}`,
            Columns: [
              { Name: 'ticker', Type: 'string' },
              { Name: 'n', Type: 'bigint' },
              { Name: 'day', Type: 'string' },
            ],
            SerdeInfo: { Parameters: { 'field.delim': ',' } },
          },
        },
      }),
    );

    // Act
    const result = await query('SELECT ticker FROM climb');

    // Assess
    expect(await stored.Body?.transformToString()).toBe('ZZZZ,7,2024-01-03\n');
    expect(result).toMatchObject({ state: 'SUCCEEDED', rows: ['ticker', 'ZZZZ'] });
    const cache = path.join(fx.dataDir, 'athena', 'cache');
    expect(fs.readFileSync(cachePath(cache, 'data', key), 'utf8')).toBe('ZZZZ,7,2024-01-03\n');
    expect(fs.existsSync(path.join(fx.dataDir, 'escaped-by-key.csv'))).toBe(false);
    const athenaFiles = tree(path.join(fx.dataDir, 'athena'));
    expect(athenaFiles.filter((f) => f.startsWith('cache'))).toEqual([
      'cache',
      ...tree(cache).map((f) => `cache/${f}`),
    ]);
    // Besides the cache, only the store's own files (athena/store.ts), named by query id.
    expect(
      athenaFiles.filter(
        (f) =>
          !f.startsWith('cache') &&
          !/^executions(\/[0-9a-f-]{36}\.json)?$/.test(f) &&
          f !== 'workgroups.json',
      ),
    ).toEqual([]);
    expect(tree(cache).every((f) => /^[0-9a-f]{64}\.csv$/.test(f))).toBe(true);
  });
});

/** A zip of stored (uncompressed) entries, names as given: the test needs names no zip tool writes. */
function zipOf(entries: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(entries)) {
    const data = Buffer.from(text);
    const nameBytes = Buffer.from(name);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

async function createApp(name: string, zip: Buffer) {
  await flink.send(
    new CreateApplicationCommand({
      ApplicationName: name,
      RuntimeEnvironment: 'FLINK-1_20',
      ServiceExecutionRole: ROLE,
      ApplicationConfiguration: {
        ApplicationCodeConfiguration: {
          CodeContentType: 'ZIPFILE',
          CodeContent: { ZipFileContent: zip },
        },
        EnvironmentProperties: {
          PropertyGroups: [
            {
              PropertyGroupId: 'kinesis.analytics.flink.run.options',
              PropertyMap: { python: 'main.py', jarfile: 'lib/deps.jar' },
            },
          ],
        },
      },
    }),
  );
}

/** Starts the application and waits for its start operation to end; the runner is the real one. */
async function startAndWait(name: string) {
  const { OperationId } = await flink.send(new StartApplicationCommand({ ApplicationName: name }));
  const deadline = Date.now() + 45_000;
  for (;;) {
    const { ApplicationOperationInfoDetails: details } = await flink.send(
      new DescribeApplicationOperationCommand({ ApplicationName: name, OperationId }),
    );
    if (details?.OperationStatus !== 'IN_PROGRESS') return details;
    if (Date.now() > deadline) throw new Error(`the start of ${name} did not end in 45 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function deleteApp(name: string) {
  const { ApplicationDetail } = await flink.send(new DescribeApplicationCommand({ ApplicationName: name }));
  await flink.send(
    new DeleteApplicationCommand({
      ApplicationName: name,
      CreateTimestamp: ApplicationDetail?.CreateTimestamp,
    }),
  );
}

describe('Managed Flink: names and zips stay inside the application folder', () => {
  it.each(['..', '.', '...', '.hidden'])(
    'It should keep the runs and logs of an application named %s in a folder of its own',
    async (name) => {
      // Prepare: a zip the runner unpacks and then refuses (no main.py), so a run folder and log exist.
      const flinkDir = path.join(fx.dataDir, 'flink');
      await createApp(name, zipOf({ 'README.txt': 'no job here' }));

      // Act
      const start = await startAndWait(name);
      const listed = await flink.send(new ListApplicationsCommand({}));
      const folders = fs.readdirSync(path.join(flinkDir, 'apps'));
      const contents = tree(path.join(flinkDir, 'apps', folders[0] as string));
      await deleteApp(name);

      // Assess
      expect(start?.OperationStatus).toBe('FAILED');
      expect(start?.OperationFailureDetails?.ErrorInfo?.ErrorString).toContain(
        "names 'main.py', which is not in the zip",
      );
      expect(listed.ApplicationSummaries?.map((a) => a.ApplicationName)).toContain(name);
      expect(folders).toHaveLength(1);
      expect(folders[0]).toMatch(/^%2E/);
      expect(contents).toEqual(expect.arrayContaining(['code', 'logs', 'logs/latest.log', 'runs']));
      // Nothing beside the store and the apps folder, nor beside the flink folder in the data folder.
      expect(fs.readdirSync(flinkDir).sort()).toEqual(['applications.json', 'apps']);
      expect(fs.readdirSync(fx.dataDir).sort()).toEqual(expect.not.arrayContaining(['runs', 'logs', 'code']));
      expect(fs.readdirSync(path.join(flinkDir, 'apps'))).toEqual([]);
    },
  );

  it.each([
    '../evil.py',
    // A sibling whose name starts with the code folder's: a string-prefix check takes it for inside.
    '../code-evil/evil.py',
  ])('It should refuse a zip with the entry %s and write nothing outside the code folder', async (entry) => {
    // Prepare
    await createApp('zip-app', zipOf({ 'main.py': 'print(1)\n', [entry]: 'import os\n' }));

    // Act
    const start = await startAndWait('zip-app');
    const app = path.join(fx.dataDir, 'flink', 'apps', 'zip-app');
    const written = tree(app).filter((f) => f.includes('evil'));
    await deleteApp('zip-app');

    // Assess
    expect(start?.OperationStatus).toBe('FAILED');
    expect(start?.OperationFailureDetails?.ErrorInfo?.ErrorString).toContain(
      `the code zip has an entry outside its root: ${entry}`,
    );
    expect(written).toEqual([]);
  });
});

describe('Glue: path-like names of crawlers, databases and tables', () => {
  it('It should crawl with a crawler, database and prefix named like paths and write only its own scratch', async () => {
    // Prepare: a Parquet file, so that the crawler uses its scratch folder.
    const parquet = path.join(path.dirname(SECRET), 'one.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`COPY (SELECT 'AAPL' AS ticker, 1 AS n) TO '${parquet}' (FORMAT parquet)`);
    connection.closeSync();
    instance.closeSync();
    await createBucketWith(fx.s3, 'paths', { 'data/part-0.parquet': fs.readFileSync(parquet) });
    fs.rmSync(parquet);
    const before = tree(fx.dataDir).filter((f) => !f.startsWith('flink') && !f.startsWith('athena'));

    // Act
    await fx.glue.send(
      new CreateCrawlerCommand({
        Name: '../../crawler',
        Role: ROLE,
        DatabaseName: '../db',
        TablePrefix: '../',
        Targets: { S3Targets: [{ Path: 's3://paths/data/' }] },
      }),
    );
    await fx.glue.send(new StartCrawlerCommand({ Name: '../../crawler' }));
    await crawlerStates(fx.glue, '../../crawler');
    const tables = await fx.glue.send(new GetTablesCommand({ DatabaseName: '../db' }));
    const after = tree(fx.dataDir).filter((f) => !f.startsWith('flink') && !f.startsWith('athena'));
    const result = await query('SELECT ticker, n FROM "../db"."___data"');

    // Assess
    // Glue turns characters other than letters, digits and `_` of a table name into `_`.
    expect(tables.TableList?.map((t) => t.Name)).toEqual(['___data']);
    expect(before.filter((f) => !f.startsWith('glue'))).toEqual(after.filter((f) => !f.startsWith('glue')));
    const glueFiles = after.filter((f) => f.startsWith('glue'));
    expect(glueFiles.filter((f) => !f.startsWith('glue/partitions') && f !== 'glue/catalog.json')).toEqual([
      'glue',
      'glue/scratch',
    ]);
    // The store's partition files are named by the escaped names: `../db` stays a folder of its own.
    expect(glueFiles).toContain('glue/partitions/%2E.%2Fdb/___data.json');
    expect(fs.existsSync(path.join(path.dirname(fx.dataDir), 'crawler'))).toBe(false);
    expect(result).toMatchObject({ state: 'SUCCEEDED', rows: ['ticker,n', 'AAPL,1'] });
  });
});

/** A raw POST to a JSON 1.1 endpoint: what no SDK would send. */
async function post(url: string, target: string, body: string | Buffer) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body,
  });
  return {
    status: response.status,
    errorType: response.headers.get('x-amzn-errortype'),
    body: (await response.json()) as { __type?: string; message?: string },
  };
}

describe('JSON endpoints: oversized and garbage request bodies', () => {
  const endpoints = () => [
    { url: fx.services.endpoints.glue, target: 'AWSGlue.GetDatabases' },
    { url: fx.services.endpoints.athena, target: 'AmazonAthena.ListWorkGroups' },
    { url: fx.services.endpoints.kinesisanalyticsv2, target: 'KinesisAnalytics_20180523.ListApplications' },
  ];
  /** A real SDK call to each endpoint: they all still serve. */
  const stillServing = async () => {
    await fx.glue.send(new GetDatabasesCommand({}));
    await fx.athena.send(new ListWorkGroupsCommand({}));
    await flink.send(new ListApplicationsCommand({}));
    return true;
  };

  it.each([
    ['not JSON', 'SerializationException', '{"Name": ', /not valid JSON/],
    [
      'binary garbage',
      'SerializationException',
      Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x12]),
      /not valid JSON/,
    ],
    ['a JSON array', 'SerializationException', '[1, 2]', /must be a JSON object .* not an array/],
    ['JSON null', 'SerializationException', 'null', /not null/],
    ['a JSON number', 'SerializationException', '42', /not number/],
    ['deeply nested arrays', 'SerializationException', `${'['.repeat(200_000)}${']'.repeat(200_000)}`, /./],
  ])('It should answer %s with a 400 %s on every endpoint and serve on', async (_, code, body, message) => {
    // Act
    const answers = [];
    for (const { url, target } of endpoints()) answers.push(await post(url, target, body));

    // Assess
    for (const answer of answers) {
      expect(answer).toMatchObject({ status: 400, errorType: code, body: { __type: code } });
      expect(answer.body.message).toMatch(message);
    }
    expect(await stillServing()).toBe(true);
  });

  it('It should answer a body over the limit with 413 RequestEntityTooLargeException and serve on', async () => {
    // Prepare: 9 MiB, over the Glue and Athena endpoints' 8 MiB.
    const huge = JSON.stringify({ Name: 'x'.repeat(9 * 1024 * 1024) });

    // Act
    const glue = await post(fx.services.endpoints.glue, 'AWSGlue.GetDatabase', huge);
    const athena = await failure(
      fx.athena.send(
        new StartQueryExecutionCommand({
          QueryString: 'SELECT 1',
          ClientRequestToken: 'x'.repeat(9 * 1024 * 1024),
          ResultConfiguration: { OutputLocation: 's3://results/q/' },
        }),
      ),
    );

    // Assess
    expect(glue).toMatchObject({
      status: 413,
      errorType: 'RequestEntityTooLargeException',
      body: {
        message: expect.stringMatching(/^Request body is \d+ bytes; this endpoint takes at most 8388608\.$/),
      },
    });
    expect(athena).toMatchObject({ name: 'RequestEntityTooLargeException' });
    expect(await stillServing()).toBe(true);
  });

  it('It should answer an unknown or missing target with UnknownOperationException', async () => {
    // Act
    const unknown = await post(fx.services.endpoints.glue, 'AWSGlue.DropEverything', '{}');
    const foreign = await post(fx.services.endpoints.athena, 'AWSGlue.GetDatabases', '{}');

    // Assess
    expect(unknown).toMatchObject({ status: 400, errorType: 'UnknownOperationException' });
    expect(foreign).toMatchObject({ status: 400, errorType: 'UnknownOperationException' });
    expect(await stillServing()).toBe(true);
  });
});
