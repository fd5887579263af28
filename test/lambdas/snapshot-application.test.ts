/**
 * SnapshotApplication one case at a time: the errors of CreateApplicationSnapshot it maps (refused, busy,
 * name taken), the bounded wait and its message, each status the snapshot ends in.
 */
import '../support/quiet-logs';
import {
  CreateApplicationSnapshotCommand,
  DescribeApplicationSnapshotCommand,
  KinesisAnalyticsV2Client,
  type SnapshotStatus,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { run } from '../../lambdas/snapshot-application';
import { awsError } from '../support/aws-errors';
import { clockAfter, redeployState } from '../support/redeploy';

const kda = mockClient(KinesisAnalyticsV2Client);
beforeEach(() => kda.reset());

const snapshot = (SnapshotStatus: SnapshotStatus) => ({
  SnapshotDetails: { SnapshotName: 'redeploy-abc', SnapshotStatus, ApplicationVersionId: 3 },
});
const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error & { cause?: unknown },
  );

describe('SnapshotApplication', () => {
  it.each(['InvalidRequestException', 'InvalidArgumentException', 'UnsupportedOperationException'])(
    'It should fail a snapshot the service refuses with %s as SnapshotFailedError that says nothing changed',
    async (code) => {
      const refused = awsError(code, { message: 'snapshots are disabled' });
      kda.on(CreateApplicationSnapshotCommand).rejects(refused);

      const error = await caught(run(redeployState(), clockAfter(0)));

      expect(error).toMatchObject({
        name: 'SnapshotFailedError',
        message:
          'CreateApplicationSnapshot of ticks-demo-app was refused: snapshots are disabled. The application was not changed.',
      });
      expect(error?.cause).toBe(refused);
      expect(kda.commandCalls(DescribeApplicationSnapshotCommand)).toHaveLength(0);
    },
  );

  it('It should pass any other CreateApplicationSnapshot error through unchanged', async () => {
    const denied = awsError('AccessDeniedException');
    kda.on(CreateApplicationSnapshotCommand).rejects(denied);

    expect(await caught(run(redeployState(), clockAfter(0)))).toBe(denied);
    expect(kda.commandCalls(DescribeApplicationSnapshotCommand)).toHaveLength(0);
  });

  it('It should reuse the snapshot of its name that exists, asking for it by application and name', async () => {
    kda.on(CreateApplicationSnapshotCommand).rejects(awsError('ResourceInUseException'));
    kda.on(DescribeApplicationSnapshotCommand).resolves(snapshot('READY'));

    expect(await run(redeployState(), clockAfter(0))).toEqual({
      snapshotName: 'redeploy-abc',
      snapshotStatus: 'READY',
      reused: true,
    });
    // The look that finds it and the wait's look.
    expect(kda.commandCalls(DescribeApplicationSnapshotCommand).map((c) => c.args[0].input)).toEqual([
      { ApplicationName: 'ticks-demo-app', SnapshotName: 'redeploy-abc' },
      { ApplicationName: 'ticks-demo-app', SnapshotName: 'redeploy-abc' },
    ]);
  });

  it('It should retry a busy application that has no snapshot of that name, with the service message', async () => {
    const busy = awsError('ResourceInUseException', { message: 'the application is updating' });
    kda.on(CreateApplicationSnapshotCommand).rejects(busy);
    kda.on(DescribeApplicationSnapshotCommand).rejects(awsError('ResourceNotFoundException'));

    const error = await caught(run(redeployState(), clockAfter(0)));

    expect(error).toMatchObject({
      name: 'TransientError',
      message:
        'Application ticks-demo-app is busy and cannot take snapshot redeploy-abc now (the application is updating); retrying',
    });
    expect(error?.cause).toBe(busy);
  });

  it('It should pass a failure to read the existing snapshot through unchanged', async () => {
    kda.on(CreateApplicationSnapshotCommand).rejects(awsError('ResourceInUseException'));
    const denied = awsError('AccessDeniedException');
    kda.on(DescribeApplicationSnapshotCommand).rejects(denied);

    expect(await caught(run(redeployState(), clockAfter(0)))).toBe(denied);
  });

  it('It should say how long it waited for a snapshot still CREATING', async () => {
    kda.on(CreateApplicationSnapshotCommand).resolves({});
    kda.on(DescribeApplicationSnapshotCommand).resolves(snapshot('CREATING'));

    const error = await caught(
      run(redeployState(), clockAfter(0), { timeoutMs: 6_000, intervalMs: 2_000, maxIntervalMs: 2_000 }),
    );

    expect(error).toMatchObject({
      name: 'TransientError',
      message: 'Snapshot redeploy-abc of ticks-demo-app is still CREATING after 6 s; waiting again',
    });
    // A look at 0, 2, 4 and 6 s.
    expect(kda.commandCalls(DescribeApplicationSnapshotCommand)).toHaveLength(4);
  });

  it.each([
    ['FAILED', { SnapshotDetails: { SnapshotName: 'redeploy-abc', SnapshotStatus: 'FAILED' } }, 'FAILED'],
    [
      'DELETING',
      { SnapshotDetails: { SnapshotName: 'redeploy-abc', SnapshotStatus: 'DELETING' } },
      'DELETING',
    ],
    ['no status', {}, 'UNKNOWN'],
  ])('It should fail a snapshot that ends with %s, and say what to do', async (_case, answer, status) => {
    kda.on(CreateApplicationSnapshotCommand).resolves({});
    kda.on(DescribeApplicationSnapshotCommand).resolves(answer as never);

    expect(await caught(run(redeployState(), clockAfter(0)))).toMatchObject({
      name: 'SnapshotFailedError',
      message: `Snapshot redeploy-abc of ticks-demo-app ended ${status}, not READY, so a rollback would have no state to return to; the application was not changed. Check the application's logs and upload the zip again.`,
    });
  });
});
