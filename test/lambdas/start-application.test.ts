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
import { logger } from '../../lambdas/shared/logger';
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

  it('It should accept a refused start when the application turned out RUNNING meanwhile', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolvesOnce(appStatus('READY')).resolves(appStatus('RUNNING', 3));
    kda.on(StartApplicationCommand).rejects(awsError('ResourceInUseException'));

    // Act
    const result = await startRun(testState(), { ...fakeTime(T0) });

    // Assess
    expect(result).toMatchObject({ phase: 'WAITING', applicationVersionId: 3 });
  });

  it.each([
    [
      'UPDATING',
      ErrorName.Transient,
      'Application ticks-demo-app is UPDATING; it can be started once that ends',
    ],
    [
      'DELETING',
      ErrorName.ResourceConflict,
      'Application ticks-demo-app is being deleted; run provisioning again once it is gone',
    ],
  ])(
    'It should fail a refused start when the application is then %s, keeping the refusal as the cause',
    async (status, name, message) => {
      // Prepare
      const refusal = awsError('ResourceInUseException');
      kda.on(DescribeApplicationCommand).resolvesOnce(appStatus('READY')).resolves(appStatus(status));
      kda.on(StartApplicationCommand).rejects(refusal);

      // Act / Assess
      await expect(startRun(testState(), { ...fakeTime(T0) })).rejects.toMatchObject({
        name,
        message,
        cause: refusal,
      });
    },
  );

  it('It should say so when the service reports no status', async () => {
    // Prepare
    kda
      .on(DescribeApplicationCommand)
      .resolves({ ApplicationDetail: { ApplicationName: 'ticks-demo-app' } } as never);

    // Act / Assess
    await expect(startRun(testState(), { ...fakeTime(T0) })).rejects.toMatchObject({
      name: ErrorName.Transient,
      message: 'Application ticks-demo-app is in an unknown status; it can be started once that ends',
    });
    expect(kda).not.toHaveReceivedCommand(StartApplicationCommand);
  });

  it('It should say what to do about a ROLLED_BACK application', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('ROLLED_BACK'));
    kda.on(ListApplicationOperationsCommand).resolves({});

    // Act / Assess
    await expect(startRun(testState(), { ...fakeTime(T0) })).rejects.toMatchObject({
      message: expect.stringMatching(
        /\. It was not started, since that would run the earlier version; fix the cause, delete the application, and run provisioning again$/,
      ),
    });
  });

  it('It should log that the application runs already', async () => {
    // Prepare
    const info = jest.spyOn(logger, 'info');
    kda.on(DescribeApplicationCommand).resolves(appStatus('RUNNING'));

    try {
      // Act
      await startRun(testState(), { ...fakeTime(T0) });

      // Assess
      expect(info).toHaveBeenCalledWith('application already running', { applicationName: 'ticks-demo-app' });
    } finally {
      info.mockRestore();
    }
  });
});
