/**
 * Files shaped as the job's filesystem sink writes them: one file per ticker per checkpoint under
 * `ticker=<T>/dt=<yyyy-MM-dd>/hr=<HH>/` (the window start's date and hour), named `part-<uid>-<subtask>-<n>`
 * without an extension, holding the windows that closed in that checkpoint as header-less CSV lines
 * (window_end, window_start, avg_price, event_count; timestamps as `yyyy-MM-dd HH:mm:ss.SSS`) or as
 * Parquet with the same columns. Used by the catalog benchmark and the local-cloud tests.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { OutputColumns } from '../../workflow/contract';

export interface SinkShape {
  /** The first window's start (UTC). */
  start: Date;
  hours: number;
  tickers: readonly string[];
  /** Seconds between checkpoints: one file per ticker each. */
  checkpointSeconds: number;
  windowSeconds: number;
}

export interface WindowRow {
  ticker: string;
  windowStart: Date;
  windowEnd: Date;
  avgPrice: number;
  eventCount: number;
}

export interface SinkFile {
  /** Key relative to the output prefix. */
  key: string;
  ticker: string;
  dt: string;
  hr: string;
  rows: WindowRow[];
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `yyyy-MM-dd HH:mm:ss.SSS` in UTC, as the job's CSV writes timestamps. */
export function sinkTimestamp(date: Date): string {
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}`
  );
}

/** The sink's partition values of a window start. */
export function partitionOf(windowStart: Date): { dt: string; hr: string } {
  const stamp = sinkTimestamp(windowStart);
  return { dt: stamp.slice(0, 10), hr: stamp.slice(11, 13) };
}

/** Every file of the shape, in time order per ticker. Values are deterministic. */
export function sinkFiles(shape: SinkShape): SinkFile[] {
  const files: SinkFile[] = [];
  const checkpoints = Math.floor((shape.hours * 3600) / shape.checkpointSeconds);
  const windowMs = shape.windowSeconds * 1000;
  shape.tickers.forEach((ticker, t) => {
    let nextWindow = shape.start.getTime();
    for (let i = 1; i <= checkpoints; i++) {
      const checkpointAt = shape.start.getTime() + i * shape.checkpointSeconds * 1000;
      const rows: WindowRow[] = [];
      // The windows that ended by this checkpoint are committed in its file.
      while (nextWindow + windowMs <= checkpointAt) {
        const n = Math.round((nextWindow - shape.start.getTime()) / windowMs);
        rows.push({
          ticker,
          windowStart: new Date(nextWindow),
          windowEnd: new Date(nextWindow + windowMs),
          avgPrice: 100 + t * 10 + (n % 40) * 0.25,
          eventCount: 5 + ((n + t) % 11),
        });
        nextWindow += windowMs;
      }
      if (rows.length === 0) continue;
      const { dt, hr } = partitionOf((rows[0] as WindowRow).windowStart);
      files.push({
        key: `ticker=${ticker}/dt=${dt}/hr=${hr}/part-${ticker.toLowerCase()}-0-${i}`,
        ticker,
        dt,
        hr,
        rows,
      });
    }
  });
  return files;
}

/** A file's body as the job's CSV lines. */
export function csvBody(file: SinkFile): string {
  return file.rows
    .map(
      (r) =>
        `${sinkTimestamp(r.windowEnd)},${sinkTimestamp(r.windowStart)},${Number.isInteger(r.avgPrice) ? r.avgPrice.toFixed(1) : String(r.avgPrice)},${r.eventCount}\n`,
    )
    .join('');
}

/** The files' bodies as Parquet (written by DuckDB through `dir`; timestamps as Parquet timestamps). */
export async function parquetBodies(files: readonly SinkFile[], dir: string): Promise<Buffer[]> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  const bodies: Buffer[] = [];
  const names = OutputColumns.map((c) => c.name).join(', ');
  try {
    for (const [i, file] of files.entries()) {
      const values = file.rows
        .map(
          (r) =>
            `(TIMESTAMP '${sinkTimestamp(r.windowEnd)}', TIMESTAMP '${sinkTimestamp(r.windowStart)}', ` +
            `CAST(${r.avgPrice} AS DOUBLE), CAST(${r.eventCount} AS BIGINT))`,
        )
        .join(', ');
      const out = path.join(dir, `sink-${process.pid}-${i}.parquet`);
      await connection.run(
        `COPY (SELECT * FROM (VALUES ${values}) AS t(${names})) TO '${out}' (FORMAT parquet)`,
      );
      bodies.push(readFileSync(out));
      rmSync(out);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return bodies;
}

/** Compressed bytes of each column's chunks in a Parquet body (what a columnar read of it scans). */
export async function parquetColumnSizes(body: Buffer, dir: string): Promise<Record<string, number>> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  const file = path.join(dir, `sizes-${crypto.randomUUID()}.parquet`);
  try {
    writeFileSync(file, body);
    const result = await connection.runAndReadAll(
      `SELECT path_in_schema AS name, sum(total_compressed_size)::BIGINT AS bytes FROM parquet_metadata('${file}') GROUP BY 1`,
    );
    return Object.fromEntries(result.getRowObjectsJson().map((r) => [String(r['name']), Number(r['bytes'])]));
  } finally {
    connection.closeSync();
    instance.closeSync();
    rmSync(file, { force: true });
  }
}
