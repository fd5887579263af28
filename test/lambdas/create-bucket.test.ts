import '../support/quiet-logs';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutBucketNotificationConfigurationCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { ErrorName } from '../../workflow/contract';
import { handler, run } from '../../lambdas/create-bucket';
import { logger } from '../../lambdas/shared/logger';
import { awsError } from '../support/aws-errors';
import { fakeLambdaContext } from '../support/lambda-context';
import { testState } from '../support/provisioning';

const s3 = mockClient(S3Client);
const BUCKET = 'flinkflow-ticks-demo-123456789012-eu-west-1';

function settingsSucceed(): void {
  s3.on(PutPublicAccessBlockCommand).resolves({});
  s3.on(PutBucketEncryptionCommand).resolves({});
  s3.on(PutBucketPolicyCommand).resolves({});
  s3.on(PutBucketVersioningCommand).resolves({});
  s3.on(PutBucketNotificationConfigurationCommand).resolves({});
}

describe('CreateBucket', () => {
  beforeEach(() => {
    s3.reset();
  });

  it('It should create the bucket in the region and make it private, encrypted, TLS-only and versioned', async () => {
    // Prepare
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', { statusCode: 404 }));
    s3.on(CreateBucketCommand).resolves({});
    settingsSucceed();

    // Act
    const result = await run(testState());

    // Assess
    expect(result).toEqual({ bucketName: BUCKET, bucketArn: `arn:aws:s3:::${BUCKET}`, created: true });
    expect(s3).toHaveReceivedCommandWith(HeadBucketCommand, {
      Bucket: BUCKET,
      ExpectedBucketOwner: '123456789012',
    });
    expect(s3).toHaveReceivedCommandWith(CreateBucketCommand, {
      Bucket: BUCKET,
      ObjectOwnership: 'BucketOwnerEnforced',
      CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
    });
    expect(s3).toHaveReceivedCommandWith(PutPublicAccessBlockCommand, {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });
    expect(s3).toHaveReceivedCommandWith(PutBucketEncryptionCommand, {
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }],
      },
    });
    expect(s3).toHaveReceivedCommandWith(PutBucketVersioningCommand, {
      VersioningConfiguration: { Status: 'Enabled' },
    });
    // EventBridge notifications on: the redeploy rule sees new code zips.
    expect(s3).toHaveReceivedCommandWith(PutBucketNotificationConfigurationCommand, {
      Bucket: BUCKET,
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
    const policy = JSON.parse(s3.commandCalls(PutBucketPolicyCommand)[0]?.args[0].input.Policy ?? '{}');
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ]);
  });

  it('It should not name us-east-1 as a location constraint', async () => {
    // Prepare
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', { statusCode: 404 }));
    s3.on(CreateBucketCommand).resolves({});
    settingsSucceed();

    // Act
    await run(
      testState({}, { region: 'us-east-1', bucketName: 'flinkflow-ticks-demo-123456789012-us-east-1' }),
    );

    // Assess
    expect(s3.commandCalls(CreateBucketCommand)[0]?.args[0].input.CreateBucketConfiguration).toBeUndefined();
  });

  it('It should reuse a bucket this account already owns and still apply every setting', async () => {
    // Prepare
    s3.on(HeadBucketCommand).resolves({});
    settingsSucceed();

    // Act
    const result = await run(testState());

    // Assess
    expect(result.created).toBe(false);
    expect(s3).not.toHaveReceivedCommand(CreateBucketCommand);
    expect(s3).toHaveReceivedCommandTimes(PutBucketVersioningCommand, 1);
    expect(s3).toHaveReceivedCommandTimes(PutBucketPolicyCommand, 1);
  });

  it('It should accept BucketAlreadyOwnedByYou from a concurrent creation', async () => {
    // Prepare
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', { statusCode: 404 }));
    s3.on(CreateBucketCommand).rejects(awsError('BucketAlreadyOwnedByYou', { statusCode: 409 }));
    settingsSucceed();

    // Act
    const result = await run(testState());

    // Assess
    expect(result.created).toBe(false);
  });

  it('It should explain that the name is taken when the bucket belongs to another account', async () => {
    // Prepare
    s3.on(HeadBucketCommand).rejects(awsError('Forbidden', { statusCode: 403 }));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.ResourceConflict,
      message: expect.stringMatching(/belongs to another AWS account.*choose another pipelineName/),
    });
    expect(s3).not.toHaveReceivedCommand(CreateBucketCommand);
  });

  it('It should explain BucketAlreadyExists the same way', async () => {
    // Prepare
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', { statusCode: 404 }));
    s3.on(CreateBucketCommand).rejects(awsError('BucketAlreadyExists', { statusCode: 409 }));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({ name: ErrorName.ResourceConflict });
  });

  it.each([
    ['SlowDown', 503],
    ['OperationAborted', 409],
    ['InternalError', 500],
  ])('It should turn %s into a TransientError', async (code, statusCode) => {
    // Prepare
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', { statusCode: 404 }));
    s3.on(CreateBucketCommand).rejects(awsError(code, { statusCode }));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({ name: ErrorName.Transient });
  });

  it('It should pass AccessDenied from a settings call through unchanged', async () => {
    // Prepare
    s3.on(HeadBucketCommand).resolves({});
    s3.on(PutPublicAccessBlockCommand).resolves({});
    s3.on(PutBucketEncryptionCommand).resolves({});
    s3.on(PutBucketPolicyCommand).rejects(awsError('AccessDenied', { statusCode: 403 }));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(s3).not.toHaveReceivedCommand(PutBucketVersioningCommand);
  });

  it('It should run through the middy handler', async () => {
    // Prepare
    s3.on(HeadBucketCommand).resolves({});
    settingsSucceed();

    // Act
    const result = await handler(testState(), fakeLambdaContext());

    // Assess
    expect(result.bucketName).toBe(BUCKET);
  });

  it('It should write a complete TLS-only policy that applies to everyone', async () => {
    // Prepare
    s3.on(HeadBucketCommand).resolves({});
    settingsSucceed();

    // Act
    await run(testState());

    // Assess
    expect(JSON.parse(s3.commandCalls(PutBucketPolicyCommand)[0]!.args[0].input.Policy ?? '{}')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    });
  });

  it.each([
    ['NoSuchBucket without a status', awsError('NoSuchBucket', { statusCode: 400 })],
    ['NotFound without a status', awsError('NotFound', { statusCode: 400 })],
    ['a 404 under another name', awsError('UnknownError', { statusCode: 404 })],
  ])('It should take %s as a bucket that does not exist and create it', async (_case, error) => {
    // Prepare
    s3.on(HeadBucketCommand).rejects(error);
    s3.on(CreateBucketCommand).resolves({});
    settingsSucceed();

    // Act
    const result = await run(testState());

    // Assess
    expect(result.created).toBe(true);
  });

  it('It should pass another HeadBucket error through, without creating anything', async () => {
    // Prepare
    s3.on(HeadBucketCommand).rejects(awsError('InvalidBucketName', { statusCode: 400 }));

    // Act / Assess
    await expect(run(testState())).rejects.toMatchObject({ name: 'InvalidBucketName' });
    expect(s3).not.toHaveReceivedCommand(CreateBucketCommand);
  });

  it('It should keep the service error as the cause of a name conflict', async () => {
    // Prepare
    const forbidden = awsError('Forbidden', { statusCode: 403 });
    s3.on(HeadBucketCommand).rejects(forbidden);

    // Act / Assess
    await expect(run(testState())).rejects.toMatchObject({
      message: `Bucket ${BUCKET} exists but belongs to another AWS account; bucket names are global, so choose another pipelineName`,
      cause: forbidden,
    });
  });

  it('It should log that it re-applies the settings of a bucket that exists, and only then', async () => {
    // Prepare
    const info = jest.spyOn(logger, 'info');
    s3.on(HeadBucketCommand)
      .resolvesOnce({})
      .rejects(awsError('NotFound', { statusCode: 404 }));
    s3.on(CreateBucketCommand).resolves({});
    settingsSucceed();

    try {
      // Act
      await run(testState());
      const afterExisting = [...info.mock.calls];
      await run(testState());

      // Assess
      expect(afterExisting).toEqual([['bucket exists; re-applying its settings', { bucket: BUCKET }]]);
      expect(info).toHaveBeenCalledTimes(1);
    } finally {
      info.mockRestore();
    }
  });
});
