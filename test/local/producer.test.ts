import type { AddressInfo } from 'node:net';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { TICKERS, produceTicks, type DeliveredTick } from '../../producer';

// kinesalite has no type declarations; it is a factory of an http.Server.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kinesalite = require('kinesalite') as (options: Record<string, unknown>) => import('node:http').Server;

const STREAM = 'producer-local-test';
let server: import('node:http').Server;
let kinesis: KinesisClient;

beforeAll(async () => {
  server = kinesalite({ createStreamMs: 0, shardLimit: 10 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  kinesis = new KinesisClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // kinesalite speaks HTTP/1.1 only; the client's default handler is HTTP/2.
    requestHandler: new NodeHttpHandler(),
  });
  await kinesis.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 4 }));
  await waitUntilStreamExists({ client: kinesis, maxWaitTime: 10, minDelay: 1 }, { StreamName: STREAM });
});

afterAll(async () => {
  kinesis.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function readAll(): Promise<Array<{ shardId: string; data: string; key: string }>> {
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: STREAM }))).Shards ?? [];
  const out: Array<{ shardId: string; data: string; key: string }> = [];
  for (const shard of shards) {
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: STREAM,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    for (;;) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of page.Records ?? []) {
        out.push({
          shardId: shard.ShardId ?? '',
          data: Buffer.from(r.Data ?? new Uint8Array()).toString('utf8'),
          key: r.PartitionKey ?? '',
        });
      }
      iterator = page.NextShardIterator;
      if (!iterator || (page.Records ?? []).length === 0) break;
    }
  }
  return out;
}

describe('produceTicks against kinesalite', () => {
  it('It should put every seeded tick on the stream, each ticker on one shard, as the recorder reported them', async () => {
    // Prepare
    const recorded: DeliveredTick[] = [];
    const start = Date.UTC(2026, 10, 25, 12, 0, 0);

    // Act
    const result = await produceTicks(
      {
        streamName: STREAM,
        count: 2345,
        seed: 11,
        eventTime: { startMs: start, spacingMs: 10 },
        onDelivered: (records) => recorded.push(...records),
      },
      { kinesis },
    );
    const stored = await readAll();

    // Assess
    expect(result).toMatchObject({ delivered: 2345, requests: 5, retriedRecords: 0 });
    expect(stored).toHaveLength(2345);
    expect(stored.map((s) => s.data).sort()).toEqual(recorded.map((r) => JSON.stringify(r.event)).sort());
    const shardsByTicker = new Map<string, Set<string>>();
    for (const s of stored) {
      const ticker = (JSON.parse(s.data) as { ticker: string }).ticker;
      expect(s.key).toBe(ticker);
      shardsByTicker.set(ticker, (shardsByTicker.get(ticker) ?? new Set()).add(s.shardId));
    }
    expect([...shardsByTicker.keys()].sort()).toEqual([...TICKERS].sort());
    for (const shards of shardsByTicker.values()) expect(shards.size).toBe(1);
    // Five keys over four shards: the records do not all land on one shard as a constant key would make them.
    expect(new Set(stored.map((s) => s.shardId)).size).toBeGreaterThan(1);
    const sequenceByShard = new Map(recorded.map((r) => [r.sequenceNumber, r.shardId]));
    expect(sequenceByShard.size).toBe(2345);
  });
});
