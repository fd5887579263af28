/**
 * kinesalite in memory against kinesalite on LevelDB (what the local cloud runs since its data outlives
 * `local down`), side by side in one run: both started by the local cloud's own launcher
 * (local/kinesis/kinesis-server.ts), one 4-shard stream each, the flinkflow producer (PutRecords
 * batches of 500) alternating between them. Then the LevelDB one is stopped and started again, and
 * every record is read back from TRIM_HORIZON: the restart time and the size on disk.
 *
 *   tsx bench/local/kinesis-storage.ts [--runs 5] [--records 20000]
 */
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalKinesis, type LocalKinesis } from '../../local/kinesis/kinesis-server';
import { produceTicks } from '../../producer';

function parseArgs(argv: readonly string[]): { runs: number; records: number } {
  const args = { runs: 5, records: 20_000 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = Number(argv[i + 1]);
    if ((flag === '--runs' || flag === '--records') && Number.isInteger(value) && value >= 1) {
      args[flag.slice(2) as 'runs' | 'records'] = value;
      i++;
    } else {
      throw new Error(`Bad argument ${flag}. Usage: kinesis-storage.ts [--runs N >= 1] [--records N >= 1]`);
    }
  }
  return args;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

function clientFor(server: LocalKinesis): KinesisClient {
  return new KinesisClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler({ httpAgent: { keepAlive: true } }),
  });
}

function bytesUnder(folder: string): number {
  return readdirSync(folder, { withFileTypes: true }).reduce(
    (sum, entry) =>
      sum +
      (entry.isDirectory()
        ? bytesUnder(path.join(folder, entry.name))
        : statSync(path.join(folder, entry.name)).size),
    0,
  );
}

/** Every record of every shard, from TRIM_HORIZON. */
async function countRecords(kinesis: KinesisClient, streamName: string): Promise<number> {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  let count = 0;
  for (const shard of Shards) {
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      count += page.Records?.length ?? 0;
      if (!page.Records?.length) break;
      iterator = page.NextShardIterator;
    }
  }
  return count;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const folder = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-kinesis-bench-'));
  const dataDir = path.join(folder, 'leveldb');
  const streamName = 'bench-ticks';
  let memory: LocalKinesis | undefined;
  let leveldb: LocalKinesis | undefined;
  try {
    memory = await startLocalKinesis({ transitionMs: 0 });
    leveldb = await startLocalKinesis({ transitionMs: 0, dataDir });
    const targets = { memory: clientFor(memory), leveldb: clientFor(leveldb) };
    for (const kinesis of Object.values(targets)) {
      await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 4 }));
      await waitUntilStreamExists(
        { client: kinesis, maxWaitTime: 30, minDelay: 1 },
        { StreamName: streamName },
      );
      // Warm-up: connections and JIT, not measured.
      await produceTicks({ streamName, count: 2_000, seed: 0 }, { kinesis });
    }
    const samples = { memory: [] as number[], leveldb: [] as number[] };
    for (let run = 1; run <= args.runs; run++) {
      // Alternated, so that drift in the shared machine's load hits both alike.
      for (const name of ['memory', 'leveldb'] as const) {
        const result = await produceTicks(
          { streamName, count: args.records, seed: run },
          { kinesis: targets[name] },
        );
        samples[name].push(result.recordsPerSecond);
      }
      console.error(
        `run ${run}: memory ${samples.memory.at(-1)?.toFixed(0)} rec/s, LevelDB ${samples.leveldb.at(-1)?.toFixed(0)} rec/s`,
      );
    }
    const stored = 2_000 + args.runs * args.records;
    targets.leveldb.destroy();
    const stopStarted = performance.now();
    await leveldb.stop();
    const stopMs = performance.now() - stopStarted;
    const restartStarted = performance.now();
    leveldb = await startLocalKinesis({ transitionMs: 0, dataDir });
    const restartMs = performance.now() - restartStarted;
    const reopened = clientFor(leveldb);
    const readStarted = performance.now();
    const readBack = await countRecords(reopened, streamName);
    const readMs = performance.now() - readStarted;
    reopened.destroy();
    targets.memory.destroy();
    const summary = {
      runs: args.runs,
      recordsPerRun: args.records,
      medianRecordsPerSecond: {
        memory: Math.round(median(samples.memory)),
        leveldb: Math.round(median(samples.leveldb)),
      },
      leveldbToMemory: Number((median(samples.leveldb) / median(samples.memory)).toFixed(2)),
      samples: { memory: samples.memory.map(Math.round), leveldb: samples.leveldb.map(Math.round) },
      afterRestart: {
        stored,
        readBack,
        stopMs: Math.round(stopMs),
        restartMs: Math.round(restartMs),
        readAllMs: Math.round(readMs),
        bytesOnDisk: bytesUnder(dataDir),
      },
    };
    console.log(JSON.stringify(summary, null, 2));
    if (readBack !== stored)
      throw new Error(`read back ${readBack} records after the restart, ${stored} were put`);
  } finally {
    await memory?.stop();
    await leveldb?.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
