/**
 * Runs one Athena query on embedded DuckDB. DuckDB cannot reach S3 offline, so the engine resolves each
 * table the query names in the local Glue catalog, downloads the table's data files from the local S3
 * into a cache folder, and registers a view with the catalog's schema over them; the query then runs
 * as written. Statistics count the bytes the query read: whole files for text, the named columns'
 * chunks for Parquet, of the partitions left after pruning.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBResultReader } from '@duckdb/node-api';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Table } from '@aws-sdk/client-glue';
import { createHash } from 'node:crypto';
import { mkdir, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { downloadObject, listAllObjects, parseS3Uri } from '../common/s3';
import { isIgnoredByGlue, mapWithConcurrency } from '../glue/crawler';
import { foldName, type GlueStore } from '../glue/store';

/** A failed query, with the reason Athena would give in Status.StateChangeReason. */
export class QueryFailedError extends Error {
  constructor(
    /** Athena's error category: 1 system, 2 user, 3 other. */
    readonly category: 1 | 2 | 3,
    reason: string,
    /** Bytes read before the failure, for Statistics. */
    readonly scannedBytes = 0,
  ) {
    super(reason);
    this.name = 'QueryFailedError';
  }
}

export interface ColumnResult {
  name: string;
  /** Athena's type name: varchar, bigint, double, boolean, timestamp, date, decimal, ... */
  type: string;
  precision: number;
  scale: number;
}

export interface QueryResult {
  columns: ColumnResult[];
  /** Values as Athena prints them; null stays null. */
  rows: (string | null)[][];
  scannedBytes: number;
}

export interface EngineContext {
  s3: S3Client;
  glue: GlueStore;
  cacheDir: string;
  /** The database unqualified names resolve in (QueryExecutionContext.Database). */
  database: string;
  /** Fails the query before running it when the tables it reads exceed this many bytes. */
  bytesScannedCutoff?: number;
  /** Lets StopQueryExecution interrupt a running query. */
  onConnection?: (connection: DuckDBConnection) => void;
}

interface TableRef {
  schema: string;
  table: string;
  location: number;
}

/** `line L:C` of a character offset, as Athena reports positions. */
export function lineColumn(query: string, offset: number): string {
  const before = query.slice(0, Math.max(0, offset));
  const lines = before.split('\n');
  return `line ${lines.length}:${(lines.at(-1)?.length ?? 0) + 1}`;
}

const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Walks DuckDB's parse tree for the tables a query reads, leaving out its CTE names. */
function tableRefs(tree: unknown): TableRef[] {
  const refs: TableRef[] = [];
  const ctes = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record['type'] === 'BASE_TABLE' && typeof record['table_name'] === 'string') {
      refs.push({
        schema: String(record['schema_name'] ?? ''),
        table: record['table_name'],
        location: Number(record['query_location'] ?? 0),
      });
    }
    const cteMap = record['cte_map'] as { map?: { key?: string }[] } | undefined;
    for (const entry of cteMap?.map ?? []) if (entry.key) ctes.add(entry.key.toLowerCase());
    Object.values(record).forEach(visit);
  };
  visit(tree);
  return refs.filter((r) => r.schema !== '' || !ctes.has(r.table.toLowerCase()));
}

type Node = Record<string, unknown>;

/** Which partitions (their values, in partition-key order) a query may read. */
export type PartitionPredicate = (values: readonly string[]) => boolean;

const COMPARISONS: Record<string, (cmp: number) => boolean> = {
  COMPARE_EQUAL: (c) => c === 0,
  COMPARE_NOTEQUAL: (c) => c !== 0,
  COMPARE_LESSTHAN: (c) => c < 0,
  COMPARE_LESSTHANOREQUALTO: (c) => c <= 0,
  COMPARE_GREATERTHAN: (c) => c > 0,
  COMPARE_GREATERTHANOREQUALTO: (c) => c >= 0,
};
/** `'v' < key` is `key > 'v'`. */
const MIRRORED: Record<string, string> = {
  COMPARE_LESSTHAN: 'COMPARE_GREATERTHAN',
  COMPARE_LESSTHANOREQUALTO: 'COMPARE_GREATERTHANOREQUALTO',
  COMPARE_GREATERTHAN: 'COMPARE_LESSTHAN',
  COMPARE_GREATERTHANOREQUALTO: 'COMPARE_LESSTHANOREQUALTO',
};
/** varchar comparison as Trino does it: by code point, not by locale. */
const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The partition predicate of one WHERE clause over a table's string partition keys: comparisons
 * (= <> < <= > >=), IN and BETWEEN of a key with string literals, joined by AND and OR. Terms on other
 * columns are left out of an AND (the predicate then admits more partitions than the query reads,
 * never fewer); an OR is used only when every branch has a predicate. Undefined: nothing to prune.
 */
export function wherePredicate(
  where: Node | null | undefined,
  partitionKeys: readonly string[],
): PartitionPredicate | undefined {
  if (!where) return undefined;
  const keyOf = (expression: Node | undefined): number => {
    if (expression?.['class'] !== 'COLUMN_REF') return -1;
    const name = ((expression['column_names'] as string[]) ?? []).at(-1)?.toLowerCase();
    return name === undefined ? -1 : partitionKeys.indexOf(name);
  };
  const constant = (expression: Node | undefined): string | undefined => {
    const value = expression?.['value'] as
      { type?: { id?: string }; is_null?: boolean; value?: unknown } | undefined;
    return expression?.['class'] === 'CONSTANT' && value?.type?.id === 'VARCHAR' && !value.is_null
      ? String(value.value)
      : undefined;
  };
  const type = String(where['type'] ?? '');
  if (type === 'CONJUNCTION_AND' || type === 'CONJUNCTION_OR') {
    const parts = ((where['children'] as Node[]) ?? []).map((c) => wherePredicate(c, partitionKeys));
    const known = parts.filter((p): p is PartitionPredicate => p !== undefined);
    if (type === 'CONJUNCTION_AND') return known.length ? (v) => known.every((p) => p(v)) : undefined;
    return known.length === parts.length && known.length > 0 ? (v) => known.some((p) => p(v)) : undefined;
  }
  if (type in COMPARISONS) {
    const [left, right] = [where['left'] as Node, where['right'] as Node];
    const [leftKey, rightKey] = [keyOf(left), keyOf(right)];
    const [key, literal, op] =
      leftKey >= 0 ? [leftKey, constant(right), type] : [rightKey, constant(left), MIRRORED[type] ?? type];
    const test = COMPARISONS[op] as (cmp: number) => boolean;
    if (key < 0 || literal === undefined) return undefined;
    return (values) => test(compareStrings(values[key] as string, literal));
  }
  if (type === 'COMPARE_IN') {
    const [column, ...options] = (where['children'] as Node[]) ?? [];
    const key = keyOf(column);
    const literals = options.map(constant);
    if (key < 0 || !literals.every((v) => v !== undefined)) return undefined;
    const allowed = new Set(literals as string[]);
    return (values) => allowed.has(values[key] as string);
  }
  if (type === 'COMPARE_BETWEEN') {
    const key = keyOf(where['input'] as Node);
    const [lower, upper] = [constant(where['lower'] as Node), constant(where['upper'] as Node)];
    if (key < 0 || lower === undefined || upper === undefined) return undefined;
    return (values) =>
      compareStrings(values[key] as string, lower) >= 0 && compareStrings(values[key] as string, upper) <= 0;
  }
  return undefined;
}

/**
 * Partition pruning, as Athena prunes from the partition filters of a query: each place the query
 * reads the table (the FROM of a SELECT, in CTEs and subqueries too) contributes its WHERE clause's
 * partition predicate, and the table's partitions to read are those any of them admits. A place whose
 * WHERE has no partition predicate, or a join, reads every partition. Undefined: read them all.
 */
export function partitionPredicate(
  tree: unknown,
  table: { schema: string; name: string },
  defaultSchema: string,
  partitionKeys: readonly string[],
): PartitionPredicate | undefined {
  if (partitionKeys.length === 0) return undefined;
  const isThisTable = (node: Node | undefined) =>
    node?.['type'] === 'BASE_TABLE' &&
    foldName(String(node['table_name'] ?? '')) === table.name &&
    foldName(String(node['schema_name'] || defaultSchema)) === table.schema;
  const references = tableRefs(tree).filter(
    (r) => foldName(r.table) === table.name && foldName(r.schema || defaultSchema) === table.schema,
  ).length;
  const predicates: (PartitionPredicate | undefined)[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const record = node as Node;
    if (record['type'] === 'SELECT_NODE' && isThisTable(record['from_table'] as Node | undefined)) {
      predicates.push(wherePredicate(record['where_clause'] as Node | null | undefined, partitionKeys));
    }
    Object.values(record).forEach(visit);
  };
  visit(tree);
  // Every reference must be a plain FROM with a predicate (a join or a bare FROM reads everything).
  if (predicates.length === 0 || predicates.length !== references) return undefined;
  if (predicates.some((p) => p === undefined)) return undefined;
  const all = predicates as PartitionPredicate[];
  return (values) => all.some((p) => p(values));
}

/** Maps a Hive type from the catalog to DuckDB's. */
export function duckTypeOf(hiveType: string): string {
  const type = hiveType.toLowerCase().trim();
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
  if (decimal) return `DECIMAL(${decimal[1]},${decimal[2]})`;
  if (/^(varchar|char)(\(\d+\))?$/.test(type)) return 'VARCHAR';
  const map: Record<string, string> = {
    string: 'VARCHAR',
    bigint: 'BIGINT',
    int: 'INTEGER',
    integer: 'INTEGER',
    smallint: 'SMALLINT',
    tinyint: 'TINYINT',
    double: 'DOUBLE',
    float: 'FLOAT',
    boolean: 'BOOLEAN',
    timestamp: 'TIMESTAMP',
    date: 'DATE',
    binary: 'BLOB',
  };
  return map[type] ?? 'VARCHAR';
}

/** Maps a DuckDB result type to Athena's type name, precision and scale. */
export function athenaColumnOf(name: string, duckType: string): ColumnResult {
  const type = duckType.toUpperCase();
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(type);
  if (decimal) return { name, type: 'decimal', precision: Number(decimal[1]), scale: Number(decimal[2]) };
  const map: Record<string, [string, number]> = {
    VARCHAR: ['varchar', 2147483647],
    BIGINT: ['bigint', 19],
    HUGEINT: ['bigint', 19],
    UBIGINT: ['bigint', 19],
    INTEGER: ['integer', 10],
    UINTEGER: ['bigint', 19],
    SMALLINT: ['smallint', 5],
    TINYINT: ['tinyint', 3],
    DOUBLE: ['double', 17],
    FLOAT: ['real', 17],
    BOOLEAN: ['boolean', 0],
    DATE: ['date', 0],
    TIMESTAMP: ['timestamp', 3],
    TIMESTAMP_MS: ['timestamp', 3],
    'TIMESTAMP WITH TIME ZONE': ['timestamp with time zone', 3],
    BLOB: ['varbinary', 1048576],
  };
  const [athenaType, precision] = map[type] ?? ['varchar', 2147483647];
  return { name, type: athenaType, precision, scale: 0 };
}

/** Prints a double as Java (and so Athena) does: `50.0`, `50.25`, `1.0E7`. */
export function javaDouble(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  const magnitude = Math.abs(value);
  if (value === 0 || (magnitude >= 1e-3 && magnitude < 1e7)) {
    const text = String(value);
    return text.includes('.') || text.includes('e') ? text : `${text}.0`;
  }
  const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

function formatValue(value: unknown, column: ColumnResult): string | null {
  if (value === null || value === undefined) return null;
  if (column.type === 'double' || column.type === 'real') return javaDouble(Number(value));
  if (column.type === 'timestamp' || column.type === 'timestamp with time zone') {
    // Athena prints timestamp(3): always three fractional digits, and the zone after a zoned one.
    const [date, rawTime = '00:00:00'] = String(value).split(' ');
    const time = rawTime.replace(/[+-]\d\d(:\d\d)?$/, '');
    const [hms, fraction = ''] = time.split('.');
    const zone = column.type === 'timestamp' ? '' : ' UTC';
    return `${date} ${hms}.${fraction.padEnd(3, '0').slice(0, 3)}${zone}`;
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Listings and downloads in flight at once against the local S3. */
const S3_CONCURRENCY = 8;

/**
 * A table's data files in the local S3: for a partitioned table, the files of the registered partitions
 * the predicate admits (pruned before anything is listed, so a query over recent partitions lists only
 * those folders).
 */
async function tableFiles(
  context: EngineContext,
  table: Table,
  predicate: PartitionPredicate | undefined,
): Promise<{ key: string; bucket: string; size: number; lastModified: Date; partitionValues: string[] }[]> {
  const keys = table.PartitionKeys ?? [];
  const sources: { location: string; values: string[] }[] = [];
  if (keys.length === 0) {
    sources.push({ location: table.StorageDescriptor?.Location ?? '', values: [] });
  } else {
    // Athena reads only the partitions in the catalog: files under unregistered folders stay invisible.
    const record = context.glue.databases
      .get(foldName(table.DatabaseName ?? ''))
      ?.tables.get(foldName(table.Name ?? ''));
    for (const partition of record?.partitions.values() ?? []) {
      const values = partition.Values ?? [];
      if (predicate && !predicate(values)) continue;
      sources.push({ location: partition.StorageDescriptor?.Location ?? '', values });
    }
  }
  const listed = await mapWithConcurrency(sources, S3_CONCURRENCY, async (source) => {
    if (!source.location) return [];
    const location = parseS3Uri(source.location);
    const prefix =
      location.prefix === '' || location.prefix.endsWith('/') ? location.prefix : `${location.prefix}/`;
    const files = [];
    for (const object of await listAllObjects(context.s3, { bucket: location.bucket, prefix })) {
      const relative = object.key.slice(prefix.length);
      if (relative === '' || relative.endsWith('/') || object.size === 0 || isIgnoredByGlue(relative))
        continue;
      // A partition's own folder holds its files; deeper folders belong to other partitions of a parent location.
      if (keys.length > 0 && relative.includes('/')) continue;
      files.push({
        bucket: location.bucket,
        key: object.key,
        size: object.size,
        lastModified: object.lastModified,
        partitionValues: source.values,
      });
    }
    return files;
  });
  return listed.flat();
}

/**
 * The cache file of an object. Named by a hash of bucket and key: a key is any string (`../x`, 1024
 * bytes), and none may place a file outside the cache. A plain extension is kept for DuckDB's readers.
 */
export function cachePath(cacheDir: string, bucket: string, key: string): string {
  const digest = createHash('sha256').update(`${bucket}/${key}`).digest('hex');
  const extension = /\.[A-Za-z0-9]{1,10}$/.exec(key)?.[0] ?? '';
  return path.join(cacheDir, `${digest}${extension}`);
}

/** Downloads an object unless the cache already holds this version of it. */
async function cached(
  context: EngineContext,
  file: { bucket: string; key: string; size: number; lastModified: Date },
) {
  const local = cachePath(context.cacheDir, file.bucket, file.key);
  const existing = await stat(local).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (existing && existing.size === file.size && existing.mtimeMs === file.lastModified.getTime())
    return local;
  await downloadObject(context.s3, file.bucket, file.key, local);
  await utimes(local, file.lastModified, file.lastModified);
  return local;
}

function isParquetTable(table: Table): boolean {
  const classification = (table.Parameters?.['classification'] ?? '').toLowerCase();
  const library = table.StorageDescriptor?.SerdeInfo?.SerializationLibrary ?? '';
  return classification === 'parquet' || library.toLowerCase().includes('parquet');
}

/**
 * The table's data columns a query names (any column reference with that name, or all of them for a
 * `*`): what a columnar read fetches. Partition columns come from the path and are not read.
 */
export function referencedColumns(tree: unknown, table: Table): Set<string> {
  const columns = new Set((table.StorageDescriptor?.Columns ?? []).map((c) => (c.Name ?? '').toLowerCase()));
  const named = new Set<string>();
  let star = false;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const record = node as Node;
    if (record['class'] === 'STAR') star = true;
    if (record['class'] === 'COLUMN_REF') {
      const name = ((record['column_names'] as string[]) ?? []).at(-1)?.toLowerCase();
      if (name !== undefined && columns.has(name)) named.add(name);
    }
    Object.values(record).forEach(visit);
  };
  visit(tree);
  return star ? columns : named;
}

/**
 * Bytes a Parquet read scans: the compressed size of the column chunks of the columns it reads, as
 * Athena counts a columnar format ("Athena reads only the columns the query needs"). A `count(*)`
 * names no column and counts none here.
 */
async function parquetColumnBytes(
  connection: DuckDBConnection,
  files: readonly string[],
  columns: ReadonlySet<string>,
): Promise<number> {
  if (files.length === 0 || columns.size === 0) return 0;
  const result = await connection.runAndReadAll(
    `SELECT lower(path_in_schema) AS column_name, sum(total_compressed_size)::BIGINT AS bytes ` +
      `FROM parquet_metadata([${files.map(literal).join(', ')}]) GROUP BY 1`,
  );
  return result
    .getRowObjectsJson()
    .filter((row) => columns.has(String(row['column_name'])))
    .reduce((sum, row) => sum + Number(row['bytes']), 0);
}

/** The SELECT that reads a Glue table's files with the catalog's schema, Hive's way (bad values read as NULL). */
function viewSql(
  table: Table,
  files: { local: string; partitionValues: string[] }[],
  mappingTable: string,
): string {
  const columns = table.StorageDescriptor?.Columns ?? [];
  const partitionKeys = table.PartitionKeys ?? [];
  const typed = columns.map(
    (c) =>
      `TRY_CAST(data.${ident(c.Name ?? '')} AS ${duckTypeOf(c.Type ?? 'string')}) AS ${ident(c.Name ?? '')}`,
  );
  const partitionColumns = partitionKeys.map(
    (k, i) => `TRY_CAST(m.p${i} AS ${duckTypeOf(k.Type ?? 'string')}) AS ${ident(k.Name ?? '')}`,
  );
  const select = [...typed, ...partitionColumns].join(', ');
  if (files.length === 0) {
    const nulls = [...columns, ...partitionKeys].map(
      (c) => `CAST(NULL AS ${duckTypeOf(c.Type ?? 'string')}) AS ${ident(c.Name ?? '')}`,
    );
    return `SELECT ${nulls.join(', ')} WHERE false`;
  }
  const list = `[${files.map((f) => literal(f.local)).join(', ')}]`;
  const serde = table.StorageDescriptor?.SerdeInfo;
  let source: string;
  if (isParquetTable(table)) {
    source = `read_parquet(${list}, filename = true, union_by_name = true)`;
  } else {
    const delimiter =
      serde?.Parameters?.['field.delim'] ??
      serde?.Parameters?.['separatorChar'] ??
      table.Parameters?.['delimiter'] ??
      ',';
    const openCsv = (serde?.SerializationLibrary ?? '').includes('OpenCSVSerde');
    const header = Number(table.Parameters?.['skip.header.line.count'] ?? '0') > 0;
    const names = columns.map((c) => `${literal(c.Name ?? '')}: 'VARCHAR'`).join(', ');
    source =
      `read_csv(${list}, columns = {${names}}, delim = ${literal(delimiter)}, header = ${header}, ` +
      `quote = ${literal(openCsv ? (serde?.Parameters?.['quoteChar'] ?? '"') : '')}, escape = ${literal(openCsv ? '\\' : '')}, ` +
      `nullstr = '\\N', null_padding = true, auto_detect = false, filename = true)`;
  }
  const join = partitionKeys.length ? ` JOIN ${mappingTable} m ON m.filename = data.filename` : '';
  return `SELECT ${select} FROM ${source} data${join}`;
}

/** Presto/Trino functions the pipeline's queries use that DuckDB names differently. */
const PRESTO_MACROS = [
  `CREATE TEMP MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)`,
  `CREATE TEMP MACRO from_iso8601_date(s) AS CAST(s AS DATE)`,
  `CREATE TEMP MACRO approx_distinct(x) AS approx_count_distinct(x)`,
  `CREATE TEMP MACRO approx_percentile(x, p) AS quantile_cont(x, p)`,
  `CREATE TEMP MACRO to_iso8601(t) AS strftime(CAST(t AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%g')`,
  `CREATE TEMP MACRO to_unixtime(t) AS epoch(t)`,
  `CREATE TEMP MACRO from_unixtime(n) AS to_timestamp(n)`,
  `CREATE TEMP MACRO regexp_like(s, p) AS regexp_matches(s, p)`,
];

/** Table functions Athena has (Trino's UNNEST); DuckDB's others read files or the engine's own state. */
const ATHENA_TABLE_FUNCTIONS = new Set(['unnest']);
/** DuckDB functions that read its configuration (the table files' paths among it); Athena has none of them. */
const ENGINE_STATE_FUNCTIONS = new Set(['current_setting', 'getvariable', 'getenv']);
/** The catalog that holds each query's file-to-partition tables; no query may name it. */
const FILES_CATALOG = 'flinkflow_files';

/**
 * Refuses what would let a query see anything but the Glue tables of its catalog, with the error Athena
 * gives for it: a second statement, a table function other than UNNEST (`read_csv`, `glob`, `query`...:
 * Athena has no such function), a catalog other than `awsdatacatalog`. The engine's own sandbox (see
 * runQuery) holds even if something gets past this; this check gives the Athena-shaped error.
 */
export function refuseOutsideCatalog(query: string, tree: unknown): void {
  const statements = (tree as { statements?: unknown[] }).statements ?? [];
  if (statements.length !== 1) {
    throw new QueryFailedError(
      2,
      `SYNTAX_ERROR: line 1:1: a query is one statement; this one has ${statements.length}. Run each statement as a query of its own.`,
    );
  }
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const record = node as Node;
    const at = () => lineColumn(query, Number(record['query_location'] ?? 0));
    if (record['type'] === 'TABLE_FUNCTION') {
      const name = String((record['function'] as Node | undefined)?.['function_name'] ?? '');
      if (!ATHENA_TABLE_FUNCTIONS.has(name.toLowerCase())) {
        // Trino's message for a table function it does not know.
        throw new QueryFailedError(2, `FUNCTION_NOT_FOUND: ${at()}: Table function '${name}' not registered`);
      }
    }
    if (record['type'] === 'BASE_TABLE') {
      const catalog = String(record['catalog_name'] ?? '');
      if (catalog !== '' && catalog.toLowerCase() !== 'awsdatacatalog') {
        throw new QueryFailedError(2, `CATALOG_NOT_FOUND: ${at()}: Catalog '${catalog}' does not exist`);
      }
    }
    if (record['class'] === 'FUNCTION') {
      const name = String(record['function_name'] ?? '');
      if (ENGINE_STATE_FUNCTIONS.has(name.toLowerCase()))
        throw new QueryFailedError(2, `FUNCTION_NOT_FOUND: ${at()}: Function '${name}' not registered`);
    }
    Object.values(record).forEach(visit);
  };
  visit(statements);
}

/**
 * Shuts the engine in before the user's query runs: no file but the query's own table files, no
 * network, no extension, and no setting can be changed back (`lock_configuration`).
 */
export async function sandbox(connection: DuckDBConnection, tableFiles: readonly string[]): Promise<void> {
  await connection.run(`SET allowed_paths = [${tableFiles.map(literal).join(', ')}]`);
  await connection.run(`SET enable_external_access = false`);
  await connection.run(`SET autoinstall_known_extensions = false`);
  await connection.run(`SET autoload_known_extensions = false`);
  await connection.run(`SET lock_configuration = true`);
}

/** Runs a query; throws QueryFailedError with Athena's reason when it cannot. */
export async function runQuery(query: string, context: EngineContext): Promise<QueryResult> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const connection = await instance.connect();
  context.onConnection?.(connection);
  try {
    const parsed = await connection.runAndReadAll(`SELECT json_serialize_sql(${literal(query)}) AS tree`);
    const tree = JSON.parse(String(parsed.getRowObjectsJson()[0]?.['tree'])) as {
      error?: boolean;
      error_message?: string;
      error_subtype?: string;
      position?: string;
    };
    if (tree.error) {
      const message = tree.error_message ?? 'syntax error';
      if (/only select statements/i.test(message)) {
        throw new QueryFailedError(2, `NOT_SUPPORTED: flinkflow's local Athena runs SELECT queries only`);
      }
      const position = Number(tree.position ?? /at or near.*?(\d+)/.exec(message)?.[1] ?? 0);
      throw new QueryFailedError(
        2,
        `SYNTAX_ERROR: ${lineColumn(query, position)}: ${message.replace(/^Parser Error: /, '')}`,
      );
    }
    refuseOutsideCatalog(query, tree);
    // Athena's catalog is `awsdatacatalog`; its schemas are the Glue databases.
    await connection.run(`ATTACH ':memory:' AS awsdatacatalog`);
    await connection.run(`ATTACH ':memory:' AS ${FILES_CATALOG}`);
    // Athena's session time zone is UTC.
    await connection.run(`SET TimeZone = 'UTC'`);
    for (const macro of PRESTO_MACROS) await connection.run(macro);
    let scannedBytes = 0;
    const readable: string[] = [];
    const registered = new Set<string>();
    let mappingCount = 0;
    for (const ref of tableRefs(tree)) {
      const schema = foldName(ref.schema || context.database);
      const name = foldName(ref.table);
      if (registered.has(`${schema}.${name}`)) continue;
      const database = context.glue.databases.get(schema);
      if (!database) {
        throw new QueryFailedError(
          2,
          `SCHEMA_NOT_FOUND: ${lineColumn(query, ref.location)}: Schema '${schema}' does not exist`,
        );
      }
      const table = database.tables.get(name)?.table;
      if (!table) {
        throw new QueryFailedError(
          2,
          `TABLE_NOT_FOUND: ${lineColumn(query, ref.location)}: Table 'awsdatacatalog.${schema}.${name}' does not exist`,
        );
      }
      // Only string keys are compared with string literals; a key of another type is never pruned.
      const prunableKeys = (table.PartitionKeys ?? []).map((k) =>
        (k.Type ?? 'string').toLowerCase() === 'string' ? (k.Name ?? '').toLowerCase() : '',
      );
      const predicate = partitionPredicate(tree, { schema, name }, context.database, prunableKeys);
      const files = await tableFiles(context, table, predicate);
      const overCutoff = (bytes: number) => {
        if (context.bytesScannedCutoff !== undefined && scannedBytes + bytes > context.bytesScannedCutoff) {
          throw new QueryFailedError(
            2,
            'Query cancelled! : Bytes scanned limit was exceeded',
            context.bytesScannedCutoff,
          );
        }
      };
      const parquet = isParquetTable(table);
      // Text is read whole: its bytes are known before anything is downloaded.
      const textBytes = files.reduce((s, f) => s + f.size, 0);
      if (!parquet) overCutoff(textBytes);
      await mkdir(context.cacheDir, { recursive: true });
      const locals = await mapWithConcurrency(files, S3_CONCURRENCY, async (file) => ({
        local: await cached(context, file),
        partitionValues: file.partitionValues,
      }));
      const tableBytes = parquet
        ? await parquetColumnBytes(
            connection,
            locals.map((f) => f.local),
            referencedColumns(tree, table),
          )
        : textBytes;
      if (parquet) overCutoff(tableBytes);
      scannedBytes += tableBytes;
      readable.push(...locals.map((f) => f.local));
      const mapping = `${FILES_CATALOG}.main.files_${mappingCount++}`;
      if ((table.PartitionKeys ?? []).length > 0 && locals.length > 0) {
        const pcols = (table.PartitionKeys ?? []).map((_, i) => `p${i} VARCHAR`).join(', ');
        await connection.run(`CREATE TABLE ${mapping} (filename VARCHAR, ${pcols})`);
        const values = locals
          .map((f) => `(${[f.local, ...f.partitionValues].map(literal).join(', ')})`)
          .join(', ');
        await connection.run(`INSERT INTO ${mapping} VALUES ${values}`);
      }
      await connection.run(`CREATE SCHEMA IF NOT EXISTS awsdatacatalog.${ident(schema)}`);
      await connection.run(
        `CREATE OR REPLACE VIEW awsdatacatalog.${ident(schema)}.${ident(name)} AS ${viewSql(table, locals, mapping)}`,
      );
      registered.add(`${schema}.${name}`);
    }
    const defaultSchema = foldName(context.database);
    await connection.run(`CREATE SCHEMA IF NOT EXISTS awsdatacatalog.${ident(defaultSchema)}`);
    await connection.run(`USE awsdatacatalog.${ident(defaultSchema)}`);
    await sandbox(connection, readable);
    let result: DuckDBResultReader;
    try {
      result = await connection.runAndReadAll(query);
    } catch (e) {
      throw new QueryFailedError(2, athenaReason(query, (e as Error).message), scannedBytes);
    }
    const columns = result
      .columnNames()
      .map((n, i) => athenaColumnOf(n, result.columnTypes()[i]?.toString() ?? 'VARCHAR'));
    const rows = result
      .getRowsJson()
      .map((row) => row.map((v, i) => formatValue(v, columns[i] as ColumnResult)));
    return { columns, rows, scannedBytes };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Turns DuckDB's error into the reason Athena's engine would give. */
export function athenaReason(query: string, message: string): string {
  const column = /Referenced column "([^"]+)" not found/.exec(message);
  const position = Number(/LINE \d+:|query_location[^\d]*(\d+)/.exec(message)?.[1] ?? 0);
  const at = lineColumn(query, position);
  if (column) {
    return `COLUMN_NOT_FOUND: ${at}: Column '${column[1]}' cannot be resolved or requester is not authorized to access requested resources`;
  }
  if (/^Binder Error: No function matches|Scalar Function with name .* does not exist/.test(message)) {
    return `FUNCTION_NOT_FOUND: ${at}: ${message.split('\n')[0]?.replace(/^\w+ Error: /, '')}`;
  }
  if (/must appear in the GROUP BY clause|must be part of an aggregate/.test(message)) {
    return `EXPRESSION_NOT_AGGREGATE: ${at}: ${message.split('\n')[0]?.replace(/^\w+ Error: /, '')}`;
  }
  if (/^Conversion Error|^Invalid Input Error/.test(message)) {
    return `INVALID_CAST_ARGUMENT: ${message.split('\n')[0]?.replace(/^\w+ Error: /, '')}`;
  }
  if (/^Interrupt/.test(message)) return 'Query cancelled by user';
  return `GENERIC_INTERNAL_ERROR: ${message.split('\n')[0]}`;
}
