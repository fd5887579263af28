/**
 * The local Glue, Athena and Step Functions endpoints keep their state in their data folder: each service
 * is created, given state through the API (real SDK v3 clients over HTTP), shut down, created again on
 * the same folder, and read back through the API. Work in flight at a stop (a crawl, a query, an
 * execution) comes back ended, saying why; so does work in flight when the process died without a
 * shutdown (a second service loads the folder while the first still runs).
 */
import {
  AthenaClient,
  CreateWorkGroupCommand,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetWorkGroupCommand,
  ListQueryExecutionsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  BatchCreatePartitionCommand,
  CreateClassifierCommand,
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  GetClassifierCommand,
  GetCrawlerCommand,
  GetCrawlerMetricsCommand,
  GetDatabaseCommand,
  GetPartitionsCommand,
  GetTableCommand,
  GetTablesCommand,
  GlueClient,
  StartCrawlerCommand,
  type PartitionInput,
} from '@aws-sdk/client-glue';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAthenaService, type AthenaService } from '../../local/athena/provider';
import { QUERY_CUT_SHORT } from '../../local/athena/store';
import { startJsonService, type RunningService } from '../../local/common/aws-json-server';
import { createGlueService, type GlueService } from '../../local/glue/provider';
import { CRAWL_CUT_SHORT } from '../../local/glue/store';
import { startLocalS3, type LocalS3 } from '../../local/s3/moto-server';
import { startServices } from '../../local/services';
import { createStepFunctionsService, type StepFunctionsService } from '../../local/stepfunctions/service';
import { EXECUTION_CUT_SHORT } from '../../local/stepfunctions/store';
import { failure, queryStates } from './local-cloud-fixture';

jest.setTimeout(60_000);

const region = 'us-east-1';
const account = '000000000000';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const role = 'arn:aws:iam::000000000000:role/crawler';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let moto: LocalS3;
let s3: S3Client;
const folders: string[] = [];
const newDataDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-persist-'));
  folders.push(dir);
  return dir;
};

beforeAll(async () => {
  moto = await startLocalS3();
  s3 = new S3Client({ endpoint: moto.url, region, credentials, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'persist' }));
  const rows = 'AAPL,1.5\nMSFT,2.5\n';
  await s3.send(new PutObjectCommand({ Bucket: 'persist', Key: 'out/dt=2024-01-01/part-0.csv', Body: rows }));
}, 60_000);

afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** A service on its own HTTP server with its SDK client; `stop` shuts the service down. */
interface Running<S, C> {
  service: S;
  client: C;
  stop(): Promise<void>;
}

async function serve<
  S extends { provider: object; shutdown(): Promise<void> },
  C extends { destroy(): void },
>(
  service: S,
  targetPrefix: string,
  jsonVersion: '1.0' | '1.1',
  client: (endpoint: string) => C,
): Promise<Running<S, C>> {
  const server: RunningService = await startJsonService({
    targetPrefix,
    provider: service.provider,
    jsonVersion,
  });
  const sdk = client(server.url);
  return {
    service,
    client: sdk,
    // The service first: what it was doing is cut at once, not after the server's connections close.
    stop: async () => {
      sdk.destroy();
      await service.shutdown();
      await server.close();
    },
  };
}

const glueOn = (dataDir: string, timings: { crawlerMinRunningMs?: number } = {}) =>
  serve<GlueService, GlueClient>(
    createGlueService({
      s3Endpoint: moto.url,
      region,
      account,
      dataDir,
      crawlerMinRunningMs: timings.crawlerMinRunningMs ?? 50,
      crawlerStoppingMs: 50,
    }),
    'AWSGlue',
    '1.1',
    (endpoint) => new GlueClient({ endpoint, region, credentials }),
  );

const athenaOn = (dataDir: string, glue: GlueService, minRunningMs = 0) =>
  serve<AthenaService, AthenaClient>(
    createAthenaService({
      s3Endpoint: moto.url,
      region,
      account,
      dataDir,
      glue: glue.store,
      queuedMs: 20,
      minRunningMs,
    }),
    'AmazonAthena',
    '1.1',
    (endpoint) => new AthenaClient({ endpoint, region, credentials }),
  );

/** The same folder 30 times: a crawl reads the targets one after the other, a few S3 calls each. */
const SLOW_TARGETS = Array.from({ length: 30 }, () => ({ Path: 's3://persist/out/' }));

const MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:flinkflow-provisioning';

/**
 * The Step Functions endpoint with the task environment the test decides: `missing` fails an execution
 * at once (nothing deployed); `hang` keeps it RUNNING (its environment never comes), with no worker.
 */
const statesOn = (dataDir: string, environment: 'missing' | 'hang') =>
  serve<StepFunctionsService, SFNClient>(
    createStepFunctionsService({
      region,
      account,
      dataDir,
      taskEnvironment: () =>
        environment === 'missing'
          ? Promise.resolve({ missing: 'Nothing is deployed to this local cloud yet.' })
          : new Promise(() => undefined),
    }),
    'AWSStepFunctions',
    '1.0',
    (endpoint) => new SFNClient({ endpoint, region, credentials }),
  );

describe('Glue keeps its catalog, crawlers and classifiers across a restart', () => {
  it('It should read back the databases, tables, partitions, crawler and classifier it was given', async () => {
    // Prepare
    const dataDir = newDataDir();
    const first = await glueOn(dataDir);
    await first.client.send(
      new CreateDatabaseCommand({ DatabaseInput: { Name: 'Pipeline', Description: 'kept' } }),
    );
    await first.client.send(
      new CreateTableCommand({
        DatabaseName: 'pipeline',
        TableInput: {
          Name: 'ticks',
          PartitionKeys: [
            { Name: 'dt', Type: 'string' },
            { Name: 'hr', Type: 'string' },
          ],
          StorageDescriptor: {
            Location: 's3://persist/ticks/',
            Columns: [{ Name: 'price', Type: 'double' }],
          },
        },
      }),
    );
    // 30 days of hourly partitions, in batches of 100 as BatchCreatePartition takes them.
    const partitions: PartitionInput[] = [];
    for (let day = 1; day <= 30; day++)
      for (let hour = 0; hour < 24; hour++)
        partitions.push({
          Values: [`2024-01-${String(day).padStart(2, '0')}`, String(hour).padStart(2, '0')],
          StorageDescriptor: { Location: `s3://persist/ticks/dt=2024-01-${day}/hr=${hour}/` },
        });
    for (let i = 0; i < partitions.length; i += 100) {
      await first.client.send(
        new BatchCreatePartitionCommand({
          DatabaseName: 'pipeline',
          TableName: 'ticks',
          PartitionInputList: partitions.slice(i, i + 100),
        }),
      );
    }
    await first.client.send(
      new CreateClassifierCommand({
        CsvClassifier: { Name: 'ticks-csv', Delimiter: ';', ContainsHeader: 'ABSENT' },
      }),
    );
    await first.client.send(
      new CreateCrawlerCommand({
        Name: 'ticks-crawler',
        Role: role,
        DatabaseName: 'crawled',
        Classifiers: ['ticks-csv'],
        Schedule: 'cron(0 * * * ? *)',
        Targets: { S3Targets: [{ Path: 's3://persist/out/' }] },
      }),
    );
    await first.client.send(new StartCrawlerCommand({ Name: 'ticks-crawler' }));
    await waitFor(async () => {
      const { Crawler } = await first.client.send(new GetCrawlerCommand({ Name: 'ticks-crawler' }));
      return Crawler?.State === 'READY' && Crawler.LastCrawl?.Status === 'SUCCEEDED';
    });
    const before = await first.client.send(new GetCrawlerCommand({ Name: 'ticks-crawler' }));
    const tableBefore = await first.client.send(
      new GetTableCommand({ DatabaseName: 'pipeline', Name: 'ticks' }),
    );

    // Act
    await first.stop();
    const second = await glueOn(dataDir);
    try {
      const database = await second.client.send(new GetDatabaseCommand({ Name: 'pipeline' }));
      const table = await second.client.send(
        new GetTableCommand({ DatabaseName: 'pipeline', Name: 'ticks' }),
      );
      const stored = await allPartitions(second.client, 'pipeline', 'ticks');
      const classifier = await second.client.send(new GetClassifierCommand({ Name: 'ticks-csv' }));
      const crawler = await second.client.send(new GetCrawlerCommand({ Name: 'ticks-crawler' }));
      const metrics = await second.client.send(
        new GetCrawlerMetricsCommand({ CrawlerNameList: ['ticks-crawler'] }),
      );
      const crawled = await second.client.send(new GetTablesCommand({ DatabaseName: 'crawled' }));

      // Assess
      expect(database.Database).toMatchObject({ Name: 'pipeline', Description: 'kept' });
      expect(table.Table).toEqual(tableBefore.Table);
      expect(table.Table?.CreateTime).toBeInstanceOf(Date);
      expect(stored).toHaveLength(720);
      expect(stored.map((p) => p.Values?.join('/'))).toContain('2024-01-30/23');
      expect(classifier.Classifier?.CsvClassifier).toMatchObject({
        Name: 'ticks-csv',
        Delimiter: ';',
        ContainsHeader: 'ABSENT',
      });
      expect(crawler.Crawler).toEqual(before.Crawler);
      expect(crawler.Crawler?.Schedule).toMatchObject({
        ScheduleExpression: 'cron(0 * * * ? *)',
        State: 'SCHEDULED',
      });
      expect(metrics.CrawlerMetricsList?.[0]).toMatchObject({
        CrawlerName: 'ticks-crawler',
        TablesCreated: 1,
      });
      expect(crawled.TableList?.map((t) => t.Name)).toEqual(['out']);
    } finally {
      await second.stop();
    }
  });

  it('It should end a crawl that a shutdown cuts short as FAILED, saying so, and leave the catalog as it was', async () => {
    // Prepare: 30 targets, read one after the other, keep the crawl reading S3 well past the stop.
    const dataDir = newDataDir();
    const first = await glueOn(dataDir);
    await first.client.send(
      new CreateCrawlerCommand({
        Name: 'cut',
        Role: role,
        DatabaseName: 'cut_db',
        Targets: { S3Targets: SLOW_TARGETS },
      }),
    );
    await first.client.send(new StartCrawlerCommand({ Name: 'cut' }));

    // Act
    await first.stop();
    const second = await glueOn(dataDir);
    try {
      const { Crawler } = await second.client.send(new GetCrawlerCommand({ Name: 'cut' }));
      const tables = failure(second.client.send(new GetTablesCommand({ DatabaseName: 'cut_db' })));

      // Assess
      expect(Crawler?.State).toBe('READY');
      expect(Crawler?.LastCrawl).toMatchObject({ Status: 'FAILED', ErrorMessage: CRAWL_CUT_SHORT });
      expect(await tables).toMatchObject({ name: 'EntityNotFoundException' });
      // READY again: it can be started.
      await second.client.send(new StartCrawlerCommand({ Name: 'cut' }));
    } finally {
      await second.stop();
    }
  });

  it('It should keep a crawl that wrote its tables before the stop as SUCCEEDED', async () => {
    // Prepare: the crawl writes its tables, then stays RUNNING for its minimum time.
    const dataDir = newDataDir();
    const first = await glueOn(dataDir, { crawlerMinRunningMs: 1_500 });
    await first.client.send(
      new CreateCrawlerCommand({
        Name: 'done',
        Role: role,
        DatabaseName: 'done_db',
        Targets: { S3Targets: [{ Path: 's3://persist/out/' }] },
      }),
    );
    await first.client.send(new StartCrawlerCommand({ Name: 'done' }));
    await waitFor(async () => {
      const written = await first.client
        .send(new GetTablesCommand({ DatabaseName: 'done_db' }))
        .then((t) => (t.TableList ?? []).length > 0)
        .catch(() => false);
      return written;
    });
    const running = await first.client.send(new GetCrawlerCommand({ Name: 'done' }));

    // Act
    await first.stop();
    const second = await glueOn(dataDir);
    try {
      const { Crawler } = await second.client.send(new GetCrawlerCommand({ Name: 'done' }));
      const tables = await second.client.send(new GetTablesCommand({ DatabaseName: 'done_db' }));

      // Assess
      expect(running.Crawler?.State).toBe('RUNNING');
      expect(Crawler?.State).toBe('READY');
      expect(Crawler?.LastCrawl?.Status).toBe('SUCCEEDED');
      expect(tables.TableList?.map((t) => t.Name)).toEqual(['out']);
    } finally {
      await second.stop();
    }
  });

  it('It should end a crawl left RUNNING by a process that died as FAILED when the folder is loaded', async () => {
    // Prepare: the first service keeps running (as a killed process would have left its files).
    const dataDir = newDataDir();
    const first = await glueOn(dataDir, { crawlerMinRunningMs: 10_000 });
    await first.client.send(
      new CreateCrawlerCommand({
        Name: 'orphan',
        Role: role,
        DatabaseName: 'orphan_db',
        Targets: { S3Targets: [{ Path: 's3://persist/out/' }] },
      }),
    );
    await first.client.send(new StartCrawlerCommand({ Name: 'orphan' }));
    const running = await first.client.send(new GetCrawlerCommand({ Name: 'orphan' }));

    // Act
    const second = await glueOn(dataDir);
    try {
      const { Crawler } = await second.client.send(new GetCrawlerCommand({ Name: 'orphan' }));

      // Assess
      expect(running.Crawler?.State).toBe('RUNNING');
      expect(Crawler?.State).toBe('READY');
      expect(Crawler?.LastCrawl).toMatchObject({ Status: 'FAILED', ErrorMessage: CRAWL_CUT_SHORT });
    } finally {
      await second.stop();
      await first.stop();
    }
  });
});

describe('Athena keeps its workgroups and query executions across a restart', () => {
  it('It should read back a workgroup, a finished query and its results', async () => {
    // Prepare
    const dataDir = newDataDir();
    const glue = await glueOn(dataDir);
    const first = await athenaOn(dataDir, glue.service);
    await first.client.send(
      new CreateWorkGroupCommand({
        Name: 'kept',
        Description: 'survives',
        Configuration: { ResultConfiguration: { OutputLocation: 's3://persist/results/' } },
      }),
    );
    const { QueryExecutionId: id } = await first.client.send(
      new StartQueryExecutionCommand({
        QueryString: `SELECT 1 AS n, 'a,"b"' AS quoted, CAST(NULL AS varchar) AS nothing, 'two\nlines' AS text`,
        WorkGroup: 'kept',
        ClientRequestToken: 'persist-token-0000000000000000000001',
      }),
    );
    expect(await queryStates(first.client, id as string)).toContain('SUCCEEDED');
    const resultsBefore = await first.client.send(new GetQueryResultsCommand({ QueryExecutionId: id }));
    const before = await first.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));

    // Act
    await first.stop();
    const second = await athenaOn(dataDir, glue.service);
    try {
      const group = await second.client.send(new GetWorkGroupCommand({ WorkGroup: 'kept' }));
      const execution = await second.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const listed = await second.client.send(new ListQueryExecutionsCommand({ WorkGroup: 'kept' }));
      const results = await second.client.send(new GetQueryResultsCommand({ QueryExecutionId: id }));
      // The same token is the same query, across the restart too.
      const again = await second.client.send(
        new StartQueryExecutionCommand({
          QueryString: `SELECT 1 AS n, 'a,"b"' AS quoted, CAST(NULL AS varchar) AS nothing, 'two\nlines' AS text`,
          WorkGroup: 'kept',
          ClientRequestToken: 'persist-token-0000000000000000000001',
        }),
      );

      // Assess
      expect(group.WorkGroup).toMatchObject({ Name: 'kept', Description: 'survives' });
      expect(execution.QueryExecution).toEqual(before.QueryExecution);
      expect(listed.QueryExecutionIds).toEqual([id]);
      expect(results.ResultSet).toEqual(resultsBefore.ResultSet);
      expect(results.ResultSet?.Rows?.[1]?.Data).toEqual([
        { VarCharValue: '1' },
        { VarCharValue: 'a,"b"' },
        {},
        { VarCharValue: 'two\nlines' },
      ]);
      expect(again.QueryExecutionId).toBe(id);
    } finally {
      await second.stop();
      await glue.stop();
    }
  });

  it('It should end a query that a shutdown cuts short as FAILED, saying so', async () => {
    // Prepare: the query stays RUNNING for a while.
    const dataDir = newDataDir();
    const glue = await glueOn(dataDir);
    const first = await athenaOn(dataDir, glue.service, 3_000);
    const { QueryExecutionId: id } = await first.client.send(
      new StartQueryExecutionCommand({
        QueryString: 'SELECT 1',
        ResultConfiguration: { OutputLocation: 's3://persist/results/' },
      }),
    );
    await waitFor(async () => {
      const { QueryExecution } = await first.client.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );
      return QueryExecution?.Status?.State === 'RUNNING';
    });

    // Act
    await first.stop();
    const second = await athenaOn(dataDir, glue.service);
    try {
      const { QueryExecution } = await second.client.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );
      const results = failure(second.client.send(new GetQueryResultsCommand({ QueryExecutionId: id })));

      // Assess
      expect(QueryExecution?.Status).toMatchObject({
        State: 'FAILED',
        StateChangeReason: QUERY_CUT_SHORT,
        AthenaError: { ErrorCategory: 1, Retryable: true },
      });
      expect(QueryExecution?.Status?.CompletionDateTime).toBeInstanceOf(Date);
      expect((await results).message).toContain('FAILED');
    } finally {
      await second.stop();
      await glue.stop();
    }
  });
});

describe('Athena after a process that died', () => {
  it('It should end a query left RUNNING by a process that died as FAILED when the folder is loaded', async () => {
    // Prepare: the first service keeps running, as a killed process leaves its files.
    const dataDir = newDataDir();
    const glue = await glueOn(dataDir);
    const first = await athenaOn(dataDir, glue.service, 3_000);
    const { QueryExecutionId: id } = await first.client.send(
      new StartQueryExecutionCommand({
        QueryString: 'SELECT 2',
        ResultConfiguration: { OutputLocation: 's3://persist/results/' },
      }),
    );
    await waitFor(async () => {
      const { QueryExecution } = await first.client.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );
      return QueryExecution?.Status?.State === 'RUNNING';
    });

    // Act
    const second = await athenaOn(dataDir, glue.service);
    try {
      const { QueryExecution } = await second.client.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );

      // Assess
      expect(QueryExecution?.Status).toMatchObject({ State: 'FAILED', StateChangeReason: QUERY_CUT_SHORT });
    } finally {
      await second.stop();
      await first.stop();
      await glue.stop();
    }
  });
});

describe('Step Functions keeps its executions and their histories across a restart', () => {
  it('It should answer DescribeExecution, GetExecutionHistory and ListExecutions for the last session', async () => {
    // Prepare
    const dataDir = newDataDir();
    const first = await statesOn(dataDir, 'missing');
    const { executionArn } = await first.client.send(
      new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'kept', input: '{"pipelineName":"p"}' }),
    );
    await waitFor(async () => {
      const { status } = await first.client.send(new DescribeExecutionCommand({ executionArn }));
      return status === 'FAILED';
    });
    const before = await first.client.send(new DescribeExecutionCommand({ executionArn }));
    const historyBefore = await first.client.send(new GetExecutionHistoryCommand({ executionArn }));

    // Act
    await first.stop();
    const second = await statesOn(dataDir, 'missing');
    try {
      const described = await second.client.send(new DescribeExecutionCommand({ executionArn }));
      const history = await second.client.send(new GetExecutionHistoryCommand({ executionArn }));
      const listed = await second.client.send(new ListExecutionsCommand({ stateMachineArn: MACHINE }));
      // A closed execution's name cannot be used again, with the same input or another (API reference,
      // StartExecution: ExecutionAlreadyExists).
      const same = failure(
        second.client.send(
          new StartExecutionCommand({
            stateMachineArn: MACHINE,
            name: 'kept',
            input: '{"pipelineName":"p"}',
          }),
        ),
      );

      // Assess
      expect(described).toMatchObject({
        status: 'FAILED',
        cause: 'Nothing is deployed to this local cloud yet.',
        input: '{"pipelineName":"p"}',
      });
      expect(described.startDate).toEqual(before.startDate);
      expect(described.stopDate).toEqual(before.stopDate);
      expect(history.events).toEqual(historyBefore.events);
      expect(history.events?.map((e) => e.type)).toEqual(['ExecutionStarted', 'ExecutionFailed']);
      expect(listed.executions?.map((e) => [e.name, e.status])).toEqual([['kept', 'FAILED']]);
      expect(await same).toMatchObject({ name: 'ExecutionAlreadyExists' });
    } finally {
      await second.stop();
    }
  });

  it('It should end an execution running at shutdown as ABORTED with an ExecutionAborted event saying why', async () => {
    // Prepare
    const dataDir = newDataDir();
    const first = await statesOn(dataDir, 'hang');
    const { executionArn } = await first.client.send(
      new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'cut', input: '{}' }),
    );
    const running = await first.client.send(new DescribeExecutionCommand({ executionArn }));
    // While it runs, the same name and input is the same execution.
    const repeated = await first.client.send(
      new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'cut', input: '{}' }),
    );

    // Act
    await first.stop();
    const second = await statesOn(dataDir, 'hang');
    try {
      const described = await second.client.send(new DescribeExecutionCommand({ executionArn }));
      const history = await second.client.send(
        new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }),
      );
      const listed = await second.client.send(
        new ListExecutionsCommand({ stateMachineArn: MACHINE, statusFilter: 'ABORTED' }),
      );
      const other = failure(
        second.client.send(
          new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'cut', input: '{"x":1}' }),
        ),
      );

      // Assess
      expect(running.status).toBe('RUNNING');
      expect(repeated.executionArn).toBe(executionArn);
      expect(described).toMatchObject({ status: 'ABORTED', cause: EXECUTION_CUT_SHORT.cause });
      expect(history.events?.[0]).toMatchObject({
        type: 'ExecutionAborted',
        executionAbortedEventDetails: { cause: EXECUTION_CUT_SHORT.cause },
      });
      expect(listed.executions?.map((e) => e.name)).toEqual(['cut']);
      expect(await other).toMatchObject({ name: 'ExecutionAlreadyExists' });
    } finally {
      await second.stop();
    }
  });

  it('It should end an execution left RUNNING by a process that died as ABORTED when the folder is loaded', async () => {
    // Prepare: the first service keeps running, as a killed process leaves its files.
    const dataDir = newDataDir();
    const first = await statesOn(dataDir, 'hang');
    const { executionArn } = await first.client.send(
      new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'orphan', input: '{}' }),
    );

    // Act
    const second = await statesOn(dataDir, 'hang');
    try {
      const described = await second.client.send(new DescribeExecutionCommand({ executionArn }));
      const history = await second.client.send(new GetExecutionHistoryCommand({ executionArn }));

      // Assess
      expect(described).toMatchObject({ status: 'ABORTED', cause: EXECUTION_CUT_SHORT.cause });
      expect(history.events?.map((e) => e.type)).toEqual(['ExecutionStarted', 'ExecutionAborted']);
    } finally {
      await second.stop();
      await first.stop();
    }
  });
});

describe('startServices on a data folder it used before', () => {
  it('It should hand each service its part of the folder, so that all three answer for the last run', async () => {
    // Prepare
    const dataDir = newDataDir();
    const clients = (endpoints: { glue: string; athena: string; states: string }) => ({
      glue: new GlueClient({ endpoint: endpoints.glue, region, credentials }),
      athena: new AthenaClient({ endpoint: endpoints.athena, region, credentials }),
      sfn: new SFNClient({ endpoint: endpoints.states, region, credentials }),
    });
    const first = await startServices({ dataDir });
    const before = clients(first.endpoints);
    let executionArn: string | undefined;
    try {
      await before.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'whole' } }));
      await before.athena.send(new CreateWorkGroupCommand({ Name: 'whole' }));
      // Nothing is deployed: the execution fails at once, and is kept.
      ({ executionArn } = await before.sfn.send(
        new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'whole', input: '{}' }),
      ));
      await waitFor(async () => {
        const { status } = await before.sfn.send(new DescribeExecutionCommand({ executionArn }));
        return status === 'FAILED';
      });
    } finally {
      for (const client of Object.values(before)) client.destroy();
      await first.stop();
    }

    // Act
    const second = await startServices({ dataDir });
    const after = clients(second.endpoints);
    try {
      const database = await after.glue.send(new GetDatabaseCommand({ Name: 'whole' }));
      const group = await after.athena.send(new GetWorkGroupCommand({ WorkGroup: 'whole' }));
      const execution = await after.sfn.send(new DescribeExecutionCommand({ executionArn }));

      // Assess
      expect(database.Database?.Name).toBe('whole');
      expect(group.WorkGroup?.Name).toBe('whole');
      expect(execution).toMatchObject({ name: 'whole', status: 'FAILED' });
    } finally {
      for (const client of Object.values(after)) client.destroy();
      await second.stop();
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(25);
  }
}

async function allPartitions(glue: GlueClient, DatabaseName: string, TableName: string) {
  const all = [];
  let NextToken: string | undefined;
  do {
    const page = await glue.send(new GetPartitionsCommand({ DatabaseName, TableName, NextToken }));
    all.push(...(page.Partitions ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return all;
}
