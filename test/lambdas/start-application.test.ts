import '../support/quiet-logs';
import {
  DescribeApplicationCommand,
  DescribeApplicationOperationCommand,
  KinesisAnalyticsV2Client,
  ListApplicationOperationsCommand,
  StartApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { ErrorName } from '../../workflow/contract';
import { handler as startHandler, run as startRun } from '../../lambdas/start-application';
import { appStatus, T0 } from '../support/applications';
import { awsError } from '../support/aws-errors';
import { fakeLambdaContext } from '../support/lambda-context';
import { testState } from '../support/provisioning';
import { fakeTime } from '../support/time';

const kda = mockClient(KinesisAnalyticsV2Client);

beforeEach(() => {
  kda.reset();
});

describe('StartApplication', () => {
  it('It should start a READY application and ask for the first wait', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('READY', 3));
    kda.on(StartApplicationCommand).resolves({});

    // Act
    const result = await startRun(testState(), { ...fakeTime(T0) });

    // Assess
    expect(result).toEqual({
      phase: 'WAITING',
      startedAt: T0,
      applicationStatus: 'STARTING',
      applicationVersionId: 3,
      attempt: 0,
      nextWaitSeconds: 60,
    });
    expect(kda).toHaveReceivedCommandWith(StartApplicationCommand, { ApplicationName: 'ticks-demo-app' });
  });

  it('It should not start a ROLLED_BACK application, failing with why the service rolled it back', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('ROLLED_BACK', 4));
    kda.on(ListApplicationOperationsCommand).resolves({
      ApplicationOperationInfoList: [
        {
          Operation: 'UpdateApplication',
          OperationId: 'op-9',
          OperationStatus: 'FAILED',
          StartTime: new Date(T0),
        },
      ],
    });
    kda.on(DescribeApplicationOperationCommand).resolves({
      ApplicationOperationInfoDetails: {
        Operation: 'UpdateApplication',
        OperationStatus: 'FAILED',
        StartTime: new Date(T0),
        EndTime: new Date(T0),
        OperationFailureDetails: { ErrorInfo: { ErrorString: 'Job failed to restore' } },
      },
    });

    // Act
    const act = startRun(testState(), { ...fakeTime(T0) });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.ApplicationStartFailed,
      message: expect.stringContaining(
        'is ROLLED_BACK: the service reverted it to an earlier version after an operation failed (UpdateApplication op-9 failed: Job failed to restore)',
      ),
    });
    expect(kda).not.toHaveReceivedCommand(StartApplicationCommand);
  });

  it('It should report an already RUNNING application without starting it or waiting', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('RUNNING', 2));

    // Act
    const result = await startRun(testState(), { ...fakeTime(T0) });

    // Assess
    expect(result).toMatchObject({
      phase: 'RUNNING',
      applicationStatus: 'RUNNING',
      nextWaitSeconds: 0,
      applicationVersionId: 2,
    });
    expect(kda).not.toHaveReceivedCommand(StartApplicationCommand);
  });

  it('It should join a start already in progress', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('STARTING'));

    // Act
    const result = await startRun(testState(), { ...fakeTime(T0) });

    // Assess
    expect(result.phase).toBe('WAITING');
    expect(kda).not.toHaveReceivedCommand(StartApplicationCommand);
  });

  it('It should accept ResourceInUseException when another execution started it meanwhile', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolvesOnce(appStatus('READY')).resolves(appStatus('STARTING'));
    kda.on(StartApplicationCommand).rejects(awsError('ResourceInUseException'));

    // Act
    const result = await startRun(testState(), { ...fakeTime(T0) });

    // Assess
    expect(result.phase).toBe('WAITING');
  });

  it.each(['UPDATING', 'STOPPING', 'FORCE_STOPPING', 'AUTOSCALING'])(
    'It should retry later (TransientError) when the application is %s',
    async (status) => {
      // Prepare
      kda.on(DescribeApplicationCommand).resolves(appStatus(status));

      // Act
      const act = startRun(testState(), { ...fakeTime(T0) });

      // Assess
      await expect(act).rejects.toMatchObject({
        name: ErrorName.Transient,
        message: expect.stringContaining(status),
      });
      expect(kda).not.toHaveReceivedCommand(StartApplicationCommand);
    },
  );

  it('It should refuse to start an application that is being deleted', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('DELETING'));

    // Act
    const act = startRun(testState(), { ...fakeTime(T0) });

    // Assess
    await expect(act).rejects.toMatchObject({ name: ErrorName.ResourceConflict });
  });

  it('It should turn throttling into a TransientError', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).rejects(awsError('LimitExceededException'));

    // Act
    const act = startRun(testState(), { ...fakeTime(T0) });

    // Assess
    await expect(act).rejects.toMatchObject({ name: ErrorName.Transient });
  });

  it.each([
    'InvalidApplicationConfigurationException',
    'InvalidArgumentException',
    'ResourceNotFoundException',
  ])('It should pass %s from StartApplication through unchanged', async (code) => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('READY'));
    kda.on(StartApplicationCommand).rejects(awsError(code));

    // Act
    const act = startRun(testState(), { ...fakeTime(T0) });

    // Assess
    await expect(act).rejects.toMatchObject({ name: code });
  });

  it('It should run through the middy handler', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('RUNNING'));

    // Act
    const result = await startHandler(testState(), fakeLambdaContext());

    // Assess
    expect(result.phase).toBe('RUNNING');
  });
});
