/**
 * The local Managed Flink endpoint running the REAL packaged job: flink-app/dist/flinkflow-app.zip
 * (built by `make flink-zip`) through flink-app/local_runner.py on PyFlink's local cluster, reading a
 * kinesalite stream and writing to moto S3, both started here. Driven by the real SDK client.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateApplicationCommand,
  DeleteApplicationSnapshotCommand,
  DescribeApplicationCommand,
  DescribeApplicationOperationCommand,
  KinesisAnalyticsV2Client,
  ListApplicationSnapshotsCommand,
  StartApplicationCommand,
  StopApplicationCommand,
  UpdateApplicationCommand,
  type CreateApplicationCommandInput,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { CreateStreamCommand, KinesisClient, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startJsonService, type RunningService } from '../../local/common/aws-json-server';
import { createFlinkService, FLINK_TARGET_PREFIX } from '../../local/flink';
import { startLocalKinesis, type LocalKinesis } from '../../local/kinesis/kinesis-server';
import { startLocalS3, type LocalS3 } from '../../local/s3/moto-server';

const REPO = path.resolve(__dirname, '../..');
const ZIP = path.join(REPO, 'flink-app', 'dist', 'flinkflow-app.zip');
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const CODE_BUCKET = 'flinkflow-real-code';
const OUTPUT_BUCKET = 'flinkflow-real-output';
const STREAM = 'flinkflow-real-ticks';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
// A PyFlink start (JVM, mini cluster, connector jar) takes tens of seconds on a shared 2-core machine.
const START_TIMEOUT_MS = 240_000;

jest.setTimeout(420_000);

let s3Server: LocalS3;
let kinesisServer: LocalKinesis;
let s3: S3Client;
let dataDir: string;
let flink: { shutdown(): Promise<void> };
let endpoint: RunningService;
let client: KinesisAnalyticsV2Client;

function applicationInput(name: string, codeVersion: string): CreateApplicationCommandInput {
  return {
    ApplicationName: name,
    RuntimeEnvironment: 'FLINK-1_20',
    ServiceExecutionRole: `arn:aws:iam::${ACCOUNT}:role/flinkflow-app-role`,
    ApplicationConfiguration: {
      ApplicationCodeConfiguration: {
        CodeContentType: 'ZIPFILE',
        CodeContent: {
          S3ContentLocation: {
            BucketARN: `arn:aws:s3:::${CODE_BUCKET}`,
            FileKey: 'code/flinkflow-app.zip',
            ObjectVersion: codeVersion,
          },
        },
      },
      EnvironmentProperties: {
        PropertyGroups: [
          {
            PropertyGroupId: 'consumer.config.0',
            PropertyMap: {
              'input.stream.name': STREAM,
              'aws.region': REGION,
              'flink.stream.initpos': 'TRIM_HORIZON',
            },
          },
          { PropertyGroupId: 'sink.config.0', PropertyMap: { 'output.bucket.name': OUTPUT_BUCKET } },
          {
            PropertyGroupId: 'job.config.0',
            PropertyMap: { 'window.seconds': '5', 'watermark.seconds': '1' },
          },
          {
            PropertyGroupId: 'kinesis.analytics.flink.run.options',
            PropertyMap: { python: 'main.py', jarfile: 'lib/flinkflow-app-deps.jar' },
          },
        ],
      },
      ApplicationSnapshotConfiguration: { SnapshotsEnabled: true },
      ApplicationSystemRollbackConfiguration: { RollbackEnabled: true },
    },
  };
}

async function uploadCode(body: Buffer): Promise<string> {
  const out = await s3.send(
    new PutObjectCommand({ Bucket: CODE_BUCKET, Key: 'code/flinkflow-app.zip', Body: body }),
  );
  return out.VersionId as string;
}

/** A zip holding only the jar, so the run option `python` names a file that is not there. */
function brokenZip(): Buffer {
  const file = path.join(dataDir, 'broken.zip');
  execFileSync(path.join(REPO, '.venv', 'bin', 'python'), [
    '-c',
    'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z: z.writestr("lib/flinkflow-app-deps.jar", b"not a jar")',
    file,
  ]);
  return fs.readFileSync(file);
}

async function waitForOperation(name: string, operationId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await client.send(
      new DescribeApplicationOperationCommand({ ApplicationName: name, OperationId: operationId }),
    );
    const details = out.ApplicationOperationInfoDetails!;
    if (details.OperationStatus !== 'IN_PROGRESS') return details;
    if (Date.now() > deadline)
      throw new Error(`operation ${operationId} of ${name} still IN_PROGRESS after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function statusOf(name: string): Promise<string | undefined> {
  return (await client.send(new DescribeApplicationCommand({ ApplicationName: name }))).ApplicationDetail
    ?.ApplicationStatus;
}

beforeAll(async () => {
  if (!fs.existsSync(ZIP)) {
    throw new Error(`${ZIP} is missing: build the job's zip with \`make flink-zip\` before this suite.`);
  }
  [s3Server, kinesisServer] = await Promise.all([startLocalS3(), startLocalKinesis()]);
  s3 = new S3Client({ endpoint: s3Server.url, region: REGION, forcePathStyle: true, credentials });
  await s3.send(new CreateBucketCommand({ Bucket: CODE_BUCKET }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: CODE_BUCKET, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: OUTPUT_BUCKET }));
  // kinesalite speaks HTTP/1.1 only; the SDK's default handler for Kinesis is HTTP/2.
  const kinesis = new KinesisClient({
    endpoint: kinesisServer.url,
    region: REGION,
    credentials,
    requestHandler: new NodeHttpHandler(),
  });
  await kinesis.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 1 }));
  await waitUntilStreamExists({ client: kinesis, maxWaitTime: 30 }, { StreamName: STREAM });
  kinesis.destroy();

  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flinkflow-flink-real-'));
  const service = await createFlinkService({
    dataDir,
    s3Endpoint: s3Server.url,
    kinesisEndpoint: kinesisServer.url,
    region: REGION,
    account: ACCOUNT,
    log: () => undefined,
    startTimeoutMs: START_TIMEOUT_MS,
  });
  flink = service;
  endpoint = await startJsonService({ targetPrefix: FLINK_TARGET_PREFIX, provider: service.provider });
  client = new KinesisAnalyticsV2Client({ endpoint: endpoint.url, region: REGION, credentials });
});

afterAll(async () => {
  client?.destroy();
  await endpoint?.close();
  await flink?.shutdown();
  s3?.destroy();
  await Promise.allSettled([s3Server?.stop(), kinesisServer?.stop()]);
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('The real packaged job on the local endpoint', () => {
  it('It should start the packaged zip on PyFlink, report RUNNING only once the job runs, and stop it with a savepoint', async () => {
    // Prepare
    const codeVersion = await uploadCode(fs.readFileSync(ZIP));
    await client.send(new CreateApplicationCommand(applicationInput('real-app', codeVersion)));

    // Act
    const started = await client.send(new StartApplicationCommand({ ApplicationName: 'real-app' }));
    const statusRightAfterStart = await statusOf('real-app');
    const startOp = await waitForOperation('real-app', started.OperationId!, START_TIMEOUT_MS + 10_000);
    const statusWhenStarted = await statusOf('real-app');
    const log = fs.readFileSync(path.join(dataDir, 'apps', 'real-app', 'logs', 'latest.log'), 'utf8');
    const stopped = await client.send(new StopApplicationCommand({ ApplicationName: 'real-app' }));
    const stopOp = await waitForOperation('real-app', stopped.OperationId!, 180_000);
    const snapshots = await client.send(new ListApplicationSnapshotsCommand({ ApplicationName: 'real-app' }));

    // Assess
    expect(statusRightAfterStart).toBe('STARTING');
    expect(startOp.OperationFailureDetails?.ErrorInfo?.ErrorString).toBeUndefined();
    expect(startOp.OperationStatus).toBe('SUCCESSFUL');
    expect(statusWhenStarted).toBe('RUNNING');
    expect(log).toMatch(/\[runner\] \{"status": ?"RUNNING", ?"jobId": ?"[0-9a-f]{32}"\}/);
    expect(stopOp.OperationStatus).toBe('SUCCESSFUL');
    expect(await statusOf('real-app')).toBe('READY');
    expect(snapshots.SnapshotSummaries?.[0]?.SnapshotStatus).toBe('READY');
    // The savepoint Flink wrote is the snapshot's content; deleting the snapshot removes it.
    const savepoints = path.join(dataDir, 'apps', 'real-app', 'savepoints');
    const written = fs
      .readdirSync(savepoints, { recursive: true })
      .filter((f) => String(f).endsWith('_metadata'));
    expect(written).toHaveLength(1);
    await client.send(
      new DeleteApplicationSnapshotCommand({
        ApplicationName: 'real-app',
        SnapshotName: snapshots.SnapshotSummaries![0]!.SnapshotName!,
        SnapshotCreationTimestamp: snapshots.SnapshotSummaries![0]!.SnapshotCreationTimestamp!,
      }),
    );
    expect(
      fs.readdirSync(savepoints, { recursive: true }).filter((f) => String(f).endsWith('_metadata')),
    ).toHaveLength(0);
  });

  it('It should report a zip without its python file as a FAILED start with the runner message, back to READY', async () => {
    // Prepare
    const codeVersion = await uploadCode(brokenZip());
    await client.send(new CreateApplicationCommand(applicationInput('broken-app', codeVersion)));

    // Act
    const started = await client.send(new StartApplicationCommand({ ApplicationName: 'broken-app' }));
    const op = await waitForOperation('broken-app', started.OperationId!, 120_000);

    // Assess
    expect(op.OperationStatus).toBe('FAILED');
    expect(op.OperationFailureDetails?.ErrorInfo?.ErrorString).toContain('main.py');
    expect(await statusOf('broken-app')).toBe('READY');
  });

  it('It should roll a RUNNING job back to its previous code from the savepoint when an update to a broken zip fails', async () => {
    // Prepare
    const goodVersion = await uploadCode(fs.readFileSync(ZIP));
    await client.send(new CreateApplicationCommand(applicationInput('rollback-app', goodVersion)));
    const started = await client.send(new StartApplicationCommand({ ApplicationName: 'rollback-app' }));
    expect(
      (await waitForOperation('rollback-app', started.OperationId!, START_TIMEOUT_MS + 10_000))
        .OperationStatus,
    ).toBe('SUCCESSFUL');
    const brokenVersion = await uploadCode(brokenZip());

    // Act
    const updated = await client.send(
      new UpdateApplicationCommand({
        ApplicationName: 'rollback-app',
        CurrentApplicationVersionId: 1,
        ApplicationConfigurationUpdate: {
          ApplicationCodeConfigurationUpdate: {
            CodeContentUpdate: { S3ContentLocationUpdate: { ObjectVersionUpdate: brokenVersion } },
          },
        },
      }),
    );
    const updateOp = await waitForOperation('rollback-app', updated.OperationId!, 120_000);
    const rollbackOp = await waitForOperation(
      'rollback-app',
      updateOp.OperationFailureDetails!.RollbackOperationId!,
      START_TIMEOUT_MS + 10_000,
    );
    const detail = (await client.send(new DescribeApplicationCommand({ ApplicationName: 'rollback-app' })))
      .ApplicationDetail!;
    const log = fs.readFileSync(path.join(dataDir, 'apps', 'rollback-app', 'logs', 'latest.log'), 'utf8');
    const forced = await client.send(
      new StopApplicationCommand({ ApplicationName: 'rollback-app', Force: true }),
    );
    await waitForOperation('rollback-app', forced.OperationId!, 60_000);

    // Assess
    expect(updateOp.OperationStatus).toBe('FAILED');
    expect(updateOp.OperationFailureDetails?.ErrorInfo?.ErrorString).toContain('main.py');
    expect(rollbackOp.OperationStatus).toBe('SUCCESSFUL');
    expect(detail.ApplicationStatus).toBe('RUNNING');
    expect(
      detail.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription
        ?.CodeContentDescription?.S3ApplicationCodeLocationDescription?.ObjectVersion,
    ).toBe(goodVersion);
    // The old code came back with its state: the runner was started from the savepoint of the update.
    expect(log).toMatch(/--from-savepoint \S*savepoint-/);
    expect(await statusOf('rollback-app')).toBe('READY');
  });
});
