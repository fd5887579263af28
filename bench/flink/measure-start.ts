/**
 * Measures the local Managed Flink endpoint on the real packaged job: seconds from StartApplication to
 * RUNNING, seconds of a graceful stop (with savepoint), and the peak resident memory of the job's
 * process tree (runner + Flink JVM + Python workers) while it runs.
 *
 *   make flink-zip && tsx bench/flink/measure-start.ts [runs]
 *
 * Prints one JSON line per run and a summary line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { descendantsOf, isAlive, residentBytes } from '../../local/common/processes';
import { startLocalKinesis } from '../../local/kinesis/kinesis-server';
import { startLocalS3 } from '../../local/s3/moto-server';
import { createFlinkService, readStoredApplications } from '../../local/flink';

const ZIP = path.resolve(__dirname, '../../flink-app/dist/flinkflow-app.zip');
const REGION = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Resident memory (KiB) of the runner and every process it started (the Flink JVM, Python workers). */
function treeRssKiB(rootPid: number): number {
  return Math.round(
    [rootPid, ...descendantsOf(rootPid)].filter(isAlive).reduce((sum, pid) => sum + residentBytes(pid), 0) /
      1024,
  );
}

async function main(): Promise<void> {
  const runs = Number.parseInt(process.argv[2] ?? '1', 10);
  if (!fs.existsSync(ZIP)) throw new Error(`${ZIP} is missing; run make flink-zip first.`);
  const [s3Server, kinesisServer] = await Promise.all([startLocalS3(), startLocalKinesis()]);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flinkflow-measure-'));
  const s3 = new S3Client({ endpoint: s3Server.url, region: REGION, forcePathStyle: true, credentials });
  const kinesis = new KinesisClient({
    endpoint: kinesisServer.url,
    region: REGION,
    credentials,
    requestHandler: new NodeHttpHandler(),
  });
  let runnerPid = 0;
  let runnerSpawnedAt = 0;
  const flink = await createFlinkService({
    dataDir,
    s3Endpoint: s3Server.url,
    kinesisEndpoint: kinesisServer.url,
    region: REGION,
    account: '123456789012',
    log: (line) => {
      const pid = /runner pid (\d+)/.exec(line)?.[1];
      if (pid) {
        runnerPid = Number(pid);
        runnerSpawnedAt = Date.now();
      }
    },
  });
  const api = flink.provider as Record<
    string,
    (input: Record<string, unknown>) => Promise<Record<string, unknown>>
  >;
  const status = async (name: string) =>
    (
      (await api['DescribeApplication']!({ ApplicationName: name }))['ApplicationDetail'] as {
        ApplicationStatus: string;
      }
    ).ApplicationStatus;
  const results: { launchSeconds: number; startSeconds: number; stopSeconds: number; peakRssMiB: number }[] =
    [];
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'code' }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: 'code', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'out' }));
    const version = (
      await s3.send(new PutObjectCommand({ Bucket: 'code', Key: 'app.zip', Body: fs.readFileSync(ZIP) }))
    ).VersionId;
    await kinesis.send(new CreateStreamCommand({ StreamName: 'ticks', ShardCount: 1 }));
    await new Promise((r) => setTimeout(r, 1000));
    for (let i = 0; i < runs; i += 1) {
      const name = `measure-${i}`;
      await api['CreateApplication']!({
        ApplicationName: name,
        RuntimeEnvironment: 'FLINK-1_20',
        ServiceExecutionRole: 'arn:aws:iam::123456789012:role/measure',
        ApplicationConfiguration: {
          ApplicationCodeConfiguration: {
            CodeContentType: 'ZIPFILE',
            CodeContent: {
              S3ContentLocation: {
                BucketARN: 'arn:aws:s3:::code',
                FileKey: 'app.zip',
                ObjectVersion: version,
              },
            },
          },
          EnvironmentProperties: {
            PropertyGroups: [
              {
                PropertyGroupId: 'consumer.config.0',
                // LATEST becomes an AT_TIMESTAMP shard iterator in the connector, which kinesalite rejects.
                PropertyMap: {
                  'input.stream.name': 'ticks',
                  'aws.region': REGION,
                  'flink.stream.initpos': 'TRIM_HORIZON',
                },
              },
              { PropertyGroupId: 'sink.config.0', PropertyMap: { 'output.bucket.name': 'out' } },
              {
                PropertyGroupId: 'kinesis.analytics.flink.run.options',
                PropertyMap: { python: 'main.py', jarfile: 'lib/flinkflow-app-deps.jar' },
              },
            ],
          },
          ApplicationSnapshotConfiguration: { SnapshotsEnabled: true },
        },
      });
      const started = Date.now();
      await api['StartApplication']!({ ApplicationName: name });
      let peak = 0;
      while ((await status(name)) === 'STARTING') {
        if (runnerPid) peak = Math.max(peak, treeRssKiB(runnerPid));
        await new Promise((r) => setTimeout(r, 250));
      }
      const startSeconds = (Date.now() - started) / 1000;
      if ((await status(name)) !== 'RUNNING') {
        const operations = await api['ListApplicationOperations']!({ ApplicationName: name });
        const [latest] = operations['ApplicationOperationInfoList'] as { OperationId: string }[];
        const details = await api['DescribeApplicationOperation']!({
          ApplicationName: name,
          OperationId: latest?.OperationId,
        });
        throw new Error(`${name} did not start: ${JSON.stringify(details)}`);
      }
      // Let the job settle into steady state, sampling its memory meanwhile.
      for (let s = 0; s < 40; s += 1) {
        peak = Math.max(peak, treeRssKiB(runnerPid));
        await new Promise((r) => setTimeout(r, 250));
      }
      if ((await status(name)) !== 'RUNNING') {
        const stored = readStoredApplications(dataDir).find((a) => a.name === name);
        throw new Error(`${name} stopped by itself: ${stored?.lastRunError ?? 'no reason recorded'}`);
      }
      const stopping = Date.now();
      await api['StopApplication']!({ ApplicationName: name });
      while ((await status(name)) !== 'READY') await new Promise((r) => setTimeout(r, 100));
      const result = {
        // The endpoint's own part: code download from S3, properties file, spawning the runner.
        launchSeconds: (runnerSpawnedAt - started) / 1000,
        startSeconds,
        stopSeconds: (Date.now() - stopping) / 1000,
        peakRssMiB: Math.round(peak / 1024),
      };
      results.push(result);
      console.log(JSON.stringify({ run: i + 1, ...result }));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(
      JSON.stringify({
        runs,
        medianLaunchSeconds: median(results.map((r) => r.launchSeconds)),
        medianStartSeconds: median(results.map((r) => r.startSeconds)),
        medianStopSeconds: median(results.map((r) => r.stopSeconds)),
        maxPeakRssMiB: Math.max(...results.map((r) => r.peakRssMiB)),
        cpus: os.cpus().length,
      }),
    );
  } finally {
    await flink.shutdown();
    s3.destroy();
    kinesis.destroy();
    await Promise.allSettled([s3Server.stop(), kinesisServer.stop()]);
    if (results.length === runs) fs.rmSync(dataDir, { recursive: true, force: true });
    else console.error(`kept ${dataDir} for its logs`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
