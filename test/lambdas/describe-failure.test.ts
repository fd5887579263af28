import '../support/quiet-logs';
import { GetCrawlerCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  DescribeStreamSummaryCommand,
  KinesisClient,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import { DescribeApplicationCommand, KinesisAnalyticsV2Client } from '@aws-sdk/client-kinesis-analytics-v2';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, readableCause, run } from '../../lambdas/describe-failure';
import { logger } from '../../lambdas/shared/logger';
import { appStatus } from '../support/applications';
import { awsError } from '../support/aws-errors';
import { fakeLambdaContext } from '../support/lambda-context';
import { testState } from '../support/provisioning';

const kinesis = mockClient(KinesisClient);
const s3 = mockClient(S3Client);
const kda = mockClient(KinesisAnalyticsV2Client);
const glue = mockClient(GlueClient);
const STREAM_ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/ticks-demo-ticks';

const lambdaCause = JSON.stringify({
  errorType: 'ApplicationStartFailedError',
  errorMessage: 'Application ticks-demo-app is READY instead of RUNNING, 101 s after the start: job failed',
  trace: ['ApplicationStartFailedError: ...'],
});

function failedAt(step: string, error = 'ApplicationStartFailedError', cause = lambdaCause) {
  const state = testState({ failedStep: step, error: { Error: error, Cause: cause } });
  delete state.status;
  return state;
}

function streamExists() {
  kinesis.on(DescribeStreamSummaryCommand).resolves({
    StreamDescriptionSummary: { StreamARN: STREAM_ARN, StreamStatus: 'ACTIVE' } as StreamDescriptionSummary,
  });
}

describe('DescribeFailure', () => {
  beforeEach(() => {
    kinesis.reset();
    s3.reset();
    kda.reset();
    glue.reset();
  });

  it('It should name the failed step and error and list the resources that exist', async () => {
    // Prepare
    streamExists();
    s3.on(HeadBucketCommand).resolves({});
    kda.on(DescribeApplicationCommand).resolves(appStatus('READY'));
    glue.on(GetCrawlerCommand).rejects(awsError('EntityNotFoundException'));

    // Act
    const result = await run(failedAt('DescribeApplication'));

    // Assess
    expect(result).toEqual({
      failedStep: 'DescribeApplication',
      error: 'ApplicationStartFailedError',
      cause: 'Application ticks-demo-app is READY instead of RUNNING, 101 s after the start: job failed',
      existingResources: [
        { kind: 'stream', name: 'ticks-demo-ticks', arn: STREAM_ARN, status: 'ACTIVE' },
        {
          kind: 'bucket',
          name: 'flinkflow-ticks-demo-123456789012-eu-west-1',
          arn: 'arn:aws:s3:::flinkflow-ticks-demo-123456789012-eu-west-1',
        },
        {
          kind: 'application',
          name: 'ticks-demo-app',
          arn: 'arn:aws:kinesisanalytics:eu-west-1:123456789012:application/ticks-demo-app',
          status: 'READY',
        },
      ],
      message: expect.stringMatching(
        /^Provisioning of pipeline ticks-demo failed at DescribeApplication with ApplicationStartFailedError: Application ticks-demo-app is READY .* Resources that exist now: stream ticks-demo-ticks \(ACTIVE\), bucket flinkflow-ticks-demo-123456789012-eu-west-1, application ticks-demo-app \(READY\)\./,
      ),
    });
  });

  it('It should say that nothing exists when every resource is missing', async () => {
    // Prepare
    kinesis.on(DescribeStreamSummaryCommand).rejects(awsError('ResourceNotFoundException'));
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', { statusCode: 404 }));
    kda.on(DescribeApplicationCommand).rejects(awsError('ResourceNotFoundException'));
    glue.on(GetCrawlerCommand).rejects(awsError('EntityNotFoundException'));

    // Act
    const result = await run(failedAt('CreateStream', 'ResourceConflictError', 'plain text cause'));

    // Assess
    expect(result.existingResources).toEqual([]);
    expect(result.cause).toBe('plain text cause');
    expect(result.message).toContain("None of the pipeline's resources exist.");
  });

  it('It should check nothing when the input never validated', async () => {
    // Prepare
    const state = {
      input: { pipelineName: 'BAD' },
      failedStep: 'ValidateInput',
      error: { Error: 'InvalidInputError', Cause: 'pipelineName: ...' },
    };

    // Act
    const result = await run(state as never);

    // Assess
    expect(result.message).toMatch(
      /^Provisioning failed at ValidateInput with InvalidInputError: pipelineName: \.\.\. Nothing was created/,
    );
    expect(kinesis).not.toHaveReceivedAnyCommand();
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('It should still describe the failure when a resource cannot be checked (throttling, access)', async () => {
    // Prepare
    kinesis.on(DescribeStreamSummaryCommand).rejects(awsError('LimitExceededException'));
    s3.on(HeadBucketCommand).rejects(awsError('Forbidden', { statusCode: 403 }));
    kda.on(DescribeApplicationCommand).rejects(awsError('ResourceNotFoundException'));
    glue.on(GetCrawlerCommand).resolves({ Crawler: { Name: 'ticks-demo-crawler', State: 'READY' } });

    // Act
    const result = await run(failedAt('CreateCrawler'));

    // Assess
    expect(result.existingResources).toEqual([
      { kind: 'crawler', name: 'ticks-demo-crawler', status: 'READY' },
    ]);
    expect(result.message).toContain(
      'Could not check: stream ticks-demo-ticks (LimitExceededException), bucket flinkflow-ticks-demo-123456789012-eu-west-1 (Forbidden).',
    );
  });

  it.each([
    [
      lambdaCause,
      'Application ticks-demo-app is READY instead of RUNNING, 101 s after the start: job failed',
    ],
    ['Task timed out after 30.00 seconds', 'Task timed out after 30.00 seconds'],
    ['{"other":"json"}', '{"other":"json"}'],
    [undefined, 'no cause given'],
  ])('It should read the cause %j as %j', (cause, expected) => {
    // Act
    const readable = readableCause(cause);

    // Assess
    expect(readable).toBe(expected);
  });

  it('It should run through the middy handler', async () => {
    // Prepare
    streamExists();
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', { statusCode: 404 }));
    kda.on(DescribeApplicationCommand).rejects(awsError('ResourceNotFoundException'));
    glue.on(GetCrawlerCommand).rejects(awsError('EntityNotFoundException'));

    // Act
    const result = await handler(
      failedAt('CreateBucket', 'ResourceConflictError', 'taken'),
      fakeLambdaContext(),
    );

    // Assess
    expect(result.existingResources).toHaveLength(1);
  });

  it('It should ask each service about the pipeline resources, the bucket as one of the account', async () => {
    // Prepare
    streamExists();
    s3.on(HeadBucketCommand).resolves({});
    kda.on(DescribeApplicationCommand).resolves(appStatus('READY'));
    glue.on(GetCrawlerCommand).resolves({ Crawler: { Name: 'ticks-demo-crawler', State: 'RUNNING' } });

    // Act
    const result = await run(failedAt('CreateCrawler'));

    // Assess
    expect(kinesis).toHaveReceivedCommandWith(DescribeStreamSummaryCommand, {
      StreamName: 'ticks-demo-ticks',
    });
    expect(s3).toHaveReceivedCommandWith(HeadBucketCommand, {
      Bucket: 'flinkflow-ticks-demo-123456789012-eu-west-1',
      ExpectedBucketOwner: '123456789012',
    });
    expect(kda).toHaveReceivedCommandWith(DescribeApplicationCommand, { ApplicationName: 'ticks-demo-app' });
    expect(glue).toHaveReceivedCommandWith(GetCrawlerCommand, { Name: 'ticks-demo-crawler' });
    expect(result.existingResources).toContainEqual({
      kind: 'crawler',
      name: 'ticks-demo-crawler',
      status: 'RUNNING',
    });
  });

  it('It should list a resource the service reports without ARN or status by its name only', async () => {
    // Prepare
    kinesis.on(DescribeStreamSummaryCommand).resolves({});
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', { statusCode: 404 }));
    kda.on(DescribeApplicationCommand).resolves({} as never);
    glue.on(GetCrawlerCommand).resolves({});

    // Act
    const result = await run(failedAt('CreateCrawler'));

    // Assess
    expect(result.existingResources).toEqual([
      { kind: 'stream', name: 'ticks-demo-ticks' },
      { kind: 'application', name: 'ticks-demo-app' },
      { kind: 'crawler', name: 'ticks-demo-crawler' },
    ]);
    expect(result.message).toContain(
      'Resources that exist now: stream ticks-demo-ticks, application ticks-demo-app, crawler ticks-demo-crawler.',
    );
  });

  it('It should take any 404 as a missing resource, and name every resource it could not check', async () => {
    // Prepare
    const warn = jest.spyOn(logger, 'warn');
    kinesis.on(DescribeStreamSummaryCommand).rejects(awsError('SomethingElse', { statusCode: 404 }));
    s3.on(HeadBucketCommand).rejects(awsError('NoSuchBucket'));
    kda.on(DescribeApplicationCommand).rejects(awsError('ThrottlingException'));
    glue.on(GetCrawlerCommand).callsFake(() => Promise.reject('not an Error'));

    try {
      // Act
      const result = await run(failedAt('CreateCrawler', 'States.Timeout', 'Task timed out.  '));

      // Assess
      expect(result.existingResources).toEqual([]);
      expect(result.message).toBe(
        'Provisioning of pipeline ticks-demo failed at CreateCrawler with States.Timeout: Task timed out. ' +
          "None of the pipeline's resources exist. " +
          'Could not check: application ticks-demo-app (ThrottlingException), crawler ticks-demo-crawler (error). ' +
          'Every step is idempotent: fix the cause and run provisioning again, or remove the resources listed.',
      );
      expect(warn).toHaveBeenCalledTimes(2);
      expect(warn).toHaveBeenCalledWith('could not check a resource', {
        kind: 'application',
        name: 'ticks-demo-app',
        error: expect.stringContaining('ThrottlingException'),
      });
    } finally {
      warn.mockRestore();
    }
  });

  it.each([
    ['a cause without a full stop gets one', '  it broke  ', 'it broke.'],
    ['a cause ending in a parenthesis keeps it', 'it broke (twice)', 'it broke (twice)'],
    ['a question keeps its mark', 'why?', 'why?'],
    ['a full stop inside the cause is not its end', 'v1.2 broke', 'v1.2 broke.'],
  ])('It should end the cause as a sentence: %s', async (_case, cause, sentence) => {
    // Act
    const result = await run({ failedStep: 'ValidateInput', error: { Error: 'E', Cause: cause } } as never);

    // Assess
    expect(result.message).toBe(
      `Provisioning failed at ValidateInput with E: ${sentence} Nothing was created (the input was not validated). ` +
        'Every step is idempotent: fix the cause and run provisioning again, or remove the resources listed.',
    );
  });

  it('It should describe a failure whose state carries no step and no error', async () => {
    // Act
    const result = await run({} as never);

    // Assess
    expect(result).toMatchObject({
      failedStep: 'an unknown step',
      error: 'UnknownError',
      cause: 'no cause given',
    });
    expect(result.message).toMatch(
      /^Provisioning failed at an unknown step with UnknownError: no cause given\. /,
    );
  });
});
