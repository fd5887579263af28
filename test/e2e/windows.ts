/**
 * The end-to-end tests' own check of the job: the windows recomputed from the produced events (the job's
 * semantics, written again) and the rows an Athena query returns.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { Table } from '@aws-sdk/client-glue';
import type { TickEvent } from '../../producer';

export interface WindowRow {
  ticker: string;
  windowStart: number;
  count: number;
  avg: number;
}

/** Groups events into tumbling event-time windows per ticker: the job's semantics, written again. */
export function expectedRows(events: TickEvent[], windowSeconds: number): Map<string, WindowRow> {
  const sums = new Map<string, { ticker: string; windowStart: number; count: number; sum: number }>();
  for (const event of events) {
    const ms = Date.parse(event.event_time);
    const windowStart = ms - (ms % (windowSeconds * 1000));
    const key = `${event.ticker}@${windowStart}`;
    const entry = sums.get(key) ?? { ticker: event.ticker, windowStart, count: 0, sum: 0 };
    entry.count += 1;
    entry.sum += event.price;
    sums.set(key, entry);
  }
  return new Map(
    [...sums].map(([key, e]) => [
      key,
      { ticker: e.ticker, windowStart: e.windowStart, count: e.count, avg: e.sum / e.count },
    ]),
  );
}

/**
 * The query of (ticker, window start, average, count) over the crawled output table. The data columns
 * are taken from the table in file order (window end, window start, average, count), so the query reads
 * whatever names the catalog gives them (a classifier's header names, or Glue's col0.. without one).
 */
export function windowRowsSql(database: string, table: Table): string {
  const columns = (table.StorageDescriptor?.Columns ?? []).map((c) => c.Name ?? '');
  if (columns.length < 4)
    throw new Error(`table ${table.Name ?? '?'} has ${columns.length} data columns, not 4`);
  const [, start, avg, count] = columns;
  return `SELECT ticker, CAST(${start} AS VARCHAR), CAST(${avg} AS DOUBLE), CAST(${count} AS BIGINT) FROM ${database}.${table.Name ?? ''}`;
}

export async function athenaRows(
  athena: AthenaClient,
  sql: string,
  outputLocation: string,
): Promise<string[][]> {
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      ResultConfiguration: { OutputLocation: outputLocation },
    }),
  );
  for (;;) {
    const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    const state = QueryExecution?.Status?.State;
    if (state === 'SUCCEEDED') break;
    if (state === 'FAILED' || state === 'CANCELLED') {
      throw new Error(`Athena query ${state}: ${QueryExecution?.Status?.StateChangeReason ?? ''}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const rows: string[][] = [];
  let NextToken: string | undefined;
  do {
    const page = await athena.send(new GetQueryResultsCommand({ QueryExecutionId, NextToken }));
    for (const row of page.ResultSet?.Rows ?? [])
      rows.push((row.Data ?? []).map((d) => d.VarCharValue ?? ''));
    NextToken = page.NextToken;
  } while (NextToken);
  return rows.slice(1); // the header row, as Athena returns it
}

/**
 * Compares Athena's rows (ticker, window start, avg, count) with the windows of the produced events:
 * rows seen twice, rows whose window was never produced or whose values differ, and windows the
 * watermark has certainly passed (one window of margin for the last checkpoint) that no row holds.
 */
export function compareWindows(
  rows: string[][],
  produced: TickEvent[],
  windowSeconds: number,
  watermarkSeconds: number,
): { duplicates: string[]; wrong: string[]; missing: string[]; mustHave: number; seen: number } {
  const expected = expectedRows(produced, windowSeconds);
  const maxEventTime = Math.max(...produced.map((e) => Date.parse(e.event_time)));
  const mustHave = [...expected.values()].filter(
    (w) => w.windowStart + 2 * windowSeconds * 1000 <= maxEventTime - watermarkSeconds * 1000,
  );
  const seen = new Map<string, WindowRow>();
  const duplicates: string[] = [];
  const wrong: string[] = [];
  for (const [ticker, start, avg, count] of rows) {
    const windowStart = Date.parse(`${(start ?? '').replace(' ', 'T')}Z`);
    const key = `${ticker}@${new Date(windowStart).toISOString()}`;
    if (seen.has(key)) duplicates.push(key);
    const row = { ticker: ticker ?? '', windowStart, avg: Number(avg), count: Number(count) };
    seen.set(key, row);
    const want = expected.get(`${row.ticker}@${row.windowStart}`);
    if (!want || want.count !== row.count || Math.abs(want.avg - row.avg) > 1e-9)
      wrong.push(
        `${key}: got ${row.count} events avg ${row.avg}, expected ${want ? `${want.count} avg ${want.avg}` : 'no such window'}`,
      );
  }
  const missing = mustHave
    .filter((w) => !seen.has(`${w.ticker}@${new Date(w.windowStart).toISOString()}`))
    .map((w) => `${w.ticker}@${new Date(w.windowStart).toISOString()}`);
  return { duplicates, wrong, missing, mustHave: mustHave.length, seen: seen.size };
}
