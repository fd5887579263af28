/**
 * Re-deploys on the local cloud, end to end: a pipeline provisioned through the local Step Functions API
 * runs the real job; new code zips are uploaded to its bucket with the real S3 client, and everything after
 * the upload is the local cloud's own path (moto's S3 -> its EventBridge rule -> the StartRedeploy handler
 * -> the redeploy machine on the local Step Functions API -> the local Managed Flink endpoint). It shows:
 * a zip with a 5 s window replaces the running 10 s job and 5 s windows land in S3; the same event again
 * starts nothing; a zip with a mismatched connector never reaches UpdateApplication; a zip whose job fails
 * to start is rolled back and the previous version runs again.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DescribeApplicationCommand } from '@aws-sdk/client-kinesis-analytics-v2';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { deployLocally } from '../../cli/local-run/deploy';
import { createAwsClients, type AwsClients } from '../../lambdas/shared/clients';
import { run as startRedeploy } from '../../lambdas/start-redeploy';
import { sdkEnvironment, startLocalCloud, stopLocalCloud, type LocalCloudState } from '../../local/cloud';
import { PipelineNames } from '../../workflow/contract';
import {
  RedeployErrorName,
  redeployExecutionName,
  type RedeployOutput,
} from '../../workflow/redeploy-contract';
import { PACKAGED_ZIP, withMain } from '../support/flink-jobs';
import { makeCodeZip, makeJobJar } from '../support/zip-writer';

jest.setTimeout(12 * 60_000);

const PIPELINE = 'e2e-redeploy';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The packaged job with its window forced to `seconds` (the application's properties still say 10). */
function zipWithWindow(out: string, seconds: number): Buffer {
  withMain(
    PACKAGED_ZIP,
    out,
    `import dataclasses, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flinkflow_app import job
_load = job.load_job_config
def _with_window(env=os.environ):
    config = _load(env)
    return dataclasses.replace(config, window=dataclasses.replace(config.window, window_seconds=${seconds}))
job.load_job_config = _with_window
if __name__ == "__main__":
    job.main()
`,
  );
  return readFileSync(out);
}

/** The packaged job with its average multiplied by 1000: windows outside the price range (0..100). */
function zipWithWrongAverages(out: string): Buffer {
  withMain(
    PACKAGED_ZIP,
    out,
    `import dataclasses, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flinkflow_app import job
_statements = job.job_statements
def _wrong(config):
    statements = _statements(config)
    return dataclasses.replace(statements, insert=statements.insert.replace("AVG(price)", "1000 * AVG(price)", 1))
job.job_statements = _wrong
if __name__ == "__main__":
    job.main()
`,
  );
  return readFileSync(out);
}

/** The packaged job, except that its entry point fails before the job is submitted. */
function zipFailingToStart(out: string, message: string): Buffer {
  withMain(PACKAGED_ZIP, out, `raise RuntimeError(${JSON.stringify(message)})\n`);
  return readFileSync(out);
}

describe('Re-deploys on the local cloud, from an S3 upload', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'flinkflow-e2e-redeploy-'));
  const work = mkdtempSync(path.join(tmpdir(), 'flinkflow-redeploy-zips-'));
  let state: LocalCloudState;
  let clients: AwsClients;
  let sfn: SFNClient;
  let bucket: string;
  let redeployMachine: string;
  /** The object version the application runs after the successful re-deploy. */
  let goodVersion: string;

  async function untilDone(
    executionArn: string,
    timeoutMs = 5 * 60_000,
  ): Promise<DescribeExecutionCommandOutput> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (described.status !== 'RUNNING') return described;
      } catch (error) {
        // The delivery starts the execution a moment after the upload.
        if ((error as Error).name !== 'ExecutionDoesNotExist') throw error;
      }
      if (Date.now() > deadline) throw new Error(`${executionArn} did not end within ${timeoutMs / 1000} s`);
      await sleep(500);
    }
  }

  async function upload(
    zip: Buffer,
  ): Promise<{ versionId: string; executionArn: string; uploadedAt: number }> {
    const uploadedAt = Date.now();
    const put = await clients.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: PipelineNames.codeKey,
        Body: zip,
        ContentType: 'application/zip',
      }),
    );
    const versionId = put.VersionId as string;
    const name = redeployExecutionName({ bucketName: bucket, key: PipelineNames.codeKey, versionId });
    return {
      versionId,
      uploadedAt,
      executionArn: `${redeployMachine.replace(':stateMachine:', ':execution:')}:${name}`,
    };
  }

  async function application() {
    const detail = (
      await clients.kinesisAnalytics.send(
        new DescribeApplicationCommand({ ApplicationName: PipelineNames.application(PIPELINE) }),
      )
    ).ApplicationDetail;
    return {
      status: detail?.ApplicationStatus,
      versionId: detail?.ApplicationVersionId,
      objectVersion:
        detail?.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription
          ?.CodeContentDescription?.S3ApplicationCodeLocationDescription?.ObjectVersion,
    };
  }

  /** Two tickers’ events every 250 ms, prices 50..54, until the returned function is called. */
  function startTicking(): () => Promise<void> {
    let ticking = true;
    const ticks = (async () => {
      for (let i = 0; ticking; i += 1) {
        const now = new Date().toISOString();
        await clients.kinesis.send(
          new PutRecordsCommand({
            StreamName: PipelineNames.stream(PIPELINE),
            Records: ['AAPL', 'MSFT'].map((ticker) => ({
              PartitionKey: ticker,
              Data: Buffer.from(JSON.stringify({ ticker, price: 50 + (i % 5), event_time: now })),
            })),
          }),
        );
        await sleep(250);
      }
    })();
    return async () => {
      ticking = false;
      await ticks;
    };
  }

  beforeAll(async () => {
    state = await startLocalCloud({ home, fresh: true });
    Object.assign(process.env, sdkEnvironment(state));
    clients = createAwsClients(process.env);
    await deployLocally(clients, state);
    sfn = new SFNClient({ endpoint: state.edge, region: state.region, credentials });
    redeployMachine = state.stateMachines['flinkflow-redeploy'] as string;
    bucket = PipelineNames.bucket(PIPELINE, state.account, state.region);
    const provisioning = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: state.stateMachines['flinkflow-provisioning'],
        name: 'e2e-redeploy-provision',
        input: JSON.stringify({
          pipelineName: PIPELINE,
          windowSeconds: 10,
          watermarkSeconds: 2,
          initialPosition: 'TRIM_HORIZON',
        }),
      }),
    );
    const provisioned = await untilDone(provisioning.executionArn as string);
    if (provisioned.status !== 'SUCCEEDED')
      throw new Error(`provisioning ended ${provisioned.status}: ${provisioned.cause}`);
  }, 6 * 60_000);

  afterAll(async () => {
    sfn?.destroy();
    await stopLocalCloud({ home });
  });

  it('It should update the running job to a zip with a 5 s window, and 5 s windows should land in S3', async () => {
    // Prepare
    const before = await application();

    // Act: ticks all along, so that the canary finds the new job's windows (and 5 s windows land).
    const stopTicking = startTicking();
    const { versionId, executionArn, uploadedAt } = await upload(
      zipWithWindow(path.join(work, 'window-5.zip'), 5),
    );
    const done = await untilDone(executionArn, 8 * 60_000);
    const runningAt = Date.now();
    goodVersion = versionId;
    let widths: number[] = [];
    for (let wait = 0; wait < 60 && !widths.includes(5); wait += 1) {
      const listed = await clients.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: PipelineNames.outputPrefix }),
      );
      const recent = (listed.Contents ?? []).filter(
        (o) =>
          o.Key && !o.Key.split('/').pop()?.startsWith('.') && (o.LastModified?.getTime() ?? 0) >= runningAt,
      );
      widths = [];
      for (const object of recent) {
        const body = await (
          await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }))
        ).Body?.transformToString();
        for (const line of (body ?? '').split('\n').filter(Boolean)) {
          const [end, start] = line.split(',');
          widths.push((Date.parse(`${end}Z`) - Date.parse(`${start}Z`)) / 1000);
        }
      }
      if (!widths.includes(5)) await sleep(2000);
    }
    await stopTicking();

    // Assess
    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output ?? '{}') as RedeployOutput;
    expect(output).toMatchObject({
      codeObject: { versionId },
      previous: { applicationVersionId: before.versionId },
      alreadyDeployed: false,
      canary: { phase: 'PASSED', verdict: { passed: true } },
    });
    expect(await application()).toMatchObject({ status: 'RUNNING', objectVersion: versionId });
    expect(widths.length).toBeGreaterThan(0);
    expect(new Set(widths)).toEqual(new Set([5]));
    process.stdout.write(
      `redeploy e2e: upload -> new version RUNNING, healthy and through the canary in ${((runningAt - uploadedAt) / 1000).toFixed(1)} s\n`,
    );
  });

  it('It should start nothing new when the same upload event arrives again', async () => {
    // Act
    const replay = await startRedeploy(
      {
        source: 'aws.s3',
        'detail-type': 'Object Created',
        detail: {
          bucket: { name: bucket },
          object: { key: PipelineNames.codeKey, 'version-id': goodVersion },
        },
      },
      { clients: { ...clients, sfn } },
      { REDEPLOY_STATE_MACHINE_ARN: redeployMachine },
    );
    const executions = await sfn.send(new ListExecutionsCommand({ stateMachineArn: redeployMachine }));

    // Assess
    expect(replay.started).toBe(false);
    expect(executions.executions?.map((e) => e.name)).toEqual([replay.executionName]);
  });

  it('It should fail a zip with a mismatched connector at the pre-flight and leave the job running', async () => {
    // Act
    const { executionArn } = await upload(makeCodeZip(makeJobJar('4.3.0-1.18')));
    const done = await untilDone(executionArn);

    // Assess
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('InvalidCodeError');
    expect(JSON.parse(done.cause ?? '{}')).toMatchObject({
      failedStep: 'PreflightCode',
      rolledBack: false,
      running: { objectVersion: goodVersion, applicationStatus: 'RUNNING' },
    });
    expect(await application()).toMatchObject({ status: 'RUNNING', objectVersion: goodVersion });
  });

  it('It should roll back a zip whose job fails to start, and run the previous version again', async () => {
    // Act
    const { executionArn } = await upload(
      zipFailingToStart(path.join(work, 'broken.zip'), 'flinkflow-e2e: this job never starts'),
    );
    const done = await untilDone(executionArn);

    // Assess
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe(RedeployErrorName.RedeployRolledBack);
    const cause = JSON.parse(done.cause ?? '{}') as Record<string, unknown>;
    expect(cause).toMatchObject({
      rolledBack: true,
      running: { objectVersion: goodVersion, applicationStatus: 'RUNNING' },
    });
    expect(await application()).toMatchObject({ status: 'RUNNING', objectVersion: goodVersion });
  });

  it('It should roll back a zip whose job writes averages outside the price range (the canary)', async () => {
    // Prepare
    const before = await application();
    const stopTicking = startTicking();

    // Act
    const { executionArn } = await upload(zipWithWrongAverages(path.join(work, 'wrong-averages.zip')));
    const done = await untilDone(executionArn, 8 * 60_000);
    await stopTicking();

    // Assess
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe(RedeployErrorName.RedeployRolledBack);
    const cause = JSON.parse(done.cause ?? '{}') as Record<string, unknown>;
    expect(cause).toMatchObject({
      failedStep: 'RunCanary',
      error: 'CanaryFailedError',
      rolledBack: true,
      running: { objectVersion: before.objectVersion, applicationStatus: 'RUNNING' },
    });
    expect(String(cause['reason'])).toMatch(/sanity: \d+ of \d+ rows with an average outside 0..100/);
    expect(await application()).toMatchObject({ status: 'RUNNING', objectVersion: before.objectVersion });
  });
});
