import '../support/quiet-logs';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeApplicationCommand,
  DescribeApplicationOperationCommand,
  KinesisAnalyticsV2Client,
  ListApplicationOperationsCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { mockClient } from 'aws-sdk-client-mock';
import {
  decide,
  handler as healthHandler,
  run as checkHealth,
  METRICS_DELAY_ALLOWANCE_SECONDS,
} from '../../lambdas/check-application-health';
import { errorOfLogEvent } from '../../lambdas/shared/job-exception';
import { ErrorName, type ApplicationHealthCheck } from '../../workflow/contract';
import { appStatus, clockAt, T0 } from '../support/applications';
import { awsError } from '../support/aws-errors';
import { fakeLambdaContext } from '../support/lambda-context';
import { testState } from '../support/provisioning';

const kda = mockClient(KinesisAnalyticsV2Client);
const cloudWatch = mockClient(CloudWatchClient);
const logs = mockClient(CloudWatchLogsClient);

const running = {
  phase: 'RUNNING' as const,
  startedAt: T0,
  applicationStatus: 'RUNNING',
  applicationVersionId: 1,
  attempt: 2,
  nextWaitSeconds: 0,
};

/** The gate's state after a first check at `sinceSeconds` after T0. */
function previousCheck(
  sinceSeconds: number,
  overrides: Partial<ApplicationHealthCheck> = {},
): ApplicationHealthCheck {
  return {
    phase: 'SETTLING',
    since: new Date(Date.parse(T0) + sinceSeconds * 1000).toISOString(),
    attempt: 1,
    nextWaitSeconds: 120,
    startOperationId: 'op-1',
    startOperationStatus: 'SUCCESSFUL',
    restarts: null,
    completedCheckpoints: null,
    failedCheckpoints: null,
    observedSeconds: 0,
    ...overrides,
  };
}

function metrics(values: { restarts?: number; completed?: number; failed?: number }) {
  const result = (id: string, v: number | undefined) => ({
    Id: id,
    StatusCode: 'Complete' as const,
    Values: v === undefined ? [] : [v],
    Timestamps: v === undefined ? [] : [new Date(T0)],
  });
  return {
    MetricDataResults: [
      result('restarts', values.restarts),
      result('completed', values.completed),
      result('failed', values.failed),
    ],
  };
}

function startOperation(status: string, error?: string) {
  kda.on(ListApplicationOperationsCommand).resolves({
    ApplicationOperationInfoList: [
      {
        Operation: 'StartApplication',
        OperationId: 'op-old',
        OperationStatus: 'FAILED',
        StartTime: new Date(0),
      },
      {
        Operation: 'StartApplication',
        OperationId: 'op-1',
        OperationStatus: status as never,
        StartTime: new Date(T0),
      },
    ],
  });
  kda.on(DescribeApplicationOperationCommand, { OperationId: 'op-1' }).resolves({
    ApplicationOperationInfoDetails: {
      Operation: 'StartApplication',
      OperationStatus: status as never,
      StartTime: new Date(T0),
      EndTime: new Date(T0),
      ...(error ? { OperationFailureDetails: { ErrorInfo: { ErrorString: error } } } : {}),
    },
  });
}

const flinkLog = (messageType: string, message: string, throwableInformation?: string) =>
  JSON.stringify({
    applicationARN: 'arn:aws:kinesisanalytics:eu-west-1:123456789012:application/ticks-demo-app',
    applicationVersionId: '1',
    locationInformation: 'org.apache.flink.runtime.executiongraph.ExecutionGraph',
    logger: 'org.apache.flink.runtime.executiongraph.ExecutionGraph',
    message,
    messageType,
    threadName: 'jobmanager-io-thread-1',
    ...(throwableInformation === undefined ? {} : { throwableInformation }),
  });

beforeEach(() => {
  kda.reset();
  cloudWatch.reset();
  logs.reset();
  kda.on(DescribeApplicationCommand).resolves(appStatus('RUNNING'));
  logs.on(FilterLogEventsCommand).resolves({ events: [] });
});

describe('CheckApplicationHealth', () => {
  it('It should confirm the start operation on the first check and keep settling while metrics are unknown', async () => {
    // Prepare
    startOperation('SUCCESSFUL');
    cloudWatch.on(GetMetricDataCommand).resolves(metrics({}));

    // Act
    const check = await checkHealth(testState({ status: running }), clockAt(180));

    // Assess
    expect(check).toEqual({
      phase: 'SETTLING',
      since: '2026-11-25T12:03:00.000Z',
      attempt: 1,
      observedSeconds: 0,
      nextWaitSeconds: 120,
      startOperationId: 'op-1',
      startOperationStatus: 'SUCCESSFUL',
      restarts: null,
      completedCheckpoints: null,
      failedCheckpoints: null,
      reason: 'waiting for the settle period (120 s)',
    });
    expect(kda).toHaveReceivedCommandWith(DescribeApplicationOperationCommand, { OperationId: 'op-1' });
    expect(cloudWatch).toHaveReceivedCommandWith(GetMetricDataCommand, {
      MetricDataQueries: expect.arrayContaining([
        expect.objectContaining({
          MetricStat: expect.objectContaining({
            Metric: {
              Namespace: 'AWS/KinesisAnalytics',
              MetricName: 'numRestarts',
              Dimensions: [{ Name: 'Application', Value: 'ticks-demo-app' }],
            },
          }),
        }),
      ]),
    });
  });

  it('It should be HEALTHY once the settle period passed with no restart and a completed checkpoint', async () => {
    // Prepare
    cloudWatch.on(GetMetricDataCommand).resolves(metrics({ restarts: 0, completed: 2, failed: 0 }));

    // Act
    const check = await checkHealth(testState({ status: running, health: previousCheck(180) }), clockAt(300));

    // Assess
    expect(check).toMatchObject({
      phase: 'HEALTHY',
      attempt: 2,
      observedSeconds: 120,
      restarts: 0,
      completedCheckpoints: 2,
    });
    // The start operation was confirmed by the first check; it is not looked up again.
    expect(kda).not.toHaveReceivedCommand(ListApplicationOperationsCommand);
  });

  it('It should be UNHEALTHY at once on a restart, with the job exception from the log stream', async () => {
    // Prepare
    startOperation('SUCCESSFUL');
    cloudWatch.on(GetMetricDataCommand).resolves(metrics({ restarts: 2, completed: 0 }));
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        { timestamp: 1, message: flinkLog('INFO', 'Job switched to RUNNING') },
        {
          timestamp: 2,
          message: flinkLog(
            'ERROR',
            'Task failed',
            'java.lang.IllegalStateException: first\n\tat x.y(Z.java:1)',
          ),
        },
        {
          timestamp: 3,
          message: flinkLog(
            'ERROR',
            'Job restarting',
            'java.lang.NoSuchMethodError: latest\n\tat a.b(C.java:2)',
          ),
        },
        { timestamp: 4, message: flinkLog('INFO', 'Restarting job') },
      ],
    });

    // Act
    const check = await checkHealth(testState({ status: running }), clockAt(180));

    // Assess
    expect(check.phase).toBe('UNHEALTHY');
    expect(check.restarts).toBe(2);
    expect(check.reason).toBe(
      "the job restarted 2 times (metric numRestarts); the job's latest error: Job restarting: java.lang.NoSuchMethodError: latest",
    );
    expect(logs).toHaveReceivedCommandWith(FilterLogEventsCommand, {
      logGroupName: '/aws/kinesis-analytics/ticks-demo-app',
      logStreamNames: ['kinesis-analytics-log-stream'],
      startTime: Date.parse(T0),
    });
  });

  it('It should be UNHEALTHY when the start operation FAILED, naming its error', async () => {
    // Prepare
    startOperation('FAILED', 'Application failed to start: ClassNotFoundException');

    // Act
    const check = await checkHealth(testState({ status: running }), clockAt(180));

    // Assess
    expect(check.phase).toBe('UNHEALTHY');
    expect(check.reason).toContain(
      'the start operation op-1 ended FAILED: Application failed to start: ClassNotFoundException',
    );
    expect(cloudWatch).not.toHaveReceivedCommand(GetMetricDataCommand);
  });

  it('It should keep settling while the start operation is IN_PROGRESS and look at it again next time', async () => {
    // Prepare
    startOperation('IN_PROGRESS');
    cloudWatch.on(GetMetricDataCommand).resolves(metrics({ restarts: 0, completed: 3 }));

    // Act
    const check = await checkHealth(
      testState({ status: running, health: previousCheck(180, { startOperationStatus: 'IN_PROGRESS' }) }),
      clockAt(400),
    );

    // Assess
    expect(check).toMatchObject({ phase: 'SETTLING', startOperationStatus: 'IN_PROGRESS' });
    expect(check.reason).toBe('waiting for the start operation to end');
    expect(kda).toHaveReceivedCommand(ListApplicationOperationsCommand);
  });

  it.each(['READY', 'UPDATING', 'FORCE_STOPPING'])(
    'It should be UNHEALTHY when the application is %s instead of RUNNING',
    async (status) => {
      // Prepare
      kda.on(DescribeApplicationCommand).resolves(appStatus(status));

      // Act
      const check = await checkHealth(
        testState({ status: running, health: previousCheck(180) }),
        clockAt(240),
      );

      // Assess
      expect(check.phase).toBe('UNHEALTHY');
      expect(check.reason).toContain(`the application is ${status}, no longer RUNNING`);
    },
  );

  it('It should be UNHEALTHY with "no metrics" when the allowance after the settle period ends without data', async () => {
    // Prepare
    cloudWatch.on(GetMetricDataCommand).resolves(metrics({}));
    const since = 180;

    // Act
    const check = await checkHealth(
      testState({ status: running, health: previousCheck(since, { attempt: 4 }) }),
      clockAt(since + 120 + METRICS_DELAY_ALLOWANCE_SECONDS),
    );

    // Assess
    expect(check.phase).toBe('UNHEALTHY');
    expect(check.reason).toMatch(
      /^no metrics: CloudWatch had no numRestarts or numberOfCompletedCheckpoints data/,
    );
    expect(check.reason).toContain("no exception found in the application's log stream");
  });

  it('It should still give its verdict when the logs cannot be read, saying so', async () => {
    // Prepare
    cloudWatch.on(GetMetricDataCommand).resolves(metrics({ restarts: 1, completed: 0 }));
    logs.on(FilterLogEventsCommand).rejects(awsError('AccessDeniedException'));

    // Act
    const check = await checkHealth(testState({ status: running, health: previousCheck(180) }), clockAt(200));

    // Assess
    expect(check.phase).toBe('UNHEALTHY');
    expect(check.reason).toContain('could not be read (AccessDeniedException)');
  });

  it('It should be UNHEALTHY when the application no longer exists', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).rejects(awsError('ResourceNotFoundException'));

    // Act
    const check = await checkHealth(testState({ status: running, health: previousCheck(180) }), clockAt(200));

    // Assess
    expect(check.phase).toBe('UNHEALTHY');
    expect(check.reason).toContain('application ticks-demo-app no longer exists');
  });

  it('It should turn throttled metric reads into TransientError', async () => {
    // Prepare
    cloudWatch.on(GetMetricDataCommand).rejects(awsError('Throttling', { throttling: true }));

    // Act
    const act = checkHealth(testState({ status: running, health: previousCheck(180) }), clockAt(200));

    // Assess
    await expect(act).rejects.toMatchObject({ name: ErrorName.Transient });
  });

  it('It should reject a state without the RUNNING status check, naming the field', async () => {
    // Act
    const act = checkHealth(testState({}), clockAt(200));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.InvalidInput,
      message: expect.stringContaining('status'),
    });
  });

  it('It should answer through the middy handler with the same result', async () => {
    // Prepare
    startOperation('SUCCESSFUL');
    cloudWatch.on(GetMetricDataCommand).resolves(metrics({ restarts: 0, completed: 0 }));

    // Act
    const check = await healthHandler(testState({ status: running }), fakeLambdaContext());

    // Assess
    expect(check).toMatchObject({ phase: 'SETTLING', attempt: 1, restarts: 0, completedCheckpoints: 0 });
  });
});

describe('the health rules', () => {
  const config = { healthSettleSeconds: 120 };
  const known = { restarts: 0, completedCheckpoints: 1, failedCheckpoints: 0 };

  it('It should not call a job healthy before the settle period, however good its metrics', () => {
    expect(
      decide({ config, observedSeconds: 119, metrics: known, startOperationPending: false }),
    ).toMatchObject({
      phase: 'SETTLING',
      nextWaitSeconds: 1,
    });
  });

  it('It should never take unknown metrics as healthy', () => {
    const unknown = { restarts: null, completedCheckpoints: null, failedCheckpoints: null };
    expect(
      decide({ config, observedSeconds: 200, metrics: unknown, startOperationPending: false }),
    ).toMatchObject({
      phase: 'SETTLING',
      nextWaitSeconds: 60,
      reason: 'waiting for the metrics to be published',
    });
  });

  it('It should cap a long settle period into waits of at most 300 s', () => {
    const long = { healthSettleSeconds: 3600 };
    expect(
      decide({ config: long, observedSeconds: 0, metrics: known, startOperationPending: false })
        .nextWaitSeconds,
    ).toBe(300);
  });

  it('It should never wait past the end of the allowance', () => {
    expect(
      decide({ config, observedSeconds: 120 + 170, metrics: known, startOperationPending: true })
        .nextWaitSeconds,
    ).toBe(10);
  });
});

describe('reading the job exception from a log event', () => {
  it.each([
    [
      'a Managed Flink ERROR event',
      flinkLog('ERROR', 'Job failed', 'java.io.IOException: disk\n\tat a'),
      'Job failed: java.io.IOException: disk',
    ],
    [
      'an event with a throwable but another type',
      flinkLog('WARN', 'Retrying', 'java.net.SocketTimeoutException: t'),
      'Retrying: java.net.SocketTimeoutException: t',
    ],
    [
      'a wrapped task failure, naming its root cause',
      flinkLog(
        'WARN',
        'Window (1/1) switched from RUNNING to FAILED with failure cause:',
        'org.apache.flink.runtime.taskmanager.AsynchronousException: Caught exception while processing timer.\n' +
          '\tat org.apache.flink.streaming.runtime.tasks.StreamTask.invokeProcessingTimeCallback(StreamTask.java:1)\n' +
          'Caused by: java.lang.RuntimeException: Error received from SDK harness for instruction 1: Traceback (most recent call last):\n' +
          '  File "/tmp/main.py", line 20, in fail_once\n' +
          'RuntimeError: the job broke\n' +
          '\t... 12 more',
      ),
      'Window (1/1) switched from RUNNING to FAILED with failure cause:: ' +
        'org.apache.flink.runtime.taskmanager.AsynchronousException: Caught exception while processing timer. ' +
        '(root cause: RuntimeError: the job broke)',
    ],
    ['an INFO event', flinkLog('INFO', 'Checkpoint 3 completed'), undefined],
    [
      'a plain-text exception line',
      'Caused by: org.apache.kafka.common.KafkaException: x',
      'Caused by: org.apache.kafka.common.KafkaException: x',
    ],
    ['a plain-text line without one', 'Starting the job', undefined],
  ])('It should read %s', (_kind, text, expected) => {
    expect(errorOfLogEvent(text)).toBe(expected);
  });
});
