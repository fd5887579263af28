import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
} from '@aws-sdk/client-athena';
import {
  GetCrawlerCommand,
  GetTablesCommand,
  StartCrawlerCommand,
  type GlueClient,
  type Table,
} from '@aws-sdk/client-glue';
import { InterruptedError, OperationFailedError } from '../errors';
import { parseWindowTime, type ObservedWindow } from './windows';

/** Waiting, injected so tests do not wait on the wall clock. */
export interface Poller {
  sleep(ms: number): Promise<void>;
  now(): number;
  signal?: AbortSignal;
}

export interface CrawlResult {
  /** LastCrawl.Status: SUCCEEDED (anything else throws). */
  status: string;
}

/**
 * Starts the crawler (already running: waits for that crawl instead) and polls until it is READY again,
 * then checks that its last crawl succeeded.
 */
export async function runCrawl(
  glue: Pick<GlueClient, 'send'>,
  crawlerName: string,
  poller: Poller,
  options: { pollMs?: number; timeoutMs?: number } = {},
): Promise<CrawlResult> {
  const pollMs = options.pollMs ?? 1000;
  const deadline = poller.now() + (options.timeoutMs ?? 300_000);
  const requestedAt = poller.now();
  // Right after StartCrawler the crawler may still read READY with the previous crawl's result; a READY
  // counts only after the crawler was seen busy or once LastCrawl is this crawl.
  let seenBusy = false;
  try {
    await glue.send(new StartCrawlerCommand({ Name: crawlerName }));
  } catch (error) {
    if ((error as Error).name !== 'CrawlerRunningException') throw error;
  }
  for (;;) {
    const crawler = (await glue.send(new GetCrawlerCommand({ Name: crawlerName }))).Crawler;
    const last = crawler?.LastCrawl;
    const lastIsThisCrawl = (last?.StartTime?.getTime() ?? 0) >= requestedAt - 1000;
    if (crawler?.State !== 'READY') seenBusy = true;
    else if (seenBusy || lastIsThisCrawl) {
      if (last?.Status !== 'SUCCEEDED') {
        throw new OperationFailedError(
          `The crawl of ${crawlerName} ended ${last?.Status ?? 'without a result'}: ${last?.ErrorMessage ?? 'no message'}`,
        );
      }
      return { status: last.Status };
    }
    if (poller.now() >= deadline) {
      throw new OperationFailedError(
        `The crawler ${crawlerName} was still ${crawler?.State ?? 'unknown'} after the allowed time.`,
      );
    }
    if (poller.signal?.aborted) throw new InterruptedError('Interrupted while waiting for the crawler.');
    await poller.sleep(pollMs);
  }
}

const withSlash = (uri: string) => (uri.endsWith('/') ? uri : `${uri}/`);

/** The table the crawler made over the pipeline's output location (or, failing that, the only one with the prefix). */
export async function findOutputTable(
  glue: Pick<GlueClient, 'send'>,
  database: string,
  outputLocation: string,
  tablePrefix: string,
): Promise<Table> {
  const tables: Table[] = [];
  let nextToken: string | undefined;
  do {
    const page = await glue.send(
      new GetTablesCommand({ DatabaseName: database, ...(nextToken ? { NextToken: nextToken } : {}) }),
    );
    tables.push(...(page.TableList ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  const byLocation = tables.find(
    (t) => withSlash(t.StorageDescriptor?.Location ?? '') === withSlash(outputLocation),
  );
  if (byLocation) return byLocation;
  const prefixed = tables.filter((t) => (t.Name ?? '').startsWith(tablePrefix));
  if (prefixed.length === 1) return prefixed[0] as Table;
  throw new OperationFailedError(
    `No table over ${outputLocation} in the Glue database ${database} (tables: ${tables.map((t) => t.Name).join(', ') || 'none'}). Did the crawl find any output files?`,
  );
}

/** Which column of the output table holds what. */
export interface WindowColumns {
  ticker: string;
  windowStart: string;
  windowEnd: string;
  avgPrice: string;
  count: string;
}

const NUMERIC_INTEGER = /^(bigint|int|integer|smallint|tinyint)$/i;
const NUMERIC_REAL = /^(double|float|real|decimal.*)$/i;

/**
 * Maps the table's columns to the window's fields: by name when the job's names survived (Parquet, or a
 * CSV classifier), else by type as Glue infers CSV without a header (col0, col1, ...): the integer column
 * is the count, the real one the average, and the two others the window bounds (told apart by value).
 */
export function resolveWindowColumns(table: Table): WindowColumns {
  const columns = [...(table.StorageDescriptor?.Columns ?? []), ...(table.PartitionKeys ?? [])].map((c) => ({
    name: c.Name ?? '',
    type: c.Type ?? '',
  }));
  const named = (pattern: RegExp) => columns.find((c) => pattern.test(c.name))?.name;
  const ticker = named(/^ticker$/i);
  if (!ticker)
    throw new OperationFailedError(
      `The table ${table.Name} has no ticker column (columns: ${columns.map((c) => c.name).join(', ')}).`,
    );
  const byName = {
    windowStart: named(/window_?start/i),
    windowEnd: named(/window_?end/i),
    avgPrice: named(/avg|average|price/i),
    count: named(/count|cnt/i),
  };
  if (byName.windowStart && byName.windowEnd && byName.avgPrice && byName.count) {
    return { ticker, ...byName } as WindowColumns;
  }
  // Only the files' own columns: partition keys other than ticker (dt, hr) are not window fields.
  const others = (table.StorageDescriptor?.Columns ?? [])
    .map((c) => ({ name: c.Name ?? '', type: c.Type ?? '' }))
    .filter((c) => c.name !== ticker);
  const integers = others.filter((c) => NUMERIC_INTEGER.test(c.type));
  const reals = others.filter((c) => NUMERIC_REAL.test(c.type));
  const times = others.filter((c) => !NUMERIC_INTEGER.test(c.type) && !NUMERIC_REAL.test(c.type));
  if (integers.length === 1 && reals.length === 1 && times.length === 2) {
    return {
      ticker,
      windowStart: (times[0] as { name: string }).name,
      windowEnd: (times[1] as { name: string }).name,
      avgPrice: (reals[0] as { name: string }).name,
      count: (integers[0] as { name: string }).name,
    };
  }
  throw new OperationFailedError(
    `Cannot tell the window columns of ${table.Name} apart (columns: ${columns.map((c) => `${c.name} ${c.type}`).join(', ')}).`,
  );
}

export interface QueryResult {
  queryExecutionId: string;
  columns: string[];
  rows: string[][];
  dataScannedBytes: number;
  engineMs: number;
}

export interface AthenaTarget {
  database: string;
  /** s3://... where Athena writes results, unless the workgroup enforces its own. */
  outputLocation?: string;
  workGroup?: string;
}

/** Runs one query to the end and reads every result row (header row dropped). */
export async function runAthenaQuery(
  athena: Pick<AthenaClient, 'send'>,
  sql: string,
  target: AthenaTarget,
  poller: Poller,
  options: { pollMs?: number; timeoutMs?: number } = {},
): Promise<QueryResult> {
  const started = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      QueryExecutionContext: { Database: target.database },
      ...(target.workGroup ? { WorkGroup: target.workGroup } : {}),
      ...(target.outputLocation ? { ResultConfiguration: { OutputLocation: target.outputLocation } } : {}),
    }),
  );
  const id = started.QueryExecutionId as string;
  const deadline = poller.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const execution = (await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id })))
      .QueryExecution;
    const state = execution?.Status?.State;
    if (state === 'SUCCEEDED') {
      const columns: string[] = [];
      const rows: string[][] = [];
      let nextToken: string | undefined;
      let first = true;
      do {
        const page = await athena.send(
          new GetQueryResultsCommand({
            QueryExecutionId: id,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
        if (columns.length === 0) {
          columns.push(...(page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? ''));
        }
        for (const row of page.ResultSet?.Rows ?? []) {
          // The first row of the first page repeats the column names, as Athena returns them for SELECT.
          if (first) {
            first = false;
            continue;
          }
          rows.push((row.Data ?? []).map((d) => d.VarCharValue ?? ''));
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return {
        queryExecutionId: id,
        columns,
        rows,
        dataScannedBytes: execution?.Statistics?.DataScannedInBytes ?? 0,
        engineMs: execution?.Statistics?.EngineExecutionTimeInMillis ?? 0,
      };
    }
    if (state === 'FAILED' || state === 'CANCELLED') {
      throw new OperationFailedError(
        `Athena query ${id} ${state}: ${execution?.Status?.StateChangeReason ?? 'no reason given'}\n  ${sql}`,
      );
    }
    if (poller.now() >= deadline)
      throw new OperationFailedError(`Athena query ${id} was still ${state} after the allowed time.`);
    if (poller.signal?.aborted) throw new InterruptedError('Interrupted while waiting for an Athena query.');
    await poller.sleep(options.pollMs ?? 300);
  }
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** The query of every window row: ticker, bounds, average, count; one row per window the job wrote. */
export function windowsQuery(database: string, table: string, c: WindowColumns): string {
  return [
    `SELECT CAST(${quote(c.ticker)} AS VARCHAR) AS ticker,`,
    `  CAST(${quote(c.windowStart)} AS VARCHAR) AS window_start,`,
    `  CAST(${quote(c.windowEnd)} AS VARCHAR) AS window_end,`,
    `  ${quote(c.avgPrice)} AS avg_price,`,
    `  ${quote(c.count)} AS event_count`,
    `FROM ${quote(database)}.${quote(table)}`,
    `ORDER BY 1, 2`,
  ].join('\n');
}

/** The per-ticker totals: how many windows and events arrived. */
export function tickerTotalsQuery(database: string, table: string, c: WindowColumns): string {
  return [
    `SELECT CAST(${quote(c.ticker)} AS VARCHAR) AS ticker, COUNT(*) AS windows, SUM(${quote(c.count)}) AS events`,
    `FROM ${quote(database)}.${quote(table)}`,
    `GROUP BY 1`,
    `ORDER BY 1`,
  ].join('\n');
}

/** Reads the rows of windowsQuery; bounds given in either order are put right (start before end). */
export function parseWindowRows(rows: readonly string[][]): ObservedWindow[] {
  return rows.map((row) => {
    const [ticker, a, b, avg, count] = row;
    const first = parseWindowTime(a ?? '');
    const second = parseWindowTime(b ?? '');
    return {
      ticker: ticker ?? '',
      windowStart: Math.min(first, second),
      windowEnd: Math.max(first, second),
      avgPrice: Number(avg),
      count: Number(count),
    };
  });
}
