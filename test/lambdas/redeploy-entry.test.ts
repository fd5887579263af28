/**
 * The re-deploy's two entry tasks one case at a time: StartRedeploy's reading of the S3 event (each
 * problem alone, with its exact message), the ARN it reports and its handling of a name taken before;
 * ValidateRedeploy's refusals with their exact messages and the previous version it records.
 */
import '../support/quiet-logs';
import {
  type ApplicationDetail,
  DescribeApplicationCommand,
  KinesisAnalyticsV2Client,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { redeployInputOf, run as startRedeploy } from '../../lambdas/start-redeploy';
import { run as validateRedeploy } from '../../lambdas/validate-redeploy';
import { awsError } from '../support/aws-errors';
import { ACCOUNT, application, BUCKET, REGION } from '../support/redeploy';

const kda = mockClient(KinesisAnalyticsV2Client);
const sfn = mockClient(SFNClient);
beforeEach(() => {
  kda.reset();
  sfn.reset();
});
const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error & { cause?: unknown; problems?: unknown },
  );
const thrown = (act: () => unknown) => {
  try {
    act();
  } catch (error) {
    return error as Error & { problems?: unknown };
  }
  return undefined;
};

describe('StartRedeploy', () => {
  const machine = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:flinkflow-redeploy`;
  const event = (overrides: Record<string, unknown> = {}) => ({
    source: 'aws.s3',
    'detail-type': 'Object Created',
    detail: { bucket: { name: BUCKET }, object: { key: 'code/flinkflow-app.zip', 'version-id': 'v2' } },
    ...overrides,
  });

  it('It should name a wrong source alone, with what it got', () => {
    expect(thrown(() => redeployInputOf(event({ source: 'aws.ec2' }) as never))?.problems).toEqual([
      {
        field: 'detail-type',
        message:
          'expected an S3 "Object Created" event (source aws.s3), got source aws.ec2 and detail-type Object Created; check the rule\'s pattern',
      },
    ]);
  });

  it.each([
    ['without detail', undefined],
    ['whose detail has no bucket or object', {}],
  ])('It should name each field an event %s lacks', (_case, detail) => {
    expect(thrown(() => redeployInputOf(event({ detail }) as never))?.problems).toEqual([
      {
        field: 'detail.bucket.name',
        message: '"" is not a flinkflow pipeline bucket (flinkflow-<pipeline>-<account>-<region>)',
      },
      { field: 'detail.object.key', message: '"" is not under the code prefix code/' },
      {
        field: 'detail.object.version-id',
        message:
          'is missing: the bucket is not versioned, so the upload cannot be pinned; turn versioning on (CreateBucket does) and upload again',
      },
    ]);
  });

  it('It should take the version id "null" of an unversioned bucket as missing, and nothing else', () => {
    const unversioned = event({
      detail: { bucket: { name: BUCKET }, object: { key: 'code/flinkflow-app.zip', 'version-id': 'null' } },
    });
    expect(thrown(() => redeployInputOf(unversioned as never))?.problems).toEqual([
      expect.objectContaining({ field: 'detail.object.version-id' }),
    ]);
    expect(redeployInputOf(event() as never)).toEqual({
      pipelineName: 'ticks-demo',
      bucketName: BUCKET,
      key: 'code/flinkflow-app.zip',
      versionId: 'v2',
    });
  });

  it('It should take a blank machine ARN as not set, with where it comes from', async () => {
    expect(
      await caught(startRedeploy(event() as never, {}, { REDEPLOY_STATE_MACHINE_ARN: ' ' })),
    ).toMatchObject({
      name: 'ConfigurationError',
      message:
        "Environment variable REDEPLOY_STATE_MACHINE_ARN is not set; infra/redeploy.ts sets it to the redeploy machine's ARN",
    });
    expect(sfn.calls()).toHaveLength(0);
  });

  it('It should report the ARN Step Functions gives, and the one it derives when it gives none', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:given', startDate: new Date() });
    const given = await startRedeploy(event() as never, {}, { REDEPLOY_STATE_MACHINE_ARN: ` ${machine} ` });
    expect(given).toMatchObject({ executionArn: 'arn:given', started: true });
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.stateMachineArn).toBe(machine);
    sfn.on(StartExecutionCommand).resolves({});
    const derived = await startRedeploy(event() as never, {}, { REDEPLOY_STATE_MACHINE_ARN: machine });
    expect(derived.executionArn).toBe(
      `arn:aws:states:${REGION}:${ACCOUNT}:execution:flinkflow-redeploy:${derived.executionName}`,
    );
  });

  it('It should take an error named ExecutionAlreadyExists as handled before, and pass any other through', async () => {
    sfn.on(StartExecutionCommand).rejects(awsError('ExecutionAlreadyExists'));
    expect(await startRedeploy(event() as never, {}, { REDEPLOY_STATE_MACHINE_ARN: machine })).toMatchObject({
      started: false,
    });
    const denied = awsError('AccessDeniedException');
    sfn.on(StartExecutionCommand).rejects(denied);
    expect(await caught(startRedeploy(event() as never, {}, { REDEPLOY_STATE_MACHINE_ARN: machine }))).toBe(
      denied,
    );
    sfn.on(StartExecutionCommand).callsFake(() => Promise.reject('ExecutionAlreadyExists'));
    expect(await caught(startRedeploy(event() as never, {}, { REDEPLOY_STATE_MACHINE_ARN: machine }))).toBe(
      'ExecutionAlreadyExists',
    );
  });
});

describe('ValidateRedeploy', () => {
  const env = { AWS_ACCOUNT_ID: ACCOUNT, AWS_REGION: REGION };
  const input = {
    pipelineName: 'ticks-demo',
    bucketName: BUCKET,
    key: 'code/flinkflow-app.zip',
    versionId: 'v2',
  };

  it('It should say the application does not exist, keeping the service error, and pass other errors through', async () => {
    const gone = awsError('ResourceNotFoundException');
    kda.on(DescribeApplicationCommand).rejects(gone);
    const error = await caught(validateRedeploy(input, {}, env));
    expect(error).toMatchObject({
      name: 'ApplicationNotRunningError',
      message:
        'Application ticks-demo-app does not exist, so there is nothing to re-deploy; provision pipeline ticks-demo first (flinkflow provision)',
    });
    expect(error?.cause).toBe(gone);
    const denied = awsError('AccessDeniedException');
    kda.on(DescribeApplicationCommand).rejects(denied);
    expect(await caught(validateRedeploy(input, {}, env))).toBe(denied);
  });

  it('It should tell a READY application to be started and a busy one to be waited for', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('READY'));
    expect((await caught(validateRedeploy(input, {}, env)))?.message).toBe(
      'Application ticks-demo-app is READY, not RUNNING: a re-deploy updates a running job from a snapshot of it. Start it (flinkflow provision) and upload the zip again.',
    );
    kda.on(DescribeApplicationCommand).resolves(application('UPDATING'));
    expect((await caught(validateRedeploy(input, {}, env)))?.message).toBe(
      'Application ticks-demo-app is UPDATING, not RUNNING: a re-deploy updates a running job from a snapshot of it. Wait until the operation in progress ends, then upload the zip again.',
    );
  });

  it('It should accept an application that already runs this version whatever its status', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('UPDATING', 4, 'v2'));
    expect((await validateRedeploy(input, {}, env)).config.alreadyDeployed).toBe(true);
  });

  it('It should not take this version at another key as deployed', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 4, 'v2'));
    const { config } = await validateRedeploy({ ...input, key: 'code/other.zip' }, {}, env);
    expect(config.alreadyDeployed).toBe(false);
  });

  it('It should leave alone an application that runs code from another bucket', async () => {
    const answer = application('RUNNING', 3, 'v1');
    answer.ApplicationDetail.ApplicationConfigurationDescription!.ApplicationCodeConfigurationDescription!.CodeContentDescription!.S3ApplicationCodeLocationDescription!.BucketARN = `arn:aws:s3:::${BUCKET}-copy`;
    kda.on(DescribeApplicationCommand).resolves(answer);
    expect(await caught(validateRedeploy(input, {}, env))).toMatchObject({
      name: 'ResourceConflictError',
      message: `Application ticks-demo-app runs code from arn:aws:s3:::${BUCKET}-copy, not from the pipeline's bucket ${BUCKET}; it was not made by flinkflow provision and is left alone`,
    });
  });

  it('It should record an application without code, status, version or runtime as UNKNOWN, 0 and no previous code', async () => {
    const answer = application('RUNNING', 3, 'v1');
    const detail = answer.ApplicationDetail as Partial<ApplicationDetail>;
    delete detail.ApplicationConfigurationDescription;
    delete detail.ApplicationVersionId;
    delete detail.RuntimeEnvironment;
    kda.on(DescribeApplicationCommand).resolves(answer);
    const { config } = await validateRedeploy(input, {}, env);
    expect(config.previous).toEqual({ applicationVersionId: 0, applicationStatus: 'RUNNING' });
    expect(config.runtime).toBe('UNKNOWN');
    expect(config.alreadyDeployed).toBe(false);
  });

  it('It should refuse an application without a status as UNKNOWN', async () => {
    const answer = application('RUNNING', 3, 'v1');
    delete (answer.ApplicationDetail as Partial<ApplicationDetail>).ApplicationStatus;
    kda.on(DescribeApplicationCommand).resolves(answer);
    expect((await caught(validateRedeploy(input, {}, env)))?.message).toMatch(
      /^Application ticks-demo-app is UNKNOWN, not RUNNING: .* Wait until the operation in progress ends/,
    );
  });

  it('It should record the previous file key and object version it found', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 3, 'v1'));
    const { config } = await validateRedeploy(input, {}, env);
    expect(config.previous).toEqual({
      applicationVersionId: 3,
      applicationStatus: 'RUNNING',
      fileKey: 'code/flinkflow-app.zip',
      objectVersion: 'v1',
    });
  });
});
