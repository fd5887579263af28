/**
 * SnapshotApplication: takes a named snapshot of the running application before the update and waits
 * (bounded) until it is READY, so that a rollback has the state of the job as it ran. The name derives
 * from the code object's version: a retried task finds the snapshot it started instead of taking another.
 */
import {
  CreateApplicationSnapshotCommand,
  DescribeApplicationSnapshotCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import {
  RedeployState,
  type RedeployExecutionState,
  type RedeploySnapshot,
} from '../../workflow/redeploy-contract';
import { isAwsError } from '../shared/aws';
import { TransientError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { SnapshotFailedError } from '../shared/redeploy-errors';
import { requireRedeployState } from '../shared/redeploy-state';
import { pollUntil, resolveDeps, type PollOptions, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

/** How long one invocation waits for READY; past it a TransientError lets the machine retry (and resume). */
export const SNAPSHOT_WAIT: PollOptions = { timeoutMs: 90_000, intervalMs: 2_000, maxIntervalMs: 10_000 };

export const run = withTransientErrors(
  async (
    event: RedeployExecutionState,
    deps: Partial<TaskDeps> = {},
    wait: PollOptions = SNAPSHOT_WAIT,
  ): Promise<RedeploySnapshot> => {
    const { config } = requireRedeployState(event, RedeployState.SnapshotApplication);
    const d = resolveDeps(deps);
    const ApplicationName = config.applicationName;
    const SnapshotName = config.snapshotName;
    let reused = false;
    try {
      await d.clients.kinesisAnalytics.send(
        new CreateApplicationSnapshotCommand({ ApplicationName, SnapshotName }),
      );
    } catch (error) {
      // ResourceInUseException names both "a snapshot of that name exists" and "the application is busy":
      // the describe below tells them apart.
      if (!isAwsError(error, 'ResourceInUseException')) {
        if (
          isAwsError(
            error,
            'InvalidRequestException',
            'InvalidArgumentException',
            'UnsupportedOperationException',
          )
        ) {
          throw new SnapshotFailedError(
            `CreateApplicationSnapshot of ${ApplicationName} was refused: ${(error as Error).message}. The application was not changed.`,
            { cause: error },
          );
        }
        throw error;
      }
      try {
        await d.clients.kinesisAnalytics.send(
          new DescribeApplicationSnapshotCommand({ ApplicationName, SnapshotName }),
        );
        reused = true;
      } catch (describeError) {
        if (!isAwsError(describeError, 'ResourceNotFoundException')) throw describeError;
        throw new TransientError(
          `Application ${ApplicationName} is busy and cannot take snapshot ${SnapshotName} now (${(error as Error).message}); retrying`,
          { cause: error },
        );
      }
    }
    const status = await pollUntil(d, wait, async () => {
      const out = await d.clients.kinesisAnalytics.send(
        new DescribeApplicationSnapshotCommand({ ApplicationName, SnapshotName }),
      );
      const now = out.SnapshotDetails?.SnapshotStatus ?? 'UNKNOWN';
      return now === 'CREATING' ? undefined : now;
    });
    if (status === undefined) {
      throw new TransientError(
        `Snapshot ${SnapshotName} of ${ApplicationName} is still CREATING after ${wait.timeoutMs / 1000} s; waiting again`,
      );
    }
    if (status !== 'READY') {
      throw new SnapshotFailedError(
        `Snapshot ${SnapshotName} of ${ApplicationName} ended ${status}, not READY, so a rollback would have no state to return to; the application was not changed. Check the application's logs and upload the zip again.`,
      );
    }
    return { snapshotName: SnapshotName, snapshotStatus: status, reused };
  },
);

export const handler = taskHandler(RedeployState.SnapshotApplication, (event: RedeployExecutionState) =>
  run(event),
);
