/**
 * The local Managed Service for Apache Flink endpoint, driven by the real kinesisanalyticsv2 SDK client,
 * reading code from a real S3-API server (moto, versioned bucket).
 *
 * These tests run the endpoint with test/support/fake-runner.js in place of the PyFlink runner:
 * it speaks the runner's stdout protocol but does what its "code zip" (a JSON document) says — run,
 * fail, exit, hang, crash — in milliseconds. That is the only way to make failures, hangs and crashes
 * happen on demand and keep the suite fast; flink-real.test.ts starts the real zip on real Flink.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  KinesisAnalyticsV2Client,
  CreateApplicationCommand,
  CreateApplicationSnapshotCommand,
  DeleteApplicationCommand,
  DeleteApplicationSnapshotCommand,
  DescribeApplicationCommand,
  DescribeApplicationOperationCommand,
  DescribeApplicationSnapshotCommand,
  DescribeApplicationVersionCommand,
  ListApplicationOperationsCommand,
  ListApplicationSnapshotsCommand,
  ListApplicationVersionsCommand,
  ListApplicationsCommand,
  RollbackApplicationCommand,
  StartApplicationCommand,
  StopApplicationCommand,
  UpdateApplicationCommand,
  type ApplicationDetail,
  type CreateApplicationCommandInput,
} from '@aws-sdk/client-kinesis-analytics-v2';
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { maxApplicationMetric } from '../support/local-cloud';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { startJsonService, type RunningService } from '../../local/common/aws-json-server';
import { isAlive } from '../../local/common/processes';
import { createFlinkService, FLINK_TARGET_PREFIX, readStoredApplications } from '../../local/flink';
import { startLocalS3, type LocalS3 } from '../../local/s3/moto-server';

jest.setTimeout(60_000);

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const BUCKET = 'flinkflow-endpoint-test';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/flinkflow-app-role`;
const FAKE_RUNNER = path.resolve(__dirname, '../support/fake-runner.js');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

let s3Server: LocalS3;
let s3: S3Client;
let dataDir: string;
let service: { shutdown(): Promise<void> };
let endpoint: RunningService;
let client: KinesisAnalyticsV2Client;

/** Uploads a code document for the fake runner and returns its S3 object version. */
async function uploadCode(key: string, spec: Record<string, unknown>): Promise<string> {
  const out = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: JSON.stringify(spec) }));
  if (!out.VersionId) throw new Error('the test bucket must be versioned');
  return out.VersionId;
}

function createInput(
  name: string,
  key: string,
  objectVersion: string,
  extra: { snapshots?: boolean; rollback?: boolean } = {},
): CreateApplicationCommandInput {
  return {
    ApplicationName: name,
    RuntimeEnvironment: 'FLINK-1_20',
    ServiceExecutionRole: ROLE,
    ApplicationConfiguration: {
      ApplicationCodeConfiguration: {
        CodeContentType: 'ZIPFILE',
        CodeContent: {
          S3ContentLocation: { BucketARN: BUCKET_ARN, FileKey: key, ObjectVersion: objectVersion },
        },
      },
      EnvironmentProperties: {
        PropertyGroups: [
          {
            PropertyGroupId: 'consumer.config.0',
            PropertyMap: { 'input.stream.name': 'ticks', 'aws.region': REGION },
          },
          { PropertyGroupId: 'sink.config.0', PropertyMap: { 'output.bucket.name': 'out-bucket' } },
        ],
      },
      FlinkApplicationConfiguration: {
        CheckpointConfiguration: {
          ConfigurationType: 'CUSTOM',
          CheckpointingEnabled: true,
          CheckpointInterval: 10_000,
        },
        ParallelismConfiguration: { ConfigurationType: 'CUSTOM', Parallelism: 1, AutoScalingEnabled: false },
      },
      ApplicationSnapshotConfiguration: { SnapshotsEnabled: extra.snapshots ?? true },
      ApplicationSystemRollbackConfiguration: { RollbackEnabled: extra.rollback ?? true },
    },
  };
}

async function describe_(name: string): Promise<ApplicationDetail> {
  const out = await client.send(new DescribeApplicationCommand({ ApplicationName: name }));
  return out.ApplicationDetail as ApplicationDetail;
}

/** Polls DescribeApplication, recording every status seen, until `done` says so or time runs out. */
async function waitForStatus(
  name: string,
  target: string,
  timeoutMs = 10_000,
  seen: string[] = [],
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await describe_(name)).ApplicationStatus as string;
    if (seen[seen.length - 1] !== status) seen.push(status);
    if (status === target) return seen;
    if (Date.now() > deadline)
      throw new Error(`${name} did not reach ${target} in ${timeoutMs} ms; seen ${seen.join(' -> ')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function waitForOperation(name: string, operationId: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await client.send(
      new DescribeApplicationOperationCommand({ ApplicationName: name, OperationId: operationId }),
    );
    const details = out.ApplicationOperationInfoDetails!;
    if (details.OperationStatus !== 'IN_PROGRESS') return details;
    if (Date.now() > deadline)
      throw new Error(`operation ${operationId} still IN_PROGRESS after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return {
      name: err.name,
      message: err.message,
      ...(err.$metadata?.httpStatusCode ? { status: err.$metadata.httpStatusCode } : {}),
    };
  }
  throw new Error('expected the call to fail');
}

interface Received {
  pid: number;
  childPid: number | null;
  args: Record<string, string>;
  /** Every --flink-conf pair, in order. */
  flinkConf: string[];
  spec: { tag?: string };
  properties: unknown;
  env: Record<string, string>;
}

/** What the fake runner of each of the application's runs received, oldest run first. */
function allReceived(name: string): Received[] {
  const runs = path.join(dataDir, 'apps', name, 'runs');
  // Run directories are named by their start time, so name order is start order.
  return fs
    .readdirSync(runs)
    .sort()
    .map((run) => JSON.parse(fs.readFileSync(path.join(runs, run, 'work', 'received.json'), 'utf8')));
}

/** What the fake runner of the application's newest run received (arguments, properties, env). */
function lastReceived(name: string): Received {
  return allReceived(name).pop() as Received;
}

/** Retries `read` until it returns a value without throwing (the runner writes its file asynchronously). */
async function eventually<T>(read: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = read();
      if (value !== undefined) return value;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline) throw new Error('no value in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Retries an async `read` until it returns a value; its last error (or "no value") when time runs out. */
async function eventuallyAsync<T>(read: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`no value within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startService(): Promise<void> {
  const flink = await createFlinkService({
    dataDir,
    s3Endpoint: s3Server.url,
    kinesisEndpoint: 'http://127.0.0.1:1',
    region: REGION,
    account: ACCOUNT,
    log: () => undefined,
    runnerCommand: [process.execPath, FAKE_RUNNER],
    startTimeoutMs: 2_000,
    stopTimeoutMs: 5_000,
    // moto's CloudWatch and CloudWatch Logs, and short timers so that a crash and its restarts show fast.
    cloudWatchEndpoint: s3Server.url,
    logsEndpoint: s3Server.url,
    metricsIntervalMs: 200,
    logFlushIntervalMs: 100,
    restartPolicy: { initialDelayMs: 100, maxDelayMs: 400, stableAfterMs: 60_000 },
  });
  service = flink;
  endpoint = await startJsonService({ targetPrefix: FLINK_TARGET_PREFIX, provider: flink.provider });
  client = new KinesisAnalyticsV2Client({ endpoint: endpoint.url, region: REGION, credentials });
}

async function stopService(): Promise<void> {
  client.destroy();
  await endpoint.close();
  await service.shutdown();
}

beforeAll(async () => {
  s3Server = await startLocalS3();
  s3 = new S3Client({ endpoint: s3Server.url, region: REGION, forcePathStyle: true, credentials });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flinkflow-flink-'));
  await startService();
});

afterAll(async () => {
  await stopService();
  s3.destroy();
  await s3Server.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('CreateApplication and DescribeApplication', () => {
  it('It should create a READY application whose description mirrors the request', async () => {
    // Prepare
    const version = await uploadCode('code/create.zip', { behavior: 'run', tag: 'v1' });

    // Act
    const created = await client.send(
      new CreateApplicationCommand(createInput('create-app', 'code/create.zip', version)),
    );
    const detail = await describe_('create-app');

    // Assess
    expect(created.ApplicationDetail?.ApplicationARN).toBe(
      `arn:aws:kinesisanalytics:${REGION}:${ACCOUNT}:application/create-app`,
    );
    expect(detail).toMatchObject({
      ApplicationName: 'create-app',
      ApplicationStatus: 'READY',
      ApplicationVersionId: 1,
      RuntimeEnvironment: 'FLINK-1_20',
      ServiceExecutionRole: ROLE,
      ApplicationMode: 'STREAMING',
    });
    expect(detail.ConditionalToken).toEqual(expect.any(String));
    expect(detail.CreateTimestamp).toBeInstanceOf(Date);
    const config = detail.ApplicationConfigurationDescription!;
    expect(
      config.ApplicationCodeConfigurationDescription?.CodeContentDescription
        ?.S3ApplicationCodeLocationDescription,
    ).toEqual({
      BucketARN: BUCKET_ARN,
      FileKey: 'code/create.zip',
      ObjectVersion: version,
    });
    expect(
      config.EnvironmentPropertyDescriptions?.PropertyGroupDescriptions?.map((g) => g.PropertyGroupId),
    ).toEqual(['consumer.config.0', 'sink.config.0']);
    expect(config.FlinkApplicationConfigurationDescription?.CheckpointConfigurationDescription).toMatchObject(
      {
        ConfigurationType: 'CUSTOM',
        CheckpointingEnabled: true,
        CheckpointInterval: 10_000,
      },
    );
    expect(config.ApplicationSnapshotConfigurationDescription?.SnapshotsEnabled).toBe(true);
    expect(config.ApplicationSystemRollbackConfigurationDescription?.RollbackEnabled).toBe(true);
  });

  it('It should refuse a second application with the same name with ResourceInUseException', async () => {
    // Prepare
    const version = await uploadCode('code/dup.zip', { behavior: 'run' });
    await client.send(new CreateApplicationCommand(createInput('dup-app', 'code/dup.zip', version)));

    // Act
    const error = await errorOf(
      client.send(new CreateApplicationCommand(createInput('dup-app', 'code/dup.zip', version))),
    );

    // Assess
    expect(error).toMatchObject({ name: 'ResourceInUseException', status: 400 });
    expect(error.message).toContain('dup-app');
  });

  it.each([
    [
      'an unsupported runtime',
      { RuntimeEnvironment: 'SQL-1_0' },
      'InvalidArgumentException',
      'RuntimeEnvironment',
    ],
    [
      'a role that is not an IAM role ARN',
      { ServiceExecutionRole: 'my-role' },
      'InvalidArgumentException',
      'ServiceExecutionRole',
    ],
    ['a missing runtime', { RuntimeEnvironment: undefined }, 'InvalidRequestException', 'RuntimeEnvironment'],
    ['a name with spaces', { ApplicationName: 'bad name' }, 'InvalidArgumentException', 'ApplicationName'],
  ])('It should reject %s and create nothing', async (_case, override, code, member) => {
    // Prepare
    const input = {
      ...createInput('invalid-app', 'code/x.zip', 'v'),
      ...override,
    } as CreateApplicationCommandInput;

    // Act
    const error = await errorOf(client.send(new CreateApplicationCommand(input)));

    // Assess
    expect(error.name).toBe(code);
    expect(error.message).toContain(member);
    const listed = await client.send(new ListApplicationsCommand({}));
    expect(listed.ApplicationSummaries?.map((a) => a.ApplicationName)).not.toContain('invalid-app');
  });

  it('It should reject a bad bucket ARN and a duplicated property group, naming the member', async () => {
    // Prepare
    const badBucket = createInput('bad-bucket', 'code/x.zip', 'v');
    badBucket.ApplicationConfiguration!.ApplicationCodeConfiguration!.CodeContent!.S3ContentLocation!.BucketARN =
      'my-bucket';
    const duplicated = createInput('dup-groups', 'code/x.zip', 'v');
    duplicated.ApplicationConfiguration!.EnvironmentProperties!.PropertyGroups!.push({
      PropertyGroupId: 'sink.config.0',
      PropertyMap: { a: 'b' },
    });

    // Act
    const bucketError = await errorOf(client.send(new CreateApplicationCommand(badBucket)));
    const groupError = await errorOf(client.send(new CreateApplicationCommand(duplicated)));

    // Assess
    expect(bucketError).toMatchObject({ name: 'InvalidArgumentException' });
    expect(bucketError.message).toContain('BucketARN');
    expect(groupError).toMatchObject({ name: 'InvalidArgumentException' });
    expect(groupError.message).toContain("'sink.config.0' appears more than once");
  });

  it('It should answer ResourceNotFoundException for every call on an unknown application', async () => {
    // Act
    const errors = await Promise.all([
      errorOf(client.send(new DescribeApplicationCommand({ ApplicationName: 'nope' }))),
      errorOf(client.send(new StartApplicationCommand({ ApplicationName: 'nope' }))),
      errorOf(client.send(new StopApplicationCommand({ ApplicationName: 'nope' }))),
      errorOf(
        client.send(new DeleteApplicationCommand({ ApplicationName: 'nope', CreateTimestamp: new Date() })),
      ),
      errorOf(
        client.send(
          new UpdateApplicationCommand({ ApplicationName: 'nope', CurrentApplicationVersionId: 1 }),
        ),
      ),
      errorOf(
        client.send(new DescribeApplicationOperationCommand({ ApplicationName: 'nope', OperationId: 'x' })),
      ),
    ]);

    // Assess
    expect(errors.map((e) => e.name)).toEqual(Array(6).fill('ResourceNotFoundException'));
    expect(errors[0]?.message).toContain('nope');
  });
});

describe('StartApplication and StopApplication', () => {
  it('It should go READY -> STARTING -> RUNNING with the pinned code and the properties file, then STOPPING -> READY with a snapshot', async () => {
    // Prepare: pin version 1 of the key, then overwrite the key, so only the pin can explain v1 running.
    const v1 = await uploadCode('code/life.zip', { behavior: 'run', tag: 'v1', delayMs: 300 });
    await uploadCode('code/life.zip', { behavior: 'fail', tag: 'v2' });
    await client.send(new CreateApplicationCommand(createInput('life-app', 'code/life.zip', v1)));

    // Act
    const started = await client.send(new StartApplicationCommand({ ApplicationName: 'life-app' }));
    const startSeen = await waitForStatus('life-app', 'RUNNING');
    const startOp = await waitForOperation('life-app', started.OperationId!);
    const received = lastReceived('life-app');
    const again = await errorOf(client.send(new StartApplicationCommand({ ApplicationName: 'life-app' })));
    const stopped = await client.send(new StopApplicationCommand({ ApplicationName: 'life-app' }));
    const stopSeen = await waitForStatus('life-app', 'READY');
    const stopOp = await waitForOperation('life-app', stopped.OperationId!);
    const snapshots = await client.send(new ListApplicationSnapshotsCommand({ ApplicationName: 'life-app' }));

    // Assess
    expect(startSeen).toEqual(['STARTING', 'RUNNING']);
    expect(startOp).toMatchObject({ Operation: 'StartApplication', OperationStatus: 'SUCCESSFUL' });
    expect(startOp.EndTime).toBeInstanceOf(Date);
    expect(received.spec.tag).toBe('v1');
    expect(received.properties).toEqual([
      {
        PropertyGroupId: 'consumer.config.0',
        PropertyMap: { 'input.stream.name': 'ticks', 'aws.region': REGION },
      },
      { PropertyGroupId: 'sink.config.0', PropertyMap: { 'output.bucket.name': 'out-bucket' } },
    ]);
    expect(path.basename(received.args['properties'] as string)).toBe('application_properties.json');
    expect(received.env).toMatchObject({ AWS_ENDPOINT_URL_S3: s3Server.url, AWS_REGION: REGION });
    expect(again.name).toBe('ResourceInUseException');
    expect(stopSeen[stopSeen.length - 1]).toBe('READY');
    expect(stopOp).toMatchObject({ Operation: 'StopApplication', OperationStatus: 'SUCCESSFUL' });
    expect(snapshots.SnapshotSummaries).toHaveLength(1);
    expect(snapshots.SnapshotSummaries?.[0]).toMatchObject({
      SnapshotStatus: 'READY',
      ApplicationVersionId: 1,
    });
  });

  it('It should restore a restart from the latest snapshot, skip it on request and refuse an unknown snapshot', async () => {
    // Prepare: run once and stop, which leaves a snapshot (snapshots are on).
    const version = await uploadCode('code/restore.zip', { behavior: 'run' });
    await client.send(new CreateApplicationCommand(createInput('restore-app', 'code/restore.zip', version)));
    await client.send(new StartApplicationCommand({ ApplicationName: 'restore-app' }));
    await waitForStatus('restore-app', 'RUNNING');
    await client.send(new StopApplicationCommand({ ApplicationName: 'restore-app' }));
    await waitForStatus('restore-app', 'READY');

    // Act
    const unknown = await errorOf(
      client.send(
        new StartApplicationCommand({
          ApplicationName: 'restore-app',
          RunConfiguration: {
            ApplicationRestoreConfiguration: {
              ApplicationRestoreType: 'RESTORE_FROM_CUSTOM_SNAPSHOT',
              SnapshotName: 'nope',
            },
          },
        }),
      ),
    );
    const statusAfterRefusal = (await describe_('restore-app')).ApplicationStatus;
    await client.send(new StartApplicationCommand({ ApplicationName: 'restore-app' }));
    await waitForStatus('restore-app', 'RUNNING');
    const restored = lastReceived('restore-app').args['from-savepoint'];
    await client.send(new StopApplicationCommand({ ApplicationName: 'restore-app' }));
    await waitForStatus('restore-app', 'READY');
    await client.send(
      new StartApplicationCommand({
        ApplicationName: 'restore-app',
        RunConfiguration: {
          ApplicationRestoreConfiguration: { ApplicationRestoreType: 'SKIP_RESTORE_FROM_SNAPSHOT' },
        },
      }),
    );
    await waitForStatus('restore-app', 'RUNNING');
    const skipped = lastReceived('restore-app').args['from-savepoint'];
    const description = await describe_('restore-app');

    // Assess
    expect(unknown.name).toBe('ResourceNotFoundException');
    expect(statusAfterRefusal).toBe('READY');
    expect(restored).toContain(path.join(dataDir, 'apps', 'restore-app', 'savepoints'));
    expect(skipped).toBeUndefined();
    expect(
      description.ApplicationConfigurationDescription?.RunConfigurationDescription
        ?.ApplicationRestoreConfigurationDescription,
    ).toEqual({ ApplicationRestoreType: 'SKIP_RESTORE_FROM_SNAPSHOT' });
  });

  it('It should report a job that fails to start: back to READY and the operation FAILED with the job message', async () => {
    // Prepare
    const version = await uploadCode('code/fail.zip', {
      behavior: 'fail',
      error: "Property group 'sink.config.0' key 'output.bucket.name' is missing",
    });
    await client.send(new CreateApplicationCommand(createInput('fail-app', 'code/fail.zip', version)));
    const startedAt = Date.now();

    // Act
    const started = await client.send(new StartApplicationCommand({ ApplicationName: 'fail-app' }));
    const seen = await waitForStatus('fail-app', 'READY', 10_000, ['READY']);
    const op = await waitForOperation('fail-app', started.OperationId!);

    // Assess
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(seen).toContain('STARTING');
    expect(op.OperationStatus).toBe('FAILED');
    expect(op.OperationFailureDetails?.ErrorInfo?.ErrorString).toContain(
      "Property group 'sink.config.0' key 'output.bucket.name' is missing",
    );
    expect(op.OperationFailureDetails?.ErrorInfo?.ErrorString).toContain(
      path.join(dataDir, 'apps', 'fail-app', 'logs'),
    );
  });

  it('It should report a runner that exits without a status, quoting its last output', async () => {
    // Prepare
    const version = await uploadCode('code/exit.zip', {
      behavior: 'exit',
      error: 'ModuleNotFoundError: No module named pyflink',
    });
    await client.send(new CreateApplicationCommand(createInput('exit-app', 'code/exit.zip', version)));

    // Act
    const started = await client.send(new StartApplicationCommand({ ApplicationName: 'exit-app' }));
    const op = await waitForOperation('exit-app', started.OperationId!);

    // Assess
    expect(op.OperationStatus).toBe('FAILED');
    expect(op.OperationFailureDetails?.ErrorInfo?.ErrorString).toMatch(
      /exited with code 3.*ModuleNotFoundError/,
    );
    expect((await describe_('exit-app')).ApplicationStatus).toBe('READY');
  });

  it('It should fail the start when the pinned code version does not exist in S3', async () => {
    // Prepare
    await uploadCode('code/missing.zip', { behavior: 'run' });
    await client.send(
      new CreateApplicationCommand(createInput('missing-code', 'code/missing.zip', 'no-such-version')),
    );

    // Act
    const started = await client.send(new StartApplicationCommand({ ApplicationName: 'missing-code' }));
    const op = await waitForOperation('missing-code', started.OperationId!);

    // Assess
    expect(op.OperationStatus).toBe('FAILED');
    expect(op.OperationFailureDetails?.ErrorInfo?.ErrorString).toContain(
      `s3://${BUCKET}/code/missing.zip (version no-such-version)`,
    );
    expect((await describe_('missing-code')).ApplicationStatus).toBe('READY');
  });

  it('It should fail a start that never reaches RUNNING within the start timeout, leaving nothing STARTING', async () => {
    // Prepare
    const version = await uploadCode('code/hang.zip', { behavior: 'hang' });
    await client.send(new CreateApplicationCommand(createInput('hang-app', 'code/hang.zip', version)));

    // Act
    const started = await client.send(new StartApplicationCommand({ ApplicationName: 'hang-app' }));
    const op = await waitForOperation('hang-app', started.OperationId!, 10_000);

    // Assess
    expect(op.OperationStatus).toBe('FAILED');
    expect(op.OperationFailureDetails?.ErrorInfo?.ErrorString).toContain('did not reach RUNNING within 2 s');
    expect((await describe_('hang-app')).ApplicationStatus).toBe('READY');
  });

  it('It should force-stop a STARTING application: FORCE_STOPPING -> READY and the start CANCELLED', async () => {
    // Prepare
    const version = await uploadCode('code/force.zip', { behavior: 'hang' });
    await client.send(new CreateApplicationCommand(createInput('force-app', 'code/force.zip', version)));
    const started = await client.send(new StartApplicationCommand({ ApplicationName: 'force-app' }));
    await waitForStatus('force-app', 'STARTING');

    // Act
    const gracefulError = await errorOf(
      client.send(new StopApplicationCommand({ ApplicationName: 'force-app' })),
    );
    const stopped = await client.send(
      new StopApplicationCommand({ ApplicationName: 'force-app', Force: true }),
    );
    const statusRightAfter = (await describe_('force-app')).ApplicationStatus;
    await waitForStatus('force-app', 'READY');
    const stopOp = await waitForOperation('force-app', stopped.OperationId!);
    const startOp = await waitForOperation('force-app', started.OperationId!);

    // Assess
    expect(gracefulError.name).toBe('ResourceInUseException');
    expect(['FORCE_STOPPING', 'READY']).toContain(statusRightAfter);
    expect(stopOp.OperationStatus).toBe('SUCCESSFUL');
    expect(startOp.OperationStatus).toBe('CANCELLED');
  });

  it('It should kill what the runner started in a session of its own (the JVM) when it force-stops', async () => {
    // Prepare
    const version = await uploadCode('code/tree.zip', { behavior: 'run', startsChild: true });
    await client.send(new CreateApplicationCommand(createInput('tree-app', 'code/tree.zip', version)));
    await client.send(new StartApplicationCommand({ ApplicationName: 'tree-app' }));
    await waitForStatus('tree-app', 'RUNNING');
    const { pid, childPid } = lastReceived('tree-app');
    // The endpoint reads the runner's process tree every 2 s; let it see the child once.
    await new Promise((r) => setTimeout(r, 2_500));

    // Act
    await client.send(new StopApplicationCommand({ ApplicationName: 'tree-app', Force: true }));
    await waitForStatus('tree-app', 'READY');
    await new Promise((r) => setTimeout(r, 200));

    // Assess
    expect(childPid).toEqual(expect.any(Number));
    expect(isAlive(pid)).toBe(false);
    expect(isAlive(childPid as number)).toBe(false);
  });

  it('It should keep an application whose job process dies while RUNNING RUNNING, restart it from its newest checkpoint and report it in CloudWatch', async () => {
    // Prepare
    const crash = 'the job crashed: RuntimeException from the fake job';
    const version = await uploadCode('code/crash.zip', {
      behavior: 'crash',
      crashAfterMs: 400,
      checkpoint: true,
      error: crash,
      metrics: { numRestarts: 2, numberOfCompletedCheckpoints: 3, numberOfFailedCheckpoints: 1 },
    });
    const logs = new CloudWatchLogsClient({ endpoint: s3Server.url, region: REGION, credentials });
    const cloudWatch = new CloudWatchClient({ endpoint: s3Server.url, region: REGION, credentials });
    const logGroupName = '/aws/kinesis-analytics/crash-app';
    const logStreamName = 'kinesis-analytics-log-stream';
    await logs.send(new CreateLogGroupCommand({ logGroupName }));
    await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName }));
    await client.send(
      new CreateApplicationCommand({
        ...createInput('crash-app', 'code/crash.zip', version),
        CloudWatchLoggingOptions: [
          {
            LogStreamARN: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logGroupName}:log-stream:${logStreamName}`,
          },
        ],
      }),
    );
    const startedAt = new Date(Date.now() - 60_000);

    // Act
    await client.send(new StartApplicationCommand({ ApplicationName: 'crash-app' }));
    const seen = await waitForStatus('crash-app', 'RUNNING');
    const after: string[] = [];
    const deadline = Date.now() + 15_000;
    const runsDir = path.join(dataDir, 'apps', 'crash-app', 'runs');
    while (fs.readdirSync(runsDir).length < 4 && Date.now() < deadline) {
      const status = (await describe_('crash-app')).ApplicationStatus as string;
      if (after.at(-1) !== status) after.push(status);
      await new Promise((r) => setTimeout(r, 25));
    }
    // Three finished runs: each wrote what it received before it crashed.
    const runs = fs
      .readdirSync(runsDir)
      .sort()
      .slice(0, 3)
      .map(
        (run) =>
          JSON.parse(fs.readFileSync(path.join(runsDir, run, 'work', 'received.json'), 'utf8')) as Received,
      );
    const maxRestarts = await eventuallyAsync(async () => {
      const max = await maxApplicationMetric(cloudWatch, 'crash-app', 'numRestarts', startedAt);
      return max >= 3 ? max : undefined;
    });
    const events = await eventuallyAsync(async () => {
      const out = await logs.send(
        new FilterLogEventsCommand({
          logGroupName,
          logStreamNames: [logStreamName],
          filterPattern: '"RuntimeException"',
        }),
      );
      return out.events?.length ? out.events : undefined;
    });
    await client.send(new StopApplicationCommand({ ApplicationName: 'crash-app', Force: true }));
    await waitForStatus('crash-app', 'READY');
    logs.destroy();
    cloudWatch.destroy();

    // Assess: RUNNING throughout, each restart from the newest checkpoint of the run before it.
    expect(seen.at(-1)).toBe('RUNNING');
    expect(after).toEqual(['RUNNING']);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    const firstCheckpoint = fs
      .readdirSync(path.join(runs[0]!.args['work-dir']!, 'checkpoints', 'c'.repeat(32)))
      .filter((d) => d.startsWith('chk-'));
    expect(firstCheckpoint).toHaveLength(1);
    expect(runs[1]!.args['from-savepoint']).toBe(
      `file:${path.join(runs[0]!.args['work-dir']!, 'checkpoints', 'c'.repeat(32), firstCheckpoint[0]!)}`,
    );
    expect(runs[2]!.args['from-savepoint']).toMatch(
      new RegExp(`^file:${runs[1]!.args['work-dir']!}/checkpoints/`),
    );
    // Two Flink restarts reported by the first run, plus the endpoint's restart of its process.
    expect(maxRestarts).toBeGreaterThanOrEqual(3);
    const bodies = events.map((e) => JSON.parse(e.message ?? '{}') as Record<string, string>);
    expect(bodies.length).toBeGreaterThan(0);
    expect(Object.keys(bodies[0]!).sort()).toEqual([
      'applicationARN',
      'applicationVersionId',
      'locationInformation',
      'logger',
      'message',
      'messageType',
      'threadName',
      'throwableInformation',
    ]);
    expect(bodies[0]).toMatchObject({
      applicationARN: `arn:aws:kinesisanalytics:${REGION}:${ACCOUNT}:application/crash-app`,
      applicationVersionId: '1',
      messageType: 'ERROR',
    });
    expect(
      bodies.some((b) => b['message']?.includes(crash) && b['throwableInformation']?.includes('Fake.run')),
    ).toBe(true);
  });

  it('It should put an application whose job finishes by itself back to READY, with the reason', async () => {
    // Prepare
    const version = await uploadCode('code/finish.zip', { behavior: 'finish', finishAfterMs: 500 });
    await client.send(new CreateApplicationCommand(createInput('finish-app', 'code/finish.zip', version)));

    // Act
    await client.send(new StartApplicationCommand({ ApplicationName: 'finish-app' }));
    const seen = await waitForStatus('finish-app', 'READY', 10_000, ['READY']);

    // Assess
    expect(seen).toEqual(expect.arrayContaining(['RUNNING', 'READY']));
    expect(seen.indexOf('RUNNING')).toBeLessThan(seen.lastIndexOf('READY'));
    expect(allReceived('finish-app')).toHaveLength(1);
    expect(readStoredApplications(dataDir).find((a) => a.name === 'finish-app')?.lastRunError).toContain(
      'The Flink job finished.',
    );
  });
});

describe('A runner that cannot be started', () => {
  it('It should fail the start with a message naming the missing runner, not hang', async () => {
    // Prepare: a second endpoint whose runner command does not exist (say, the venv is not installed).
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flinkflow-flink-norunner-'));
    const other = await createFlinkService({
      dataDir: otherDir,
      s3Endpoint: s3Server.url,
      kinesisEndpoint: 'http://127.0.0.1:1',
      region: REGION,
      account: ACCOUNT,
      log: () => undefined,
      runnerCommand: ['/nonexistent/flinkflow/python', 'local_runner.py'],
    });
    const server = await startJsonService({ targetPrefix: FLINK_TARGET_PREFIX, provider: other.provider });
    const otherClient = new KinesisAnalyticsV2Client({ endpoint: server.url, region: REGION, credentials });
    const version = await uploadCode('code/norunner.zip', { behavior: 'run' });
    await otherClient.send(
      new CreateApplicationCommand(createInput('norunner-app', 'code/norunner.zip', version)),
    );

    try {
      // Act
      const started = await otherClient.send(
        new StartApplicationCommand({ ApplicationName: 'norunner-app' }),
      );
      let details;
      for (let i = 0; i < 200; i += 1) {
        details = (
          await otherClient.send(
            new DescribeApplicationOperationCommand({
              ApplicationName: 'norunner-app',
              OperationId: started.OperationId!,
            }),
          )
        ).ApplicationOperationInfoDetails;
        if (details?.OperationStatus !== 'IN_PROGRESS') break;
        await new Promise((r) => setTimeout(r, 25));
      }

      // Assess
      expect(details?.OperationStatus).toBe('FAILED');
      expect(details?.OperationFailureDetails?.ErrorInfo?.ErrorString).toContain(
        '/nonexistent/flinkflow/python',
      );
    } finally {
      otherClient.destroy();
      await server.close();
      await other.shutdown();
      fs.rmSync(otherDir, { recursive: true, force: true });
    }
  });
});

describe('UpdateApplication', () => {
  it('It should require and check CurrentApplicationVersionId or ConditionalToken', async () => {
    // Prepare
    const version = await uploadCode('code/tokens.zip', { behavior: 'run' });
    await client.send(new CreateApplicationCommand(createInput('token-app', 'code/tokens.zip', version)));
    const before = await describe_('token-app');
    const update = { ApplicationSnapshotConfigurationUpdate: { SnapshotsEnabledUpdate: false } };

    // Act
    const missing = await errorOf(
      client.send(
        new UpdateApplicationCommand({
          ApplicationName: 'token-app',
          ApplicationConfigurationUpdate: update,
        }),
      ),
    );
    const staleVersion = await errorOf(
      client.send(
        new UpdateApplicationCommand({
          ApplicationName: 'token-app',
          CurrentApplicationVersionId: 7,
          ApplicationConfigurationUpdate: update,
        }),
      ),
    );
    const staleToken = await errorOf(
      client.send(
        new UpdateApplicationCommand({
          ApplicationName: 'token-app',
          ConditionalToken: 'stale',
          ApplicationConfigurationUpdate: update,
        }),
      ),
    );
    const updated = await client.send(
      new UpdateApplicationCommand({
        ApplicationName: 'token-app',
        ConditionalToken: before.ConditionalToken!,
        ApplicationConfigurationUpdate: update,
      }),
    );
    const reused = await errorOf(
      client.send(
        new UpdateApplicationCommand({
          ApplicationName: 'token-app',
          ConditionalToken: before.ConditionalToken!,
          ApplicationConfigurationUpdate: update,
        }),
      ),
    );
    const op = await waitForOperation('token-app', updated.OperationId!);

    // Assess
    expect(missing.name).toBe('InvalidArgumentException');
    expect(staleVersion.name).toBe('ConcurrentModificationException');
    expect(staleToken.name).toBe('ConcurrentModificationException');
    expect(reused.name).toBe('ConcurrentModificationException');
    expect(updated.ApplicationDetail).toMatchObject({
      ApplicationVersionId: 2,
      ApplicationVersionUpdatedFrom: 1,
      ApplicationStatus: 'READY',
    });
    expect(updated.ApplicationDetail?.ConditionalToken).not.toBe(before.ConditionalToken);
    expect(
      updated.ApplicationDetail?.ApplicationConfigurationDescription
        ?.ApplicationSnapshotConfigurationDescription?.SnapshotsEnabled,
    ).toBe(false);
    expect(op).toMatchObject({
      Operation: 'UpdateApplication',
      OperationStatus: 'SUCCESSFUL',
      ApplicationVersionChangeDetails: { ApplicationVersionUpdatedFrom: 1, ApplicationVersionUpdatedTo: 2 },
    });
    const versions = await client.send(new ListApplicationVersionsCommand({ ApplicationName: 'token-app' }));
    expect(versions.ApplicationVersionSummaries?.map((v) => v.ApplicationVersionId)).toEqual([2, 1]);
    const v1 = await client.send(
      new DescribeApplicationVersionCommand({ ApplicationName: 'token-app', ApplicationVersionId: 1 }),
    );
    expect(
      v1.ApplicationVersionDetail?.ApplicationConfigurationDescription
        ?.ApplicationSnapshotConfigurationDescription?.SnapshotsEnabled,
    ).toBe(true);
  });

  it('It should restart a RUNNING application on the new code from the savepoint it took (UPDATING -> RUNNING)', async () => {
    // Prepare
    const v1 = await uploadCode('code/upd.zip', { behavior: 'run', tag: 'v1' });
    await client.send(new CreateApplicationCommand(createInput('upd-app', 'code/upd.zip', v1)));
    await client.send(new StartApplicationCommand({ ApplicationName: 'upd-app' }));
    await waitForStatus('upd-app', 'RUNNING');
    const v2 = await uploadCode('code/upd.zip', { behavior: 'run', tag: 'v2', delayMs: 300 });

    // Act
    const updated = await client.send(
      new UpdateApplicationCommand({
        ApplicationName: 'upd-app',
        CurrentApplicationVersionId: 1,
        ApplicationConfigurationUpdate: {
          ApplicationCodeConfigurationUpdate: {
            CodeContentUpdate: { S3ContentLocationUpdate: { ObjectVersionUpdate: v2 } },
          },
        },
      }),
    );
    const seen = await waitForStatus('upd-app', 'RUNNING', 10_000, ['RUNNING']);
    const op = await waitForOperation('upd-app', updated.OperationId!);
    const received = lastReceived('upd-app');

    // Assess
    expect(updated.ApplicationDetail?.ApplicationStatus).toBe('UPDATING');
    expect(seen).toEqual(['RUNNING', 'UPDATING', 'RUNNING']);
    expect(op.OperationStatus).toBe('SUCCESSFUL');
    expect(received.spec.tag).toBe('v2');
    expect(received.args['from-savepoint']).toContain(path.join(dataDir, 'apps', 'upd-app', 'savepoints'));
    expect((await describe_('upd-app')).ApplicationVersionId).toBe(2);
  });

  it('It should roll a failed update back to the previous version with system rollback: RUNNING on the old code, operation FAILED', async () => {
    // Prepare
    const good = await uploadCode('code/rb.zip', { behavior: 'run', tag: 'good' });
    await client.send(new CreateApplicationCommand(createInput('rb-app', 'code/rb.zip', good)));
    await client.send(new StartApplicationCommand({ ApplicationName: 'rb-app' }));
    await waitForStatus('rb-app', 'RUNNING');
    const bad = await uploadCode('code/rb.zip', {
      behavior: 'fail',
      tag: 'bad',
      error: 'NameError: name tumble is not defined',
    });

    // Act
    const updated = await client.send(
      new UpdateApplicationCommand({
        ApplicationName: 'rb-app',
        CurrentApplicationVersionId: 1,
        ApplicationConfigurationUpdate: {
          ApplicationCodeConfigurationUpdate: {
            CodeContentUpdate: { S3ContentLocationUpdate: { ObjectVersionUpdate: bad } },
          },
        },
      }),
    );
    const op = await waitForOperation('rb-app', updated.OperationId!);
    const rollbackOp = await waitForOperation('rb-app', op.OperationFailureDetails!.RollbackOperationId!);
    const detail = await describe_('rb-app');
    const received = lastReceived('rb-app');

    // Assess
    expect(op.OperationStatus).toBe('FAILED');
    expect(op.OperationFailureDetails?.ErrorInfo?.ErrorString).toContain(
      'NameError: name tumble is not defined',
    );
    expect(rollbackOp).toMatchObject({ Operation: 'RollbackApplication', OperationStatus: 'SUCCESSFUL' });
    expect(detail.ApplicationStatus).toBe('RUNNING');
    expect(detail).toMatchObject({
      ApplicationVersionId: 3,
      ApplicationVersionRolledBackFrom: 2,
      ApplicationVersionRolledBackTo: 1,
    });
    expect(
      detail.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription
        ?.CodeContentDescription?.S3ApplicationCodeLocationDescription?.ObjectVersion,
    ).toBe(good);
    expect(received.spec.tag).toBe('good');
  });

  it('It should leave a failed update READY with the operation FAILED when system rollback is off', async () => {
    // Prepare
    const good = await uploadCode('code/norb.zip', { behavior: 'run' });
    await client.send(
      new CreateApplicationCommand(createInput('norb-app', 'code/norb.zip', good, { rollback: false })),
    );
    await client.send(new StartApplicationCommand({ ApplicationName: 'norb-app' }));
    await waitForStatus('norb-app', 'RUNNING');
    const bad = await uploadCode('code/norb.zip', { behavior: 'fail', error: 'bad code' });

    // Act
    const updated = await client.send(
      new UpdateApplicationCommand({
        ApplicationName: 'norb-app',
        CurrentApplicationVersionId: 1,
        ApplicationConfigurationUpdate: {
          ApplicationCodeConfigurationUpdate: {
            CodeContentUpdate: { S3ContentLocationUpdate: { ObjectVersionUpdate: bad } },
          },
        },
      }),
    );
    const op = await waitForOperation('norb-app', updated.OperationId!);

    // Assess
    expect(op.OperationStatus).toBe('FAILED');
    expect(op.OperationFailureDetails?.RollbackOperationId).toBeUndefined();
    expect(await describe_('norb-app')).toMatchObject({
      ApplicationStatus: 'READY',
      ApplicationVersionId: 2,
    });
  });

  it('It should roll back on request (RollbackApplication) to the version before the last update', async () => {
    // Prepare
    const one = await uploadCode('code/manual.zip', { behavior: 'run', tag: 'one' });
    await client.send(new CreateApplicationCommand(createInput('manual-app', 'code/manual.zip', one)));
    await client.send(new StartApplicationCommand({ ApplicationName: 'manual-app' }));
    await waitForStatus('manual-app', 'RUNNING');
    const two = await uploadCode('code/manual.zip', { behavior: 'run', tag: 'two' });
    const update = await client.send(
      new UpdateApplicationCommand({
        ApplicationName: 'manual-app',
        CurrentApplicationVersionId: 1,
        ApplicationConfigurationUpdate: {
          ApplicationCodeConfigurationUpdate: {
            CodeContentUpdate: { S3ContentLocationUpdate: { ObjectVersionUpdate: two } },
          },
        },
      }),
    );
    await waitForOperation('manual-app', update.OperationId!);

    // Act
    const stale = await errorOf(
      client.send(
        new RollbackApplicationCommand({ ApplicationName: 'manual-app', CurrentApplicationVersionId: 1 }),
      ),
    );
    const rolled = await client.send(
      new RollbackApplicationCommand({ ApplicationName: 'manual-app', CurrentApplicationVersionId: 2 }),
    );
    const op = await waitForOperation('manual-app', rolled.OperationId!);
    const operations = await client.send(
      new ListApplicationOperationsCommand({ ApplicationName: 'manual-app' }),
    );

    // Assess
    expect(stale.name).toBe('ConcurrentModificationException');
    expect(op.OperationStatus).toBe('SUCCESSFUL');
    expect(await describe_('manual-app')).toMatchObject({
      ApplicationStatus: 'RUNNING',
      ApplicationVersionId: 3,
      ApplicationVersionRolledBackTo: 1,
    });
    expect(lastReceived('manual-app').spec.tag).toBe('one');
    expect(operations.ApplicationOperationInfoList?.map((o) => o.Operation)).toEqual([
      'RollbackApplication',
      'UpdateApplication',
      'StartApplication',
    ]);
  });
});

describe('Flink settings of the job', () => {
  /** createInput with its FlinkApplicationConfiguration replaced. */
  function withFlinkSettings(
    input: CreateApplicationCommandInput,
    flink: NonNullable<
      CreateApplicationCommandInput['ApplicationConfiguration']
    >['FlinkApplicationConfiguration'],
  ): CreateApplicationCommandInput {
    return {
      ...input,
      ApplicationConfiguration: { ...input.ApplicationConfiguration, FlinkApplicationConfiguration: flink },
    };
  }

  async function startAndReceive(name: string, input: CreateApplicationCommandInput): Promise<string[]> {
    await client.send(new CreateApplicationCommand(input));
    await client.send(new StartApplicationCommand({ ApplicationName: name }));
    await waitForStatus(name, 'RUNNING');
    const received = lastReceived(name);
    await client.send(new StopApplicationCommand({ ApplicationName: name, Force: true }));
    await waitForStatus(name, 'READY');
    return received.flinkConf;
  }

  it('It should give the job the CUSTOM checkpoint interval, minimum pause and parallelism as Flink configuration', async () => {
    // Prepare
    const version = await uploadCode('code/conf-custom.zip', { behavior: 'run' });
    const input = withFlinkSettings(createInput('conf-custom', 'code/conf-custom.zip', version), {
      CheckpointConfiguration: {
        ConfigurationType: 'CUSTOM',
        CheckpointingEnabled: true,
        CheckpointInterval: 10_000,
        MinPauseBetweenCheckpoints: 2_000,
      },
      ParallelismConfiguration: { ConfigurationType: 'CUSTOM', Parallelism: 3, AutoScalingEnabled: false },
    });

    // Act
    const flinkConf = await startAndReceive('conf-custom', input);

    // Assess
    expect(flinkConf).toEqual([
      'execution.checkpointing.interval=10000 ms',
      'execution.checkpointing.min-pause=2000 ms',
      'parallelism.default=3',
    ]);
  });

  it("It should give the job the service's defaults under DEFAULT: 60 s interval, 5 s pause, parallelism 1", async () => {
    // Prepare
    const version = await uploadCode('code/conf-default.zip', { behavior: 'run' });
    const input = withFlinkSettings(createInput('conf-default', 'code/conf-default.zip', version), {
      CheckpointConfiguration: { ConfigurationType: 'DEFAULT' },
      ParallelismConfiguration: { ConfigurationType: 'DEFAULT' },
    });

    // Act
    const flinkConf = await startAndReceive('conf-default', input);

    // Assess
    expect(flinkConf).toEqual([
      'execution.checkpointing.interval=60000 ms',
      'execution.checkpointing.min-pause=5000 ms',
      'parallelism.default=1',
    ]);
  });

  it('It should set no checkpoint interval when CUSTOM checkpointing is disabled', async () => {
    // Prepare
    const version = await uploadCode('code/conf-off.zip', { behavior: 'run' });
    const input = withFlinkSettings(createInput('conf-off', 'code/conf-off.zip', version), {
      CheckpointConfiguration: { ConfigurationType: 'CUSTOM', CheckpointingEnabled: false },
    });

    // Act
    const flinkConf = await startAndReceive('conf-off', input);

    // Assess
    expect(flinkConf).toEqual(['parallelism.default=1']);
  });

  it("It should restart an updated job with the new version's settings, and a rolled-back one with the old version's", async () => {
    // Prepare: v1 runs with a 10 s interval and parallelism 1 (createInput).
    const good = await uploadCode('code/conf-upd.zip', { behavior: 'run', tag: 'good' });
    await client.send(new CreateApplicationCommand(createInput('conf-upd', 'code/conf-upd.zip', good)));
    await client.send(new StartApplicationCommand({ ApplicationName: 'conf-upd' }));
    await waitForStatus('conf-upd', 'RUNNING');
    const bad = await uploadCode('code/conf-upd.zip', { behavior: 'fail', tag: 'bad' });

    // Act: v2 switches checkpointing to DEFAULT (the stored 10 s must no longer count) and parallelism
    // to 2; v3 brings a 30 s interval with code that fails, so system rollback goes back to v2.
    const toDefault = await client.send(
      new UpdateApplicationCommand({
        ApplicationName: 'conf-upd',
        CurrentApplicationVersionId: 1,
        ApplicationConfigurationUpdate: {
          FlinkApplicationConfigurationUpdate: {
            CheckpointConfigurationUpdate: { ConfigurationTypeUpdate: 'DEFAULT' },
            ParallelismConfigurationUpdate: { ParallelismUpdate: 2 },
          },
        },
      }),
    );
    await waitForOperation('conf-upd', toDefault.OperationId!);
    const broken = await client.send(
      new UpdateApplicationCommand({
        ApplicationName: 'conf-upd',
        CurrentApplicationVersionId: 2,
        ApplicationConfigurationUpdate: {
          ApplicationCodeConfigurationUpdate: {
            CodeContentUpdate: { S3ContentLocationUpdate: { ObjectVersionUpdate: bad } },
          },
          FlinkApplicationConfigurationUpdate: {
            CheckpointConfigurationUpdate: {
              ConfigurationTypeUpdate: 'CUSTOM',
              CheckpointIntervalUpdate: 30_000,
            },
          },
        },
      }),
    );
    const brokenOp = await waitForOperation('conf-upd', broken.OperationId!);
    await waitForOperation('conf-upd', brokenOp.OperationFailureDetails!.RollbackOperationId!);
    const runs = allReceived('conf-upd');

    // Assess
    expect(brokenOp.OperationStatus).toBe('FAILED');
    expect(runs.map((run) => [run.spec.tag, run.flinkConf])).toEqual([
      [
        'good',
        [
          'execution.checkpointing.interval=10000 ms',
          'execution.checkpointing.min-pause=5000 ms',
          'parallelism.default=1',
        ],
      ],
      [
        'good',
        [
          'execution.checkpointing.interval=60000 ms',
          'execution.checkpointing.min-pause=5000 ms',
          'parallelism.default=2',
        ],
      ],
      [
        'bad',
        [
          'execution.checkpointing.interval=30000 ms',
          'execution.checkpointing.min-pause=5000 ms',
          'parallelism.default=2',
        ],
      ],
      [
        'good',
        [
          'execution.checkpointing.interval=60000 ms',
          'execution.checkpointing.min-pause=5000 ms',
          'parallelism.default=2',
        ],
      ],
    ]);
  });
});

describe('Snapshots, DeleteApplication and restarts', () => {
  it('It should take, describe, refuse to duplicate and delete a snapshot of a RUNNING application', async () => {
    // Prepare
    const version = await uploadCode('code/snap.zip', { behavior: 'run' });
    await client.send(new CreateApplicationCommand(createInput('snap-app', 'code/snap.zip', version)));
    const readyError = await errorOf(
      client.send(
        new CreateApplicationSnapshotCommand({ ApplicationName: 'snap-app', SnapshotName: 'early' }),
      ),
    );
    await client.send(new StartApplicationCommand({ ApplicationName: 'snap-app' }));
    await waitForStatus('snap-app', 'RUNNING');

    // Act
    await client.send(
      new CreateApplicationSnapshotCommand({ ApplicationName: 'snap-app', SnapshotName: 'before-change' }),
    );
    const deadline = Date.now() + 10_000;
    let snapshot = (
      await client.send(
        new DescribeApplicationSnapshotCommand({
          ApplicationName: 'snap-app',
          SnapshotName: 'before-change',
        }),
      )
    ).SnapshotDetails!;
    while (snapshot.SnapshotStatus === 'CREATING' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      snapshot = (
        await client.send(
          new DescribeApplicationSnapshotCommand({
            ApplicationName: 'snap-app',
            SnapshotName: 'before-change',
          }),
        )
      ).SnapshotDetails!;
    }
    await waitForStatus('snap-app', 'RUNNING');
    const duplicate = await errorOf(
      client.send(
        new CreateApplicationSnapshotCommand({ ApplicationName: 'snap-app', SnapshotName: 'before-change' }),
      ),
    );
    const wrongTime = await errorOf(
      client.send(
        new DeleteApplicationSnapshotCommand({
          ApplicationName: 'snap-app',
          SnapshotName: 'before-change',
          SnapshotCreationTimestamp: new Date(0),
        }),
      ),
    );
    await client.send(
      new DeleteApplicationSnapshotCommand({
        ApplicationName: 'snap-app',
        SnapshotName: 'before-change',
        SnapshotCreationTimestamp: snapshot.SnapshotCreationTimestamp!,
      }),
    );
    const gone = await errorOf(
      client.send(
        new DescribeApplicationSnapshotCommand({
          ApplicationName: 'snap-app',
          SnapshotName: 'before-change',
        }),
      ),
    );

    // Assess
    expect(readyError.name).toBe('ResourceInUseException');
    expect(snapshot).toMatchObject({
      SnapshotName: 'before-change',
      SnapshotStatus: 'READY',
      ApplicationVersionId: 1,
      RuntimeEnvironment: 'FLINK-1_20',
    });
    expect(await eventually(() => lastReceived('snap-app').args['from-savepoint'])).toContain('savepoint-');
    expect(duplicate.name).toBe('ResourceInUseException');
    expect(wrongTime.name).toBe('InvalidArgumentException');
    expect(gone.name).toBe('ResourceNotFoundException');
  });

  it('It should delete only with the matching CreateTimestamp, stopping a RUNNING job first', async () => {
    // Prepare
    const version = await uploadCode('code/del.zip', { behavior: 'run' });
    await client.send(new CreateApplicationCommand(createInput('del-app', 'code/del.zip', version)));
    await client.send(new StartApplicationCommand({ ApplicationName: 'del-app' }));
    await waitForStatus('del-app', 'RUNNING');
    const created = (await describe_('del-app')).CreateTimestamp!;
    const runnerPid = lastReceived('del-app').pid;

    // Act
    const missing = await errorOf(
      client.send(new DeleteApplicationCommand({ ApplicationName: 'del-app' } as never)),
    );
    const wrong = await errorOf(
      client.send(
        new DeleteApplicationCommand({
          ApplicationName: 'del-app',
          CreateTimestamp: new Date(created.getTime() - 1000),
        }),
      ),
    );
    await client.send(new DeleteApplicationCommand({ ApplicationName: 'del-app', CreateTimestamp: created }));
    const gone = await errorOf(describe_('del-app'));

    // Assess
    expect(isAlive(runnerPid)).toBe(false);
    expect(missing.name).toBe('InvalidRequestException');
    expect(wrong.name).toBe('InvalidArgumentException');
    expect(gone.name).toBe('ResourceNotFoundException');
    expect(fs.existsSync(path.join(dataDir, 'apps', 'del-app'))).toBe(false);
  });

  it('It should keep applications across a restart of the endpoint, a RUNNING one RUNNING with its job restarted from its newest checkpoint', async () => {
    // Prepare: a job that checkpoints every 150 ms and reports two Flink restarts of its own.
    const version = await uploadCode('code/persist.zip', {
      behavior: 'run',
      checkpoint: true,
      checkpointEveryMs: 150,
      metrics: { numRestarts: 2, numberOfCompletedCheckpoints: 4, numberOfFailedCheckpoints: 0 },
    });
    const logs = new CloudWatchLogsClient({ endpoint: s3Server.url, region: REGION, credentials });
    const cloudWatch = new CloudWatchClient({ endpoint: s3Server.url, region: REGION, credentials });
    const logGroupName = '/aws/kinesis-analytics/persist-app';
    const logStreamName = 'kinesis-analytics-log-stream';
    await logs.send(new CreateLogGroupCommand({ logGroupName }));
    await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName }));
    await client.send(
      new CreateApplicationCommand({
        ...createInput('persist-app', 'code/persist.zip', version),
        CloudWatchLoggingOptions: [
          {
            LogStreamARN: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logGroupName}:log-stream:${logStreamName}`,
          },
        ],
      }),
    );
    await client.send(
      new CreateApplicationCommand(createInput('persist-other', 'code/persist.zip', version)),
    );
    const startedAt = new Date(Date.now() - 60_000);
    await client.send(new StartApplicationCommand({ ApplicationName: 'persist-app' }));
    await waitForStatus('persist-app', 'RUNNING');
    const first = await eventually(() => {
      const received = lastReceived('persist-app');
      const dir = path.join(received.args['work-dir']!, 'checkpoints', 'f'.repeat(32));
      return fs.existsSync(path.join(dir, 'chk-3', '_metadata')) ? received : undefined;
    });
    const before = await describe_('persist-app');

    // Act: the endpoint stops (its jobs are killed) and starts again on the same data folder.
    await stopService();
    const checkpointsLeft = fs
      .readdirSync(path.join(first.args['work-dir']!, 'checkpoints', 'f'.repeat(32)))
      .map((d) => Number(d.replace('chk-', '')));
    const newest = Math.max(...checkpointsLeft);
    await startService();
    const statuses: string[] = [];
    const second = await eventuallyAsync(async () => {
      const status = (await describe_('persist-app')).ApplicationStatus as string;
      if (statuses.at(-1) !== status) statuses.push(status);
      // The new run's folder exists a moment before its runner has written what it received.
      const runs = fs.readdirSync(path.join(dataDir, 'apps', 'persist-app', 'runs'));
      return runs.length >= 2 ? eventually(() => allReceived('persist-app')[1]) : undefined;
    });
    await waitForStatus('persist-app', 'RUNNING', 10_000, statuses);
    const after = await describe_('persist-app');
    const listed = await client.send(new ListApplicationsCommand({ Limit: 2 }));
    const stored = readStoredApplications(dataDir).find((a) => a.name === 'persist-app');
    // Two restarts from the first run, one for the endpoint's restart, two more reported by the new run.
    const maxRestarts = await eventuallyAsync(async () => {
      const max = await maxApplicationMetric(cloudWatch, 'persist-app', 'numRestarts', startedAt);
      return max >= 5 ? max : undefined;
    });
    const events = await eventuallyAsync(async () => {
      const out = await logs.send(
        new FilterLogEventsCommand({
          logGroupName,
          logStreamNames: [logStreamName],
          filterPattern: '"local cloud stopped"',
        }),
      );
      return out.events?.length ? out.events : undefined;
    });
    await client.send(new StopApplicationCommand({ ApplicationName: 'persist-app', Force: true }));
    await waitForStatus('persist-app', 'READY');
    logs.destroy();
    cloudWatch.destroy();

    // Assess: RUNNING throughout, the same application, its job restarted from the newest checkpoint.
    expect(statuses).toEqual(['RUNNING']);
    expect(isAlive(first.pid)).toBe(false);
    expect(second.pid).not.toBe(first.pid);
    expect(second.args['from-savepoint']).toBe(
      `file:${path.join(first.args['work-dir']!, 'checkpoints', 'f'.repeat(32), `chk-${newest}`)}`,
    );
    expect(stored).toMatchObject({ status: 'RUNNING', versionId: 1 });
    expect(stored?.logPath).toContain(path.join(dataDir, 'apps', 'persist-app', 'logs'));
    expect(after).toMatchObject({
      ApplicationStatus: 'RUNNING',
      ApplicationVersionId: 1,
      ConditionalToken: before.ConditionalToken,
    });
    expect(after.CreateTimestamp).toEqual(before.CreateTimestamp);
    expect((await describe_('persist-other')).ApplicationStatus).toBe('READY');
    expect(listed.ApplicationSummaries).toHaveLength(2);
    expect(listed.NextToken).toEqual(expect.any(String));
    expect(maxRestarts).toBe(5);
    const body = JSON.parse(events[0]!.message ?? '{}') as Record<string, string>;
    expect(body['messageType']).toBe('ERROR');
    expect(body['message']).toContain(`from file:${first.args['work-dir']!}`);
  });

  it('It should start again an application that was STARTING when the endpoint stopped, the interrupted start FAILED', async () => {
    // Prepare: a job that takes 1.5 s to report RUNNING.
    const version = await uploadCode('code/slow.zip', { behavior: 'run', delayMs: 1_500, tag: 'slow' });
    await client.send(new CreateApplicationCommand(createInput('slow-app', 'code/slow.zip', version)));
    const started = await client.send(new StartApplicationCommand({ ApplicationName: 'slow-app' }));
    await eventually(() => lastReceived('slow-app'));

    // Act
    await stopService();
    await startService();
    const afterLoad = (await describe_('slow-app')).ApplicationStatus;
    await waitForStatus('slow-app', 'RUNNING');
    const operations = await client.send(
      new ListApplicationOperationsCommand({ ApplicationName: 'slow-app', Operation: 'StartApplication' }),
    );
    const interrupted = await waitForOperation('slow-app', started.OperationId!);
    await client.send(new StopApplicationCommand({ ApplicationName: 'slow-app', Force: true }));
    await waitForStatus('slow-app', 'READY');

    // Assess
    expect(afterLoad).toBe('STARTING');
    const [again, first] = operations.ApplicationOperationInfoList ?? [];
    expect(first?.OperationId).toBe(started.OperationId);
    expect(first?.OperationStatus).toBe('FAILED');
    expect(again?.OperationStatus).toBe('SUCCESSFUL');
    expect(interrupted.OperationFailureDetails?.ErrorInfo?.ErrorString).toBe(
      `The local cloud stopped before the operation ended. The endpoint started it again as operation ${again?.OperationId}.`,
    );
    expect(allReceived('slow-app')).toHaveLength(2);
  });

  it('It should roll back an update the endpoint stopped in the middle of: the update FAILED, the old code RUNNING from the savepoint the update took', async () => {
    // Prepare: v1 runs; v2 takes 3 s to start, so the endpoint stops while the application is UPDATING.
    const v1 = await uploadCode('code/mid-update.zip', { behavior: 'run', tag: 'v1' });
    await client.send(new CreateApplicationCommand(createInput('mid-app', 'code/mid-update.zip', v1)));
    await client.send(new StartApplicationCommand({ ApplicationName: 'mid-app' }));
    await waitForStatus('mid-app', 'RUNNING');
    const v2 = await uploadCode('code/mid-update.zip', { behavior: 'run', tag: 'v2', delayMs: 3_000 });
    const updated = await client.send(
      new UpdateApplicationCommand({
        ApplicationName: 'mid-app',
        CurrentApplicationVersionId: 1,
        ApplicationConfigurationUpdate: {
          ApplicationCodeConfigurationUpdate: {
            CodeContentUpdate: { S3ContentLocationUpdate: { ObjectVersionUpdate: v2 } },
          },
        },
      }),
    );
    const v2Run = await eventually(() => {
      const received = lastReceived('mid-app');
      return received.spec.tag === 'v2' ? received : undefined;
    });

    // Act
    await stopService();
    await startService();
    await waitForStatus('mid-app', 'RUNNING', 10_000);
    const update = await waitForOperation('mid-app', updated.OperationId!);
    const rollback = await waitForOperation('mid-app', update.OperationFailureDetails!.RollbackOperationId!);
    const detail = await describe_('mid-app');
    const runs = allReceived('mid-app');

    // Assess
    expect(update.OperationStatus).toBe('FAILED');
    expect(update.OperationFailureDetails?.ErrorInfo?.ErrorString).toContain('The local cloud stopped');
    expect(rollback.OperationStatus).toBe('SUCCESSFUL');
    expect(detail).toMatchObject({
      ApplicationStatus: 'RUNNING',
      ApplicationVersionId: 3,
      ApplicationVersionRolledBackFrom: 2,
      ApplicationVersionRolledBackTo: 1,
    });
    expect(runs.map((r) => r.spec.tag)).toEqual(['v1', 'v2', 'v1']);
    expect(v2Run.args['from-savepoint']).toContain(path.join(dataDir, 'apps', 'mid-app', 'savepoints'));
    expect(runs[2]?.args['from-savepoint']).toBe(v2Run.args['from-savepoint']);
  });

  it('It should refuse to start on a store it cannot read, saying which file to move away', async () => {
    // Prepare
    const brokenDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flinkflow-flink-broken-'));
    fs.writeFileSync(path.join(brokenDir, 'applications.json'), '{"formatVersion": 1, "applications": [');

    // Act
    const error = await createFlinkService({
      dataDir: brokenDir,
      s3Endpoint: s3Server.url,
      kinesisEndpoint: 'http://127.0.0.1:1',
      region: REGION,
      account: ACCOUNT,
      log: () => undefined,
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    fs.rmSync(brokenDir, { recursive: true, force: true });

    // Assess
    expect(error?.message).toContain(path.join(brokenDir, 'applications.json'));
    expect(error?.message).toContain('move it away');
  });
});
