/**
 * The crawler's work: list each S3 target in the local S3, keep the data files (Glue skips exclusions,
 * `_`- and `.`-prefixed names such as `_SUCCESS` and Flink's `.part-*.inprogress.*`), read the schema of
 * a sample of each folder's files (the crawler's custom CSV classifiers first, then the built-in ones),
 * group the files into tables with Hive-style partitions, and write tables and partitions into the
 * catalog.
 */
import type { DuckDBInstance } from '@duckdb/node-api';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Column, CsvClassifier, S3Target, StorageDescriptor, Table } from '@aws-sdk/client-glue';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import { listAllObjects, parseS3Uri, readObject, type S3ObjectSummary } from '../common/s3';
import { classifyCsv } from './classifiers';
import { inferCsvSchema, widen, type CsvSchema, type GlueCsvType } from './csv-schema';
import { PARQUET_MAGIC, readParquetSchema } from './parquet-schema';
import { foldName, PartitionMap, partitionKey, type DatabaseRecord, type GlueStore } from './store';

/** How much of a text file the CSV classifier reads. */
const CSV_SAMPLE_BYTES = 1024 * 1024;
/** Sampled files read at once (each is one GET on the local S3). */
const READ_CONCURRENCY = 8;

type CsvLayout = Pick<CsvSchema, 'delimiter' | 'quoted' | 'hasHeader'> & { quote?: string };

export interface DataFile {
  key: string;
  size: number;
  /** Folders between the target and the file: `k=v` gives key k, a plain name `partition_<i>`. */
  partitions: { key: string; value: string }[];
  format: 'csv' | 'parquet';
  columns: Column[];
  records: number;
  csv?: CsvLayout;
}

/** True for names Glue never reads as data: hidden, `_`-prefixed (`_SUCCESS`), in-progress files. */
export function isIgnoredByGlue(relativeKey: string): boolean {
  return relativeKey
    .split('/')
    .some(
      (part) =>
        part.startsWith('.') ||
        part.startsWith('_') ||
        part.endsWith('.inprogress') ||
        part.endsWith('$folder$'),
    );
}

/** Matches exclusion globs as Glue applies them: relative to the include path, `*` within a folder, `**` across. */
export function exclusionMatcher(exclusions: readonly string[]): (relativeKey: string) => boolean {
  if (exclusions.length === 0) return () => false;
  const matchers = exclusions.map((glob) => picomatch(glob, { dot: true }));
  return (relativeKey) => matchers.some((m) => m(relativeKey));
}

/** Partition folders of a key relative to the table root. */
export function partitionsOf(relativeKey: string): { key: string; value: string }[] {
  return relativeKey
    .split('/')
    .slice(0, -1)
    .map((folder, i) => {
      const eq = folder.indexOf('=');
      return eq > 0
        ? { key: foldName(folder.slice(0, eq)), value: decodeURIComponent(folder.slice(eq + 1)) }
        : { key: `partition_${i}`, value: folder };
    });
}

/** Glue's table names: lower case, anything but letters, digits and `_` replaced by `_`. */
export function tableNameOf(raw: string): string {
  return raw.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

export interface ScanContext {
  s3: S3Client;
  duck: DuckDBInstance;
  /** Scratch folder for parquet files (DuckDB reads their footer from disk). */
  scratchDir: string;
  log: (line: string) => void;
  /** The crawler's custom CSV classifiers, in the crawler's order: tried before the built-in ones. */
  classifiers?: readonly CsvClassifier[];
}

/** Lists one target and reads the schema of every data file in it. */
export async function scanTarget(
  context: ScanContext,
  target: S3Target,
): Promise<{ root: string; level: number; files: DataFile[] }> {
  const location = parseS3Uri(target.Path ?? '');
  const prefix =
    location.prefix === '' || location.prefix.endsWith('/') ? location.prefix : `${location.prefix}/`;
  const excluded = exclusionMatcher(target.Exclusions ?? []);
  const objects = await listAllObjects(context.s3, { bucket: location.bucket, prefix });
  const candidates = objects.filter((o) => {
    const relative = o.key.slice(prefix.length);
    return (
      relative !== '' &&
      !relative.endsWith('/') &&
      o.size > 0 &&
      !isIgnoredByGlue(relative) &&
      !excluded(relative)
    );
  });
  // Glue reads SampleSize files per leaf folder when it is set. The local crawler always samples: it
  // reads the schema of SampleSize files (default 1) per folder and file extension, and counts the
  // folder's other files of that extension as that format, so that a crawl costs a read per partition
  // rather than per file (the sink writes one small file per ticker and checkpoint).
  const perGroup = target.SampleSize && target.SampleSize > 0 ? target.SampleSize : 1;
  const groups = new Map<string, S3ObjectSummary[]>();
  for (const object of candidates) {
    const folder = object.key.slice(0, object.key.lastIndexOf('/') + 1);
    const name = object.key.slice(folder.length);
    const extension = /\.[A-Za-z0-9]{1,10}$/.exec(name)?.[0].toLowerCase() ?? '';
    const key = `${folder}\u0000${extension}`;
    const group = groups.get(key);
    if (group) group.push(object);
    else groups.set(key, [object]);
  }
  const perGroupFiles = await mapWithConcurrency([...groups.values()], READ_CONCURRENCY, async (objects) => {
    const sampled: DataFile[] = [];
    let next = 0;
    // A sampled file that no classifier takes is skipped (and logged); the next one is tried.
    while (sampled.length < perGroup && next < objects.length) {
      const file = await readDataFile(context, location.bucket, prefix, objects[next] as S3ObjectSummary);
      next++;
      if (file) sampled.push(file);
    }
    const model = sampled[0];
    if (!model) return [];
    const bytesPerRecord = model.records > 0 ? model.size / model.records : 0;
    const rest = objects.slice(next).map((object): DataFile => ({
      ...model,
      key: object.key,
      size: object.size,
      partitions: partitionsOf(object.key.slice(prefix.length)),
      records: bytesPerRecord > 0 ? Math.round(object.size / bytesPerRecord) : 0,
    }));
    return [...sampled, ...rest];
  });
  const files = perGroupFiles.flat();
  const rootName = prefix === '' ? location.bucket : (prefix.slice(0, -1).split('/').pop() as string);
  // Glue counts levels from the bucket (level 1); the target folder's level is 1 + its depth.
  return { root: rootName, level: 1 + prefix.split('/').filter(Boolean).length, files };
}

async function readDataFile(
  context: ScanContext,
  bucket: string,
  prefix: string,
  object: S3ObjectSummary,
): Promise<DataFile | undefined> {
  const relative = object.key.slice(prefix.length);
  const head = await readObject(context.s3, bucket, object.key, Math.min(object.size, CSV_SAMPLE_BYTES));
  const base = { key: object.key, size: object.size, partitions: partitionsOf(relative) };
  if (head.subarray(0, 4).equals(PARQUET_MAGIC)) {
    const scratch = path.join(context.scratchDir, `${crypto.randomUUID()}.parquet`);
    await mkdir(context.scratchDir, { recursive: true });
    await writeFile(
      scratch,
      object.size <= head.length ? head : await readObject(context.s3, bucket, object.key),
    );
    const connection = await context.duck.connect();
    try {
      const schema = await readParquetSchema(connection, scratch);
      return { ...base, format: 'parquet', columns: schema.columns, records: schema.rows };
    } catch (e) {
      context.log(`skipping s3://${bucket}/${object.key}: not readable as parquet (${(e as Error).message})`);
      return undefined;
    } finally {
      connection.closeSync();
      await rm(scratch, { force: true });
    }
  }
  if (head.includes(0)) {
    context.log(`skipping s3://${bucket}/${object.key}: binary data no built-in classifier recognises`);
    return undefined;
  }
  const text = head.toString('utf8');
  const truncated = object.size > head.length;
  // Custom classifiers first, in the crawler's order; the first that matches the file decides.
  for (const classifier of context.classifiers ?? []) {
    const custom = classifyCsv(text, truncated, classifier);
    if (!custom) continue;
    return {
      ...base,
      format: 'csv',
      columns: custom.columns,
      records: estimateRecords(object.size, head.length, custom.sampledRecords),
      csv: {
        delimiter: custom.delimiter,
        quote: custom.quote,
        quoted: custom.quoted,
        hasHeader: custom.hasHeader,
      },
    };
  }
  const schema = inferCsvSchema(text, truncated);
  if (!schema) {
    context.log(`skipping s3://${bucket}/${object.key}: not delimited text`);
    return undefined;
  }
  return {
    ...base,
    format: 'csv',
    columns: schema.columns,
    records: estimateRecords(object.size, head.length, schema.sampledRecords),
    csv: { delimiter: schema.delimiter, quoted: schema.quoted, hasHeader: schema.hasHeader },
  };
}

/** A file's record count from the records in its first `sampled` bytes. */
function estimateRecords(size: number, sampled: number, records: number): number {
  return records > 0 ? Math.round(size / (sampled / records)) : 1;
}

/** Maps items with at most `limit` calls in flight, keeping the items' order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A table the crawl will write: its schema, location, and the partitions found under it. */
export interface PlannedTable {
  name: string;
  location: string;
  files: DataFile[];
  format: 'csv' | 'parquet';
  columns: Column[];
  partitionKeys: string[];
  csv?: CsvLayout;
}

/** Whether two files can share a table. CombineCompatibleSchemas only asks for the same data format. */
function compatible(a: DataFile, b: DataFile, combineCompatible: boolean): boolean {
  if (a.format !== b.format) return false;
  if (a.partitions.length !== b.partitions.length) return false;
  if (a.csv && b.csv && (a.csv.delimiter !== b.csv.delimiter || a.csv.hasHeader !== b.csv.hasHeader))
    return false;
  if (combineCompatible) return true;
  if (a.format === 'csv') return a.columns.length === b.columns.length;
  const names = (f: DataFile) => f.columns.map((c) => c.Name).join(',');
  return names(a) === names(b);
}

/** Merges column lists: same names (or positions, for CSV without a header) widen to a common type. */
function mergeColumns(files: DataFile[]): Column[] {
  const merged: Column[] = [];
  for (const file of files) {
    for (const column of file.columns) {
      const existing = merged.find((c) => c.Name === column.Name);
      if (!existing) merged.push({ ...column });
      else if (existing.Type !== column.Type) {
        const csvTypes = ['boolean', 'bigint', 'double', 'string'];
        existing.Type =
          csvTypes.includes(existing.Type as string) && csvTypes.includes(column.Type as string)
            ? widen(existing.Type as GlueCsvType, column.Type as GlueCsvType)
            : 'string';
      }
    }
  }
  return merged;
}

/**
 * Groups a target's files into tables: one table named after the target's folder when all files fit
 * together, else one table per first-level folder (as Glue does when schemas under a root differ).
 */
export function planTables(
  targetUri: string,
  root: string,
  files: DataFile[],
  options: {
    tablePrefix: string;
    combineCompatibleSchemas: boolean;
    tableLevel?: number;
    targetLevel?: number;
  },
): PlannedTable[] {
  if (files.length === 0) return [];
  const base = targetUri.endsWith('/') ? targetUri : `${targetUri}/`;
  // TableLevelConfiguration below the target: each folder at that level is a table of its own.
  const below = (options.tableLevel ?? 0) - (options.targetLevel ?? 0);
  if (below > 0) {
    const byRoot = new Map<string, DataFile[]>();
    for (const file of files) {
      if (file.partitions.length < below) continue;
      const folders = file.key
        .split('/')
        .slice(-1 - file.partitions.length, -1)
        .slice(0, below);
      const rootKey = folders.join('/');
      byRoot.set(rootKey, [...(byRoot.get(rootKey) ?? []), file]);
    }
    return [...byRoot.entries()].flatMap(([rootKey, group]) =>
      planTables(
        `${base}${rootKey}/`,
        rootKey.split('/').at(-1) as string,
        group.map((f) => ({ ...f, partitions: f.partitions.slice(below) })),
        { tablePrefix: options.tablePrefix, combineCompatibleSchemas: options.combineCompatibleSchemas },
      ),
    );
  }
  const first = files[0] as DataFile;
  const allFit = files.every((f) => compatible(first, f, options.combineCompatibleSchemas));
  const make = (name: string, location: string, group: DataFile[], stripFolders: number): PlannedTable => {
    const head = group[0] as DataFile;
    const rebased = group.map((f) => ({ ...f, partitions: f.partitions.slice(stripFolders) }));
    return {
      name: tableNameOf(`${options.tablePrefix}${name}`),
      location,
      files: rebased,
      format: head.format,
      columns: mergeColumns(group),
      partitionKeys: (rebased[0] as DataFile).partitions.map((p) => p.key),
      ...(head.csv ? { csv: head.csv } : {}),
    };
  };
  if (allFit) return [make(root, base, files, 0)];
  const byFolder = new Map<string, DataFile[]>();
  for (const file of files) {
    const folder = file.partitions[0]?.value ?? '';
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), file]);
  }
  return [...byFolder.entries()].map(([folder, group]) => {
    if (folder === '') return make(root, base, group, 0);
    // The folder as written in the key (`ticker=AAPL`), not only its partition value.
    const head = group[0] as DataFile;
    const rawFolder = head.key.split('/').at(-1 - head.partitions.length) as string;
    return make(rawFolder, `${base}${rawFolder}/`, group, 1);
  });
}

function storageDescriptor(
  planned: PlannedTable,
  location: string,
  parameters: Record<string, string>,
): StorageDescriptor {
  const csv = planned.format === 'csv';
  const serde = csv
    ? planned.csv?.quoted
      ? {
          SerializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
          Parameters: { separatorChar: planned.csv.delimiter, quoteChar: planned.csv.quote ?? '"' },
        }
      : {
          SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
          Parameters: { 'field.delim': planned.csv?.delimiter ?? ',' },
        }
    : {
        SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
        Parameters: { 'serialization.format': '1' },
      };
  return {
    Columns: planned.columns,
    Location: location,
    InputFormat: csv
      ? 'org.apache.hadoop.mapred.TextInputFormat'
      : 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
    OutputFormat: csv
      ? 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
      : 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
    Compressed: false,
    NumberOfBuckets: -1,
    SerdeInfo: serde,
    BucketColumns: [],
    SortColumns: [],
    Parameters: parameters,
    StoredAsSubDirectories: false,
  };
}

function tableParameters(
  planned: PlannedTable,
  files: DataFile[],
  crawlerName: string,
): Record<string, string> {
  const size = files.reduce((s, f) => s + f.size, 0);
  const records = files.reduce((s, f) => s + f.records, 0);
  const parameters: Record<string, string> = {
    CrawlerSchemaDeserializerVersion: '1.0',
    CrawlerSchemaSerializerVersion: '1.0',
    UPDATED_BY_CRAWLER: crawlerName,
    averageRecordSize: String(records > 0 ? Math.round(size / records) : 0),
    classification: planned.format,
    compressionType: 'none',
    objectCount: String(files.length),
    recordCount: String(records),
    sizeKey: String(size),
    typeOfData: 'file',
  };
  if (planned.csv) {
    parameters['delimiter'] = planned.csv.delimiter;
    parameters['areColumnsQuoted'] = String(planned.csv.quoted);
    parameters['columnsOrdered'] = 'true';
    if (planned.csv.hasHeader) parameters['skip.header.line.count'] = '1';
  }
  return parameters;
}

export interface CatalogChanges {
  tablesCreated: number;
  tablesUpdated: number;
  partitionsAdded: number;
}

/** Writes planned tables and their partitions into a database, as UpdateBehavior UPDATE_IN_DATABASE does. */
export function applyPlan(
  database: DatabaseRecord,
  planned: PlannedTable[],
  context: { crawlerName: string; catalogId: string; updateInDatabase: boolean; now: Date },
): CatalogChanges {
  const changes: CatalogChanges = { tablesCreated: 0, tablesUpdated: 0, partitionsAdded: 0 };
  for (const plan of planned) {
    const parameters = tableParameters(plan, plan.files, context.crawlerName);
    const existing = database.tables.get(plan.name);
    if (existing && !context.updateInDatabase) continue;
    const table: Table = {
      Name: plan.name,
      DatabaseName: database.database.Name,
      Owner: 'owner',
      CreateTime: existing?.table.CreateTime ?? context.now,
      UpdateTime: context.now,
      LastAccessTime: context.now,
      Retention: 0,
      StorageDescriptor: storageDescriptor(plan, plan.location, parameters),
      PartitionKeys: plan.partitionKeys.map((Name) => ({ Name, Type: 'string' })),
      TableType: 'EXTERNAL_TABLE',
      Parameters: parameters,
      CreatedBy: existing?.table.CreatedBy ?? `crawler:${context.crawlerName}`,
      IsRegisteredWithLakeFormation: false,
      CatalogId: context.catalogId,
      VersionId: existing ? String(Number(existing.table.VersionId ?? '0') + 1) : '0',
    };
    const record = existing ?? { table, partitions: new PartitionMap() };
    record.table = table;
    if (existing) changes.tablesUpdated++;
    else {
      database.tables.set(plan.name, record);
      changes.tablesCreated++;
    }
    const byPartition = new Map<string, DataFile[]>();
    for (const file of plan.files) {
      if (file.partitions.length === 0) continue;
      const key = partitionKey(file.partitions.map((p) => p.value));
      byPartition.set(key, [...(byPartition.get(key) ?? []), file]);
    }
    for (const [key, files] of byPartition) {
      if (record.partitions.has(key)) continue;
      const values = (files[0] as DataFile).partitions.map((p) => p.value);
      const folders = (files[0] as DataFile).key
        .split('/')
        .slice(-1 - values.length, -1)
        .join('/');
      record.partitions.set(key, {
        Values: values,
        DatabaseName: database.database.Name,
        TableName: plan.name,
        CreationTime: context.now,
        LastAccessTime: context.now,
        StorageDescriptor: storageDescriptor(
          plan,
          `${plan.location}${folders}/`,
          tableParameters(plan, files, context.crawlerName),
        ),
        Parameters: {},
        CatalogId: context.catalogId,
      });
      changes.partitionsAdded++;
    }
  }
  return changes;
}

/** Runs one crawl over all S3 targets; returns the catalog changes. Throws with a message for LastCrawl. */
export async function crawlTargets(
  context: ScanContext & { store: GlueStore; catalogId: string; isCancelled: () => boolean },
  crawler: {
    name: string;
    databaseName: string;
    targets: S3Target[];
    tablePrefix: string;
    combineCompatibleSchemas: boolean;
    updateInDatabase: boolean;
    /** Grouping.TableLevelConfiguration: the path level (bucket = 1) where tables are made. */
    tableLevel?: number;
    /** The crawler's custom CSV classifiers, in its order. */
    classifiers?: readonly CsvClassifier[];
  },
): Promise<CatalogChanges> {
  const planned: PlannedTable[] = [];
  for (const target of crawler.targets) {
    const { root, level, files } = await scanTarget(
      { ...context, classifiers: crawler.classifiers ?? [] },
      target,
    );
    planned.push(...planTables(target.Path ?? '', root, files, { ...crawler, targetLevel: level }));
  }
  if (context.isCancelled()) return { tablesCreated: 0, tablesUpdated: 0, partitionsAdded: 0 };
  // Like Glue, a crawler whose database does not exist yet creates it.
  const name = foldName(crawler.databaseName);
  const database = context.store.databases.get(name) ?? {
    database: { Name: name, CreateTime: new Date(), CatalogId: context.catalogId, Parameters: {} },
    tables: new Map(),
  };
  context.store.databases.set(name, database);
  return applyPlan(database, planned, {
    crawlerName: crawler.name,
    catalogId: context.catalogId,
    updateInDatabase: crawler.updateInDatabase,
    now: new Date(),
  });
}
