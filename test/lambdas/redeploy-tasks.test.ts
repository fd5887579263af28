/** The redeploy tasks' `run` functions against aws-sdk-client-mock: statuses, idempotency, error mapping. */
import '../support/quiet-logs';
import {
  CreateApplicationSnapshotCommand,
  DescribeApplicationCommand,
  DescribeApplicationOperationCommand,
  DescribeApplicationSnapshotCommand,
  KinesisAnalyticsV2Client,
  ListApplicationOperationsCommand,
  RollbackApplicationCommand,
  UpdateApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand, ExecutionAlreadyExists } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { run as describeRedeployFailure } from '../../lambdas/describe-redeploy-failure';
import { run as describeRollback } from '../../lambdas/describe-rollback';
import { run as describeUpdate } from '../../lambdas/describe-update';
import { run as preflightCode } from '../../lambdas/preflight-code';
import { run as rollbackApplication } from '../../lambdas/rollback-application';
import { run as snapshotApplication } from '../../lambdas/snapshot-application';
import { redeployInputOf, run as startRedeploy } from '../../lambdas/start-redeploy';
import { run as updateApplicationCode } from '../../lambdas/update-application-code';
import { run as validateRedeploy } from '../../lambdas/validate-redeploy';
import { ErrorName } from '../../workflow/contract';
import {
  RedeployErrorName,
  redeployExecutionName,
  redeploySnapshotName,
} from '../../workflow/redeploy-contract';
import { awsError } from '../support/aws-errors';
import { ACCOUNT, application, BUCKET, clockAfter, REGION, redeployState, T0 } from '../support/redeploy';
import { makeCodeZip, makeJobJar } from '../support/zip-writer';

const kda = mockClient(KinesisAnalyticsV2Client);
const s3 = mockClient(S3Client);
const sfn = mockClient(SFNClient);
const env = { AWS_ACCOUNT_ID: ACCOUNT, AWS_REGION: REGION };

beforeEach(() => {
  kda.reset();
  s3.reset();
  sfn.reset();
});

describe('StartRedeploy', () => {
  const machine = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:flinkflow-redeploy`;
  const event = (versionId = 'v2', key = 'code/flinkflow-app.zip') => ({
    source: 'aws.s3',
    'detail-type': 'Object Created',
    detail: { bucket: { name: BUCKET }, object: { key, 'version-id': versionId } },
  });
  const startEnv = { REDEPLOY_STATE_MACHINE_ARN: machine };

  it('It should start the machine with the name derived from the object and an input of its fields only', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${machine}:x`, startDate: new Date() });
    const result = await startRedeploy(event(), {}, startEnv);
    const call = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(call?.name).toBe(
      redeployExecutionName({ bucketName: BUCKET, key: 'code/flinkflow-app.zip', versionId: 'v2' }),
    );
    expect(call?.name).toMatch(/^ticks-demo-[0-9a-f]{24}$/);
    expect(JSON.parse(call?.input ?? '')).toEqual({
      pipelineName: 'ticks-demo',
      bucketName: BUCKET,
      key: 'code/flinkflow-app.zip',
      versionId: 'v2',
    });
    expect(result.started).toBe(true);
  });

  it('It should treat ExecutionAlreadyExists as an event handled before, and start nothing', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const result = await startRedeploy(event(), {}, startEnv);
    expect(result.started).toBe(false);
    expect(result.executionArn).toBe(
      `arn:aws:states:${REGION}:${ACCOUNT}:execution:flinkflow-redeploy:${result.executionName}`,
    );
  });

  it('It should give two versions of the object two names, and the same version the same name', () => {
    const a = redeployExecutionName({ bucketName: BUCKET, key: 'code/flinkflow-app.zip', versionId: 'v2' });
    expect(
      redeployExecutionName({ bucketName: BUCKET, key: 'code/flinkflow-app.zip', versionId: 'v2' }),
    ).toBe(a);
    expect(
      redeployExecutionName({ bucketName: BUCKET, key: 'code/flinkflow-app.zip', versionId: 'v3' }),
    ).not.toBe(a);
  });

  it('It should name every problem of an event that is not a versioned code upload of a pipeline bucket', () => {
    expect(() =>
      redeployInputOf({
        source: 'aws.s3',
        'detail-type': 'Object Deleted',
        detail: { bucket: { name: 'other' }, object: { key: 'output/x' } },
      }),
    ).toThrow(
      /detail-type: .*Object Created.*detail.bucket.name: "other" is not a flinkflow pipeline bucket.*detail.object.key: "output\/x" is not under the code prefix code\/.*version-id: is missing/,
    );
  });

  it('It should refuse to run without the machine ARN', async () => {
    await expect(startRedeploy(event(), {}, {})).rejects.toThrow(/REDEPLOY_STATE_MACHINE_ARN is not set/);
  });
});

describe('ValidateRedeploy', () => {
  const input = {
    pipelineName: 'ticks-demo',
    bucketName: BUCKET,
    key: 'code/flinkflow-app.zip',
    versionId: 'v2',
  };

  it('It should resolve the configuration from the running application: previous version, run options, settle period', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 3, 'v1'));
    const { config } = await validateRedeploy(input, {}, env);
    expect(config).toMatchObject({
      applicationName: 'ticks-demo-app',
      runtime: 'FLINK-1_20',
      alreadyDeployed: false,
      // Two checkpoint intervals of a 10 s window (checkpoints every 10 s).
      healthSettleSeconds: 20,
      snapshotName: redeploySnapshotName(input),
      previous: { applicationVersionId: 3, objectVersion: 'v1', applicationStatus: 'RUNNING' },
    });
  });

  it('It should mark an application that already runs this object version as already deployed', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 4, 'v2'));
    expect((await validateRedeploy(input, {}, env)).config.alreadyDeployed).toBe(true);
  });

  it('It should refuse an application that is not RUNNING, or does not exist, with ApplicationNotRunningError', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('READY'));
    await expect(validateRedeploy(input, {}, env)).rejects.toMatchObject({
      name: RedeployErrorName.ApplicationNotRunning,
      message: expect.stringMatching(/is READY, not RUNNING.*Start it/),
    });
    kda.on(DescribeApplicationCommand).rejects(awsError('ResourceNotFoundException'));
    await expect(validateRedeploy(input, {}, env)).rejects.toMatchObject({
      message: expect.stringMatching(/does not exist.*provision pipeline ticks-demo first/),
    });
  });

  it("It should refuse a bucket that is not the pipeline's in this account and region", async () => {
    await expect(
      validateRedeploy({ ...input, bucketName: 'flinkflow-ticks-demo-999999999999-eu-west-1' }, {}, env),
    ).rejects.toMatchObject({
      name: ErrorName.InvalidInput,
      message: expect.stringMatching(
        /bucketName: .*its code goes to flinkflow-ticks-demo-123456789012-eu-west-1/,
      ),
    });
    expect(kda.calls()).toHaveLength(0);
  });
});

describe('PreflightCode', () => {
  const zipBody = (zip: Buffer) => ({ Body: Readable.from([zip]) as never, ContentLength: zip.length });

  it('It should read the exact object version and pass a good zip', async () => {
    s3.on(GetObjectCommand).resolves(zipBody(makeCodeZip()));
    const result = await preflightCode(redeployState());
    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: BUCKET,
      Key: 'code/flinkflow-app.zip',
      VersionId: 'v2',
    });
    expect(result.passed).toContain('main.py is in the zip');
  });

  it('It should fail a mismatched connector with InvalidCodeError that says the application was not changed', async () => {
    s3.on(GetObjectCommand).resolves(zipBody(makeCodeZip(makeJobJar('4.3.0-1.18'))));
    await expect(preflightCode(redeployState())).rejects.toMatchObject({
      name: ErrorName.InvalidCode,
      message: expect.stringMatching(
        /fails its pre-flight check against FLINK-1_20 \(1 problem\): flink-connector-kinesis 4.3.0-1.18.*The application was not changed/,
      ),
    });
  });

  it('It should say a deleted version is gone, and hand throttling to the retry as TransientError', async () => {
    s3.on(GetObjectCommand).rejects(awsError('NoSuchVersion', { statusCode: 404 }));
    await expect(preflightCode(redeployState())).rejects.toMatchObject({
      name: ErrorName.InvalidCode,
      message: expect.stringMatching(/does not exist .*upload it again/),
    });
    s3.on(GetObjectCommand).rejects(awsError('SlowDown', { statusCode: 503 }));
    await expect(preflightCode(redeployState())).rejects.toMatchObject({ name: ErrorName.Transient });
  });
});

describe('SnapshotApplication', () => {
  it('It should take the named snapshot and wait until it is READY', async () => {
    kda.on(CreateApplicationSnapshotCommand).resolves({});
    kda
      .on(DescribeApplicationSnapshotCommand)
      .resolvesOnce({
        SnapshotDetails: {
          SnapshotName: 'redeploy-abc',
          SnapshotStatus: 'CREATING',
          ApplicationVersionId: 3,
        },
      })
      .resolves({
        SnapshotDetails: { SnapshotName: 'redeploy-abc', SnapshotStatus: 'READY', ApplicationVersionId: 3 },
      });
    const result = await snapshotApplication(redeployState(), clockAfter(0));
    expect(result).toEqual({ snapshotName: 'redeploy-abc', snapshotStatus: 'READY', reused: false });
    expect(kda.commandCalls(CreateApplicationSnapshotCommand)[0]?.args[0].input).toEqual({
      ApplicationName: 'ticks-demo-app',
      SnapshotName: 'redeploy-abc',
    });
  });

  it('It should reuse the snapshot an earlier attempt took', async () => {
    kda.on(CreateApplicationSnapshotCommand).rejects(awsError('ResourceInUseException'));
    kda.on(DescribeApplicationSnapshotCommand).resolves({
      SnapshotDetails: { SnapshotName: 'redeploy-abc', SnapshotStatus: 'READY', ApplicationVersionId: 3 },
    });
    expect((await snapshotApplication(redeployState(), clockAfter(0))).reused).toBe(true);
  });

  it('It should fail a snapshot that ends FAILED, and retry one still CREATING past the wait', async () => {
    kda.on(CreateApplicationSnapshotCommand).resolves({});
    kda.on(DescribeApplicationSnapshotCommand).resolves({
      SnapshotDetails: { SnapshotName: 'redeploy-abc', SnapshotStatus: 'FAILED', ApplicationVersionId: 3 },
    });
    await expect(snapshotApplication(redeployState(), clockAfter(0))).rejects.toMatchObject({
      name: RedeployErrorName.SnapshotFailed,
    });
    kda.on(DescribeApplicationSnapshotCommand).resolves({
      SnapshotDetails: {
        SnapshotName: 'redeploy-abc',
        SnapshotStatus: 'CREATING',
        ApplicationVersionId: 3,
      },
    });
    await expect(snapshotApplication(redeployState(), clockAfter(0))).rejects.toMatchObject({
      name: ErrorName.Transient,
      message: expect.stringMatching(/still CREATING/),
    });
  });
});

describe('UpdateApplicationCode', () => {
  it('It should update with the object version and the ConditionalToken it just read', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 3, 'v1', 'tok-3'));
    kda.on(UpdateApplicationCommand).resolves({
      OperationId: 'op-1',
      ApplicationDetail: application('UPDATING', 4, 'v2').ApplicationDetail,
    });
    const result = await updateApplicationCode(redeployState(), clockAfter(0));
    expect(kda.commandCalls(UpdateApplicationCommand)[0]?.args[0].input).toEqual({
      ApplicationName: 'ticks-demo-app',
      ConditionalToken: 'tok-3',
      ApplicationConfigurationUpdate: {
        ApplicationCodeConfigurationUpdate: {
          CodeContentUpdate: {
            S3ContentLocationUpdate: { FileKeyUpdate: 'code/flinkflow-app.zip', ObjectVersionUpdate: 'v2' },
          },
        },
      },
    });
    expect(result).toEqual({
      operationId: 'op-1',
      fromApplicationVersionId: 3,
      toApplicationVersionId: 4,
      startedAt: T0,
      conflicts: 0,
    });
  });

  it('It should read the application again after a ConcurrentModificationException and use the new token', async () => {
    kda
      .on(DescribeApplicationCommand)
      .resolvesOnce(application('RUNNING', 3, 'v1', 'stale'))
      .resolves(application('RUNNING', 4, 'v1', 'fresh'));
    kda
      .on(UpdateApplicationCommand)
      .rejectsOnce(awsError('ConcurrentModificationException'))
      .resolves({ OperationId: 'op-2' });
    const result = await updateApplicationCode(redeployState(), clockAfter(0));
    const tokens = kda.commandCalls(UpdateApplicationCommand).map((c) => c.args[0].input.ConditionalToken);
    expect(tokens).toEqual(['stale', 'fresh']);
    expect(result).toMatchObject({ conflicts: 1, fromApplicationVersionId: 4, operationId: 'op-2' });
  });

  it('It should not update twice when the version is already applied (a retried task)', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('UPDATING', 4, 'v2'));
    kda.on(ListApplicationOperationsCommand).resolves({
      ApplicationOperationInfoList: [
        { OperationId: 'op-1', Operation: 'UpdateApplication', StartTime: new Date(T0) },
      ],
    });
    const result = await updateApplicationCode(redeployState(), clockAfter(0));
    expect(kda.commandCalls(UpdateApplicationCommand)).toHaveLength(0);
    expect(result).toMatchObject({ operationId: 'op-1', toApplicationVersionId: 4 });
  });

  it('It should wait out a busy status as TransientError and refuse a stopped application', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('AUTOSCALING'));
    await expect(updateApplicationCode(redeployState())).rejects.toMatchObject({ name: ErrorName.Transient });
    kda.on(DescribeApplicationCommand).resolves(application('READY'));
    await expect(updateApplicationCode(redeployState())).rejects.toMatchObject({
      name: RedeployErrorName.ApplicationNotRunning,
    });
    expect(kda.commandCalls(UpdateApplicationCommand)).toHaveLength(0);
  });
});

describe('DescribeUpdate', () => {
  const update = {
    operationId: 'op-1',
    fromApplicationVersionId: 3,
    toApplicationVersionId: 4,
    startedAt: T0,
    conflicts: 0,
  };
  const op = (status: string, failure?: object) =>
    ({
      ApplicationOperationInfoDetails: {
        OperationStatus: status,
        ...(failure ? { OperationFailureDetails: failure } : {}),
      },
    }) as never;

  it('It should report RUNNING once the operation ended SUCCESSFUL and the application runs', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 4, 'v2'));
    kda.on(DescribeApplicationOperationCommand).resolves(op('SUCCESSFUL'));
    expect(await describeUpdate(redeployState({ update }), clockAfter(45))).toMatchObject({
      phase: 'RUNNING',
      applicationVersionId: 4,
      attempt: 1,
      startedAt: T0,
    });
  });

  it('It should keep waiting while the operation is IN_PROGRESS, never past the timeout', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('UPDATING', 4, 'v2'));
    kda.on(DescribeApplicationOperationCommand).resolves(op('IN_PROGRESS'));
    expect(await describeUpdate(redeployState({ update }), clockAfter(5))).toMatchObject({
      phase: 'WAITING',
      nextWaitSeconds: 20,
    });
    expect(
      await describeUpdate(redeployState({ update }, { startTimeoutSeconds: 60 }), clockAfter(50)),
    ).toMatchObject({ phase: 'WAITING', nextWaitSeconds: 10 });
    expect(
      await describeUpdate(redeployState({ update }, { startTimeoutSeconds: 60 }), clockAfter(60)),
    ).toMatchObject({
      phase: 'TIMED_OUT',
      reason: expect.stringMatching(/still UPDATING 60 s after the update/),
    });
  });

  it('It should report FAILED with the service error and the system rollback it started', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('ROLLING_BACK', 5, 'v1'));
    kda
      .on(DescribeApplicationOperationCommand)
      .resolves(op('FAILED', { RollbackOperationId: 'op-9', ErrorInfo: { ErrorString: 'job failed' } }));
    expect(await describeUpdate(redeployState({ update }), clockAfter(90))).toMatchObject({
      phase: 'FAILED',
      systemRollbackOperationId: 'op-9',
      reason:
        'update operation op-1 ended FAILED after 90 s: job failed (the service rolled back with operation op-9)',
    });
  });
});

describe('RollbackApplication and DescribeRollback', () => {
  const update = {
    operationId: 'op-1',
    fromApplicationVersionId: 3,
    toApplicationVersionId: 4,
    startedAt: T0,
    conflicts: 0,
  };

  it('It should call RollbackApplication with the current version when the new job runs but is unhealthy', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 4, 'v2'));
    kda
      .on(DescribeApplicationOperationCommand)
      .resolves({ ApplicationOperationInfoDetails: { OperationStatus: 'SUCCESSFUL' } } as never);
    kda.on(RollbackApplicationCommand).resolves({ OperationId: 'op-2' });
    const result = await rollbackApplication(redeployState({ update }), clockAfter(0));
    expect(kda.commandCalls(RollbackApplicationCommand)[0]?.args[0].input).toEqual({
      ApplicationName: 'ticks-demo-app',
      CurrentApplicationVersionId: 4,
    });
    expect(result).toMatchObject({ kind: 'requested', operationId: 'op-2', phase: 'WAITING' });
  });

  it('It should follow the service rollback instead of requesting another', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('ROLLING_BACK', 5, 'v2'));
    const status = {
      phase: 'FAILED' as const,
      systemRollbackOperationId: 'op-9',
      operationStatus: 'FAILED',
      reason: 'x',
      startedAt: T0,
      applicationStatus: 'ROLLING_BACK',
      applicationVersionId: 5,
      attempt: 2,
      nextWaitSeconds: 0,
    };
    const result = await rollbackApplication(redeployState({ update, status }), clockAfter(0));
    expect(result).toMatchObject({ kind: 'system', operationId: 'op-9' });
    expect(kda.commandCalls(RollbackApplicationCommand)).toHaveLength(0);
  });

  it('It should need no rollback when the update never took effect', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 3, 'v1'));
    expect(await rollbackApplication(redeployState({ update }), clockAfter(0))).toMatchObject({
      kind: 'not-needed',
      phase: 'DONE',
    });
    expect(kda.commandCalls(RollbackApplicationCommand)).toHaveLength(0);
  });

  it('It should refuse to roll back from READY with what to do instead', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('READY', 4, 'v2'));
    kda
      .on(DescribeApplicationOperationCommand)
      .resolves({ ApplicationOperationInfoDetails: { OperationStatus: 'FAILED' } } as never);
    await expect(rollbackApplication(redeployState({ update }), clockAfter(0))).rejects.toMatchObject({
      name: RedeployErrorName.RollbackFailed,
      message: expect.stringMatching(/is READY.*object version v1.*snapshot redeploy-abc/),
    });
  });

  it('It should end the rollback when its operation is SUCCESSFUL and the application RUNNING, and fail a failed one', async () => {
    const rollback = {
      kind: 'requested' as const,
      operationId: 'op-2',
      startedAt: T0,
      attempt: 0,
      phase: 'WAITING' as const,
      nextWaitSeconds: 30,
      applicationStatus: 'ROLLING_BACK',
      applicationVersionId: 4,
    };
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 5, 'v1'));
    kda
      .on(DescribeApplicationOperationCommand)
      .resolves({ ApplicationOperationInfoDetails: { OperationStatus: 'SUCCESSFUL' } } as never);
    expect(await describeRollback(redeployState({ rollback }), clockAfter(30))).toMatchObject({
      phase: 'DONE',
      applicationVersionId: 5,
      objectVersion: 'v1',
      attempt: 1,
    });
    kda.on(DescribeApplicationOperationCommand).resolves({
      ApplicationOperationInfoDetails: {
        OperationStatus: 'FAILED',
        OperationFailureDetails: { ErrorInfo: { ErrorString: 'no snapshot' } },
      },
    } as never);
    await expect(describeRollback(redeployState({ rollback }), clockAfter(30))).rejects.toMatchObject({
      name: RedeployErrorName.RollbackFailed,
      message: expect.stringMatching(/ended FAILED: no snapshot/),
    });
  });
});

describe('DescribeRedeployFailure', () => {
  const lambdaCause = (message: string) =>
    JSON.stringify({ errorType: 'X', errorMessage: message, trace: [] });

  it('It should name a rollback and what runs now', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 5, 'v1'));
    const rollback = {
      kind: 'requested' as const,
      startedAt: T0,
      attempt: 3,
      phase: 'DONE' as const,
      nextWaitSeconds: 0,
      applicationStatus: 'RUNNING',
      applicationVersionId: 5,
    };
    const out = await describeRedeployFailure(
      redeployState({
        rollback,
        why: {
          failedStep: 'CheckApplicationHealth',
          error: 'ApplicationUnhealthyError',
          cause: 'the job restarted 3 times',
        },
      }),
    );
    expect(out.Error).toBe(RedeployErrorName.RedeployRolledBack);
    expect(JSON.parse(out.Cause)).toMatchObject({
      rolledBack: true,
      running: { applicationVersionId: 5, objectVersion: 'v1', applicationStatus: 'RUNNING' },
      summary:
        'The re-deploy of code version v2 failed at CheckApplicationHealth (the job restarted 3 times); the application was rolled back and application ticks-demo-app version 5 is RUNNING on code version v1.',
    });
  });

  it('It should keep the original error when nothing had changed, and say RollbackFailedError when the rollback failed', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 3, 'v1'));
    const before = await describeRedeployFailure(
      redeployState({
        why: { failedStep: 'PreflightCode', error: 'InvalidCodeError', cause: lambdaCause('bad zip') },
      }),
    );
    expect(before.Error).toBe('InvalidCodeError');
    expect(JSON.parse(before.Cause).summary).toMatch(/before the application was changed \(bad zip\)/);
    const failed = await describeRedeployFailure(
      redeployState({
        why: { failedStep: 'DescribeUpdate', error: 'UpdateFailedError', cause: 'x' },
        rollbackError: { Error: 'RollbackFailedError', Cause: lambdaCause('rollback op failed') },
      }),
    );
    expect(failed.Error).toBe(RedeployErrorName.RollbackFailed);
    expect(JSON.parse(failed.Cause).summary).toMatch(/the rollback failed too: rollback op failed/);
  });

  it('It should describe a rejected input without an application to read', async () => {
    const out = await describeRedeployFailure({
      input: 42,
      why: {
        failedStep: 'ValidateRedeploy',
        error: 'InvalidInputError',
        cause: lambdaCause('not an object'),
      },
    });
    expect(out.Error).toBe('InvalidInputError');
    expect(kda.calls()).toHaveLength(0);
    expect(JSON.parse(out.Cause)).toMatchObject({
      pipelineName: 'unknown',
      failedStep: 'ValidateRedeploy',
      reason: 'not an object',
    });
  });
});

describe('the redeploy input', () => {
  it('It should name each bad number with its range and default, and an unknown field as a typo', async () => {
    const input = {
      pipelineName: 'ticks-demo',
      bucketName: BUCKET,
      key: 'code/flinkflow-app.zip',
      versionId: 'v2',
    };
    await expect(
      validateRedeploy(
        { ...input, healthSettleSeconds: 5, startTimeoutSeconds: '900', windowSeconds: 5 },
        {},
        env,
      ),
    ).rejects.toMatchObject({
      name: ErrorName.InvalidInput,
      problems: [
        {
          field: 'healthSettleSeconds',
          message:
            "must be a whole number of seconds from 10 to 3600, got 5; omit it for two checkpoint intervals of the application's window",
        },
        {
          field: 'startTimeoutSeconds',
          message:
            'must be a whole number of seconds from 60 to 3600, got "900" (a string); omit it for 900 s',
        },
        { field: 'windowSeconds', message: expect.stringMatching(/^is not a known field \(typo\?\)/) },
      ],
    });
  });

  it('It should refuse to name an execution for a bucket that is not a pipeline bucket', () => {
    expect(() =>
      redeployExecutionName({ bucketName: 'payments-archive', key: 'code/x.zip', versionId: 'v1' }),
    ).toThrow(/payments-archive is not a pipeline bucket/);
  });
});
