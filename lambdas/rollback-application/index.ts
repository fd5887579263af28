/**
 * RollbackApplication: the first step of the way back after a failed update (the update did not reach
 * RUNNING, the health gate found the job unhealthy, or a task after the update failed). It finds out
 * what the application needs:
 *
 * - nothing, when the update never took effect (the previous version still runs);
 * - to be followed, when the service is rolling back by itself (system rollback fires when an update
 *   operation fails: the Managed Flink guide's "system rollback"), or an earlier attempt of this task
 *   already asked for the rollback;
 * - a RollbackApplication call otherwise. The API reference allows it only in UPDATING, AUTOSCALING or
 *   RUNNING; it returns to the previous version and restores the latest snapshot, which is the one
 *   SnapshotApplication took unless the job took a newer one since.
 *
 * DescribeRollback then follows the rollback until the previous version is RUNNING.
 */
import {
  ListApplicationOperationsCommand,
  RollbackApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import {
  RedeployState,
  type RedeployExecutionState,
  type RedeployRollback,
} from '../../workflow/redeploy-contract';
import { describeApplication } from '../shared/application-status';
import { isAwsError } from '../shared/aws';
import { TransientError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { logger } from '../shared/logger';
import { operationPollDelaySeconds, operationState } from '../shared/operation-status';
import { RollbackFailedError } from '../shared/redeploy-errors';
import { codeLocationOf, requireRedeployState } from '../shared/redeploy-state';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

/** Statuses RollbackApplication accepts (API reference). */
export const ROLLBACK_STATUSES = ['RUNNING', 'UPDATING', 'AUTOSCALING'];

async function latestRollbackOperationId(
  deps: TaskDeps,
  applicationName: string,
): Promise<string | undefined> {
  const list = await deps.clients.kinesisAnalytics.send(
    new ListApplicationOperationsCommand({
      ApplicationName: applicationName,
      Operation: 'RollbackApplication',
    }),
  );
  return [...(list.ApplicationOperationInfoList ?? [])].sort(
    (a, b) => (b.StartTime?.getTime() ?? 0) - (a.StartTime?.getTime() ?? 0),
  )[0]?.OperationId;
}

export const run = withTransientErrors(
  async (event: RedeployExecutionState, deps: Partial<TaskDeps> = {}): Promise<RedeployRollback> => {
    const { config, update, status } = requireRedeployState(event, RedeployState.RollbackApplication);
    const d = resolveDeps(deps);
    const ApplicationName = config.applicationName;
    const startedAt = d.now().toISOString();
    let detail;
    try {
      detail = await describeApplication(d, ApplicationName);
    } catch (error) {
      if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
      throw new RollbackFailedError(
        `Application ${ApplicationName} no longer exists; there is nothing to roll back`,
        {
          cause: error,
        },
      );
    }
    const applicationStatus = detail.ApplicationStatus ?? 'UNKNOWN';
    const applicationVersionId = detail.ApplicationVersionId ?? 0;
    const code = codeLocationOf(detail);
    const runsPrevious =
      code?.objectVersion === config.previous.objectVersion && code?.fileKey === config.previous.fileKey;
    const base = {
      startedAt,
      attempt: 0,
      applicationStatus,
      applicationVersionId,
      ...(code?.objectVersion ? { objectVersion: code.objectVersion } : {}),
    };
    const follow = (kind: RedeployRollback['kind'], operationId: string | undefined): RedeployRollback => ({
      ...base,
      kind,
      ...(operationId ? { operationId } : {}),
      phase: 'WAITING',
      nextWaitSeconds: operationPollDelaySeconds(0),
    });

    if (runsPrevious && applicationVersionId === config.previous.applicationVersionId) {
      // The update never took effect: the version that ran before still runs (or is what there is).
      return {
        ...base,
        kind: 'not-needed',
        phase: applicationStatus === 'RUNNING' ? 'DONE' : 'WAITING',
        nextWaitSeconds: applicationStatus === 'RUNNING' ? 0 : operationPollDelaySeconds(0),
      };
    }
    // The service rolled back, or is rolling back, by itself.
    let systemRollback = status?.systemRollbackOperationId;
    if (!systemRollback && update?.operationId) {
      systemRollback = (await operationState(d, ApplicationName, update.operationId)).rollbackOperationId;
    }
    if (systemRollback) return follow('system', systemRollback);
    if (applicationStatus === 'ROLLING_BACK')
      return follow('system', await latestRollbackOperationId(d, ApplicationName));
    if (runsPrevious) {
      // Back on the previous code at a newer version: an earlier attempt of this task asked for the rollback.
      return follow('requested', await latestRollbackOperationId(d, ApplicationName));
    }
    if (!ROLLBACK_STATUSES.includes(applicationStatus)) {
      throw new RollbackFailedError(
        `Application ${ApplicationName} is ${applicationStatus}, from which RollbackApplication is not allowed (only ${ROLLBACK_STATUSES.join(', ')}); ` +
          `it is not running the new code. Start it on the previous code with UpdateApplication (object version ${config.previous.objectVersion ?? 'unknown'}) and StartApplication from snapshot ${config.snapshotName}.`,
      );
    }
    try {
      const out = await d.clients.kinesisAnalytics.send(
        new RollbackApplicationCommand({
          ApplicationName,
          CurrentApplicationVersionId: applicationVersionId,
        }),
      );
      logger.info('rollback requested', { operationId: out.OperationId, fromVersion: applicationVersionId });
      return follow('requested', out.OperationId);
    } catch (error) {
      if (isAwsError(error, 'ResourceInUseException')) {
        throw new TransientError(
          `Application ${ApplicationName} is busy (${(error as Error).message}); the rollback is retried`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
  },
);

export const handler = taskHandler(RedeployState.RollbackApplication, (event: RedeployExecutionState) =>
  run(event),
);
