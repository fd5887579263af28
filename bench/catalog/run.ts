/**
 * The local Glue and Athena at the sink's scale: N days of sink-shaped files (one per ticker per
 * checkpoint, 5 tickers, a 60 s checkpoint: 7,200 files a day) as CSV and as Parquet on the local S3,
 * then the crawl (with the pipeline's CSV classifier), a full-table count(*), a one-ticker query, and a
 * suite of 6 validation-style queries over the recent partitions (the last two hours), each timed
 * `--runs` times; and the bytes the suite scans on Parquet against a full CSV scan.
 *
 *   flock /work/wt/heavy.lock nice -n 10 tsx bench/catalog/run.ts --days 1,7 --runs 3 \
 *     [--formats csv,parquet] [--measures crawl,full,ticker,suite]
 *
 * The crawl always runs once (the queries need its table); --measures leaves the others out.
 *
 * Prints one JSON line per measurement and a Markdown table at the end (docs/benchmarks.md).
 */
import {
  AthenaClient,
  CreateWorkGroupCommand,
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  CreateClassifierCommand,
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  GetCrawlerCommand,
  GlueClient,
  StartCrawlerCommand,
} from '@aws-sdk/client-glue';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mapWithConcurrency } from '../../local/glue/crawler';
import { startServices } from '../../local/services';
import { OutputColumns } from '../../workflow/contract';
import { csvBody, parquetBodies, sinkFiles, type SinkFile } from './sink-files';

const TICKERS = ['AAPL', 'MSFT', 'GOOG', 'AMZN', 'TSLA'];
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function argument(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function main(): Promise<void> {
  const daysList = argument('days', '1').split(',').map(Number);
  const runs = Number(argument('runs', '3'));
  const formats = argument('formats', 'csv,parquet').split(',');
  const wanted = new Set(argument('measures', 'crawl,full,ticker,suite').split(','));
  const results: Record<string, unknown>[] = [];
  const report = (row: Record<string, unknown>) => {
    results.push(row);
    console.log(JSON.stringify(row));
  };

  for (const days of daysList) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-bench-catalog-'));
    const services = await startServices({
      dataDir,
      crawlerMinRunningMs: 0,
      crawlerStoppingMs: 0,
      queryQueuedMs: 0,
    });
    const { endpoints } = services;
    const s3 = new S3Client({ endpoint: endpoints.s3, region, credentials, forcePathStyle: true });
    const glue = new GlueClient({ endpoint: endpoints.glue, region, credentials });
    const athena = new AthenaClient({ endpoint: endpoints.athena, region, credentials });
    try {
      const end = Date.UTC(2026, 10, 30, 0, 0, 0);
      const files = sinkFiles({
        start: new Date(end - days * 86_400_000),
        hours: days * 24,
        tickers: TICKERS,
        checkpointSeconds: 60,
        windowSeconds: 60,
      });
      const lastDt = (files.at(-1) as SinkFile).dt;
      const recentHours = ['22', '23'];
      await s3.send(new CreateBucketCommand({ Bucket: 'results' }));
      await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'bench' } }));
      await glue.send(
        new CreateClassifierCommand({
          CsvClassifier: {
            Name: 'bench-csv',
            Header: OutputColumns.map((c) => c.name),
            ContainsHeader: 'ABSENT',
            Delimiter: ',',
          },
        }),
      );
      await athena.send(
        new CreateWorkGroupCommand({
          Name: 'bench',
          Configuration: {
            ResultConfiguration: { OutputLocation: 's3://results/bench/' },
            EnforceWorkGroupConfiguration: true,
          },
        }),
      );

      const query = async (sql: string) => {
        const started = Date.now();
        const { QueryExecutionId } = await athena.send(
          new StartQueryExecutionCommand({
            QueryString: sql,
            WorkGroup: 'bench',
            QueryExecutionContext: { Database: 'bench' },
          }),
        );
        for (;;) {
          const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
          const state = QueryExecution?.Status?.State;
          if (state === 'SUCCEEDED')
            return { ms: Date.now() - started, bytes: QueryExecution?.Statistics?.DataScannedInBytes ?? 0 };
          if (state === 'FAILED' || state === 'CANCELLED')
            throw new Error(`${sql}: ${state} ${QueryExecution?.Status?.StateChangeReason ?? ''}`);
          await sleep(20);
        }
      };

      for (const format of formats) {
        const bucket = `bench-${format}`;
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        let uploadStarted = Date.now();
        const bodies: (string | Buffer)[] =
          format === 'csv' ? files.map(csvBody) : await parquetBodies(files, dataDir);
        const generatedMs = Date.now() - uploadStarted;
        uploadStarted = Date.now();
        await mapWithConcurrency(
          files.map((f, i) => ({ key: `output/${f.key}`, body: bodies[i] as string | Buffer })),
          16,
          (o) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: o.key, Body: o.body })),
        );
        const totalBytes = bodies.reduce((s, b) => s + Buffer.byteLength(b), 0);
        report({
          days,
          format,
          files: files.length,
          totalBytes,
          generatedMs,
          uploadMs: Date.now() - uploadStarted,
        });

        const table = `${format}_output`;
        await glue.send(
          new CreateCrawlerCommand({
            Name: bucket,
            Role: 'arn:aws:iam::000000000000:role/bench',
            DatabaseName: 'bench',
            TablePrefix: `${format}_`,
            ...(format === 'csv' ? { Classifiers: ['bench-csv'] } : {}),
            Targets: { S3Targets: [{ Path: `s3://${bucket}/output/` }] },
          }),
        );
        const crawlMs: number[] = [];
        for (let run = 0; run < (wanted.has('crawl') ? runs : 1); run++) {
          const started = Date.now();
          await glue.send(new StartCrawlerCommand({ Name: bucket }));
          for (;;) {
            await sleep(50);
            const { Crawler } = await glue.send(new GetCrawlerCommand({ Name: bucket }));
            if (Crawler?.State === 'READY' && Crawler.LastCrawl?.StartTime?.getTime() !== undefined) {
              if (Crawler.LastCrawl.Status !== 'SUCCEEDED')
                throw new Error(`crawl ${Crawler.LastCrawl.Status}: ${Crawler.LastCrawl.ErrorMessage ?? ''}`);
              if (Crawler.LastCrawl.StartTime.getTime() >= started - 1000) break;
            }
          }
          crawlMs.push(Date.now() - started);
        }
        report({ days, format, measure: 'crawl', runsMs: crawlMs, medianMs: median(crawlMs) });

        const recent = `dt = '${lastDt}' AND hr IN (${recentHours.map((h) => `'${h}'`).join(', ')})`;
        const ts = (column: string) => (format === 'csv' ? `CAST(${column} AS timestamp)` : column);
        const suite = [
          `SELECT max(${ts('window_end')}) FROM ${table} WHERE ${recent}`,
          `SELECT ticker, count(*) FROM ${table} WHERE ${recent} GROUP BY ticker`,
          `SELECT ticker, window_start, count(*) FROM ${table} WHERE ${recent} GROUP BY ticker, window_start HAVING count(*) > 1`,
          `SELECT count(*) FROM ${table} WHERE ${recent} AND (avg_price < 0 OR avg_price > 10000 OR event_count <= 0)`,
          `SELECT sum(event_count) FROM ${table} WHERE ${recent}`,
          `SELECT ticker, count(*) FROM (SELECT ticker, ${ts('window_start')} AS s, lag(${ts('window_start')}) OVER (PARTITION BY ticker ORDER BY ${ts('window_start')}) AS p FROM ${table} WHERE ${recent}) WHERE p IS NOT NULL AND s - p > INTERVAL '60' SECOND GROUP BY ticker`,
        ];
        const measures: [string, string, string[]][] = [
          ['full', 'full count(*)', [`SELECT count(*) FROM ${table}`]],
          [
            'ticker',
            'one-ticker query',
            [`SELECT count(*), avg(avg_price) FROM ${table} WHERE ticker = 'MSFT'`],
          ],
          ['suite', 'suite of 6 over the last 2 hours', suite],
        ];
        for (const [option, measure, queries] of measures) {
          if (!wanted.has(option)) continue;
          const times: number[] = [];
          let bytes = 0;
          // Run 0 is the first read (files downloaded into the engine's cache); the others are warm.
          for (let run = 0; run < runs; run++) {
            const started = Date.now();
            bytes = 0;
            for (const sql of queries) bytes += (await query(sql)).bytes;
            times.push(Date.now() - started);
          }
          report({
            days,
            format,
            measure,
            runsMs: times,
            medianMs: median(times),
            firstMs: times[0],
            bytes,
            totalBytes,
          });
        }
      }
    } finally {
      for (const client of [s3, glue, athena]) client.destroy();
      await services.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  console.log('\n| days | format | measure | runs (ms) | median (ms) | bytes scanned |');
  console.log('| ---: | --- | --- | --- | ---: | ---: |');
  for (const r of results.filter((r) => r['measure'])) {
    console.log(
      `| ${String(r['days'])} | ${String(r['format'])} | ${String(r['measure'])} | ${(r['runsMs'] as number[]).join(', ')} | ${String(r['medianMs'])} | ${r['bytes'] === undefined ? '' : String(r['bytes'])} |`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
