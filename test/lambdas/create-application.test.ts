import '../support/quiet-logs';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateApplicationCommand,
  DeleteApplicationCommand,
  DescribeApplicationCommand,
  KinesisAnalyticsV2Client,
  type ApplicationDetail,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { ErrorName, PipelineTagKey } from '../../workflow/contract';
import {
  APPLICATION_LOG_RETENTION_DAYS,
  checkpointIntervalMs,
  handler,
  isTagsStillRegistered,
  run,
} from '../../lambdas/create-application';
import { logger } from '../../lambdas/shared/logger';
import { awsError } from '../support/aws-errors';
import { fakeLambdaContext } from '../support/lambda-context';
import { testState } from '../support/provisioning';

const kda = mockClient(KinesisAnalyticsV2Client);
const logs = mockClient(CloudWatchLogsClient);
const APP_ARN = 'arn:aws:kinesisanalytics:eu-west-1:123456789012:application/ticks-demo-app';
const LOG_GROUP = '/aws/kinesis-analytics/ticks-demo-app';

function detail(overrides: Partial<ApplicationDetail> = {}): { ApplicationDetail: ApplicationDetail } {
  return {
    ApplicationDetail: {
      ApplicationARN: APP_ARN,
      ApplicationName: 'ticks-demo-app',
      RuntimeEnvironment: 'FLINK-1_20',
      ApplicationStatus: 'READY',
      ApplicationVersionId: 1,
      ...overrides,
    },
  };
}

function logsSucceed(): void {
  logs.on(CreateLogGroupCommand).resolves({});
  logs.on(PutRetentionPolicyCommand).resolves({});
  logs.on(CreateLogStreamCommand).resolves({});
}

describe('CreateApplication', () => {
  beforeEach(() => {
    kda.reset();
    logs.reset();
  });

  it('It should create the application with the job properties, pinned code, checkpoints, snapshots, logging and rollback', async () => {
    // Prepare
    logsSucceed();
    kda.on(CreateApplicationCommand).resolves(detail());

    // Act
    const result = await run(testState({}, { windowSeconds: 30, parallelism: 2, partitionByTime: true }));

    // Assess
    expect(result).toEqual({
      applicationName: 'ticks-demo-app',
      applicationArn: APP_ARN,
      versionId: 1,
      created: true,
    });
    expect(kda).toHaveReceivedCommandWith(CreateApplicationCommand, {
      ApplicationName: 'ticks-demo-app',
      RuntimeEnvironment: 'FLINK-1_20',
      ServiceExecutionRole: 'arn:aws:iam::123456789012:role/flinkflow-application',
      CloudWatchLoggingOptions: [
        {
          LogStreamARN: `arn:aws:logs:eu-west-1:123456789012:log-group:${LOG_GROUP}:log-stream:kinesis-analytics-log-stream`,
        },
      ],
    });
    const config = kda.commandCalls(CreateApplicationCommand)[0]?.args[0].input.ApplicationConfiguration;
    expect(config?.ApplicationCodeConfiguration).toEqual({
      CodeContentType: 'ZIPFILE',
      CodeContent: {
        S3ContentLocation: {
          BucketARN: 'arn:aws:s3:::flinkflow-ticks-demo-123456789012-eu-west-1',
          FileKey: 'code/flinkflow-app.zip',
          ObjectVersion: 'v-code-1',
        },
      },
    });
    expect(config?.EnvironmentProperties?.PropertyGroups).toEqual([
      {
        PropertyGroupId: 'consumer.config.0',
        PropertyMap: {
          'input.stream.name': 'ticks-demo-ticks',
          'aws.region': 'eu-west-1',
          'flink.stream.initpos': 'LATEST',
        },
      },
      {
        PropertyGroupId: 'sink.config.0',
        PropertyMap: {
          'output.bucket.name': 'flinkflow-ticks-demo-123456789012-eu-west-1',
          'output.prefix': 'output/',
          'output.format': 'csv',
          'partition.by.time': 'true',
        },
      },
      { PropertyGroupId: 'job.config.0', PropertyMap: { 'window.seconds': '30', 'watermark.seconds': '5' } },
      {
        PropertyGroupId: 'kinesis.analytics.flink.run.options',
        PropertyMap: { python: 'main.py', jarfile: 'lib/flinkflow-app-deps.jar' },
      },
    ]);
    expect(config?.FlinkApplicationConfiguration?.CheckpointConfiguration).toMatchObject({
      CheckpointingEnabled: true,
      CheckpointInterval: 30_000,
    });
    expect(config?.FlinkApplicationConfiguration?.ParallelismConfiguration).toMatchObject({ Parallelism: 2 });
    expect(config?.ApplicationSnapshotConfiguration).toEqual({ SnapshotsEnabled: true });
    expect(config?.ApplicationSystemRollbackConfiguration).toEqual({ RollbackEnabled: true });
    expect(logs).toHaveReceivedCommandWith(CreateLogGroupCommand, { logGroupName: LOG_GROUP });
    expect(logs).toHaveReceivedCommandWith(CreateLogStreamCommand, {
      logGroupName: LOG_GROUP,
      logStreamName: 'kinesis-analytics-log-stream',
    });
  });

  it.each([
    [1, 10_000],
    [45, 45_000],
    [3600, 60_000],
  ])('It should checkpoint a %i-second window every %i ms', (windowSeconds, expected) => {
    // Act
    const interval = checkpointIntervalMs(windowSeconds);

    // Assess
    expect(interval).toBe(expected);
  });

  it('It should accept a log group and stream that already exist', async () => {
    // Prepare
    logs.on(CreateLogGroupCommand).rejects(awsError('ResourceAlreadyExistsException'));
    logs.on(PutRetentionPolicyCommand).resolves({});
    logs.on(CreateLogStreamCommand).rejects(awsError('ResourceAlreadyExistsException'));
    kda.on(CreateApplicationCommand).resolves(detail());

    // Act
    const result = await run(testState());

    // Assess
    expect(result.created).toBe(true);
  });

  it('It should report an existing application with its version and created: false', async () => {
    // Prepare
    logsSucceed();
    kda.on(CreateApplicationCommand).rejects(awsError('ResourceInUseException'));
    kda
      .on(DescribeApplicationCommand)
      .resolves(detail({ ApplicationVersionId: 7, ApplicationStatus: 'RUNNING' }));

    // Act
    const result = await run(testState());

    // Assess
    expect(result).toEqual({
      applicationName: 'ticks-demo-app',
      applicationArn: APP_ARN,
      versionId: 7,
      created: false,
    });
  });

  it('It should refuse an existing application on another runtime', async () => {
    // Prepare
    logsSucceed();
    kda.on(CreateApplicationCommand).rejects(awsError('ResourceInUseException'));
    kda.on(DescribeApplicationCommand).resolves(detail({ RuntimeEnvironment: 'FLINK-1_19' }));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.ResourceConflict,
      message: expect.stringMatching(/FLINK-1_19/),
    });
  });

  it('It should fail at once with QuotaExceededError when the application quota is exhausted', async () => {
    // Prepare
    logsSucceed();
    kda
      .on(CreateApplicationCommand)
      .rejects(
        awsError('LimitExceededException', { message: 'The number of allowed resources has been exceeded.' }),
      );

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.QuotaExceeded,
      message: expect.stringContaining(
        'The Managed Service for Apache Flink application quota of account 123456789012 in eu-west-1 is exhausted',
      ),
    });
  });

  it.each([
    ['LimitExceededException', 400, 'Rate exceeded'],
    ['ConcurrentModificationException', 400, undefined],
    ['ThrottlingException', 400, undefined],
    ['ServiceUnavailable', 503, undefined],
  ])('It should turn %s into a TransientError', async (code, statusCode, message) => {
    // Prepare
    logsSucceed();
    kda
      .on(CreateApplicationCommand)
      .rejects(awsError(code, { statusCode, ...(message === undefined ? {} : { message }) }));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({ name: ErrorName.Transient });
  });

  it.each([
    'CodeValidationException',
    'InvalidArgumentException',
    'InvalidRequestException',
    'UnsupportedOperationException',
  ])('It should pass %s through unchanged', async (code) => {
    // Prepare
    logsSucceed();
    kda.on(CreateApplicationCommand).rejects(awsError(code));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({ name: code });
  });

  it('It should fail when the log group cannot be created, before creating the application', async () => {
    // Prepare
    logs.on(CreateLogGroupCommand).rejects(awsError('AccessDeniedException'));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(kda).not.toHaveReceivedCommand(CreateApplicationCommand);
  });

  it('It should send the pipeline tag that IAM requires on CreateApplication (and no other tag)', async () => {
    // Prepare
    logsSucceed();
    kda.on(CreateApplicationCommand).resolves(detail());

    // Act
    await run(testState());

    // Assess
    const request = kda.commandCalls(CreateApplicationCommand)[0]!.args[0].input;
    expect(request.Tags).toEqual([{ Key: PipelineTagKey, Value: 'ticks-demo' }]);
  });

  it('It should turn "tags are already registered" after a recent delete into ApplicationTagsPendingError that says why', async () => {
    // Prepare
    logsSucceed();
    kda.on(CreateApplicationCommand).rejects(
      awsError('ConcurrentModificationException', {
        message:
          `Tags are already registered for this resource ARN: ${APP_ARN}, please retry later. Or you can ` +
          'create without tags and then add tags using TagResource API after successful resource creation.',
      }),
    );

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.ApplicationTagsPending,
      message: expect.stringMatching(/ticks-demo-app was deleted moments ago[\s\S]*again in a few minutes/),
      cause: expect.objectContaining({ name: 'ConcurrentModificationException' }),
    });
    expect(kda).not.toHaveReceivedCommand(DescribeApplicationCommand);
  });

  it('It should not mistake another ConcurrentModificationException for the tag registration delay', async () => {
    // Prepare
    const other = awsError('ConcurrentModificationException', { message: 'Application version mismatch' });

    // Act
    const recognised = isTagsStillRegistered(other);

    // Assess
    expect(recognised).toBe(false);
    expect(
      isTagsStillRegistered(
        awsError('ConcurrentModificationException', {
          message: 'Tags are already registered for this resource ARN: x',
        }),
      ),
    ).toBe(true);
  });

  it('It should refuse a state without the uploaded code', async () => {
    // Prepare
    const state = testState();
    delete state.code;

    // Act
    const act = run(state);

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.InvalidInput,
      message: expect.stringMatching(/\$\.code/),
    });
  });

  it('It should run through the middy handler', async () => {
    // Prepare
    logsSucceed();
    kda.on(CreateApplicationCommand).resolves(detail());

    // Act
    const result = await handler(testState(), fakeLambdaContext());

    // Assess
    expect(result.applicationArn).toBe(APP_ARN);
  });

  it('It should configure the service the way the health gate and the docs expect: custom checkpoints, application metrics, no autoscaling', async () => {
    // Prepare
    logsSucceed();
    kda.on(CreateApplicationCommand).resolves(detail());

    // Act
    await run(testState({}, { windowSeconds: 30, parallelism: 3 }));

    // Assess
    const request = kda.commandCalls(CreateApplicationCommand)[0]!.args[0].input;
    expect(request.ApplicationDescription).toBe(
      'flinkflow pipeline ticks-demo: average price per ticker per 30-second window',
    );
    expect(request.ApplicationMode).toBe('STREAMING');
    expect(request.ApplicationConfiguration?.FlinkApplicationConfiguration).toEqual({
      CheckpointConfiguration: {
        ConfigurationType: 'CUSTOM',
        CheckpointingEnabled: true,
        CheckpointInterval: 30_000,
        MinPauseBetweenCheckpoints: 5_000,
      },
      MonitoringConfiguration: { ConfigurationType: 'CUSTOM', MetricsLevel: 'APPLICATION', LogLevel: 'INFO' },
      ParallelismConfiguration: {
        ConfigurationType: 'CUSTOM',
        Parallelism: 3,
        ParallelismPerKPU: 1,
        AutoScalingEnabled: false,
      },
    });
    expect(logs).toHaveReceivedCommandWith(PutRetentionPolicyCommand, {
      logGroupName: LOG_GROUP,
      retentionInDays: APPLICATION_LOG_RETENTION_DAYS,
    });
  });

  it('It should derive the ARN and take version 1 when the service answers without the detail', async () => {
    // Prepare
    logsSucceed();
    kda.on(CreateApplicationCommand).resolves({} as never);

    // Act
    const result = await run(testState());

    // Assess
    expect(result).toEqual({
      applicationName: 'ticks-demo-app',
      applicationArn: APP_ARN,
      versionId: 1,
      created: true,
    });
  });

  it('It should describe the existing application by name and fall back to the derived ARN and version 1', async () => {
    // Prepare
    logsSucceed();
    kda.on(CreateApplicationCommand).rejects(awsError('ResourceInUseException'));
    kda.on(DescribeApplicationCommand).resolves({} as never);

    // Act
    const result = await run(testState());

    // Assess
    expect(result).toEqual({
      applicationName: 'ticks-demo-app',
      applicationArn: APP_ARN,
      versionId: 1,
      created: false,
    });
    expect(kda).toHaveReceivedCommandWith(DescribeApplicationCommand, { ApplicationName: 'ticks-demo-app' });
  });

  it('It should take an existing application whose runtime the service does not report as the same', async () => {
    // Prepare
    logsSucceed();
    kda.on(CreateApplicationCommand).rejects(awsError('ResourceInUseException'));
    kda.on(DescribeApplicationCommand).resolves(detail({ RuntimeEnvironment: undefined as never }));

    // Act / Assess
    await expect(run(testState())).resolves.toMatchObject({ created: false });
  });

  it('It should say how to resolve a runtime conflict', async () => {
    // Prepare
    logsSucceed();
    kda.on(CreateApplicationCommand).rejects(awsError('ResourceInUseException'));
    kda.on(DescribeApplicationCommand).resolves(detail({ RuntimeEnvironment: 'FLINK-1_19' }));

    // Act / Assess
    await expect(run(testState())).rejects.toMatchObject({
      message:
        'Application ticks-demo-app already exists on FLINK-1_19, but the input asks for FLINK-1_20; delete the application or set "runtime" to FLINK-1_19',
    });
  });

  it('It should warn, and leave it as it is, when the existing application runs other code than the upload', async () => {
    // Prepare
    const warn = jest.spyOn(logger, 'warn');
    logsSucceed();
    kda.on(CreateApplicationCommand).rejects(awsError('ResourceInUseException'));
    const running = (version: string) =>
      detail({
        ApplicationConfigurationDescription: {
          ApplicationCodeConfigurationDescription: {
            CodeContentType: 'ZIPFILE',
            CodeContentDescription: {
              S3ApplicationCodeLocationDescription: {
                BucketARN: 'arn:aws:s3:::b',
                FileKey: 'k',
                ObjectVersion: version,
              },
            },
          },
        },
      });

    try {
      // Act
      kda.on(DescribeApplicationCommand).resolves(running('v-old'));
      const other = await run(testState());
      const warnedForOther = warn.mock.calls.length;
      kda.on(DescribeApplicationCommand).resolves(running('v-code-1'));
      await run(testState());

      // Assess
      expect(other.created).toBe(false);
      expect(warnedForOther).toBe(1);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn).toHaveBeenCalledWith(
        'existing application runs another code version; left unchanged (redeploy updates it)',
        {
          applicationName: 'ticks-demo-app',
          applicationCodeVersion: 'v-old',
          uploadedCodeVersion: 'v-code-1',
        },
      );
      expect(kda).not.toHaveReceivedCommand(DeleteApplicationCommand);
    } finally {
      warn.mockRestore();
    }
  });

  it('It should say why a recent delete holds the tags and what to do when retries run out', async () => {
    // Prepare
    logsSucceed();
    kda.on(CreateApplicationCommand).rejects(
      awsError('ConcurrentModificationException', {
        message: 'Tags are already registered for this resource ARN: x',
      }),
    );

    // Act / Assess
    await expect(run(testState())).rejects.toMatchObject({
      message:
        'Application ticks-demo-app was deleted moments ago and AWS still holds its tags for a minute or two; ' +
        'CreateApplication is retried for about four minutes. If the retries run out, run the provisioning again in a few minutes.',
    });
  });

  it('It should say how to get out of an exhausted application quota', async () => {
    // Prepare
    logsSucceed();
    kda
      .on(CreateApplicationCommand)
      .rejects(
        awsError('LimitExceededException', { message: 'The number of allowed resources has been exceeded.' }),
      );

    // Act / Assess
    await expect(run(testState())).rejects.toMatchObject({
      message: expect.stringContaining(
        'delete applications you no longer use or request a quota increase (Service Quotas, Managed Service for Apache Flink), then run provisioning again',
      ),
    });
  });

  it('It should name the missing field when the uploaded code is not in the state', async () => {
    // Prepare
    const state = testState();
    delete state.code;

    // Act / Assess
    await expect(run(state)).rejects.toMatchObject({
      problems: [{ field: 'code', message: expect.stringContaining('(the result of UploadCode)') }],
    });
  });

  it.each([
    ['no code configuration', {}],
    ['no code content', { ApplicationCodeConfigurationDescription: { CodeContentType: 'ZIPFILE' } }],
    [
      'code content without an S3 location',
      { ApplicationCodeConfigurationDescription: { CodeContentType: 'ZIPFILE', CodeContentDescription: {} } },
    ],
  ])(
    'It should take an existing application with %s as it is, without a warning',
    async (_case, description) => {
      // Prepare
      const warn = jest.spyOn(logger, 'warn');
      logsSucceed();
      kda.on(CreateApplicationCommand).rejects(awsError('ResourceInUseException'));
      kda
        .on(DescribeApplicationCommand)
        .resolves(detail({ ApplicationConfigurationDescription: description as never }));

      try {
        // Act / Assess
        await expect(run(testState())).resolves.toMatchObject({ created: false });
        expect(warn).not.toHaveBeenCalled();
      } finally {
        warn.mockRestore();
      }
    },
  );
});
