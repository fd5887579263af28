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

describe('CheckApplicationHealth: the start operation', () => {
  it('It should ask for StartApplication operations only and take the newest one, whatever the order', async () => {
    // Prepare: the newest start first, a newer operation of another kind, an older failed start last.
    kda.on(ListApplicationOperationsCommand).resolves({
      ApplicationOperationInfoList: [
        {
          Operation: 'StartApplication',
          OperationId: 'op-1',
          OperationStatus: 'SUCCESSFUL',
          StartTime: new Date(T0),
        },
        {
          Operation: 'UpdateApplication',
          OperationId: 'op-update',
          OperationStatus: 'FAILED',
          StartTime: new Date(Date.parse(T0) + 60_000),
        },
        {
          Operation: 'StartApplication',
          OperationId: 'op-old',
          OperationStatus: 'FAILED',
          StartTime: new Date(0),
        },
      ],
    });
    kda.on(DescribeApplicationOperationCommand).callsFake((input: { OperationId: string }) => ({
      ApplicationOperationInfoDetails: {
        OperationStatus: input.OperationId === 'op-1' ? 'SUCCESSFUL' : 'FAILED',
      },
    }));
    cloudWatch.on(GetMetricDataCommand).resolves(metrics({ restarts: 0, completed: 0 }));

    // Act
    const check = await checkHealth(testState({ status: running }), clockAt(180));

    // Assess
    expect(check).toMatchObject({
      phase: 'SETTLING',
      startOperationId: 'op-1',
      startOperationStatus: 'SUCCESSFUL',
    });
    expect(kda).toHaveReceivedCommandWith(ListApplicationOperationsCommand, {
      ApplicationName: 'ticks-demo-app',
      Operation: 'StartApplication',
    });
    expect(kda).toHaveReceivedCommandTimes(DescribeApplicationOperationCommand, 1);
  });

  it('It should take an operation without a start time as the oldest', async () => {
    // Prepare
    kda.on(ListApplicationOperationsCommand).resolves({
      ApplicationOperationInfoList: [
        { OperationId: 'op-undated', OperationStatus: 'FAILED' },
        { OperationId: 'op-1', OperationStatus: 'SUCCESSFUL', StartTime: new Date(T0) },
        { OperationId: 'op-undated-2', OperationStatus: 'FAILED' },
      ],
    });
    kda.on(DescribeApplicationOperationCommand).callsFake((input: { OperationId: string }) => ({
      ApplicationOperationInfoDetails: {
        OperationStatus: input.OperationId === 'op-1' ? 'SUCCESSFUL' : 'FAILED',
      },
    }));
    cloudWatch.on(GetMetricDataCommand).resolves(metrics({}));

    // Act
    const check = await checkHealth(testState({ status: running }), clockAt(180));

    // Assess
    expect(check).toMatchObject({ phase: 'SETTLING', startOperationId: 'op-1' });
  });

  it('It should go on without a start operation when the service lists none', async () => {
    // Prepare
    kda.on(ListApplicationOperationsCommand).resolves({});
    cloudWatch.on(GetMetricDataCommand).resolves(metrics({ restarts: 0, completed: 1 }));

    // Act
    const check = await checkHealth(testState({ status: running }), clockAt(180));

    // Assess
    expect(check.phase).toBe('SETTLING');
    expect(check).not.toHaveProperty('startOperationId');
    expect(check).not.toHaveProperty('startOperationStatus');
    expect(kda).not.toHaveReceivedCommand(DescribeApplicationOperationCommand);
  });

  it('It should use the listed status of an operation that has no id, without describing it', async () => {
    // Prepare
    kda.on(ListApplicationOperationsCommand).resolves({
      ApplicationOperationInfoList: [
        { Operation: 'StartApplication', OperationStatus: 'FAILED', StartTime: new Date(T0) },
      ],
    });

    // Act
    const check = await checkHealth(testState({ status: running }), clockAt(180));

    // Assess
    expect(check.phase).toBe('UNHEALTHY');
    expect(check.startOperationStatus).toBe('FAILED');
    expect(check.reason).toMatch(/^the start operation ended FAILED: no error message given;/);
    expect(kda).not.toHaveReceivedCommand(DescribeApplicationOperationCommand);
  });

  it('It should take the status UNKNOWN for a listed operation with neither id nor status', async () => {
    // Prepare
    kda.on(ListApplicationOperationsCommand).resolves({
      ApplicationOperationInfoList: [{ Operation: 'StartApplication', StartTime: new Date(T0) }],
    });
    cloudWatch.on(GetMetricDataCommand).resolves(metrics({}));

    // Act
    const check = await checkHealth(testState({ status: running }), clockAt(180));

    // Assess
    expect(check).toMatchObject({ phase: 'SETTLING', startOperationStatus: 'UNKNOWN' });
  });

  it.each([
    ['the listed status when the details have none', 'CANCELLED', undefined, 'CANCELLED'],
    ['UNKNOWN when neither has one', undefined, undefined, 'UNKNOWN'],
    ['the details over the list', 'IN_PROGRESS', 'SUCCESSFUL', 'SUCCESSFUL'],
  ])('It should report %s', async (_case, listed, described, expected) => {
    // Prepare
    kda.on(ListApplicationOperationsCommand).resolves({
      ApplicationOperationInfoList: [
        {
          Operation: 'StartApplication',
          OperationId: 'op-1',
          OperationStatus: listed as never,
          StartTime: new Date(T0),
        },
      ],
    });
    kda.on(DescribeApplicationOperationCommand).resolves(
      described
        ? {
            ApplicationOperationInfoDetails: {
              Operation: 'StartApplication',
              OperationStatus: described as never,
              StartTime: new Date(T0),
              EndTime: new Date(T0),
            },
          }
        : {},
    );
    cloudWatch.on(GetMetricDataCommand).resolves(metrics({}));

    // Act
    const check = await checkHealth(testState({ status: running }), clockAt(180));

    // Assess
    expect(check.startOperationStatus).toBe(expected);
  });

  it('It should be UNHEALTHY when the start operation was CANCELLED, even without failure details', async () => {
    // Prepare
    startOperation('CANCELLED');
    kda.on(DescribeApplicationOperationCommand, { OperationId: 'op-1' }).resolves({
      ApplicationOperationInfoDetails: {
        Operation: 'StartApplication',
        OperationStatus: 'CANCELLED',
        StartTime: new Date(T0),
        EndTime: new Date(T0),
        OperationFailureDetails: {},
      },
    });

    // Act
    const check = await checkHealth(testState({ status: running }), clockAt(180));

    // Assess
    expect(check).toMatchObject({
      phase: 'UNHEALTHY',
      startOperationId: 'op-1',
      startOperationStatus: 'CANCELLED',
    });
    expect(check.reason).toMatch(/^the start operation op-1 ended CANCELLED: no error message given;/);
  });

  it('It should carry a confirmed start operation over from the previous check', async () => {
    // Prepare
    cloudWatch.on(GetMetricDataCommand).resolves(metrics({ restarts: 0, completed: 0 }));

    // Act
    const check = await checkHealth(testState({ status: running, health: previousCheck(180) }), clockAt(240));

    // Assess
    expect(check).toMatchObject({ startOperationId: 'op-1', startOperationStatus: 'SUCCESSFUL' });
    expect(kda).not.toHaveReceivedCommand(ListApplicationOperationsCommand);
  });

  it('It should carry over a previous check that never saw a start operation, without looking again', async () => {
    // Prepare
    cloudWatch.on(GetMetricDataCommand).resolves(metrics({ restarts: 0, completed: 0 }));
    const previous = previousCheck(180);
    delete previous.startOperationId;
    delete previous.startOperationStatus;

    // Act
    const check = await checkHealth(testState({ status: running, health: previous }), clockAt(240));

    // Assess
    expect(check.phase).toBe('SETTLING');
    expect(check).not.toHaveProperty('startOperationId');
    expect(check).not.toHaveProperty('startOperationStatus');
    expect(kda).not.toHaveReceivedCommand(ListApplicationOperationsCommand);
  });
});

describe('CheckApplicationHealth: the metrics', () => {
  it('It should ask CloudWatch for the maximum of each counter over whole minutes from one minute before the start', async () => {
    // Prepare: the job started 30 s after T0, the check runs 150 s after it.
    startOperation('SUCCESSFUL');
    cloudWatch.on(GetMetricDataCommand).resolves(metrics({}));
    const status = { ...running, startedAt: new Date(Date.parse(T0) + 30_000).toISOString() };

    // Act
    await checkHealth(testState({ status }), clockAt(150));

    // Assess
    const query = (id: string, name: string) => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/KinesisAnalytics',
          MetricName: name,
          Dimensions: [{ Name: 'Application', Value: 'ticks-demo-app' }],
        },
        Period: 60,
        Stat: 'Maximum',
      },
      ReturnData: true,
    });
    expect(cloudWatch).toHaveReceivedCommandWith(GetMetricDataCommand, {
      MetricDataQueries: [
        query('restarts', 'numRestarts'),
        query('completed', 'numberOfCompletedCheckpoints'),
        query('failed', 'numberOfFailedCheckpoints'),
      ],
      StartTime: new Date('2026-11-25T11:59:00.000Z'),
      EndTime: new Date('2026-11-25T12:03:00.000Z'),
    });
  });

  it('It should read every page, keep the highest finite value of each counter and skip results without an id', async () => {
    // Prepare
    cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'restarts', Values: [0, 0] },
          { Id: 'completed', Values: [1, 4, Number.NaN] },
          { Values: [9] },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'completed', Values: [3, Number.POSITIVE_INFINITY] },
          { Id: 'failed', Values: [2, 1] },
        ],
      });

    // Act
    const check = await checkHealth(testState({ status: running, health: previousCheck(180) }), clockAt(300));

    // Assess
    expect(check).toMatchObject({
      phase: 'HEALTHY',
      restarts: 0,
      completedCheckpoints: 4,
      failedCheckpoints: 2,
    });
    expect(cloudWatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    const [first, second] = cloudWatch.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input);
    expect(first).not.toHaveProperty('NextToken');
    expect(second).toMatchObject({ NextToken: 'page-2' });
  });

  it('It should take only non-finite values as no data', async () => {
    // Prepare
    cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'restarts', Values: [Number.NaN] },
        { Id: 'completed', Values: [2] },
        { Id: 'failed' },
      ],
    });

    // Act
    const check = await checkHealth(testState({ status: running, health: previousCheck(180) }), clockAt(300));

    // Assess
    expect(check).toMatchObject({
      phase: 'SETTLING',
      restarts: null,
      completedCheckpoints: 2,
      failedCheckpoints: null,
    });
  });

  it('It should read at most five pages of metrics', async () => {
    // Prepare
    cloudWatch
      .on(GetMetricDataCommand)
      .resolves({ ...metrics({ restarts: 0, completed: 1 }), NextToken: 'more' });

    // Act
    const check = await checkHealth(testState({ status: running, health: previousCheck(180) }), clockAt(300));

    // Assess
    expect(check.phase).toBe('HEALTHY');
    expect(cloudWatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 5);
  });

  it('It should keep the metrics it saw in an UNHEALTHY verdict', async () => {
    // Prepare
    cloudWatch.on(GetMetricDataCommand).resolves(metrics({ restarts: 1, completed: 3, failed: 2 }));

    // Act
    const check = await checkHealth(testState({ status: running, health: previousCheck(180) }), clockAt(240));

    // Assess
    expect(check).toMatchObject({
      phase: 'UNHEALTHY',
      restarts: 1,
      completedCheckpoints: 3,
      failedCheckpoints: 2,
      startOperationId: 'op-1',
      startOperationStatus: 'SUCCESSFUL',
    });
    expect(check.reason).toMatch(/^the job restarted 1 time \(metric numRestarts\);/);
  });
});

describe('CheckApplicationHealth: a metric CloudWatch does not answer for', () => {
  it('It should take a metric missing from the results as unknown', async () => {
    // Prepare
    cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'restarts', Values: [0] },
        { Id: 'completed', Values: [1] },
      ],
    });

    // Act
    const check = await checkHealth(testState({ status: running, health: previousCheck(180) }), clockAt(300));

    // Assess
    expect(check).toMatchObject({ phase: 'HEALTHY', failedCheckpoints: null });
  });
});

describe('CheckApplicationHealth: bad state and errors', () => {
  it('It should reject a state without the RUNNING status check, naming the field and where it comes from', async () => {
    // Act
    const act = checkHealth(testState({}), clockAt(200));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.InvalidInput,
      message: expect.stringContaining('CheckApplicationHealth needs $.status'),
      problems: [{ field: 'status', message: expect.stringContaining('the RUNNING status check') }],
    });
  });

  it('It should reject a previous check whose start time is not a time, quoting it', async () => {
    // Act
    const act = checkHealth(
      testState({ status: running, health: previousCheck(180, { since: 'yesterday' }) }),
      clockAt(200),
    );

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.InvalidInput,
      problems: [
        {
          field: 'health.since',
          message: 'must be an ISO-8601 time (written by CheckApplicationHealth), got "yesterday"',
        },
      ],
    });
    expect(kda).not.toHaveReceivedCommand(DescribeApplicationCommand);
  });

  it('It should let an error other than a missing application through', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).rejects(awsError('AccessDeniedException'));

    // Act
    const act = checkHealth(testState({ status: running, health: previousCheck(180) }), clockAt(200));

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('It should call an application without a status UNKNOWN and UNHEALTHY', async () => {
    // Prepare
    kda
      .on(DescribeApplicationCommand)
      .resolves({ ApplicationDetail: { ApplicationName: 'ticks-demo-app' } as never });

    // Act
    const check = await checkHealth(testState({ status: running, health: previousCheck(180) }), clockAt(200));

    // Assess
    expect(check.phase).toBe('UNHEALTHY');
    expect(check.reason).toContain('the application is UNKNOWN, no longer RUNNING');
  });
});

describe('the health rules at their edges', () => {
  const config = { healthSettleSeconds: 120 };
  const verdict = (
    observedSeconds: number,
    metrics: {
      restarts: number | null;
      completedCheckpoints: number | null;
      failedCheckpoints: number | null;
    },
    startOperationPending = false,
  ) => decide({ config, observedSeconds, metrics, startOperationPending });

  it('It should call a job HEALTHY at the very end of the settle period', () => {
    expect(verdict(120, { restarts: 0, completedCheckpoints: 1, failedCheckpoints: 0 })).toEqual({
      phase: 'HEALTHY',
      nextWaitSeconds: 0,
      reason: 'no restart and 1 completed checkpoint(s) in 120 s',
    });
  });

  it('It should not take zero restarts as a restart, nor zero checkpoints as a checkpoint', () => {
    expect(verdict(150, { restarts: 0, completedCheckpoints: 0, failedCheckpoints: 1 })).toEqual({
      phase: 'SETTLING',
      nextWaitSeconds: 60,
      reason: 'waiting for a first completed checkpoint',
    });
  });

  it('It should not call a job HEALTHY whose restarts are unknown, however many checkpoints it has', () => {
    expect(verdict(150, { restarts: null, completedCheckpoints: 5, failedCheckpoints: 0 })).toMatchObject({
      phase: 'SETTLING',
      reason: 'waiting for the metrics to be published',
    });
  });

  it('It should wait for the checkpoint metric when only the restarts are known', () => {
    expect(verdict(150, { restarts: 0, completedCheckpoints: null, failedCheckpoints: null })).toMatchObject({
      phase: 'SETTLING',
      reason: 'waiting for the metrics to be published',
    });
  });

  it('It should not call a job HEALTHY while its start operation is still running', () => {
    expect(verdict(150, { restarts: 0, completedCheckpoints: 1, failedCheckpoints: 0 }, true)).toMatchObject({
      phase: 'SETTLING',
      reason: 'waiting for the start operation to end',
    });
  });

  it('It should poll the allowance from the very end of the settle period', () => {
    expect(verdict(120, { restarts: null, completedCheckpoints: null, failedCheckpoints: null })).toEqual({
      phase: 'SETTLING',
      nextWaitSeconds: 60,
      reason: 'waiting for the metrics to be published',
    });
  });

  it('It should name a start operation still IN_PROGRESS at the deadline', () => {
    expect(verdict(300, { restarts: 0, completedCheckpoints: 1, failedCheckpoints: 0 }, true)).toEqual({
      phase: 'UNHEALTHY',
      nextWaitSeconds: 0,
      reason: 'the start operation was still IN_PROGRESS after 300 s',
    });
  });

  it('It should name only the metric that is missing at the deadline', () => {
    expect(verdict(300, { restarts: 0, completedCheckpoints: null, failedCheckpoints: null }).reason).toBe(
      'no metrics: CloudWatch had no numberOfCompletedCheckpoints data for the application after 300 s (settle period 120 s plus 180 s for publication)',
    );
  });

  it('It should say no checkpoint completed when the metrics are there but show none', () => {
    expect(verdict(301, { restarts: 0, completedCheckpoints: 0, failedCheckpoints: 4 })).toEqual({
      phase: 'UNHEALTHY',
      nextWaitSeconds: 0,
      reason:
        'no checkpoint completed within 301 s (4 failed; settle period 120 s plus 180 s for publication)',
    });
    expect(verdict(301, { restarts: 0, completedCheckpoints: 0, failedCheckpoints: null }).reason).toContain(
      '(unknown failed;',
    );
  });
});
