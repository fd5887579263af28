import '../support/quiet-logs';
import {
  DescribeApplicationCommand,
  KinesisAnalyticsV2Client,
  StopApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { run, STOP_TIMEOUT_SECONDS, stopWaitSeconds } from '../../lambdas/stop-application-for-teardown';
import type { ApplicationStopCheck } from '../../workflow/teardown-contract';
import { appStatus } from '../support/applications';
import { awsError } from '../support/aws-errors';
import { teardownState } from '../support/teardown-state';
import { fakeTime } from '../support/time';

const kda = mockClient(KinesisAnalyticsV2Client);
beforeEach(() => kda.reset());

const earlier = (overrides: Partial<ApplicationStopCheck>): ApplicationStopCheck => ({
  phase: 'STOPPING',
  initialStatus: 'RUNNING',
  status: 'STOPPING',
  attempt: 0,
  nextWaitSeconds: 10,
  since: '2026-11-25T12:00:00.000Z',
  ...overrides,
});

describe('StopApplicationForTeardown', () => {
  it('It should stop a RUNNING application without Force, so that the service takes a snapshot', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('RUNNING'));
    kda.on(StopApplicationCommand).resolves({});

    // Act
    const check = await run(teardownState(), fakeTime());

    // Assess
    expect(kda).toHaveReceivedCommandWith(StopApplicationCommand, {
      ApplicationName: 'ticks-demo-app',
      Force: false,
    });
    expect(check).toMatchObject({
      phase: 'STOPPING',
      initialStatus: 'RUNNING',
      stopRequested: 'snapshot',
      attempt: 0,
    });
  });

  it('It should force-stop when the input says snapshot false', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('RUNNING'));
    kda.on(StopApplicationCommand).resolves({});

    // Act
    const check = await run(teardownState({ snapshot: false }), fakeTime());

    // Assess
    expect(kda).toHaveReceivedCommandWith(StopApplicationCommand, { Force: true });
    expect(check.stopRequested).toBe('force');
  });

  it.each([
    ['READY', 'READY'],
    ['ROLLED_BACK', 'ROLLED_BACK'],
  ])('It should report STOPPED for an application that is %s, without a stop', async (status) => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus(status));

    // Act
    const check = await run(teardownState(), fakeTime());

    // Assess
    expect(check.phase).toBe('STOPPED');
    expect(kda).not.toHaveReceivedCommand(StopApplicationCommand);
  });

  it('It should report STOPPED with initial status absent for an application that does not exist', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).rejects(awsError('ResourceNotFoundException'));

    // Act
    const check = await run(teardownState(), fakeTime());

    // Assess
    expect(check).toMatchObject({ phase: 'STOPPED', initialStatus: 'absent' });
  });

  it.each(['STARTING', 'UPDATING', 'MAINTENANCE', 'FORCE_STOPPING'])(
    'It should wait, not stop, while the application is %s and a snapshot is wanted',
    async (status) => {
      // Prepare
      kda.on(DescribeApplicationCommand).resolves(appStatus(status));

      // Act
      const check = await run(teardownState(), fakeTime());

      // Assess
      expect(check.phase).toBe('STOPPING');
      expect(kda).not.toHaveReceivedCommand(StopApplicationCommand);
    },
  );

  it('It should keep waiting for its own snapshot stop before the timeout, then force it', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('STOPPING'));
    kda.on(StopApplicationCommand).resolves({});
    const time = fakeTime();
    const state = (since: string) =>
      teardownState({}, { stop: earlier({ stopRequested: 'snapshot', attempt: 3, since }) });

    // Act
    const within = await run(state('2026-11-25T11:55:00.000Z'), time);
    const overdue = await run(
      state(new Date(time.now().getTime() - STOP_TIMEOUT_SECONDS * 1000).toISOString()),
      time,
    );

    // Assess
    expect(within).toMatchObject({ phase: 'STOPPING', stopRequested: 'snapshot', attempt: 4 });
    expect(overdue).toMatchObject({ phase: 'STOPPING', stopRequested: 'force' });
    expect(kda.commandCalls(StopApplicationCommand).map((c) => c.args[0].input.Force)).toEqual([true]);
  });

  it('It should fail with ApplicationStopTimeoutError past twice the timeout', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('FORCE_STOPPING'));
    const time = fakeTime();
    const since = new Date(time.now().getTime() - 2 * STOP_TIMEOUT_SECONDS * 1000).toISOString();

    // Act
    const act = run(teardownState({}, { stop: earlier({ stopRequested: 'force', since }) }), time);

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'ApplicationStopTimeoutError',
      message: expect.stringContaining('run the teardown again'),
    });
  });

  it('It should map a stop refused because the status changed to TransientError', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('RUNNING'));
    kda.on(StopApplicationCommand).rejects(awsError('ResourceInUseException'));

    // Act
    const act = run(teardownState(), fakeTime());

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'TransientError' });
  });

  it('It should back off its waits from 10 s to at most 30 s', () => {
    expect([0, 1, 2, 3, 4, 10].map(stopWaitSeconds)).toEqual([10, 15, 20, 25, 30, 30]);
  });
});
