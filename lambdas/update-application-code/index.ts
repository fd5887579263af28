/**
 * UpdateApplicationCode: points the running application at the new object version. The request names
 * the version (ObjectVersionUpdate), because the service does not reload code at an unchanged S3 key,
 * and carries the application's ConditionalToken, so a change made by someone else between our read
 * and our write is refused (ConcurrentModificationException) instead of overwritten. Such a refusal is
 * retried on fresh state (describe again, new token), never forced. A retry of the task after an update
 * that went through (a lost response) finds the version already applied and does not update twice.
 */
import {
  ListApplicationOperationsCommand,
  UpdateApplicationCommand,
  type ApplicationDetail,
} from '@aws-sdk/client-kinesis-analytics-v2';
import {
  RedeployState,
  type RedeployConfig,
  type RedeployExecutionState,
  type RedeployUpdate,
} from '../../workflow/redeploy-contract';
import { describeApplication } from '../shared/application-status';
import { isAwsError } from '../shared/aws';
import { TransientError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { logger } from '../shared/logger';
import { ApplicationNotRunningError } from '../shared/redeploy-errors';
import { codeLocationOf, requireRedeployState } from '../shared/redeploy-state';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

/** Refusals for a concurrent change answered inside one invocation before the machine's retry takes over. */
export const MAX_CONFLICTS_PER_INVOCATION = 3;
/** Statuses that end by themselves; the update waits for them through the machine's TransientError retry. */
const BUSY = ['UPDATING', 'AUTOSCALING', 'MAINTENANCE', 'STARTING', 'ROLLING_BACK'];

function alreadyApplied(detail: ApplicationDetail, config: RedeployConfig): boolean {
  const code = codeLocationOf(detail);
  return code?.fileKey === config.key && code.objectVersion === config.versionId;
}

async function latestUpdateOperationId(deps: TaskDeps, applicationName: string): Promise<string | undefined> {
  const list = await deps.clients.kinesisAnalytics.send(
    new ListApplicationOperationsCommand({
      ApplicationName: applicationName,
      Operation: 'UpdateApplication',
    }),
  );
  const latest = [...(list.ApplicationOperationInfoList ?? [])].sort(
    (a, b) => (b.StartTime?.getTime() ?? 0) - (a.StartTime?.getTime() ?? 0),
  )[0];
  return latest?.OperationId;
}

export const run = withTransientErrors(
  async (event: RedeployExecutionState, deps: Partial<TaskDeps> = {}): Promise<RedeployUpdate> => {
    const { config } = requireRedeployState(event, RedeployState.UpdateApplicationCode);
    const d = resolveDeps(deps);
    const ApplicationName = config.applicationName;
    let conflicts = 0;
    for (;;) {
      const detail = await describeApplication(d, ApplicationName);
      const status = detail.ApplicationStatus ?? 'UNKNOWN';
      const currentVersion = detail.ApplicationVersionId ?? 0;
      if (alreadyApplied(detail, config)) {
        const operationId = await latestUpdateOperationId(d, ApplicationName);
        logger.info('the application already has this code version; following its update', { operationId });
        return {
          ...(operationId ? { operationId } : {}),
          fromApplicationVersionId: config.previous.applicationVersionId,
          toApplicationVersionId: currentVersion,
          startedAt: d.now().toISOString(),
          conflicts,
        };
      }
      if (BUSY.includes(status)) {
        throw new TransientError(
          `Application ${ApplicationName} is ${status}; the update waits until that ends`,
        );
      }
      if (status !== 'RUNNING') {
        throw new ApplicationNotRunningError(
          `Application ${ApplicationName} became ${status} before the update, so there is no running job to update; the application was not changed`,
        );
      }
      const startedAt = d.now().toISOString();
      try {
        const out = await d.clients.kinesisAnalytics.send(
          new UpdateApplicationCommand({
            ApplicationName,
            ...(detail.ConditionalToken
              ? { ConditionalToken: detail.ConditionalToken }
              : { CurrentApplicationVersionId: currentVersion }),
            ApplicationConfigurationUpdate: {
              ApplicationCodeConfigurationUpdate: {
                CodeContentUpdate: {
                  S3ContentLocationUpdate: {
                    FileKeyUpdate: config.key,
                    ObjectVersionUpdate: config.versionId,
                  },
                },
              },
            },
          }),
        );
        return {
          ...(out.OperationId ? { operationId: out.OperationId } : {}),
          fromApplicationVersionId: currentVersion,
          toApplicationVersionId: out.ApplicationDetail?.ApplicationVersionId ?? currentVersion + 1,
          startedAt,
          conflicts,
        };
      } catch (error) {
        if (!isAwsError(error, 'ConcurrentModificationException')) throw error;
        conflicts += 1;
        logger.warn('the application changed since it was read; reading it again', { conflicts });
        if (conflicts >= MAX_CONFLICTS_PER_INVOCATION) {
          throw new TransientError(
            `Application ${ApplicationName} changed ${conflicts} times while the update was being made (ConcurrentModificationException); the update is retried on fresh state`,
            { cause: error },
          );
        }
      }
    }
  },
);

export const handler = taskHandler(RedeployState.UpdateApplicationCode, (event: RedeployExecutionState) =>
  run(event),
);
