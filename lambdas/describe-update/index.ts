/**
 * DescribeUpdate: one look at the update. RUNNING once the update operation ended SUCCESSFUL and the
 * application is RUNNING; FAILED when the operation failed (the service may have rolled back by itself,
 * which the result names) or the application left the way to RUNNING; TIMED_OUT past the start timeout;
 * WAITING otherwise. Every phase carries a reason, which the rollback path reports.
 */
import {
  RedeployState,
  type RedeployExecutionState,
  type RedeployUpdateStatus,
} from '../../workflow/redeploy-contract';
import { describeApplication, statusKind } from '../shared/application-status';
import { InvalidInputError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { operationPollDelaySeconds, operationState, type OperationState } from '../shared/operation-status';
import { requireRedeployState } from '../shared/redeploy-state';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

export const run = withTransientErrors(
  async (event: RedeployExecutionState, deps: Partial<TaskDeps> = {}): Promise<RedeployUpdateStatus> => {
    const { config, update, status: previous } = requireRedeployState(event, RedeployState.DescribeUpdate);
    if (!update) {
      throw new InvalidInputError([
        { field: 'update', message: 'DescribeUpdate needs $.update (the result of UpdateApplicationCode)' },
      ]);
    }
    const d = resolveDeps(deps);
    const name = config.applicationName;
    const attempt = (previous?.attempt ?? 0) + 1;
    const startedAtMs = Date.parse(update.startedAt);
    const elapsedSeconds = Math.max(0, Math.round((d.now().getTime() - startedAtMs) / 1000));
    const detail = await describeApplication(d, name);
    const applicationStatus = detail.ApplicationStatus ?? 'UNKNOWN';
    const operation: OperationState = update.operationId
      ? await operationState(d, name, update.operationId)
      : { status: 'UNKNOWN' };
    const base = {
      startedAt: update.startedAt,
      applicationStatus,
      applicationVersionId: detail.ApplicationVersionId ?? update.toApplicationVersionId,
      attempt,
      operationStatus: operation.status,
      nextWaitSeconds: 0,
    };
    const op = update.operationId ? `update operation ${update.operationId}` : 'the update';

    if (operation.status === 'FAILED' || operation.status === 'CANCELLED') {
      return {
        ...base,
        phase: 'FAILED',
        ...(operation.rollbackOperationId
          ? { systemRollbackOperationId: operation.rollbackOperationId }
          : {}),
        reason:
          `${op} ended ${operation.status} after ${elapsedSeconds} s: ${operation.error ?? 'no error message given'}` +
          (operation.rollbackOperationId
            ? ` (the service rolled back with operation ${operation.rollbackOperationId})`
            : ''),
      };
    }
    const settled =
      operation.status === 'SUCCESSFUL' ||
      (!update.operationId && base.applicationVersionId >= update.toApplicationVersionId);
    if (applicationStatus === 'RUNNING' && settled) {
      return {
        ...base,
        phase: 'RUNNING',
        reason: `${op} ended SUCCESSFUL; version ${base.applicationVersionId} RUNNING after ${elapsedSeconds} s`,
      };
    }
    if (statusKind(applicationStatus) === 'FAILED') {
      return {
        ...base,
        phase: 'FAILED',
        reason: `the application is ${applicationStatus} ${elapsedSeconds} s into the update, while ${op} is ${operation.status}`,
      };
    }
    const remaining = config.startTimeoutSeconds - elapsedSeconds;
    if (remaining <= 0) {
      return {
        ...base,
        phase: 'TIMED_OUT',
        reason: `the application is still ${applicationStatus} ${elapsedSeconds} s after the update (limit ${config.startTimeoutSeconds} s; ${op} is ${operation.status})`,
      };
    }
    return {
      ...base,
      phase: 'WAITING',
      nextWaitSeconds: Math.max(1, Math.min(operationPollDelaySeconds(attempt), remaining)),
      reason: `waiting: the application is ${applicationStatus}, ${op} is ${operation.status}`,
    };
  },
);

export const handler = taskHandler(RedeployState.DescribeUpdate, (event: RedeployExecutionState) =>
  run(event),
);
