/**
 * The producer against a one-record-per-call producer like the walkthrough's (PutRecord per event, one
 * constant partition key), side by side on the same kinesalite in the same run. Kinesalite runs in a
 * child process so that the server's work does not share the producers' event loop.
 *
 *   tsx bench/producer/producer-bench.ts [--runs 5] [--batched 20000] [--single 2000] [--shards 4] [--json]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  CreateStreamCommand,
  KinesisClient,
  PutRecordCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { TickGenerator, encodeTick, produceTicks } from '../../producer';

interface Args {
  runs: number;
  batched: number;
  single: number;
  shards: number;
  json: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { runs: 5, batched: 20_000, single: 2_000, shards: 4, json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--json') args.json = true;
    else if (flag === '--runs' || flag === '--batched' || flag === '--single' || flag === '--shards') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} needs a whole number >= 1`);
      args[flag.slice(2) as 'runs' | 'batched' | 'single' | 'shards'] = value;
    } else
      throw new Error(
        `Unknown argument ${flag}. Usage: producer-bench.ts [--runs N] [--batched N] [--single N] [--shards N] [--json]`,
      );
  }
  return args;
}

async function startKinesalite(): Promise<{ child: ChildProcess; url: string }> {
  const launcher = [
    `const server = require(${JSON.stringify(require.resolve('kinesalite'))})({ createStreamMs: 0, shardLimit: 100 });`,
    `server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));`,
  ].join('\n');
  const child = spawn(process.execPath, ['-e', launcher], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`kinesalite exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = chunk.toString().match(/port (\d+)/);
      if (match) resolve(match[1] as string);
    });
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** The walkthrough's loop: one PutRecord per event, awaited, all on one partition key. */
async function produceOnePerCall(
  kinesis: KinesisClient,
  streamName: string,
  count: number,
  seed: number,
): Promise<number> {
  const generator = new TickGenerator(seed);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    await kinesis.send(
      new PutRecordCommand({
        StreamName: streamName,
        Data: encodeTick(generator.next(Date.now())),
        PartitionKey: 'partitionkey',
      }),
    );
  }
  return (count * 1000) / (performance.now() - started);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { child, url } = await startKinesalite();
  try {
    const kinesis = new KinesisClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: new NodeHttpHandler({ httpAgent: { keepAlive: true } }),
    });
    const streamName = 'bench-ticks';
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: args.shards }));
    await waitUntilStreamExists(
      { client: kinesis, maxWaitTime: 30, minDelay: 1 },
      { StreamName: streamName },
    );
    // Warm-up: connection set-up and JIT on both paths, not measured.
    await produceTicks({ streamName, count: 2000, seed: 0 }, { kinesis });
    await produceOnePerCall(kinesis, streamName, 200, 0);

    const batched: number[] = [];
    const single: number[] = [];
    for (let run = 1; run <= args.runs; run++) {
      // Alternate the two so that drift in the shared machine's load hits both alike.
      const result = await produceTicks({ streamName, count: args.batched, seed: run }, { kinesis });
      batched.push(result.recordsPerSecond);
      single.push(await produceOnePerCall(kinesis, streamName, args.single, run));
      if (!args.json) {
        console.error(
          `run ${run}: batched ${result.recordsPerSecond.toFixed(0)} rec/s, one-per-call ${single.at(-1)?.toFixed(0)} rec/s`,
        );
      }
    }
    const summary = {
      runs: args.runs,
      shards: args.shards,
      recordsPerRun: { batched: args.batched, onePerCall: args.single },
      medianRecordsPerSecond: {
        batched: Math.round(median(batched)),
        onePerCall: Math.round(median(single)),
      },
      ratio: Number((median(batched) / median(single)).toFixed(1)),
      samples: { batched: batched.map(Math.round), onePerCall: single.map(Math.round) },
    };
    console.log(args.json ? JSON.stringify(summary) : JSON.stringify(summary, null, 2));
    kinesis.destroy();
  } finally {
    child.kill('SIGTERM');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
