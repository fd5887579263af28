/**
 * What the local Athena's sandbox costs a query: the engine's per-query work (a fresh DuckDB, the
 * statement parse, a view over the table's files, the query) with and without the confinement it
 * added (refuseOutsideCatalog on the parse tree, then `sandbox`: external access off, allowed_paths =
 * the table's files, configuration locked), alternated in one run, median of the runs.
 *
 *   tsx bench/local/athena-sandbox.ts [--runs 15]
 *
 * Two tables: one CSV of 200,000 rows, and 200 CSV files of 50 rows (the job's window files).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { refuseOutsideCatalog, sandbox } from '../../local/athena/engine';

const runsArgument = process.argv.indexOf('--runs');
const runs = runsArgument > 0 ? Number(process.argv[runsArgument + 1]) : 15;
const QUERY =
  'SELECT ticker, count(*) AS n, round(avg(price), 4) AS avg_price FROM awsdatacatalog.pipeline.ticks GROUP BY ticker ORDER BY ticker';
const TICKERS = ['AAPL', 'MSFT', 'INTC', 'AMZN', 'GOOG'];

function writeFiles(dir: string, files: number, rowsPerFile: number): string[] {
  const paths = [];
  for (let f = 0; f < files; f++) {
    const lines = [];
    for (let r = 0; r < rowsPerFile; r++) {
      const i = f * rowsPerFile + r;
      lines.push(`${TICKERS[i % 5]},${(50 + (i % 1000) / 10).toFixed(2)},${i % 17},2024-01-01 12:00:00`);
    }
    const file = path.join(dir, `part-${f}.csv`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    paths.push(file);
  }
  return paths;
}

/** Milliseconds the confined runs spent in the added steps themselves (check and sandbox settings). */
const addedSteps: number[] = [];

/** One query as the engine runs it; returns milliseconds from the new instance to the read result. */
async function runOnce(files: string[], confined: boolean): Promise<number> {
  const started = performance.now();
  let added = 0;
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const connection = await instance.connect();
  try {
    const parsed = await connection.runAndReadAll(
      `SELECT json_serialize_sql('${QUERY.replace(/'/g, "''")}') AS t`,
    );
    const tree: unknown = JSON.parse(String(parsed.getRowObjectsJson()[0]?.['t']));
    if (confined) {
      const at = performance.now();
      refuseOutsideCatalog(QUERY, tree);
      added += performance.now() - at;
    }
    await connection.run(`ATTACH ':memory:' AS awsdatacatalog`);
    await connection.run('CREATE SCHEMA awsdatacatalog.pipeline');
    const list = files.map((f) => `'${f}'`).join(', ');
    await connection.run(
      `CREATE VIEW awsdatacatalog.pipeline.ticks AS SELECT TRY_CAST(column0 AS VARCHAR) AS ticker, TRY_CAST(column1 AS DOUBLE) AS price FROM read_csv([${list}], header = false, auto_detect = false, columns = {'column0': 'VARCHAR', 'column1': 'VARCHAR', 'column2': 'VARCHAR', 'column3': 'VARCHAR'}, filename = true)`,
    );
    if (confined) {
      const at = performance.now();
      await sandbox(connection, files);
      added += performance.now() - at;
      addedSteps.push(added);
    }
    const result = await connection.runAndReadAll(QUERY);
    if (result.getRows().length !== TICKERS.length) throw new Error('unexpected result');
    return performance.now() - started;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-athena-bench-'));
  try {
    const tables = {
      'one file, 200,000 rows': writeFiles(path.join(dir), 1, 200_000),
      '200 files, 50 rows each': writeFiles(mkdtempSync(path.join(dir, 'many-')), 200, 50),
    };
    console.log(`runs: ${runs} per variant, alternated; milliseconds per query`);
    for (const [name, files] of Object.entries(tables)) {
      for (let i = 0; i < 2; i++) {
        await runOnce(files, false);
        await runOnce(files, true);
      }
      const open: number[] = [];
      const confined: number[] = [];
      addedSteps.length = 0;
      for (let i = 0; i < runs; i++) {
        open.push(await runOnce(files, false));
        confined.push(await runOnce(files, true));
      }
      const [a, b] = [median(open), median(confined)];
      console.log(
        `${name}: open ${a.toFixed(1)}, sandboxed ${b.toFixed(1)}, difference ${(b - a).toFixed(1)} (${(((b - a) / a) * 100).toFixed(1)}%)`,
      );
      console.log(`  of which the check and the sandbox settings: ${median(addedSteps).toFixed(2)}`);
      console.log(`  open samples:      ${open.map((v) => v.toFixed(0)).join(' ')}`);
      console.log(`  sandboxed samples: ${confined.map((v) => v.toFixed(0)).join(' ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
