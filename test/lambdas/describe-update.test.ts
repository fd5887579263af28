/**
 * DescribeUpdate one look at a time: each phase with its exact reason, the update without an operation id
 * (settled by the version), the attempt count, the fallbacks for fields the service leaves out.
 */
import '../support/quiet-logs';
import {
  type ApplicationDetail,
  DescribeApplicationCommand,
  DescribeApplicationOperationCommand,
  KinesisAnalyticsV2Client,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { run } from '../../lambdas/describe-update';
import type { RedeployUpdate, RedeployUpdateStatus } from '../../workflow/redeploy-contract';
import { awsError } from '../support/aws-errors';
import { application, clockAfter, redeployState, T0 } from '../support/redeploy';

const kda = mockClient(KinesisAnalyticsV2Client);
beforeEach(() => kda.reset());

const update = (overrides: Partial<RedeployUpdate> = {}): RedeployUpdate => ({
  operationId: 'op-1',
  fromApplicationVersionId: 3,
  toApplicationVersionId: 4,
  startedAt: T0,
  conflicts: 0,
  ...overrides,
});
const withoutOperation = (): RedeployUpdate => {
  const u = update();
  delete u.operationId;
  return u;
};
const op = (status: string, failure?: object) =>
  ({
    ApplicationOperationInfoDetails: {
      OperationStatus: status,
      ...(failure ? { OperationFailureDetails: failure } : {}),
    },
  }) as never;
const previousLook = (attempt: number): RedeployUpdateStatus => ({
  phase: 'WAITING',
  operationStatus: 'IN_PROGRESS',
  reason: 'waiting',
  startedAt: T0,
  applicationStatus: 'UPDATING',
  applicationVersionId: 4,
  attempt,
  nextWaitSeconds: 20,
});
const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error,
  );

describe('DescribeUpdate', () => {
  it('It should refuse to run without $.update, naming what it needs', async () => {
    const error = await caught(run(redeployState(), clockAfter(0)));
    expect(error).toMatchObject({
      name: 'InvalidInputError',
      problems: [
        { field: 'update', message: 'DescribeUpdate needs $.update (the result of UpdateApplicationCode)' },
      ],
    });
    expect(kda.calls()).toHaveLength(0);
  });

  it('It should be RUNNING with the whole status once the operation succeeded and the application runs', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 4, 'v2'));
    kda.on(DescribeApplicationOperationCommand).resolves(op('SUCCESSFUL'));

    const result = await run(redeployState({ update: update(), status: previousLook(2) }), clockAfter(45.4));

    expect(kda).toHaveReceivedCommandWith(DescribeApplicationCommand, { ApplicationName: 'ticks-demo-app' });
    expect(kda).toHaveReceivedCommandWith(DescribeApplicationOperationCommand, {
      ApplicationName: 'ticks-demo-app',
      OperationId: 'op-1',
    });
    expect(result).toEqual({
      startedAt: T0,
      applicationStatus: 'RUNNING',
      applicationVersionId: 4,
      attempt: 3,
      operationStatus: 'SUCCESSFUL',
      nextWaitSeconds: 0,
      phase: 'RUNNING',
      reason: 'update operation op-1 ended SUCCESSFUL; version 4 RUNNING after 45 s',
    });
  });

  it('It should keep waiting while the operation succeeded but the application is not RUNNING yet', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('UPDATING', 4, 'v2'));
    kda.on(DescribeApplicationOperationCommand).resolves(op('SUCCESSFUL'));

    expect(await run(redeployState({ update: update() }), clockAfter(10))).toEqual({
      startedAt: T0,
      applicationStatus: 'UPDATING',
      applicationVersionId: 4,
      attempt: 1,
      operationStatus: 'SUCCESSFUL',
      nextWaitSeconds: 20,
      phase: 'WAITING',
      reason: 'waiting: the application is UPDATING, update operation op-1 is SUCCESSFUL',
    });
  });

  it('It should not call the application RUNNING on the old version while the operation is in progress', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 3, 'v1'));
    kda.on(DescribeApplicationOperationCommand).resolves(op('IN_PROGRESS'));

    expect(await run(redeployState({ update: update() }), clockAfter(10))).toMatchObject({
      phase: 'WAITING',
      reason: 'waiting: the application is RUNNING, update operation op-1 is IN_PROGRESS',
    });
  });

  it('It should settle an update without an operation id by the version: RUNNING at or past the new one', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 4, 'v2'));

    const result = await run(redeployState({ update: withoutOperation() }), clockAfter(30));

    expect(kda.commandCalls(DescribeApplicationOperationCommand)).toHaveLength(0);
    expect(result).toMatchObject({
      phase: 'RUNNING',
      operationStatus: 'UNKNOWN',
      reason: 'the update ended SUCCESSFUL; version 4 RUNNING after 30 s',
    });
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 5, 'v2'));
    expect(await run(redeployState({ update: withoutOperation() }), clockAfter(30))).toMatchObject({
      phase: 'RUNNING',
    });
  });

  it('It should wait on an update without an operation id while the running version is the old one', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 3, 'v1'));

    expect(await run(redeployState({ update: withoutOperation() }), clockAfter(30))).toMatchObject({
      phase: 'WAITING',
      reason: 'waiting: the application is RUNNING, the update is UNKNOWN',
    });
  });

  it('It should take the version the update reached and UNKNOWN when the application leaves them out', async () => {
    const answer = application('RUNNING', 9, 'v2');
    delete (answer.ApplicationDetail as Partial<ApplicationDetail>).ApplicationStatus;
    delete (answer.ApplicationDetail as Partial<ApplicationDetail>).ApplicationVersionId;
    kda.on(DescribeApplicationCommand).resolves(answer);
    kda.on(DescribeApplicationOperationCommand).resolves(op('IN_PROGRESS'));

    expect(await run(redeployState({ update: update() }), clockAfter(10))).toMatchObject({
      applicationStatus: 'UNKNOWN',
      applicationVersionId: 4,
      phase: 'WAITING',
    });
  });

  it.each([
    [
      'FAILED',
      { ErrorInfo: { ErrorString: 'the job did not start' } },
      'update operation op-1 ended FAILED after 12 s: the job did not start',
    ],
    ['CANCELLED', undefined, 'update operation op-1 ended CANCELLED after 12 s: no error message given'],
  ])(
    'It should fail an operation that ended %s, without a system rollback it did not start',
    async (status, failure, reason) => {
      kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 4, 'v2'));
      kda.on(DescribeApplicationOperationCommand).resolves(op(status, failure));

      expect(await run(redeployState({ update: update() }), clockAfter(12))).toEqual({
        startedAt: T0,
        applicationStatus: 'RUNNING',
        applicationVersionId: 4,
        attempt: 1,
        operationStatus: status,
        nextWaitSeconds: 0,
        phase: 'FAILED',
        reason,
      });
    },
  );

  it('It should fail when the application left the way to RUNNING, whatever the operation says', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('READY', 4, 'v2'));
    kda.on(DescribeApplicationOperationCommand).resolves(op('IN_PROGRESS'));

    expect(await run(redeployState({ update: update() }), clockAfter(70))).toEqual({
      startedAt: T0,
      applicationStatus: 'READY',
      applicationVersionId: 4,
      attempt: 1,
      operationStatus: 'IN_PROGRESS',
      nextWaitSeconds: 0,
      phase: 'FAILED',
      reason: 'the application is READY 70 s into the update, while update operation op-1 is IN_PROGRESS',
    });
  });

  it('It should time out past the start timeout with the whole reason, and wait at least a second before it', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('UPDATING', 4, 'v2'));
    kda.on(DescribeApplicationOperationCommand).resolves(op('IN_PROGRESS'));

    expect(
      await run(redeployState({ update: update() }, { startTimeoutSeconds: 60 }), clockAfter(61)),
    ).toEqual({
      startedAt: T0,
      applicationStatus: 'UPDATING',
      applicationVersionId: 4,
      attempt: 1,
      operationStatus: 'IN_PROGRESS',
      nextWaitSeconds: 0,
      phase: 'TIMED_OUT',
      reason:
        'the application is still UPDATING 61 s after the update (limit 60 s; update operation op-1 is IN_PROGRESS)',
    });
    expect(
      await run(redeployState({ update: update() }, { startTimeoutSeconds: 60 }), clockAfter(59.6)),
    ).toMatchObject({ phase: 'TIMED_OUT' });
    expect(
      await run(redeployState({ update: update() }, { startTimeoutSeconds: 60 }), clockAfter(59.4)),
    ).toMatchObject({ phase: 'WAITING', nextWaitSeconds: 1 });
  });

  it('It should count no negative time when the clock is behind the update start', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('READY', 4, 'v2'));
    kda.on(DescribeApplicationOperationCommand).resolves(op('IN_PROGRESS'));

    expect(await run(redeployState({ update: update() }), clockAfter(-30))).toMatchObject({
      reason: 'the application is READY 0 s into the update, while update operation op-1 is IN_PROGRESS',
    });
  });

  it('It should hand throttling to the retry as TransientError', async () => {
    kda.on(DescribeApplicationCommand).rejects(awsError('ThrottlingException', { throttling: true }));
    expect(await caught(run(redeployState({ update: update() }), clockAfter(0)))).toMatchObject({
      name: 'TransientError',
    });
  });
});
