import '../support/quiet-logs';
import {
  DescribeApplicationCommand,
  DescribeApplicationOperationCommand,
  KinesisAnalyticsV2Client,
  ListApplicationOperationsCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { ErrorName } from '../../workflow/contract';
import { handler as describeHandler, run as describeRun } from '../../lambdas/describe-application';
import { appStatus, clockAt, T0, waiting } from '../support/applications';
import { awsError } from '../support/aws-errors';
import { fakeLambdaContext } from '../support/lambda-context';
import { testState } from '../support/provisioning';

const kda = mockClient(KinesisAnalyticsV2Client);

beforeEach(() => {
  kda.reset();
});

describe('DescribeApplication', () => {
  it('It should report RUNNING with the running version', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('RUNNING', 2));

    // Act
    const result = await describeRun(testState({ status: waiting(0) }), clockAt(61));

    // Assess
    expect(result).toEqual({
      phase: 'RUNNING',
      startedAt: T0,
      applicationStatus: 'RUNNING',
      applicationVersionId: 2,
      attempt: 1,
      nextWaitSeconds: 0,
    });
  });

  it('It should keep waiting while STARTING, on the back-off schedule', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('STARTING'));

    // Act
    const first = await describeRun(testState({ status: waiting(0) }), clockAt(61));
    const fifth = await describeRun(testState({ status: waiting(4) }), clockAt(241));

    // Assess
    expect(first).toMatchObject({ phase: 'WAITING', attempt: 1, nextWaitSeconds: 40 });
    expect(fifth).toMatchObject({ phase: 'WAITING', attempt: 5, nextWaitSeconds: 90 });
  });

  it('It should never ask to wait past the start timeout', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('STARTING'));

    // Act
    const result = await describeRun(
      testState({ status: waiting(1) }, { startTimeoutSeconds: 120 }),
      clockAt(101),
    );

    // Assess
    expect(result).toMatchObject({ phase: 'WAITING', nextWaitSeconds: 19 });
  });

  it('It should report TIMED_OUT once the start timeout has passed', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('STARTING'));

    // Act
    const result = await describeRun(
      testState({ status: waiting(2) }, { startTimeoutSeconds: 120 }),
      clockAt(121),
    );

    // Assess
    expect(result).toMatchObject({
      phase: 'TIMED_OUT',
      attempt: 3,
      nextWaitSeconds: 0,
      reason: 'still STARTING 121 s after the start (limit 120 s, 3 status checks)',
    });
  });

  it('It should fail a start that fell back to READY with the reason of the failed operation', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('READY'));
    kda.on(ListApplicationOperationsCommand).resolves({
      ApplicationOperationInfoList: [
        {
          Operation: 'CreateApplication',
          OperationId: 'op-0',
          OperationStatus: 'SUCCESSFUL',
          StartTime: new Date('2026-11-25T11:00:00Z'),
        },
        {
          Operation: 'StartApplication',
          OperationId: 'op-1',
          OperationStatus: 'FAILED',
          StartTime: new Date('2026-11-25T12:00:01Z'),
        },
      ],
    });
    kda.on(DescribeApplicationOperationCommand, { OperationId: 'op-1' }).resolves({
      ApplicationOperationInfoDetails: {
        Operation: 'StartApplication',
        OperationStatus: 'FAILED',
        StartTime: new Date(),
        EndTime: new Date(),
        OperationFailureDetails: {
          ErrorInfo: { ErrorString: 'ModuleNotFoundError: No module named pyflink_extra' },
        },
      },
    });

    // Act
    const act = describeRun(testState({ status: waiting(1) }), clockAt(101));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.ApplicationStartFailed,
      message:
        'Application ticks-demo-app is READY instead of RUNNING, 101 s after the start: StartApplication op-1 failed: ' +
        'ModuleNotFoundError: No module named pyflink_extra',
    });
  });

  it.each(['ROLLED_BACK', 'ROLLING_BACK', 'FORCE_STOPPING', 'STOPPING', 'DELETING'])(
    'It should fail a start that reached %s, even when no reason can be found',
    async (status) => {
      // Prepare
      kda.on(DescribeApplicationCommand).resolves(appStatus(status));
      kda.on(ListApplicationOperationsCommand).rejects(awsError('UnsupportedOperationException'));

      // Act
      const act = describeRun(testState({ status: waiting(1) }), clockAt(101));

      // Assess
      await expect(act).rejects.toMatchObject({
        name: ErrorName.ApplicationStartFailed,
        message: expect.stringMatching(
          new RegExp(`is ${status} instead of RUNNING.*no reason available \\(UnsupportedOperationException`),
        ),
      });
    },
  );

  it('It should fail a start whose application was deleted', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).rejects(awsError('ResourceNotFoundException'));

    // Act
    const act = describeRun(testState({ status: waiting(1) }), clockAt(101));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.ApplicationStartFailed,
      message: expect.stringMatching(/no longer exists/),
    });
  });

  it('It should turn throttling into a TransientError', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).rejects(awsError('ThrottlingException', { throttling: true }));

    // Act
    const act = describeRun(testState({ status: waiting(1) }), clockAt(101));

    // Assess
    await expect(act).rejects.toMatchObject({ name: ErrorName.Transient });
  });

  it('It should refuse a status check whose start time is not a time', async () => {
    // Act
    const act = describeRun(testState({ status: waiting(1, { startedAt: 'yesterday' }) }), clockAt(1));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.InvalidInput,
      message: expect.stringMatching(/status\.startedAt: must be an ISO-8601 time/),
    });
  });

  it('It should refuse a state without the previous status check', async () => {
    // Act
    const act = describeRun(testState(), clockAt(1));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.InvalidInput,
      message: expect.stringMatching(/\$\.status/),
    });
  });

  it('It should run through the middy handler', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('RUNNING'));

    // Act
    const result = await describeHandler(testState({ status: waiting(0) }), fakeLambdaContext());

    // Assess
    expect(result.phase).toBe('RUNNING');
  });

  it('It should report TIMED_OUT at the very second the start timeout ends', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('STARTING'));

    // Act
    const result = await describeRun(
      testState({ status: waiting(2) }, { startTimeoutSeconds: 120 }),
      clockAt(120),
    );

    // Assess
    expect(result).toMatchObject({ phase: 'TIMED_OUT', nextWaitSeconds: 0 });
  });

  it('It should keep the service error as the cause when the application was deleted while starting', async () => {
    // Prepare
    const gone = awsError('ResourceNotFoundException');
    kda.on(DescribeApplicationCommand).rejects(gone);

    // Act / Assess
    await expect(describeRun(testState({ status: waiting(1) }), clockAt(101))).rejects.toMatchObject({
      message: 'Application ticks-demo-app no longer exists (deleted while it was starting)',
      cause: gone,
    });
  });

  it('It should name the missing status check and where it comes from', async () => {
    // Act / Assess
    await expect(describeRun(testState(), clockAt(1))).rejects.toMatchObject({
      problems: [
        { field: 'status', message: 'DescribeApplication needs $.status (the result of StartApplication)' },
      ],
    });
  });

  it('It should keep waiting, as UNKNOWN, for an application the service reports without a status', async () => {
    // Prepare
    kda
      .on(DescribeApplicationCommand)
      .resolves({ ApplicationDetail: { ApplicationName: 'ticks-demo-app' } } as never);

    // Act
    const result = await describeRun(testState({ status: waiting(1) }), clockAt(101));

    // Assess
    expect(result).toMatchObject({ phase: 'WAITING', applicationStatus: 'UNKNOWN', applicationVersionId: 1 });
  });
});
