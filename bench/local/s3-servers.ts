/**
 * Compares S3-API servers the registries offer, side by side in one run, on what the local cloud needs:
 * multipart upload (Flink's S3 file system), ListObjectsV2 with a delimiter over nested prefixes (Glue,
 * Athena), versioning (the code object's version), path-style requests, and PUT/GET throughput of small
 * objects. Every request is path-style. Prints a Markdown table and a JSON line.
 *
 *   bash bench/local/s3-servers.sh          # installs the candidates, then runs this
 */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { residentBytes, spawnAndWait, stopProcessTree, descendantsOf } from '../../local/common/processes';
import { motoServerCommand } from '../../local/s3/moto-server';

const candidatesDir =
  process.env['S3_CANDIDATES_DIR'] ?? path.resolve(__dirname, '../../.flinkflow/bench/s3-candidates');
const OBJECTS = Number(process.env['S3_BENCH_OBJECTS'] ?? 500);
const CONCURRENCY = 8;
const ROUNDS = 3;

interface Candidate {
  name: string;
  /** s3rver accepts only its own fixed key pair. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  start(port: number): Promise<{ pid: number; url: string }>;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const candidates: Candidate[] = [
  {
    name: 'moto 5.2.5 (PyPI moto[server])',
    start: async (port) => {
      const moto = motoServerCommand();
      const { child } = await spawnAndWait(
        moto.command,
        [...moto.args, '-H', '127.0.0.1', '-p', String(port)],
        {
          ready: /Running on/,
          timeoutMs: 30_000,
        },
      );
      return { pid: child.pid as number, url: `http://127.0.0.1:${port}` };
    },
  },
  {
    name: 'S3Proxy 2.6.0 (Maven Central, transient store)',
    start: async (port) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 's3proxy-'));
      const conf = path.join(dir, 's3proxy.conf');
      writeFileSync(
        conf,
        [
          `s3proxy.endpoint=http://127.0.0.1:${port}`,
          's3proxy.authorization=none',
          'jclouds.provider=transient',
          'jclouds.identity=local',
          'jclouds.credential=local',
        ].join('\n'),
      );
      const { child } = await spawnAndWait(
        'java',
        ['-cp', path.join(candidatesDir, 's3proxy-lib', '*'), 'org.gaul.s3proxy.Main', '--properties', conf],
        {
          ready: /Started Server|Started o\.g\.s|started @|Started S3Proxy/i,
          timeoutMs: 60_000,
          env: { ...process.env, LOG_LEVEL: 'info' },
        },
      );
      return { pid: child.pid as number, url: `http://127.0.0.1:${port}` };
    },
  },
  {
    name: 's3rver 3.7.1 (npm)',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    start: async (port) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
      const { child } = await spawnAndWait(
        process.execPath,
        [
          path.join(candidatesDir, 'npm', 'node_modules', 's3rver', 'bin', 's3rver.js'),
          '-d',
          dir,
          '-a',
          '127.0.0.1',
          '-p',
          String(port),
        ],
        // s3rver's signing code uses a digest Node 17+ only offers through the legacy OpenSSL provider.
        {
          ready: /listening/i,
          timeoutMs: 30_000,
          env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
        },
      );
      return { pid: child.pid as number, url: `http://127.0.0.1:${port}` };
    },
  },
];

type Check = 'pass' | string;

async function check(run: () => Promise<boolean | string>): Promise<Check> {
  try {
    const outcome = await run();
    return outcome === true ? 'pass' : outcome === false ? 'wrong result' : outcome;
  } catch (e) {
    return `error: ${(e as Error).name}: ${(e as Error).message.split('\n')[0]?.slice(0, 80)}`;
  }
}

async function pool<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function measure(candidate: Candidate) {
  const port = await freePort();
  const startedAt = Date.now();
  const server = await candidate.start(port);
  const startupMs = Date.now() - startedAt;
  const s3 = new S3Client({
    endpoint: server.url,
    region: 'us-east-1',
    forcePathStyle: true,
    // Recent SDKs add CRC checksums to every upload; servers that do not know the headers refuse them.
    // The SDK's own setting turns them off for every candidate alike.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: candidate.credentials ?? { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler({ httpAgent: { keepAlive: true, maxSockets: CONCURRENCY } }),
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
    const multipart = await check(async () => {
      const partA = Buffer.alloc(5 * 1024 * 1024, 'a');
      const { UploadId } = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: 'bench', Key: 'mp/object' }),
      );
      const one = await s3.send(
        new UploadPartCommand({ Bucket: 'bench', Key: 'mp/object', UploadId, PartNumber: 1, Body: partA }),
      );
      const two = await s3.send(
        new UploadPartCommand({ Bucket: 'bench', Key: 'mp/object', UploadId, PartNumber: 2, Body: 'tail' }),
      );
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'bench',
          Key: 'mp/object',
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: one.ETag as string },
              { PartNumber: 2, ETag: two.ETag as string },
            ],
          },
        }),
      );
      const got = await s3.send(new GetObjectCommand({ Bucket: 'bench', Key: 'mp/object' }));
      const body = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
      return body.length === partA.length + 4 && body.subarray(-4).toString() === 'tail';
    });
    const listing = await check(async () => {
      for (const key of [
        'out/ticker=AAPL/a.csv',
        'out/ticker=AAPL/b.csv',
        'out/ticker=MSFT/dt=1/c.csv',
        'out/top.csv',
      ]) {
        await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: key, Body: 'x' }));
      }
      const root = await s3.send(
        new ListObjectsV2Command({ Bucket: 'bench', Prefix: 'out/', Delimiter: '/' }),
      );
      const nested = await s3.send(
        new ListObjectsV2Command({ Bucket: 'bench', Prefix: 'out/ticker=MSFT/', Delimiter: '/' }),
      );
      const prefixes = (root.CommonPrefixes ?? []).map((p) => p.Prefix).join(' ');
      const ok =
        prefixes === 'out/ticker=AAPL/ out/ticker=MSFT/' &&
        (root.Contents ?? []).map((c) => c.Key).join(' ') === 'out/top.csv' &&
        (nested.CommonPrefixes ?? []).map((p) => p.Prefix).join(' ') === 'out/ticker=MSFT/dt=1/' &&
        (nested.Contents ?? []).length === 0;
      return ok || `wrong listing: prefixes [${prefixes}]`;
    });
    const versioning = await check(async () => {
      await s3.send(
        new PutBucketVersioningCommand({ Bucket: 'bench', VersioningConfiguration: { Status: 'Enabled' } }),
      );
      const v1 = await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: 'code/app.zip', Body: 'one' }));
      await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: 'code/app.zip', Body: 'two' }));
      if (!v1.VersionId) return 'no VersionId returned';
      const old = await s3.send(
        new GetObjectCommand({ Bucket: 'bench', Key: 'code/app.zip', VersionId: v1.VersionId }),
      );
      const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'bench', Prefix: 'code/' }));
      return (
        ((await old.Body?.transformToString()) === 'one' && versions.Versions?.length === 2) ||
        'old version not kept'
      );
    });
    const body = Buffer.alloc(1024, 'x');
    const keys = Array.from({ length: OBJECTS }, (_, i) => `small/${i}.bin`);
    const putRates: number[] = [];
    const getRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let t = performance.now();
      await pool(keys, async (key) => {
        await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: key, Body: body }));
      });
      putRates.push(OBJECTS / ((performance.now() - t) / 1000));
      t = performance.now();
      await pool(keys, async (key) => {
        const got = await s3.send(new GetObjectCommand({ Bucket: 'bench', Key: key }));
        await got.Body?.transformToByteArray();
      });
      getRates.push(OBJECTS / ((performance.now() - t) / 1000));
    }
    const rss = [server.pid, ...descendantsOf(server.pid)].reduce((s, p) => s + residentBytes(p), 0);
    return {
      name: candidate.name,
      startupMs,
      multipart,
      listing,
      versioning,
      putPerSecond: Math.round(median(putRates)),
      getPerSecond: Math.round(median(getRates)),
      rssMiB: Math.round(rss / 1024 / 1024),
    };
  } finally {
    s3.destroy();
    await stopProcessTree(server.pid, 5_000);
  }
}

async function main() {
  const results = [];
  for (const candidate of candidates) {
    try {
      results.push(await measure(candidate));
    } catch (e) {
      results.push({ name: candidate.name, error: (e as Error).message.split('\n')[0] });
    }
  }
  console.log(
    `\n${OBJECTS} objects of 1 KiB, ${CONCURRENCY} concurrent requests, median of ${ROUNDS} rounds; path-style throughout\n`,
  );
  console.log(
    '| server | start (ms) | multipart | delimiter listing | versioning | PUT/s | GET/s | RSS after (MiB) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    if ('error' in r) console.log(`| ${r.name} | did not start: ${r.error} | | | | | | |`);
    else
      console.log(
        `| ${r.name} | ${r.startupMs} | ${r.multipart} | ${r.listing} | ${r.versioning} | ${r.putPerSecond} | ${r.getPerSecond} | ${r.rssMiB} |`,
      );
  }
  console.log(JSON.stringify(results));
}

void main();
