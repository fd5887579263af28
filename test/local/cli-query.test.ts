import { CreateClassifierCommand, CreateCrawlerCommand, CreateDatabaseCommand } from '@aws-sdk/client-glue';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { committedFilesByTicker } from '../../cli/local-run/output';
import {
  findOutputTable,
  parseWindowRows,
  resolveWindowColumns,
  runAthenaQuery,
  runCrawl,
  tickerTotalsQuery,
  windowsQuery,
} from '../../cli/local-run/query';
import { checkCompleteness, expectedWindows, type ExpectedWindow } from '../../cli/local-run/windows';
import { crawlerRequest, csvClassifierRequest } from '../../lambdas/create-crawler';
import { resolveInput } from '../../lambdas/validate-input';
import { TICKERS, TickGenerator, type TickEvent } from '../../producer';
import { useFixture } from './local-cloud-fixture';

// The query half of `flinkflow local run` against the local cloud's real Glue crawler and Athena
// (DuckDB): files laid out as the Flink job's CSV sink writes them, crawled with the crawler the
// provisioning task creates, queried and checked as `local run` does.

const region = 'us-east-1';
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

const poller = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
/** As Flink's CSV format writes TIMESTAMP(3): `2026-11-25 12:00:10` (no fraction when it is zero). */
const flinkTimestamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.000Z$|Z$/, '');

const fx = useFixture({ crawlerMinRunningMs: 200, crawlerStoppingMs: 200, queryQueuedMs: 20 });

/** Writes one part file per ticker holding its windows, plus the files the sink leaves that hold no rows. */
async function writeSinkOutput(bucket: string, windows: readonly ExpectedWindow[]): Promise<void> {
  for (const ticker of TICKERS) {
    const lines = windows
      .filter((w) => w.ticker === ticker)
      .map((w) => `${flinkTimestamp(w.windowEnd)},${flinkTimestamp(w.windowStart)},${w.avgPrice},${w.count}`);
    if (lines.length === 0) continue;
    const folder = `output/ticker=${ticker}`;
    await fx.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: `${folder}/part-7c1e-0-0`, Body: `${lines.join('\n')}\n` }),
    );
    await fx.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: `${folder}/_SUCCESS`, Body: new Uint8Array() }),
    );
    await fx.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${folder}/.part-7c1e-0-1.inprogress.3f2a`,
        Body: 'not,a,window\n',
      }),
    );
  }
}

describe('local run queries against the local Glue crawler and Athena', () => {
  it('It should crawl the sink output, read every window back through Athena with its count and average, and name the one window missing', async () => {
    // Prepare: seeded ticks every 200 ms for 30 s; windows of 10 s with a 2 s watermark.
    const generator = new TickGenerator(5);
    const events: TickEvent[] = Array.from({ length: 150 }, (_, i) => generator.next(T0 + i * 200));
    const expected = expectedWindows(events, 10, 2);
    const { config } = resolveInput(
      { pipelineName: 'query-test', windowSeconds: 10, watermarkSeconds: 2 },
      {
        account: '000000000000',
        region,
        codeAssetBucket: 'assets',
        codeAssetKey: 'code.zip',
        applicationRoleArn: 'arn:aws:iam::000000000000:role/app',
        crawlerRoleArn: 'arn:aws:iam::000000000000:role/crawler',
        glueDatabase: 'flinkflow',
      },
    );
    await fx.s3.send(new CreateBucketCommand({ Bucket: config.bucketName }));
    await fx.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: config.glueDatabase } }));
    // As CreateCrawler does: the classifier that names the CSV columns first, then the crawler naming it.
    await fx.glue.send(new CreateClassifierCommand({ CsvClassifier: csvClassifierRequest(config) }));
    await fx.glue.send(new CreateCrawlerCommand(crawlerRequest(config)));
    // One window of TBV is left out of the files: the check must notice.
    const missing = expected.find((w) => w.ticker === 'TBV') as ExpectedWindow;
    await writeSinkOutput(
      config.bucketName,
      expected.filter((w) => w !== missing),
    );
    const outputLocation = `s3://${config.bucketName}/${config.outputPrefix}`;

    // Act
    await runCrawl(fx.glue, config.crawlerName, poller, { pollMs: 100, timeoutMs: 30_000 });
    const table = await findOutputTable(fx.glue, config.glueDatabase, outputLocation, config.tablePrefix);
    const columns = resolveWindowColumns(table);
    const target = {
      database: config.glueDatabase,
      outputLocation: `s3://${config.bucketName}/athena-results/`,
    };
    const query = (sql: string) => runAthenaQuery(fx.athena, sql, target, poller, { pollMs: 50 });
    const rows = await query(windowsQuery(config.glueDatabase, table.Name ?? '', columns));
    const totals = await query(tickerTotalsQuery(config.glueDatabase, table.Name ?? '', columns));
    const observed = parseWindowRows(rows.rows);
    const result = checkCompleteness(expected, observed, TICKERS);

    // Assess
    expect(expected.length).toBeGreaterThanOrEqual(TICKERS.length * 2);
    expect(observed).toHaveLength(expected.length - 1);
    expect(result.complete).toBe(false);
    for (const t of result.perTicker) {
      expect(t.mismatched).toEqual([]);
      expect(t.duplicated).toEqual([]);
      expect(t.missing).toEqual(t.ticker === 'TBV' ? [new Date(missing.windowStart).toISOString()] : []);
    }
    expect(totals.rows.map((r) => r[0])).toEqual([...TICKERS].sort());
    expect(rows.dataScannedBytes).toBeGreaterThan(0);
    const listing = await fx.s3.send(
      new ListObjectsV2Command({ Bucket: config.bucketName, Prefix: 'output/' }),
    );
    const keys = (listing.Contents ?? []).map((o) => o.Key ?? '');
    expect(Object.keys(committedFilesByTicker(keys)).sort()).toEqual([...TICKERS].sort());
  }, 90_000);
});
