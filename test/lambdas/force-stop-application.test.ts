import '../support/quiet-logs';
import {
  DescribeApplicationCommand,
  KinesisAnalyticsV2Client,
  StopApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { ErrorName } from '../../workflow/contract';
import { handler as forceStopHandler, run as forceStopRun } from '../../lambdas/force-stop-application';
import { appStatus, waiting } from '../support/applications';
import { awsError } from '../support/aws-errors';
import { fakeLambdaContext } from '../support/lambda-context';
import { testState } from '../support/provisioning';
import { fakeTime } from '../support/time';

const kda = mockClient(KinesisAnalyticsV2Client);

beforeEach(() => {
  kda.reset();
});

describe('ForceStopApplication', () => {
  const timedOut = waiting(16, {
    phase: 'TIMED_OUT',
    reason: 'still STARTING 905 s after the start (limit 900 s, 16 status checks)',
  });

  it('It should force-stop a STARTING application and fail with ApplicationStartTimeoutError saying so', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('STARTING'));
    kda.on(StopApplicationCommand).resolves({});

    // Act
    const act = forceStopRun(testState({ status: timedOut }));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.ApplicationStartTimeout,
      message:
        'Application ticks-demo-app did not reach RUNNING within 900 s (still STARTING 905 s after the start ' +
        '(limit 900 s, 16 status checks)); it was STARTING and was force-stopped',
    });
    expect(kda).toHaveReceivedCommandWith(StopApplicationCommand, {
      ApplicationName: 'ticks-demo-app',
      Force: true,
    });
  });

  it.each(['READY', 'FORCE_STOPPING'])(
    'It should not stop an application that is already %s',
    async (status) => {
      // Prepare
      kda.on(DescribeApplicationCommand).resolves(appStatus(status));

      // Act
      const act = forceStopRun(testState({ status: timedOut }));

      // Assess
      await expect(act).rejects.toMatchObject({
        name: ErrorName.ApplicationStartTimeout,
        message: expect.stringContaining(`it was already ${status}, so no stop was needed`),
      });
      expect(kda).not.toHaveReceivedCommand(StopApplicationCommand);
    },
  );

  it('It should accept ResourceInUseException when the application stopped meanwhile', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolvesOnce(appStatus('STARTING')).resolves(appStatus('READY'));
    kda.on(StopApplicationCommand).rejects(awsError('ResourceInUseException'));

    // Act
    const act = forceStopRun(testState({ status: timedOut }));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.ApplicationStartTimeout,
      message: expect.stringContaining('already READY'),
    });
  });

  it('It should retry (TransientError) when the application is busy and not stopping', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolvesOnce(appStatus('STARTING')).resolves(appStatus('UPDATING'));
    kda.on(StopApplicationCommand).rejects(awsError('ResourceInUseException'));

    // Act
    const act = forceStopRun(testState({ status: timedOut }));

    // Assess
    await expect(act).rejects.toMatchObject({ name: ErrorName.Transient });
  });

  it.each(['ROLLED_BACK', 'SOMETHING_NEW'])(
    'It should not send a force stop from %s, a status the StopApplication reference does not allow it from',
    async (status) => {
      // Prepare
      kda.on(DescribeApplicationCommand).resolves(appStatus(status));

      // Act
      const act = forceStopRun(testState({ status: timedOut }));

      // Assess
      await expect(act).rejects.toMatchObject({
        name: ErrorName.ApplicationStartTimeout,
        message: expect.stringContaining(
          `it is ${status}, a status from which the service does not allow a force stop`,
        ),
      });
      expect(kda).not.toHaveReceivedCommand(StopApplicationCommand);
    },
  );

  it('It should wait for a timeout reached in MAINTENANCE to end, then force-stop', async () => {
    // Prepare
    kda
      .on(DescribeApplicationCommand)
      .resolvesOnce(appStatus('MAINTENANCE'))
      .resolvesOnce(appStatus('MAINTENANCE'))
      .resolves(appStatus('STARTING'));
    kda.on(StopApplicationCommand).resolves({});
    const time = fakeTime();

    // Act
    const act = forceStopRun(testState({ status: timedOut }), { ...time });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.ApplicationStartTimeout,
      message: expect.stringContaining(
        'it was MAINTENANCE, and once that ended it was STARTING and was force-stopped',
      ),
    });
    expect(kda).toHaveReceivedCommandTimes(StopApplicationCommand, 1);
  });

  it('It should retry (TransientError) when MAINTENANCE outlasts the bounded wait', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('MAINTENANCE'));
    const time = fakeTime();

    // Act
    const act = forceStopRun(testState({ status: timedOut }), { ...time });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.Transient,
      message: expect.stringContaining('still MAINTENANCE after 60 s'),
    });
    expect(kda).not.toHaveReceivedCommand(StopApplicationCommand);
  });

  it('It should still fail with the timeout when the application no longer exists', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).rejects(awsError('ResourceNotFoundException'));

    // Act
    const act = forceStopRun(testState({ status: timedOut }));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.ApplicationStartTimeout,
      message: expect.stringContaining('no longer exists'),
    });
  });

  it('It should turn throttling of the stop into a TransientError', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('STARTING'));
    kda.on(StopApplicationCommand).rejects(awsError('LimitExceededException'));

    // Act
    const act = forceStopRun(testState({ status: timedOut }));

    // Assess
    await expect(act).rejects.toMatchObject({ name: ErrorName.Transient });
  });

  it('It should fail through the middy handler with the error name the machine matches', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('STARTING'));
    kda.on(StopApplicationCommand).resolves({});

    // Act
    const act = forceStopHandler(testState({ status: timedOut }), fakeLambdaContext());

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ApplicationStartTimeoutError' });
  });

  it('It should wait for a maintenance as long as it is told to', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('MAINTENANCE'));
    const time = fakeTime();

    // Act
    const act = forceStopRun(testState({ status: timedOut }), {
      ...time,
      wait: { timeoutMs: 20_000, intervalMs: 5_000, maxIntervalMs: 5_000 },
    });

    // Assess
    await expect(act).rejects.toMatchObject({
      message: expect.stringContaining('still MAINTENANCE after 20 s'),
    });
  });

  it.each([
    [
      'the last status when the check gave no reason',
      { ...timedOut, reason: undefined },
      'last status STARTING',
    ],
    ['"unknown" without any status check', undefined, 'last status unknown'],
  ])('It should name %s', async (_case, status, detail) => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('READY'));
    const state = testState({ status: status as never });
    if (status === undefined) delete state.status;

    // Act / Assess
    await expect(forceStopRun(state)).rejects.toMatchObject({
      name: ErrorName.ApplicationStartTimeout,
      message: `Application ticks-demo-app did not reach RUNNING within 900 s (${detail}); it was already READY, so no stop was needed`,
    });
  });
});
