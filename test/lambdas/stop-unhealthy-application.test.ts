import '../support/quiet-logs';
import {
  DescribeApplicationCommand,
  KinesisAnalyticsV2Client,
  StopApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as stopHandler, run as stopUnhealthy } from '../../lambdas/stop-unhealthy-application';
import { ErrorName, type ApplicationHealthCheck } from '../../workflow/contract';
import { appStatus } from '../support/applications';
import { awsError } from '../support/aws-errors';
import { fakeLambdaContext } from '../support/lambda-context';
import { testState } from '../support/provisioning';
import { fakeTime } from '../support/time';

const kda = mockClient(KinesisAnalyticsV2Client);

const unhealthy: ApplicationHealthCheck = {
  phase: 'UNHEALTHY',
  since: '2026-11-25T12:03:00.000Z',
  attempt: 1,
  nextWaitSeconds: 0,
  restarts: 2,
  completedCheckpoints: 0,
  failedCheckpoints: 0,
  observedSeconds: 0,
  reason:
    "the job restarted 2 times (metric numRestarts); the job's latest error: java.lang.NoSuchMethodError: x",
};

beforeEach(() => {
  kda.reset();
});

describe('StopUnhealthyApplication', () => {
  it('It should force-stop the RUNNING application and fail with ApplicationUnhealthyError naming the exception', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('RUNNING'));
    kda.on(StopApplicationCommand).resolves({});

    // Act
    const act = stopUnhealthy(testState({ health: unhealthy }));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.ApplicationUnhealthy,
      message:
        "Application ticks-demo-app is not healthy after 0 s and 1 health check: the job restarted 2 times (metric numRestarts); the job's latest error: java.lang.NoSuchMethodError: x; it was RUNNING and was force-stopped",
    });
    expect(kda).toHaveReceivedCommandWith(StopApplicationCommand, {
      ApplicationName: 'ticks-demo-app',
      Force: true,
    });
  });

  it('It should leave the application running when keepUnhealthyRunning is set, and still fail', async () => {
    // Act
    const act = stopUnhealthy(testState({ health: unhealthy }, { keepUnhealthyRunning: true }));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.ApplicationUnhealthy,
      message: expect.stringContaining('it was left running because keepUnhealthyRunning is set'),
    });
    expect(kda).not.toHaveReceivedCommand(StopApplicationCommand);
    expect(kda).not.toHaveReceivedCommand(DescribeApplicationCommand);
  });

  it('It should wait for a maintenance to end, then stop', async () => {
    // Prepare
    kda
      .on(DescribeApplicationCommand)
      .resolvesOnce(appStatus('MAINTENANCE'))
      .resolvesOnce(appStatus('MAINTENANCE'))
      .resolves(appStatus('RUNNING'));
    kda.on(StopApplicationCommand).resolves({});
    const time = fakeTime();

    // Act
    const act = stopUnhealthy(testState({ health: unhealthy }), { ...time });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.ApplicationUnhealthy,
      message: expect.stringContaining(
        'it was MAINTENANCE, and once that ended it was RUNNING and was force-stopped',
      ),
    });
    expect(time.sleeps.length).toBeGreaterThan(0);
  });

  it('It should retry (TransientError) a maintenance that outlasts the wait, without stopping', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('MAINTENANCE'));
    const time = fakeTime();

    // Act
    const act = stopUnhealthy(testState({ health: unhealthy }), {
      ...time,
      wait: { timeoutMs: 30_000, intervalMs: 5_000, maxIntervalMs: 10_000 },
    });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.Transient,
      message: expect.stringContaining('still MAINTENANCE after 30 s'),
    });
    expect(kda).not.toHaveReceivedCommand(StopApplicationCommand);
    expect(time.sleeps.reduce((a, b) => a + b, 0)).toBe(30_000);
  });

  it('It should turn a throttled stop into a TransientError', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('RUNNING'));
    kda.on(StopApplicationCommand).rejects(awsError('ThrottlingException', { throttling: true }));

    // Act
    const act = stopUnhealthy(testState({ health: unhealthy }));

    // Assess
    await expect(act).rejects.toMatchObject({ name: ErrorName.Transient });
  });

  it('It should fail through the middy handler with the error name the machine matches', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('READY'));

    // Act
    const act = stopHandler(testState({ health: unhealthy }), fakeLambdaContext());

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'ApplicationUnhealthyError',
      message: expect.stringContaining('it was already READY, so no stop was needed'),
    });
  });

  it('It should count the health checks in the plural and say when the gate gave no state at all', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('READY'));

    // Act
    const plural = stopUnhealthy(testState({ health: { ...unhealthy, attempt: 3, observedSeconds: 240 } }));
    const none = stopUnhealthy(testState({}));

    // Assess
    await expect(plural).rejects.toMatchObject({
      message: expect.stringContaining('is not healthy after 240 s and 3 health checks: the job restarted'),
    });
    await expect(none).rejects.toMatchObject({
      name: ErrorName.ApplicationUnhealthy,
      message:
        'Application ticks-demo-app is not healthy: the health gate gave no reason; it was already READY, so no stop was needed',
    });
  });
});
