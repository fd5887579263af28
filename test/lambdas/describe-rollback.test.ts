/**
 * DescribeRollback one look at a time: done, still waiting, failed, too slow, with the exact messages
 * (the redeploy machine's paths through it are in test/workflow/redeploy-machine.test.ts).
 */
import '../support/quiet-logs';
import {
  DescribeApplicationCommand,
  DescribeApplicationOperationCommand,
  KinesisAnalyticsV2Client,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { run } from '../../lambdas/describe-rollback';
import type { RedeployRollback } from '../../workflow/redeploy-contract';
import { application, clockAfter, redeployState, T0 } from '../support/redeploy';

const kda = mockClient(KinesisAnalyticsV2Client);
beforeEach(() => kda.reset());

const rollback = (overrides: Partial<RedeployRollback> = {}): RedeployRollback => ({
  kind: 'requested',
  operationId: 'op-2',
  startedAt: T0,
  attempt: 1,
  phase: 'WAITING',
  nextWaitSeconds: 30,
  applicationStatus: 'ROLLING_BACK',
  applicationVersionId: 4,
  ...overrides,
});
const operation = (OperationStatus: string, ErrorString?: string) => ({
  ApplicationOperationInfoDetails: {
    OperationStatus,
    ...(ErrorString ? { OperationFailureDetails: { ErrorInfo: { ErrorString } } } : {}),
  },
});
const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error,
  );

describe('DescribeRollback', () => {
  it('It should refuse to run without $.rollback', async () => {
    const error = await caught(run(redeployState(), clockAfter(0)));
    expect(error).toMatchObject({
      name: 'InvalidInputError',
      problems: [
        {
          field: 'rollback',
          message: 'DescribeRollback needs $.rollback (the result of RollbackApplication)',
        },
      ],
    });
  });

  it('It should be done once its operation succeeded and the application runs, with what runs', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 5, 'v1'));
    kda.on(DescribeApplicationOperationCommand).resolves(operation('SUCCESSFUL') as never);

    // Act
    const result = await run(redeployState({ rollback: rollback() }), clockAfter(60));

    // Assess
    expect(kda).toHaveReceivedCommandWith(DescribeApplicationOperationCommand, {
      ApplicationName: 'ticks-demo-app',
      OperationId: 'op-2',
    });
    expect(result).toEqual({
      ...rollback(),
      attempt: 2,
      phase: 'DONE',
      nextWaitSeconds: 0,
      applicationStatus: 'RUNNING',
      applicationVersionId: 5,
      objectVersion: 'v1',
    });
  });

  it.each([
    ['FAILED', 'bad jar', 'bad jar'],
    ['CANCELLED', undefined, 'no error message given'],
  ])(
    'It should fail a rollback operation that ended %s, saying what runs and where the state is',
    async (status, error, said) => {
      // Prepare
      kda.on(DescribeApplicationCommand).resolves(application('READY', 5, 'v2'));
      kda.on(DescribeApplicationOperationCommand).resolves(operation(status, error) as never);

      // Act
      const failure = await caught(run(redeployState({ rollback: rollback() }), clockAfter(60)));

      // Assess
      expect(failure).toMatchObject({
        name: 'RollbackFailedError',
        message: `Rollback operation op-2 of ticks-demo-app ended ${status}: ${said}; version 5 (code version v2) is READY. Snapshot redeploy-abc holds the job's state from before the update.`,
      });
    },
  );

  it('It should wait while the operation is in progress, at most the time left', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(application('ROLLING_BACK', 5, 'v2'));
    kda.on(DescribeApplicationOperationCommand).resolves(operation('IN_PROGRESS') as never);

    // Act
    const early = await run(redeployState({ rollback: rollback() }), clockAfter(60));
    const late = await run(redeployState({ rollback: rollback() }), clockAfter(895));

    // Assess
    expect(early).toMatchObject({ phase: 'WAITING', attempt: 2, nextWaitSeconds: 20 });
    expect(late).toMatchObject({ phase: 'WAITING', nextWaitSeconds: 5 });
  });

  it('It should fail a rollback still going at the start timeout, exactly', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(application('ROLLING_BACK', 5, 'v2'));
    kda.on(DescribeApplicationOperationCommand).resolves(operation('IN_PROGRESS') as never);

    // Act
    const failure = await caught(run(redeployState({ rollback: rollback() }), clockAfter(900)));

    // Assess
    expect(failure?.message).toBe(
      'The rollback of ticks-demo-app did not finish within 900 s: version 5 (code version v2) is ROLLING_BACK. Follow it in the console or with DescribeApplication.',
    );
  });

  it('It should follow a rollback without an operation by the code version that runs', async () => {
    // Prepare
    kda
      .on(DescribeApplicationCommand)
      .resolvesOnce(application('UPDATING', 5, 'v2'))
      .resolvesOnce(application('UPDATING', 6, 'v1'))
      .resolvesOnce(application('RUNNING', 6, 'v1'))
      .resolvesOnce(application('READY', 6, 'v1'));
    const withoutOperation = rollback({ kind: 'system' });
    delete withoutOperation.operationId;
    const state = redeployState({ rollback: withoutOperation });

    // Act
    const notYet = await run(state, clockAfter(30));
    const ending = await run(state, clockAfter(30));
    const done = await run(state, clockAfter(30));
    const stopped = await caught(run(state, clockAfter(30)));

    // Assess
    expect(kda).not.toHaveReceivedCommand(DescribeApplicationOperationCommand);
    expect(notYet.phase).toBe('WAITING');
    expect(ending.phase).toBe('WAITING');
    expect(done).toMatchObject({ phase: 'DONE', objectVersion: 'v1', applicationVersionId: 6 });
    expect(stopped?.message).toBe(
      'The rollback of ticks-demo-app ended but the application is not RUNNING: version 6 (code version v1) is READY',
    );
  });

  it('It should keep the last known version and say unknown for an application the service shows bare', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves({
      ApplicationDetail: {
        ApplicationName: 'ticks-demo-app',
        ApplicationARN: 'arn',
        RuntimeEnvironment: 'FLINK-1_20',
      },
    } as never);
    kda.on(DescribeApplicationOperationCommand).resolves(operation('IN_PROGRESS') as never);

    // Act
    const result = await run(redeployState({ rollback: rollback() }), clockAfter(10));

    // Assess
    expect(result).toStrictEqual({
      ...rollback(),
      attempt: 2,
      phase: 'WAITING',
      nextWaitSeconds: 20,
      applicationStatus: 'UNKNOWN',
      applicationVersionId: 4,
    });
  });
});
