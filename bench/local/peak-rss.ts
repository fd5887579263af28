/**
 * Peak resident memory of the whole local cloud (the daemon and every process under it: kinesalite, moto,
 * Flink's JVMs and Python workers), sampled every 200 ms from /proc.
 *
 *   tsx bench/local/peak-rss.ts                         # built-in workload (below), in a temporary home
 *   tsx bench/local/peak-rss.ts -- flinkflow local run  # any command; the cloud it starts is watched
 *
 * The built-in workload exercises every endpoint but Managed Flink: 20,000 Kinesis records, 200 CSV
 * window files over 5 ticker partitions in S3, a crawl, and 5 Athena queries over the table.
 */
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import {
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  GetCrawlerCommand,
  GlueClient,
  StartCrawlerCommand,
} from '@aws-sdk/client-glue';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readState, startLocalCloud, stopLocalCloud, type LocalCloudState } from '../../local/cloud';
import { descendantsOf, isAlive, residentBytes } from '../../local/common/processes';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, 3).join(' ').slice(0, 90);
  } catch {
    return '?';
  }
}

/** Samples the tree under the daemon named in the home's state file until stopped. */
function sampler(home: string) {
  let peak = { bytes: 0, processes: [] as { pid: number; rss: number; command: string }[] };
  let running = true;
  const done = (async () => {
    while (running) {
      const state = await readState({ home });
      if (state && isAlive(state.pids.daemon)) {
        const processes = [state.pids.daemon, ...descendantsOf(state.pids.daemon)].map((pid) => ({
          pid,
          rss: residentBytes(pid),
          command: commandOf(pid),
        }));
        const bytes = processes.reduce((s, p) => s + p.rss, 0);
        if (bytes > peak.bytes) peak = { bytes, processes };
      }
      await sleep(200);
    }
  })();
  return {
    peak: () => peak,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

async function workload(state: LocalCloudState): Promise<void> {
  const common = { region: state.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const kinesis = new KinesisClient({
    ...common,
    endpoint: state.endpoints.kinesis,
    requestHandler: new NodeHttpHandler(),
  });
  const s3 = new S3Client({ ...common, endpoint: state.endpoints.s3, forcePathStyle: true });
  const glue = new GlueClient({ ...common, endpoint: state.endpoints.glue });
  const athena = new AthenaClient({ ...common, endpoint: state.endpoints.athena });
  const tickers = ['AAPL', 'AMZN', 'MSFT', 'INTC', 'TBV'];

  await kinesis.send(new CreateStreamCommand({ StreamName: 'ticks', ShardCount: 2 }));
  while (
    (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'ticks' }))).StreamDescriptionSummary
      ?.StreamStatus !== 'ACTIVE'
  )
    await sleep(100);
  for (let batch = 0; batch < 40; batch++) {
    const records = Array.from({ length: 500 }, (_, i) => {
      const ticker = tickers[i % tickers.length] as string;
      return {
        PartitionKey: ticker,
        Data: Buffer.from(
          JSON.stringify({ event_time: new Date().toISOString(), ticker, price: (i % 10000) / 100 }),
        ),
      };
    });
    await kinesis.send(new PutRecordsCommand({ StreamName: 'ticks', Records: records }));
  }

  await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
  for (let file = 0; file < 200; file++) {
    const ticker = tickers[file % tickers.length] as string;
    const rows = Array.from(
      { length: 60 },
      (_, m) =>
        `2024-01-01 ${String(10 + (m % 10)).padStart(2, '0')}:${String(m).padStart(2, '0')}:00,${(file + m) / 3},${m + 1},2024-01-01 00:00:00`,
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: 'bench',
        Key: `output/ticker=${ticker}/part-${file}.csv`,
        Body: `${rows.join('\n')}\n`,
      }),
    );
  }
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'bench' } }));
  await glue.send(
    new CreateCrawlerCommand({
      Name: 'bench',
      Role: 'r',
      DatabaseName: 'bench',
      Targets: { S3Targets: [{ Path: 's3://bench/output/' }] },
    }),
  );
  await glue.send(new StartCrawlerCommand({ Name: 'bench' }));
  await sleep(100);
  while ((await glue.send(new GetCrawlerCommand({ Name: 'bench' }))).Crawler?.State !== 'READY')
    await sleep(200);

  for (let q = 0; q < 5; q++) {
    const { QueryExecutionId } = await athena.send(
      new StartQueryExecutionCommand({
        QueryString:
          'SELECT ticker, count(*) AS windows, avg(col1) AS avg_price FROM bench.output GROUP BY ticker',
        ResultConfiguration: { OutputLocation: 's3://bench/results/' },
      }),
    );
    for (;;) {
      const state = (await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }))).QueryExecution
        ?.Status?.State;
      if (state === 'SUCCEEDED') break;
      if (state === 'FAILED' || state === 'CANCELLED') throw new Error(`query ${QueryExecutionId} ${state}`);
      await sleep(100);
    }
  }
  for (const client of [kinesis, s3, glue, athena]) client.destroy();
}

async function main(): Promise<void> {
  const separator = process.argv.indexOf('--');
  const command = separator >= 0 ? process.argv.slice(separator + 1) : [];
  const home = process.env['FLINKFLOW_HOME'] ?? mkdtempSync(path.join(os.tmpdir(), 'flinkflow-rss-'));
  const watch = sampler(home);
  const started = Date.now();
  let idle = 0;
  if (command.length > 0) {
    const child = spawn(command[0] as string, command.slice(1), {
      stdio: 'inherit',
      env: { ...process.env, FLINKFLOW_HOME: home },
    });
    await new Promise((resolve) => child.once('exit', resolve));
  } else {
    const startAt = Date.now();
    const state = await startLocalCloud({ home, fresh: true });
    console.log(
      `local cloud up in ${Date.now() - startAt} ms (startLocalCloud until every endpoint listens)`,
    );
    await sleep(1000);
    idle = [state.pids.daemon, ...descendantsOf(state.pids.daemon)].reduce((s, p) => s + residentBytes(p), 0);
    await workload(state);
    await sleep(500);
    await stopLocalCloud({ home });
    rmSync(home, { recursive: true, force: true });
  }
  await watch.stop();
  const peak = watch.peak();
  console.log(
    `run: ${command.length ? command.join(' ') : 'built-in workload'} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  if (idle) console.log(`idle after start: ${mib(idle)} MiB`);
  console.log(
    `peak resident memory of the local cloud: ${mib(peak.bytes)} MiB over ${peak.processes.length} processes`,
  );
  for (const p of [...peak.processes].sort((a, b) => b.rss - a.rss))
    console.log(`  ${String(mib(p.rss)).padStart(5)} MiB  ${p.command}`);
}

void main();
