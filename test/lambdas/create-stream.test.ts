import '../support/quiet-logs';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  StartStreamEncryptionCommand,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { ErrorName } from '../../workflow/contract';
import { handler, run } from '../../lambdas/create-stream';
import { logger } from '../../lambdas/shared/logger';
import { awsError } from '../support/aws-errors';
import { fakeLambdaContext } from '../support/lambda-context';
import { testState } from '../support/provisioning';
import { fakeTime } from '../support/time';

const kinesis = mockClient(KinesisClient);
const STREAM_ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/ticks-demo-ticks';

function streamSummary(overrides: Partial<StreamDescriptionSummary> = {}) {
  return {
    StreamDescriptionSummary: {
      StreamName: 'ticks-demo-ticks',
      StreamARN: STREAM_ARN,
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      OpenShardCount: 1,
      EncryptionType: 'KMS',
      RetentionPeriodHours: 24,
      StreamCreationTimestamp: new Date(),
      EnhancedMonitoring: [],
      ...overrides,
    } as StreamDescriptionSummary,
  };
}

describe('CreateStream', () => {
  beforeEach(() => {
    kinesis.reset();
  });

  it('It should create a provisioned stream, wait for ACTIVE and turn on KMS encryption', async () => {
    // Prepare
    const time = fakeTime();
    kinesis.on(CreateStreamCommand).resolves({});
    kinesis
      .on(DescribeStreamSummaryCommand)
      .resolvesOnce(streamSummary({ StreamStatus: 'CREATING', EncryptionType: 'NONE' }))
      .resolvesOnce(streamSummary({ EncryptionType: 'NONE' }))
      .resolvesOnce(streamSummary({ StreamStatus: 'UPDATING' }))
      .resolves(streamSummary());
    kinesis.on(StartStreamEncryptionCommand).resolves({});

    // Act
    const result = await run(testState({}, { shardCount: 2 }), { ...time });

    // Assess
    expect(result).toEqual({ streamName: 'ticks-demo-ticks', streamArn: STREAM_ARN, created: true });
    expect(kinesis).toHaveReceivedCommandWith(CreateStreamCommand, {
      StreamName: 'ticks-demo-ticks',
      ShardCount: 2,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
    });
    expect(kinesis).toHaveReceivedCommandWith(StartStreamEncryptionCommand, {
      StreamName: 'ticks-demo-ticks',
      EncryptionType: 'KMS',
      KeyId: 'alias/aws/kinesis',
    });
    expect(time.sleeps).toEqual([2_000, 2_000]);
  });

  it('It should keep waiting while a just-created stream is not visible yet', async () => {
    // Prepare
    kinesis.on(CreateStreamCommand).resolves({});
    kinesis
      .on(DescribeStreamSummaryCommand)
      .rejectsOnce(awsError('ResourceNotFoundException'))
      .resolves(streamSummary());

    // Act
    const result = await run(testState(), { ...fakeTime() });

    // Assess
    expect(result.created).toBe(true);
    expect(kinesis).toHaveReceivedCommandTimes(DescribeStreamSummaryCommand, 2);
  });

  it('It should create an on-demand stream without a shard count', async () => {
    // Prepare
    kinesis.on(CreateStreamCommand).resolves({});
    kinesis
      .on(DescribeStreamSummaryCommand)
      .resolves(streamSummary({ StreamModeDetails: { StreamMode: 'ON_DEMAND' }, OpenShardCount: 4 }));

    // Act
    await run(testState({}, { streamMode: 'ON_DEMAND', shardCount: 0 }), { ...fakeTime() });

    // Assess
    const input = kinesis.commandCalls(CreateStreamCommand)[0]?.args[0].input;
    expect(input).toEqual({ StreamName: 'ticks-demo-ticks', StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
    expect(kinesis).not.toHaveReceivedCommand(StartStreamEncryptionCommand);
  });

  it('It should reuse an existing compatible stream and report created: false', async () => {
    // Prepare
    kinesis.on(CreateStreamCommand).rejects(awsError('ResourceInUseException'));
    kinesis.on(DescribeStreamSummaryCommand).resolves(streamSummary());

    // Act
    const result = await run(testState(), { ...fakeTime() });

    // Assess
    expect(result).toEqual({ streamName: 'ticks-demo-ticks', streamArn: STREAM_ARN, created: false });
    expect(kinesis).not.toHaveReceivedCommand(StartStreamEncryptionCommand);
  });

  it('It should encrypt an existing unencrypted stream', async () => {
    // Prepare
    kinesis.on(CreateStreamCommand).rejects(awsError('ResourceInUseException'));
    kinesis
      .on(DescribeStreamSummaryCommand)
      .resolvesOnce(streamSummary({ EncryptionType: 'NONE' }))
      .resolves(streamSummary());
    kinesis.on(StartStreamEncryptionCommand).resolves({});

    // Act
    const result = await run(testState(), { ...fakeTime() });

    // Assess
    expect(result.created).toBe(false);
    expect(kinesis).toHaveReceivedCommandTimes(StartStreamEncryptionCommand, 1);
  });

  it('It should refuse an existing stream in another capacity mode with a ResourceConflictError', async () => {
    // Prepare
    kinesis.on(CreateStreamCommand).rejects(awsError('ResourceInUseException'));
    kinesis
      .on(DescribeStreamSummaryCommand)
      .resolves(streamSummary({ StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));

    // Act
    const act = run(testState(), { ...fakeTime() });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.ResourceConflict,
      message: expect.stringMatching(/already exists in ON_DEMAND mode, but the input asks for PROVISIONED/),
    });
  });

  it('It should refuse an existing provisioned stream with another shard count', async () => {
    // Prepare
    kinesis.on(CreateStreamCommand).rejects(awsError('ResourceInUseException'));
    kinesis.on(DescribeStreamSummaryCommand).resolves(streamSummary({ OpenShardCount: 3 }));

    // Act
    const act = run(testState({}, { shardCount: 2 }), { ...fakeTime() });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.ResourceConflict,
      message: expect.stringMatching(/3 open shards, but the input asks for 2/),
    });
  });

  it('It should fail at once with QuotaExceededError when the shard quota is exhausted, naming it', async () => {
    // Prepare
    kinesis.on(CreateStreamCommand).rejects(
      awsError('LimitExceededException', {
        message: 'This request would exceed the shard limit for the account 123456789012 in eu-west-1.',
      }),
    );

    // Act
    const act = run(testState(), { ...fakeTime() });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.QuotaExceeded,
      message: expect.stringMatching(
        /^The Kinesis stream or shard quota of account 123456789012 in eu-west-1 is exhausted \(This request would exceed the shard limit.*request a quota increase/,
      ),
    });
  });

  it.each([
    ['LimitExceededException', 400, 'Rate exceeded for stream ticks-demo-ticks under account 123456789012.'],
    ['ThrottlingException', 400, undefined],
    ['InternalFailure', 500, undefined],
  ])('It should turn %s from CreateStream into a TransientError', async (code, statusCode, message) => {
    // Prepare
    kinesis
      .on(CreateStreamCommand)
      .rejects(awsError(code, { statusCode, ...(message === undefined ? {} : { message }) }));

    // Act
    const act = run(testState(), { ...fakeTime() });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.Transient,
      cause: expect.objectContaining({ name: code }),
    });
  });

  it('It should give up waiting after the bound with a TransientError, so the machine retries', async () => {
    // Prepare
    const time = fakeTime();
    kinesis.on(CreateStreamCommand).resolves({});
    kinesis.on(DescribeStreamSummaryCommand).resolves(streamSummary({ StreamStatus: 'CREATING' }));

    // Act
    const act = run(testState(), {
      ...time,
      wait: { timeoutMs: 10_000, intervalMs: 2_000, maxIntervalMs: 4_000 },
    });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.Transient,
      message: expect.stringMatching(/still CREATING after 10 s/),
    });
    expect(time.sleeps.reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  it('It should report a stream that is being deleted as transient', async () => {
    // Prepare
    kinesis.on(CreateStreamCommand).rejects(awsError('ResourceInUseException'));
    kinesis.on(DescribeStreamSummaryCommand).resolves(streamSummary({ StreamStatus: 'DELETING' }));

    // Act
    const act = run(testState(), { ...fakeTime() });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.Transient,
      message: expect.stringMatching(/being deleted/),
    });
  });

  it('It should pass an invalid-argument error through unchanged', async () => {
    // Prepare
    kinesis.on(CreateStreamCommand).rejects(awsError('InvalidArgumentException'));

    // Act
    const act = run(testState(), { ...fakeTime() });

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'InvalidArgumentException' });
  });

  it('It should pass a KMS access error from StartStreamEncryption through unchanged', async () => {
    // Prepare
    kinesis.on(CreateStreamCommand).resolves({});
    kinesis.on(DescribeStreamSummaryCommand).resolves(streamSummary({ EncryptionType: 'NONE' }));
    kinesis.on(StartStreamEncryptionCommand).rejects(awsError('KMSAccessDeniedException'));

    // Act
    const act = run(testState(), { ...fakeTime() });

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'KMSAccessDeniedException' });
  });

  it('It should treat a concurrent update during StartStreamEncryption as transient', async () => {
    // Prepare
    kinesis.on(CreateStreamCommand).resolves({});
    kinesis.on(DescribeStreamSummaryCommand).resolves(streamSummary({ EncryptionType: 'NONE' }));
    kinesis.on(StartStreamEncryptionCommand).rejects(awsError('ResourceInUseException'));

    // Act
    const act = run(testState(), { ...fakeTime() });

    // Assess
    await expect(act).rejects.toMatchObject({ name: ErrorName.Transient });
  });

  it('It should refuse an execution state without the validated configuration', async () => {
    // Act
    const act = run({ input: { pipelineName: 'x' } } as never, { ...fakeTime() });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.InvalidInput,
      message: expect.stringMatching(/\$\.config/),
    });
    expect(kinesis).not.toHaveReceivedAnyCommand();
  });

  it('It should run through the middy handler with the shared clients', async () => {
    // Prepare
    kinesis.on(CreateStreamCommand).resolves({});
    kinesis.on(DescribeStreamSummaryCommand).resolves(streamSummary());

    // Act
    const result = await handler(testState(), fakeLambdaContext());

    // Assess
    expect(result.streamArn).toBe(STREAM_ARN);
  });

  it('It should describe the stream by its name and take an answer without a description as transient', async () => {
    // Prepare
    kinesis.on(CreateStreamCommand).resolves({});
    kinesis.on(DescribeStreamSummaryCommand).resolves({} as never);

    // Act
    const act = run(testState(), { ...fakeTime() });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.Transient,
      message: 'DescribeStreamSummary of ticks-demo-ticks returned no description',
    });
    expect(kinesis).toHaveReceivedCommandWith(DescribeStreamSummaryCommand, {
      StreamName: 'ticks-demo-ticks',
    });
  });

  it('It should pass an error other than a not-yet-visible stream through while waiting', async () => {
    // Prepare
    kinesis.on(CreateStreamCommand).resolves({});
    kinesis.on(DescribeStreamSummaryCommand).rejects(awsError('AccessDeniedException'));

    // Act / Assess
    await expect(run(testState(), { ...fakeTime() })).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });

  it('It should say "unknown" when the stream never became visible within the bound', async () => {
    // Prepare
    kinesis.on(CreateStreamCommand).resolves({});
    kinesis.on(DescribeStreamSummaryCommand).rejects(awsError('ResourceNotFoundException'));

    // Act
    const act = run(testState(), {
      ...fakeTime(),
      wait: { timeoutMs: 6_000, intervalMs: 2_000, maxIntervalMs: 2_000 },
    });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.Transient,
      message: 'Stream ticks-demo-ticks is still unknown after 6 s; retrying the task resumes the wait',
    });
  });

  it('It should take an existing stream without mode details as PROVISIONED and check its shards', async () => {
    // Prepare
    kinesis.on(CreateStreamCommand).rejects(awsError('ResourceInUseException'));
    kinesis
      .on(DescribeStreamSummaryCommand)
      .resolves(streamSummary({ StreamModeDetails: undefined as never, OpenShardCount: undefined as never }));

    // Act / Assess
    await expect(run(testState(), { ...fakeTime() })).rejects.toMatchObject({
      name: ErrorName.ResourceConflict,
      message:
        'Stream ticks-demo-ticks already exists with an unknown number of open shards, but the input asks for 1; ' +
        'delete the stream, or change "stream" in the input to match it',
    });
  });

  it('It should accept an existing on-demand stream whatever its shard count, and say how to fix a mode conflict', async () => {
    // Prepare
    kinesis.on(CreateStreamCommand).rejects(awsError('ResourceInUseException'));
    kinesis
      .on(DescribeStreamSummaryCommand)
      .resolves(streamSummary({ StreamModeDetails: { StreamMode: 'ON_DEMAND' }, OpenShardCount: 4 }));

    // Act
    const onDemand = await run(testState({}, { streamMode: 'ON_DEMAND', shardCount: 0 }), { ...fakeTime() });
    const provisioned = run(testState(), { ...fakeTime() });

    // Assess
    expect(onDemand).toEqual({ streamName: 'ticks-demo-ticks', streamArn: STREAM_ARN, created: false });
    await expect(provisioned).rejects.toMatchObject({
      message:
        'Stream ticks-demo-ticks already exists in ON_DEMAND mode, but the input asks for PROVISIONED; ' +
        'delete the stream, or change "stream" in the input to match it',
    });
  });

  it('It should log that the stream exists', async () => {
    // Prepare
    const info = jest.spyOn(logger, 'info');
    kinesis.on(CreateStreamCommand).rejects(awsError('ResourceInUseException'));
    kinesis.on(DescribeStreamSummaryCommand).resolves(streamSummary());

    try {
      // Act
      await run(testState(), { ...fakeTime() });

      // Assess
      expect(info).toHaveBeenCalledWith('stream exists; checking it', { streamName: 'ticks-demo-ticks' });
    } finally {
      info.mockRestore();
    }
  });

  it('It should say why a busy stream is not encrypted yet, keeping the service error', async () => {
    // Prepare
    const busy = awsError('ResourceInUseException');
    kinesis.on(CreateStreamCommand).resolves({});
    kinesis.on(DescribeStreamSummaryCommand).resolves(streamSummary({ EncryptionType: 'NONE' }));
    kinesis.on(StartStreamEncryptionCommand).rejects(busy);

    // Act / Assess
    await expect(run(testState(), { ...fakeTime() })).rejects.toMatchObject({
      message: 'Stream ticks-demo-ticks is busy with another update; encryption will be enabled on retry',
      cause: busy,
    });
  });

  it('It should take a stream reported without its ARN as transient', async () => {
    // Prepare
    kinesis.on(CreateStreamCommand).resolves({});
    kinesis.on(DescribeStreamSummaryCommand).resolves(streamSummary({ StreamARN: undefined as never }));

    // Act / Assess
    await expect(run(testState(), { ...fakeTime() })).rejects.toMatchObject({
      name: ErrorName.Transient,
      message: 'DescribeStreamSummary of ticks-demo-ticks returned no StreamARN',
    });
  });
});
