/**
 * flinkflow's local AWS Glue endpoint (JSON 1.1, target prefix `AWSGlue`): the Data Catalog's databases,
 * tables and partitions, custom CSV classifiers, and crawlers over S3 targets in the local S3. One method
 * per API operation, named as the API names it; errors carry the API reference's codes.
 */
import type * as GlueApi from '@aws-sdk/client-glue';
import type { Crawler, CrawlerMetrics, Database, Partition, S3Target, Table } from '@aws-sdk/client-glue';
import { DuckDBInstance } from '@duckdb/node-api';
import path from 'node:path';
import { AwsServiceError, glueErrors } from '../common/errors';
import type { LocalJsonService, ProviderOf } from '../common/provider';
import { localS3Client } from '../common/s3';
import { savingAfterChanges } from '../common/json-file';
import { byName, fromEpoch, membersOf, reader, toWire, type JsonObject } from '../common/validation';
import { asClassifier, csvClassifierFromInput, csvMemberOf } from './classifiers';
import { crawlTargets } from './crawler';
import { cronMatches, parseCron } from './schedule';
import {
  CRAWL_CUT_SHORT,
  foldName,
  GlueStore,
  PartitionMap,
  partitionKey,
  type CrawlerRecord,
  type DatabaseRecord,
  type TableRecord,
} from './store';

const read = reader('InvalidInputException');
const { notFound, alreadyExists, invalidInput } = glueErrors;

export interface GlueServiceOptions {
  s3Endpoint: string;
  region: string;
  account: string;
  /**
   * The catalog and crawlers are kept under `<dataDir>/glue` (store.ts) and loaded from there; the
   * crawler's scratch files live there too.
   */
  dataDir: string;
  log?: (line: string) => void;
  /**
   * A crawl stays RUNNING at least this long and STOPPING this long, so that pollers see the states
   * a real crawl goes through (a real crawl takes a minute or more).
   */
  crawlerMinRunningMs?: number;
  crawlerStoppingMs?: number;
  /** How often SCHEDULED crawlers are checked against their cron (default 10 s). */
  scheduleTickMs?: number;
}

/** The Glue operations the local endpoint implements, typed by @aws-sdk/client-glue. */
export type GlueProvider = ProviderOf<typeof GlueApi>;

export interface GlueService extends LocalJsonService<GlueProvider> {
  store: GlueStore;
  /**
   * Starts the SCHEDULED crawlers whose schedule fires in the minute of `now` and that are READY (each at
   * most once per minute); returns their names. The service calls it every few seconds by itself.
   */
  runDueSchedules(now: Date): string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Checks a schedule expression as Glue does before it stores it. */
function validSchedule(expression: string): string {
  try {
    parseCron(expression);
  } catch (e) {
    throw invalidInput(`Invalid schedule expression: ${(e as Error).message}.`);
  }
  return expression;
}

/** Creates the Glue provider and its store, loaded from the data folder. */
export function createGlueService(options: GlueServiceOptions): GlueService {
  const store = new GlueStore(options.dataDir);
  store.load();
  /** Set by shutdown: a crawl it cuts short ends FAILED, saying so, rather than CANCELLED by a user. */
  let shuttingDown = false;
  const s3 = localS3Client(options.s3Endpoint, options.region);
  const log = options.log ?? (() => undefined);
  const minRunningMs = options.crawlerMinRunningMs ?? 500;
  const stoppingMs = options.crawlerStoppingMs ?? 500;
  const scratchDir = path.join(options.dataDir, 'glue', 'scratch');
  let duck: Promise<DuckDBInstance> | undefined;
  // The crawler's DuckDB reads only the scratch copies it writes itself: no other file, no network.
  const duckDb = () =>
    (duck ??= (async () => {
      const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
      const connection = await instance.connect();
      try {
        await connection.run(`SET allowed_directories = ['${scratchDir.replace(/'/g, "''")}${path.sep}']`);
        await connection.run('SET enable_external_access = false');
        await connection.run('SET autoload_known_extensions = false');
        await connection.run('SET lock_configuration = true');
      } finally {
        connection.closeSync();
      }
      return instance;
    })());

  const database = (name: string): DatabaseRecord => {
    const record = store.databases.get(foldName(name));
    if (!record) throw notFound(`Database ${name} not found.`);
    return record;
  };
  const table = (databaseName: string, tableName: string): TableRecord => {
    const record = database(databaseName).tables.get(foldName(tableName));
    if (!record) throw notFound(`Table ${tableName} not found.`);
    return record;
  };
  const crawler = (name: string): CrawlerRecord => {
    const record = store.crawlers.get(name);
    if (!record) throw notFound(`Crawler entry with name ${name} does not exist`);
    return record;
  };

  const tableFromInput = (databaseName: string, input: JsonObject, existing?: Table): Table => {
    const name = foldName(read.requiredString(input, 'Name'));
    const now = new Date();
    const descriptor = read.optionalObject(input, 'StorageDescriptor');
    return {
      ...(input as unknown as Table),
      Name: name,
      DatabaseName: foldName(databaseName),
      CreateTime: existing?.CreateTime ?? now,
      UpdateTime: now,
      ...(descriptor ? { StorageDescriptor: descriptor } : {}),
      PartitionKeys: (read.optionalArray(input, 'PartitionKeys') as Table['PartitionKeys']) ?? [],
      TableType: read.optionalString(input, 'TableType') ?? existing?.TableType ?? 'EXTERNAL_TABLE',
      Parameters: (read.optionalObject(input, 'Parameters') as Record<string, string>) ?? {},
      IsRegisteredWithLakeFormation: false,
      CatalogId: options.account,
      VersionId: existing ? String(Number(existing.VersionId ?? '0') + 1) : '0',
      LastAccessTime: fromEpoch(input['LastAccessTime']) ?? existing?.LastAccessTime ?? now,
    };
  };

  const partitionFromInput = (databaseName: string, tableName: string, input: JsonObject): Partition => {
    const values = read.optionalArray(input, 'Values');
    if (!values || !values.every((v) => typeof v === 'string'))
      throw invalidInput('Partition Values must be a list of strings.');
    const now = new Date();
    return {
      ...(input as unknown as Partition),
      Values: values as string[],
      DatabaseName: foldName(databaseName),
      TableName: foldName(tableName),
      CreationTime: now,
      LastAccessTime: fromEpoch(input['LastAccessTime']) ?? now,
      CatalogId: options.account,
    };
  };

  const crawlerFromInput = (
    request: GlueApi.CreateCrawlerCommandInput | GlueApi.UpdateCrawlerCommandInput,
    existing?: Crawler,
  ): Crawler => {
    const input = membersOf(request);
    const name = read.requiredString(input, 'Name');
    const targets = (read.optionalObject(input, 'Targets') ?? existing?.Targets) as Crawler['Targets'];
    if (!targets)
      throw invalidInput("1 validation error detected: Value null at 'targets' failed to satisfy constraint");
    const s3Targets = targets.S3Targets ?? [];
    const other = Object.entries(targets).filter(
      ([k, v]) => k !== 'S3Targets' && Array.isArray(v) && v.length > 0,
    );
    if (other.length > 0) {
      throw invalidInput(
        `The local Glue crawls S3 targets only; remove ${other.map(([k]) => k).join(', ')}.`,
      );
    }
    for (const target of s3Targets) {
      if (typeof target.Path !== 'string' || !/^s3:\/\/[^/]+/.test(target.Path)) {
        throw invalidInput(`S3 target path ${JSON.stringify(target.Path)} is not an s3://bucket/prefix URI.`);
      }
    }
    const configuration = read.optionalString(input, 'Configuration') ?? existing?.Configuration;
    if (configuration !== undefined) {
      try {
        JSON.parse(configuration);
      } catch {
        throw invalidInput('Crawler configuration is not valid JSON.');
      }
    }
    const classifiers = read.optionalArray(input, 'Classifiers');
    for (const [i, name] of (classifiers ?? []).entries()) {
      if (typeof name !== 'string') throw invalidInput(`Classifiers[${i}] must be a classifier name.`);
      if (!store.classifiers.has(name))
        throw notFound(`Classifier ${name} does not exist; create it with CreateClassifier first.`);
    }
    const schedule = read.optionalString(input, 'Schedule');
    if (schedule !== undefined && schedule !== '') validSchedule(schedule);
    const now = new Date();
    const scheduleValue =
      schedule === undefined
        ? existing?.Schedule
        : schedule === ''
          ? undefined
          : { ScheduleExpression: schedule, State: existing?.Schedule?.State ?? 'SCHEDULED' };
    const pick = <K extends keyof Crawler>(key: K): Crawler[K] | undefined =>
      (input[key] as Crawler[K] | undefined) ?? existing?.[key];
    return {
      Name: name,
      Role: read.optionalString(input, 'Role') ?? existing?.Role,
      Targets: targets,
      DatabaseName: read.optionalString(input, 'DatabaseName') ?? existing?.DatabaseName,
      Description: pick('Description'),
      Classifiers: pick('Classifiers') ?? [],
      RecrawlPolicy: pick('RecrawlPolicy') ?? { RecrawlBehavior: 'CRAWL_EVERYTHING' },
      SchemaChangePolicy: pick('SchemaChangePolicy') ?? {
        UpdateBehavior: 'UPDATE_IN_DATABASE',
        DeleteBehavior: 'DEPRECATE_IN_DATABASE',
      },
      LineageConfiguration: pick('LineageConfiguration') ?? { CrawlerLineageSettings: 'DISABLE' },
      State: existing?.State ?? 'READY',
      TablePrefix: pick('TablePrefix'),
      Schedule: scheduleValue,
      CrawlElapsedTime: existing?.CrawlElapsedTime ?? 0,
      CreationTime: existing?.CreationTime ?? now,
      LastUpdated: now,
      LastCrawl: existing?.LastCrawl,
      Version: (existing?.Version ?? 0) + 1,
      Configuration: configuration,
      CrawlerSecurityConfiguration: pick('CrawlerSecurityConfiguration'),
      LakeFormationConfiguration: pick('LakeFormationConfiguration'),
    };
  };

  /** The crawl's life: RUNNING (reading S3, at least minRunningMs) -> STOPPING -> READY with LastCrawl. */
  const runCrawl = async (record: CrawlerRecord): Promise<void> => {
    const c = record.crawler;
    const startTime = new Date();
    const messagePrefix = crypto.randomUUID();
    let status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED' = 'SUCCEEDED';
    let errorMessage: string | undefined;
    /** Whether the crawl wrote its tables (crawlTargets skips that once cancelled). */
    let applied = false;
    try {
      const grouping = c.Configuration
        ? (JSON.parse(c.Configuration) as {
            Grouping?: { TableGroupingPolicy?: string; TableLevelConfiguration?: number };
          })
        : {};
      const changes = await crawlTargets(
        {
          s3,
          duck: await duckDb(),
          scratchDir,
          log: (line) => log(`crawler ${c.Name}: ${line}`),
          store,
          catalogId: options.account,
          isCancelled: () => record.cancelRequested,
        },
        {
          name: c.Name as string,
          databaseName: c.DatabaseName as string,
          targets: (c.Targets?.S3Targets ?? []) as S3Target[],
          tablePrefix: c.TablePrefix ?? '',
          classifiers: (c.Classifiers ?? []).map((name) => {
            const classifier = store.classifiers.get(name);
            // A classifier deleted after the crawler named it fails the crawl, with its name.
            if (!classifier) throw new Error(`Classifier ${name} of crawler ${c.Name} does not exist.`);
            return classifier;
          }),
          combineCompatibleSchemas: grouping.Grouping?.TableGroupingPolicy === 'CombineCompatibleSchemas',
          updateInDatabase:
            (c.SchemaChangePolicy?.UpdateBehavior ?? 'UPDATE_IN_DATABASE') === 'UPDATE_IN_DATABASE',
          ...(typeof grouping.Grouping?.TableLevelConfiguration === 'number'
            ? { tableLevel: grouping.Grouping.TableLevelConfiguration }
            : {}),
        },
      );
      // No other task runs between crawlTargets' check of the flag and this line.
      applied = !record.cancelRequested;
      record.metrics.TablesCreated = changes.tablesCreated;
      record.metrics.TablesUpdated = changes.tablesUpdated;
      record.metrics.TablesDeleted = 0;
      // The crawl's catalog changes are made at once (crawler.ts, applyPlan) and kept at once.
      store.save();
      log(`crawler ${c.Name}: ${JSON.stringify(changes)}`);
    } catch (e) {
      status = 'FAILED';
      errorMessage = e instanceof Error ? e.message : String(e);
      log(`crawler ${c.Name}: failed: ${errorMessage}`);
    }
    const elapsed = Date.now() - startTime.getTime();
    if (elapsed < minRunningMs && !record.cancelRequested) await sleep(minRunningMs - elapsed);
    if (shuttingDown) {
      // A crawl that wrote its tables before the stop succeeded; one that failed keeps its own error.
      if (status === 'SUCCEEDED' && !applied) {
        status = 'FAILED';
        errorMessage = CRAWL_CUT_SHORT;
      }
    } else if (record.cancelRequested) status = 'CANCELLED';
    c.State = 'STOPPING';
    store.save();
    if (!shuttingDown) await sleep(stoppingMs);
    const runtimeSeconds = (Date.now() - startTime.getTime()) / 1000;
    c.LastCrawl = {
      Status: status,
      ...(errorMessage !== undefined ? { ErrorMessage: errorMessage } : {}),
      LogGroup: '/aws-glue/crawlers',
      LogStream: c.Name,
      MessagePrefix: messagePrefix,
      StartTime: startTime,
    };
    c.CrawlElapsedTime = 0;
    c.State = 'READY';
    record.cancelRequested = false;
    record.metrics.LastRuntimeSeconds = runtimeSeconds;
    record.metrics.MedianRuntimeSeconds = runtimeSeconds;
    record.metrics.TimeLeftSeconds = 0;
    record.metrics.StillEstimating = false;
    store.save();
  };

  const startCrawl = (record: CrawlerRecord): void => {
    record.crawler.State = 'RUNNING';
    record.cancelRequested = false;
    store.save();
    record.running = runCrawl(record).catch((e: unknown) => {
      record.crawler.State = 'READY';
      log(`crawler ${record.crawler.Name}: ${String(e)}`);
    });
  };

  const lastScheduledMinute = new Map<string, number>();
  const runDueSchedules = (now: Date): string[] => {
    const minute = Math.floor(now.getTime() / 60_000);
    const started: string[] = [];
    for (const record of store.crawlers.values()) {
      const schedule = record.crawler.Schedule;
      const name = record.crawler.Name as string;
      if (schedule?.State !== 'SCHEDULED' || !schedule.ScheduleExpression) continue;
      if (lastScheduledMinute.get(name) === minute) continue;
      if (!cronMatches(parseCron(schedule.ScheduleExpression), now)) continue;
      lastScheduledMinute.set(name, minute);
      // A crawl still running when its next time comes is skipped, as Glue skips it.
      if (record.crawler.State !== 'READY') continue;
      if (shuttingDown) continue;
      log(`crawler ${name}: started by its schedule ${schedule.ScheduleExpression}`);
      startCrawl(record);
      started.push(name);
    }
    return started;
  };
  const scheduleTimer = setInterval(() => runDueSchedules(new Date()), options.scheduleTickMs ?? 10_000);
  scheduleTimer.unref();

  const provider: GlueProvider = {
    // --- databases ---
    CreateDatabase(input) {
      const databaseInput = read.requiredObject(input, 'DatabaseInput');
      const name = foldName(read.requiredString(databaseInput, 'Name'));
      if (store.databases.has(name)) throw alreadyExists('Database already exists.');
      const created: Database = {
        ...(databaseInput as unknown as Database),
        Name: name,
        Parameters: (databaseInput['Parameters'] as Record<string, string>) ?? {},
        CreateTime: new Date(),
        CreateTableDefaultPermissions: [],
        CatalogId: options.account,
      };
      store.databases.set(name, { database: created, tables: new Map() });
      return {};
    },
    GetDatabase(input) {
      return toWire({ Database: database(read.requiredString(input, 'Name')).database });
    },
    GetDatabases(input) {
      const all = [...store.databases.values()].map((d) => d.database).sort(byName);
      const { page, nextToken } = read.page(all, input);
      return toWire({ DatabaseList: page, NextToken: nextToken });
    },
    UpdateDatabase(input) {
      const record = database(read.requiredString(input, 'Name'));
      const databaseInput = read.requiredObject(input, 'DatabaseInput');
      record.database = {
        ...record.database,
        ...(databaseInput as unknown as Database),
        Name: record.database.Name,
      };
      return {};
    },
    DeleteDatabase(input) {
      const name = read.requiredString(input, 'Name');
      database(name);
      store.databases.delete(foldName(name));
      return {};
    },

    // --- tables ---
    CreateTable(input) {
      const databaseName = read.requiredString(input, 'DatabaseName');
      const record = database(databaseName);
      const created = tableFromInput(databaseName, read.requiredObject(input, 'TableInput'));
      if (record.tables.has(created.Name as string)) throw alreadyExists('Table already exists.');
      record.tables.set(created.Name as string, { table: created, partitions: new PartitionMap() });
      return {};
    },
    GetTable(input) {
      return toWire({
        Table: table(read.requiredString(input, 'DatabaseName'), read.requiredString(input, 'Name')).table,
      });
    },
    GetTables(input) {
      const record = database(read.requiredString(input, 'DatabaseName'));
      const expression = read.optionalString(input, 'Expression');
      let pattern: RegExp | undefined;
      try {
        // Glue's Expression is a regular expression over names; `*` alone means every table.
        pattern = expression ? new RegExp(`^(${expression === '*' ? '.*' : expression})$`, 'i') : undefined;
      } catch {
        throw invalidInput(`Expression ${expression} is not a valid regular expression.`);
      }
      const tables = [...record.tables.values()]
        .map((t) => t.table)
        .filter((t) => !pattern || pattern.test(t.Name as string))
        .sort(byName);
      const { page, nextToken } = read.page(tables, input);
      return toWire({ TableList: page, NextToken: nextToken });
    },
    UpdateTable(input) {
      const databaseName = read.requiredString(input, 'DatabaseName');
      const tableInput = read.requiredObject(input, 'TableInput');
      const record = table(databaseName, read.requiredString(tableInput, 'Name'));
      const versionId = read.optionalString(input, 'VersionId');
      if (versionId !== undefined && versionId !== record.table.VersionId) {
        throw new AwsServiceError(
          'ConcurrentModificationException',
          `Table version ${versionId} is not the current version ${record.table.VersionId}; read the table again and retry.`,
        );
      }
      record.table = tableFromInput(databaseName, tableInput, record.table);
      return {};
    },
    DeleteTable(input) {
      const databaseName = read.requiredString(input, 'DatabaseName');
      const name = read.requiredString(input, 'Name');
      table(databaseName, name);
      database(databaseName).tables.delete(foldName(name));
      return {};
    },
    BatchDeleteTable(input) {
      const record = database(read.requiredString(input, 'DatabaseName'));
      const names = (read.optionalArray(input, 'TablesToDelete') ?? []) as string[];
      const errors = [];
      for (const name of names) {
        if (!record.tables.delete(foldName(name))) {
          errors.push({
            TableName: name,
            ErrorDetail: { ErrorCode: 'EntityNotFoundException', ErrorMessage: `Table ${name} not found.` },
          });
        }
      }
      return { Errors: errors };
    },

    // --- partitions ---
    BatchCreatePartition(input) {
      const databaseName = read.requiredString(input, 'DatabaseName');
      const tableName = read.requiredString(input, 'TableName');
      const record = table(databaseName, tableName);
      const inputs = (read.optionalArray(input, 'PartitionInputList') ?? []) as JsonObject[];
      if (inputs.length > 100)
        throw invalidInput('PartitionInputList takes at most 100 partitions per call.');
      const keys = record.table.PartitionKeys ?? [];
      const errors = [];
      for (const partitionInput of inputs) {
        const partition = partitionFromInput(databaseName, tableName, partitionInput);
        const values = partition.Values as string[];
        const key = partitionKey(values);
        if (values.length !== keys.length) {
          errors.push({
            PartitionValues: values,
            ErrorDetail: {
              ErrorCode: 'InvalidInputException',
              ErrorMessage: `The table has ${keys.length} partition keys; ${values.length} values were given.`,
            },
          });
        } else if (record.partitions.has(key)) {
          errors.push({
            PartitionValues: values,
            ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'Partition already exists.' },
          });
        } else {
          record.partitions.set(key, partition);
        }
      }
      return { Errors: errors };
    },
    CreatePartition(input) {
      const databaseName = read.requiredString(input, 'DatabaseName');
      const tableName = read.requiredString(input, 'TableName');
      const record = table(databaseName, tableName);
      const partition = partitionFromInput(
        databaseName,
        tableName,
        read.requiredObject(input, 'PartitionInput'),
      );
      const key = partitionKey(partition.Values as string[]);
      if (record.partitions.has(key)) throw alreadyExists('Partition already exists.');
      record.partitions.set(key, partition);
      return {};
    },
    GetPartition(input) {
      const record = table(
        read.requiredString(input, 'DatabaseName'),
        read.requiredString(input, 'TableName'),
      );
      const values = (read.optionalArray(input, 'PartitionValues') ?? []) as string[];
      const partition = record.partitions.get(partitionKey(values));
      if (!partition) throw notFound('Cannot find partition.');
      return toWire({ Partition: partition });
    },
    GetPartitions(input) {
      const record = table(
        read.requiredString(input, 'DatabaseName'),
        read.requiredString(input, 'TableName'),
      );
      const expression = read.optionalString(input, 'Expression');
      const keys = (record.table.PartitionKeys ?? []).map((k) => (k.Name as string).toLowerCase());
      const matches = expression ? partitionFilter(expression, keys) : () => true;
      const partitions = [...record.partitions.values()]
        .filter((p) => matches(p.Values as string[]))
        .sort((a, b) => partitionKey(a.Values as string[]).localeCompare(partitionKey(b.Values as string[])));
      const { page, nextToken } = read.page(partitions, input);
      return toWire({ Partitions: page, NextToken: nextToken });
    },
    DeletePartition(input) {
      const record = table(
        read.requiredString(input, 'DatabaseName'),
        read.requiredString(input, 'TableName'),
      );
      const values = (read.optionalArray(input, 'PartitionValues') ?? []) as string[];
      if (!record.partitions.delete(partitionKey(values))) throw notFound('Cannot find partition.');
      return {};
    },

    // --- classifiers (CSV) ---
    CreateClassifier(input) {
      const csv = csvMemberOf(membersOf(input), 'Create');
      const created = csvClassifierFromInput(csv);
      if (store.classifiers.has(created.Name as string))
        throw alreadyExists(`Classifier ${created.Name} already exists.`);
      store.classifiers.set(created.Name as string, created);
      return {};
    },
    GetClassifier(input) {
      const name = read.requiredString(input, 'Name');
      const found = store.classifiers.get(name);
      if (!found) throw notFound(`Classifier ${name} not found.`);
      return toWire({ Classifier: asClassifier(found) });
    },
    GetClassifiers(input) {
      const all = [...store.classifiers.values()].sort(byName).map(asClassifier);
      const { page, nextToken } = read.page(all, input);
      return toWire({ Classifiers: page, NextToken: nextToken });
    },
    UpdateClassifier(input) {
      const csv = csvMemberOf(membersOf(input), 'Update');
      const name = read.requiredString(csv, 'Name', 'CsvClassifier.');
      const existing = store.classifiers.get(name);
      if (!existing) throw notFound(`Classifier ${name} not found.`);
      store.classifiers.set(name, csvClassifierFromInput(csv, existing));
      return {};
    },
    DeleteClassifier(input) {
      const name = read.requiredString(input, 'Name');
      if (!store.classifiers.delete(name)) throw notFound(`Classifier ${name} not found.`);
      return {};
    },

    // --- crawlers ---
    CreateCrawler(input) {
      const name = read.requiredString(input, 'Name');
      read.requiredString(input, 'Role');
      read.requiredObject(input, 'Targets');
      if (store.crawlers.has(name)) throw alreadyExists(`${name} already exists`);
      store.crawlers.set(name, {
        crawler: crawlerFromInput(input),
        metrics: {
          CrawlerName: name,
          TimeLeftSeconds: 0,
          StillEstimating: false,
          LastRuntimeSeconds: 0,
          MedianRuntimeSeconds: 0,
          TablesCreated: 0,
          TablesUpdated: 0,
          TablesDeleted: 0,
        } satisfies CrawlerMetrics,
        cancelRequested: false,
      });
      return {};
    },
    GetCrawler(input) {
      return toWire({ Crawler: crawler(read.requiredString(input, 'Name')).crawler });
    },
    GetCrawlers(input) {
      const all = [...store.crawlers.values()].map((c) => c.crawler).sort(byName);
      const { page, nextToken } = read.page(all, input);
      return toWire({ Crawlers: page, NextToken: nextToken });
    },
    ListCrawlers(input) {
      const all = [...store.crawlers.keys()].sort();
      const { page, nextToken } = read.page(all, input);
      return { CrawlerNames: page, NextToken: nextToken };
    },
    UpdateCrawler(input) {
      const record = crawler(read.requiredString(input, 'Name'));
      if (record.crawler.State !== 'READY')
        throw new AwsServiceError(
          'CrawlerRunningException',
          `Crawler with name ${record.crawler.Name} has already started`,
        );
      record.crawler = crawlerFromInput(input, record.crawler);
      return {};
    },
    DeleteCrawler(input) {
      const record = crawler(read.requiredString(input, 'Name'));
      if (record.crawler.State !== 'READY')
        throw new AwsServiceError(
          'CrawlerRunningException',
          `Crawler with name ${record.crawler.Name} is running; stop it before deleting it`,
        );
      if (record.crawler.Schedule?.State === 'SCHEDULED') {
        // Glue refuses to delete a crawler whose schedule is being changed; a scheduled one is deleted with its schedule.
        record.crawler.Schedule.State = 'NOT_SCHEDULED';
      }
      store.crawlers.delete(record.crawler.Name as string);
      return {};
    },
    StartCrawler(input) {
      const record = crawler(read.requiredString(input, 'Name'));
      if (record.crawler.State !== 'READY') {
        throw new AwsServiceError(
          'CrawlerRunningException',
          `Crawler with name ${record.crawler.Name} has already started`,
        );
      }
      startCrawl(record);
      return {};
    },
    StopCrawler(input) {
      const record = crawler(read.requiredString(input, 'Name'));
      if (record.crawler.State === 'STOPPING')
        throw new AwsServiceError(
          'CrawlerStoppingException',
          `Crawler with name ${record.crawler.Name} is stopping`,
        );
      if (record.crawler.State !== 'RUNNING')
        throw new AwsServiceError(
          'CrawlerNotRunningException',
          `Crawler with name ${record.crawler.Name} isn't running`,
        );
      record.cancelRequested = true;
      record.crawler.State = 'STOPPING';
      return {};
    },
    StartCrawlerSchedule(input) {
      const record = crawler(read.requiredString(input, 'CrawlerName'));
      const schedule = record.crawler.Schedule;
      if (!schedule?.ScheduleExpression)
        throw new AwsServiceError(
          'NoScheduleException',
          `Crawler ${record.crawler.Name} has no schedule; set one with UpdateCrawler.`,
        );
      if (schedule.State === 'SCHEDULED')
        throw new AwsServiceError(
          'SchedulerRunningException',
          `Schedule of crawler ${record.crawler.Name} is already running`,
        );
      schedule.State = 'SCHEDULED';
      return {};
    },
    StopCrawlerSchedule(input) {
      const record = crawler(read.requiredString(input, 'CrawlerName'));
      const schedule = record.crawler.Schedule;
      if (!schedule?.ScheduleExpression)
        throw new AwsServiceError('NoScheduleException', `Crawler ${record.crawler.Name} has no schedule.`);
      if (schedule.State !== 'SCHEDULED')
        throw new AwsServiceError(
          'SchedulerNotRunningException',
          `Schedule of crawler ${record.crawler.Name} is not running`,
        );
      schedule.State = 'NOT_SCHEDULED';
      return {};
    },
    UpdateCrawlerSchedule(input) {
      const record = crawler(read.requiredString(input, 'CrawlerName'));
      const expression = read.requiredString(input, 'Schedule');
      validSchedule(expression);
      record.crawler.Schedule = {
        ScheduleExpression: expression,
        State: record.crawler.Schedule?.State ?? 'NOT_SCHEDULED',
      };
      return {};
    },
    GetCrawlerMetrics(input) {
      const names = read.optionalArray(input, 'CrawlerNameList') as string[] | undefined;
      const records = names
        ? names.map((n) => store.crawlers.get(n)).filter((r) => r !== undefined)
        : [...store.crawlers.values()];
      const metrics = records.map((r) =>
        r.crawler.State === 'READY' ? r.metrics : { ...r.metrics, StillEstimating: true, TimeLeftSeconds: 0 },
      );
      return toWire({ CrawlerMetricsList: metrics });
    },
  };

  return {
    provider: savingAfterChanges(provider, () => store.save()),
    store,
    runDueSchedules,
    shutdown: async () => {
      clearInterval(scheduleTimer);
      shuttingDown = true;
      for (const record of store.crawlers.values()) record.cancelRequested = true;
      await Promise.all([...store.crawlers.values()].map((r) => r.running));
      store.save();
      if (duck) (await duck).closeSync();
      s3.destroy();
    },
  };
}

/**
 * A filter for GetPartitions' Expression, the subset of Glue's SQL-like syntax that partition pruning
 * needs: `key op 'value'` terms (op one of = != <> < <= > >=, or `in ('a','b')`) joined by AND.
 */
export function partitionFilter(expression: string, keys: string[]): (values: string[]) => boolean {
  const terms = expression.split(/\s+and\s+/i).map((term) => {
    const inList = /^\s*\(?\s*([A-Za-z_][\w]*)\s+in\s*\(([^)]*)\)\s*\)?\s*$/i.exec(term);
    const comparison =
      /^\s*\(?\s*([A-Za-z_][\w]*)\s*(=|!=|<>|<=|>=|<|>)\s*(?:'([^']*)'|(-?\d+(?:\.\d+)?))\s*\)?\s*$/.exec(
        term,
      );
    const key = (inList?.[1] ?? comparison?.[1])?.toLowerCase();
    const index = key === undefined ? -1 : keys.indexOf(key);
    if (index < 0) {
      throw invalidInput(
        `Unsupported or invalid partition expression "${term.trim()}"; use <partition key> = 'value' terms joined by AND.`,
      );
    }
    if (inList) {
      const options = (inList[2] as string).split(',').map((v) => v.trim().replace(/^'(.*)'$/, '$1'));
      return (values: string[]) => options.includes(values[index] as string);
    }
    const op = comparison?.[2] as string;
    const literal = comparison?.[3] ?? (comparison?.[4] as string);
    const numeric = comparison?.[4] !== undefined;
    return (values: string[]) => {
      const value = values[index] as string;
      const cmp = numeric ? Number(value) - Number(literal) : value.localeCompare(literal);
      switch (op) {
        case '=':
          return cmp === 0;
        case '!=':
        case '<>':
          return cmp !== 0;
        case '<':
          return cmp < 0;
        case '<=':
          return cmp <= 0;
        case '>':
          return cmp > 0;
        default:
          return cmp >= 0;
      }
    };
  });
  return (values) => terms.every((t) => t(values));
}
