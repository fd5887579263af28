/**
 * RollbackApplication one case at a time: which of not-needed, system, requested it picks from what the
 * application runs, what each call sends, the statuses it refuses and how each error comes out.
 */
import '../support/quiet-logs';
import {
  type ApplicationDetail,
  DescribeApplicationCommand,
  DescribeApplicationOperationCommand,
  KinesisAnalyticsV2Client,
  ListApplicationOperationsCommand,
  RollbackApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { run } from '../../lambdas/rollback-application';
import type { RedeployUpdateStatus } from '../../workflow/redeploy-contract';
import { awsError } from '../support/aws-errors';
import { application, clockAfter, redeployState, T0 } from '../support/redeploy';

const kda = mockClient(KinesisAnalyticsV2Client);
beforeEach(() => kda.reset());

const update = {
  operationId: 'op-1',
  fromApplicationVersionId: 3,
  toApplicationVersionId: 4,
  startedAt: T0,
  conflicts: 0,
};
const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error & { cause?: unknown },
  );
const failedUpdate = (RollbackOperationId?: string) => ({
  ApplicationOperationInfoDetails: {
    OperationStatus: 'FAILED',
    OperationFailureDetails: {
      ErrorInfo: { ErrorString: 'job failed to start' },
      ...(RollbackOperationId ? { RollbackOperationId } : {}),
    },
  },
});
/** An application without a code location in its description. */
const withoutCode = (status: string, versionId: number) => {
  const answer = application(status, versionId);
  delete answer.ApplicationDetail.ApplicationConfigurationDescription;
  return answer;
};

describe('RollbackApplication', () => {
  it('It should say the application is gone, with its name and the service error as cause', async () => {
    const gone = awsError('ResourceNotFoundException');
    kda.on(DescribeApplicationCommand).rejects(gone);

    const error = await caught(run(redeployState({ update }), clockAfter(0)));

    expect(error).toMatchObject({
      name: 'RollbackFailedError',
      message: 'Application ticks-demo-app no longer exists; there is nothing to roll back',
    });
    expect(error?.cause).toBe(gone);
  });

  it('It should pass any other describe error through unchanged', async () => {
    const denied = awsError('AccessDeniedException');
    kda.on(DescribeApplicationCommand).rejects(denied);

    expect(await caught(run(redeployState({ update }), clockAfter(0)))).toBe(denied);
  });

  it('It should need no rollback and be done when the previous version still runs', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 3, 'v1'));

    const result = await run(redeployState({ update }), clockAfter(0));

    expect(result).toEqual({
      startedAt: T0,
      attempt: 0,
      applicationStatus: 'RUNNING',
      applicationVersionId: 3,
      objectVersion: 'v1',
      kind: 'not-needed',
      phase: 'DONE',
      nextWaitSeconds: 0,
    });
    expect(kda.calls()).toHaveLength(1);
  });

  it('It should need no rollback but wait when the previous version is there and not yet RUNNING', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('STARTING', 3, 'v1'));

    expect(await run(redeployState({ update }), clockAfter(5))).toEqual({
      startedAt: '2026-12-01T12:00:05.000Z',
      attempt: 0,
      applicationStatus: 'STARTING',
      applicationVersionId: 3,
      objectVersion: 'v1',
      kind: 'not-needed',
      phase: 'WAITING',
      nextWaitSeconds: 30,
    });
  });

  it('It should follow the rollback the service started for the failed update, read from the update operation', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('ROLLING_BACK', 4, 'v2'));
    kda.on(DescribeApplicationOperationCommand).resolves(failedUpdate('op-9') as never);

    const result = await run(redeployState({ update }), clockAfter(0));

    expect(kda).toHaveReceivedCommandWith(DescribeApplicationOperationCommand, {
      ApplicationName: 'ticks-demo-app',
      OperationId: 'op-1',
    });
    expect(result).toEqual({
      startedAt: T0,
      attempt: 0,
      applicationStatus: 'ROLLING_BACK',
      applicationVersionId: 4,
      objectVersion: 'v2',
      kind: 'system',
      operationId: 'op-9',
      phase: 'WAITING',
      nextWaitSeconds: 30,
    });
    expect(kda.commandCalls(ListApplicationOperationsCommand)).toHaveLength(0);
    expect(kda.commandCalls(RollbackApplicationCommand)).toHaveLength(0);
  });

  it('It should take the system rollback DescribeUpdate already saw without asking the update operation again', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('ROLLING_BACK', 4, 'v2'));
    const status: RedeployUpdateStatus = {
      phase: 'FAILED',
      systemRollbackOperationId: 'op-7',
      operationStatus: 'FAILED',
      reason: 'x',
      startedAt: T0,
      applicationStatus: 'ROLLING_BACK',
      applicationVersionId: 4,
      attempt: 2,
      nextWaitSeconds: 0,
    };

    const result = await run(redeployState({ update, status }), clockAfter(0));

    expect(result).toMatchObject({ kind: 'system', operationId: 'op-7' });
    expect(kda.commandCalls(DescribeApplicationOperationCommand)).toHaveLength(0);
  });

  it('It should find the newest rollback operation of an application ROLLING_BACK by its start time', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('ROLLING_BACK', 4, 'v2'));
    kda.on(DescribeApplicationOperationCommand).resolves(failedUpdate() as never);
    kda.on(ListApplicationOperationsCommand).resolves({
      ApplicationOperationInfoList: [
        { OperationId: 'op-old', StartTime: new Date('2026-12-01T10:00:00Z') },
        { OperationId: 'op-undated' },
        { OperationId: 'op-new', StartTime: new Date('2026-12-01T11:00:00Z') },
        { OperationId: 'op-mid', StartTime: new Date('2026-12-01T10:30:00Z') },
      ],
    });

    const result = await run(redeployState({ update }), clockAfter(0));

    expect(kda).toHaveReceivedCommandWith(ListApplicationOperationsCommand, {
      ApplicationName: 'ticks-demo-app',
      Operation: 'RollbackApplication',
    });
    expect(result).toMatchObject({ kind: 'system', operationId: 'op-new', phase: 'WAITING' });
    expect(kda.commandCalls(RollbackApplicationCommand)).toHaveLength(0);
  });

  it('It should follow a rollback whose operation cannot be listed without an operation id', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('ROLLING_BACK', 4, 'v2'));
    kda.on(ListApplicationOperationsCommand).resolves({});

    const result = await run(redeployState(), clockAfter(0));

    expect(result).toEqual({
      startedAt: T0,
      attempt: 0,
      applicationStatus: 'ROLLING_BACK',
      applicationVersionId: 4,
      objectVersion: 'v2',
      kind: 'system',
      phase: 'WAITING',
      nextWaitSeconds: 30,
    });
    // Without an update there is no update operation to read.
    expect(kda.commandCalls(DescribeApplicationOperationCommand)).toHaveLength(0);
  });

  it('It should follow the rollback an earlier attempt asked for when the previous code runs at a newer version', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 5, 'v1'));
    kda.on(DescribeApplicationOperationCommand).resolves(failedUpdate() as never);
    kda.on(ListApplicationOperationsCommand).resolves({
      ApplicationOperationInfoList: [{ OperationId: 'op-2', StartTime: new Date(T0) }],
    });

    const result = await run(redeployState({ update }), clockAfter(0));

    expect(result).toEqual({
      startedAt: T0,
      attempt: 0,
      applicationStatus: 'RUNNING',
      applicationVersionId: 5,
      objectVersion: 'v1',
      kind: 'requested',
      operationId: 'op-2',
      phase: 'WAITING',
      nextWaitSeconds: 30,
    });
    expect(kda.commandCalls(RollbackApplicationCommand)).toHaveLength(0);
  });

  it('It should roll back when the previous object version runs from another file key', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 3, 'v1'));
    kda.on(RollbackApplicationCommand).resolves({ OperationId: 'op-3' });

    const result = await run(
      redeployState(
        {},
        {
          previous: {
            applicationVersionId: 3,
            applicationStatus: 'RUNNING',
            fileKey: 'code/old.zip',
            objectVersion: 'v1',
          },
        },
      ),
      clockAfter(0),
    );

    expect(kda).toHaveReceivedCommandWith(RollbackApplicationCommand, {
      ApplicationName: 'ticks-demo-app',
      CurrentApplicationVersionId: 3,
    });
    expect(result).toMatchObject({ kind: 'requested', operationId: 'op-3' });
  });

  it.each(['UPDATING', 'AUTOSCALING'])(
    'It should request the rollback from %s, and follow it without an id when the service gives none',
    async (status) => {
      kda.on(DescribeApplicationCommand).resolves(withoutCode(status, 4));
      kda.on(RollbackApplicationCommand).resolves({});

      // Neither the previous object version nor the current code location is known.
      const previous = {
        applicationVersionId: 3,
        applicationStatus: 'RUNNING',
        fileKey: 'code/flinkflow-app.zip',
      };
      const result = await run(redeployState({}, { previous }), clockAfter(0));

      expect(kda).toHaveReceivedCommandWith(RollbackApplicationCommand, {
        ApplicationName: 'ticks-demo-app',
        CurrentApplicationVersionId: 4,
      });
      expect(result).toEqual({
        startedAt: T0,
        attempt: 0,
        applicationStatus: status,
        applicationVersionId: 4,
        kind: 'requested',
        phase: 'WAITING',
        nextWaitSeconds: 30,
      });
    },
  );

  it('It should read an application without status or version as UNKNOWN at version 0 and refuse it', async () => {
    const answer = withoutCode('RUNNING', 4);
    delete (answer.ApplicationDetail as Partial<ApplicationDetail>).ApplicationStatus;
    delete (answer.ApplicationDetail as Partial<ApplicationDetail>).ApplicationVersionId;
    kda.on(DescribeApplicationCommand).resolves(answer);

    const error = await caught(run(redeployState(), clockAfter(0)));

    expect(error?.message).toMatch(/^Application ticks-demo-app is UNKNOWN, from which/);
    expect(kda.commandCalls(RollbackApplicationCommand)).toHaveLength(0);
  });

  it('It should refuse a status RollbackApplication does not accept with the whole way back spelled out', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('STOPPING', 4, 'v2'));

    const error = await caught(
      run(
        redeployState(
          {},
          {
            previous: {
              applicationVersionId: 3,
              applicationStatus: 'RUNNING',
              fileKey: 'code/flinkflow-app.zip',
            },
          },
        ),
        clockAfter(0),
      ),
    );

    expect(error).toMatchObject({
      name: 'RollbackFailedError',
      message:
        'Application ticks-demo-app is STOPPING, from which RollbackApplication is not allowed (only RUNNING, UPDATING, AUTOSCALING); ' +
        'it is not running the new code. Start it on the previous code with UpdateApplication (object version unknown) and StartApplication from snapshot redeploy-abc.',
    });
    expect(kda.commandCalls(RollbackApplicationCommand)).toHaveLength(0);
  });

  it('It should retry a busy application as TransientError that says so, keeping the service error', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 4, 'v2'));
    const busy = awsError('ResourceInUseException', { message: 'an operation is in progress' });
    kda.on(RollbackApplicationCommand).rejects(busy);

    const error = await caught(run(redeployState(), clockAfter(0)));

    expect(error).toMatchObject({
      name: 'TransientError',
      message: 'Application ticks-demo-app is busy (an operation is in progress); the rollback is retried',
    });
    expect(error?.cause).toBe(busy);
  });

  it('It should pass a refused rollback through unchanged', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 4, 'v2'));
    const refused = awsError('InvalidApplicationConfigurationException');
    kda.on(RollbackApplicationCommand).rejects(refused);

    expect(await caught(run(redeployState(), clockAfter(0)))).toBe(refused);
  });
});
