/**
 * DescribeRollback: one look at the rollback. DONE once its operation ended SUCCESSFUL (or, with no
 * operation to follow, once the previous code runs) and the application is RUNNING; a failed rollback or
 * one that outlasts the start timeout is RollbackFailedError, with what runs now.
 */
import {
  RedeployState,
  type RedeployExecutionState,
  type RedeployRollback,
} from '../../workflow/redeploy-contract';
import { describeApplication } from '../shared/application-status';
import { InvalidInputError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { operationPollDelaySeconds, operationState } from '../shared/operation-status';
import { RollbackFailedError } from '../shared/redeploy-errors';
import { codeLocationOf, requireRedeployState } from '../shared/redeploy-state';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

export const run = withTransientErrors(
  async (event: RedeployExecutionState, deps: Partial<TaskDeps> = {}): Promise<RedeployRollback> => {
    const { config, rollback } = requireRedeployState(event, RedeployState.DescribeRollback);
    if (!rollback) {
      throw new InvalidInputError([
        {
          field: 'rollback',
          message: 'DescribeRollback needs $.rollback (the result of RollbackApplication)',
        },
      ]);
    }
    const d = resolveDeps(deps);
    const name = config.applicationName;
    const attempt = rollback.attempt + 1;
    const elapsedSeconds = Math.max(
      0,
      Math.round((d.now().getTime() - Date.parse(rollback.startedAt)) / 1000),
    );
    const detail = await describeApplication(d, name);
    const applicationStatus = detail.ApplicationStatus ?? 'UNKNOWN';
    const code = codeLocationOf(detail);
    const base = {
      ...rollback,
      attempt,
      applicationStatus,
      applicationVersionId: detail.ApplicationVersionId ?? rollback.applicationVersionId,
      ...(code?.objectVersion ? { objectVersion: code.objectVersion } : {}),
    };
    const runs = `version ${base.applicationVersionId} (code version ${code?.objectVersion ?? 'unknown'}) is ${applicationStatus}`;
    let ended: boolean;
    if (rollback.operationId) {
      const op = await operationState(d, name, rollback.operationId);
      if (op.status === 'FAILED' || op.status === 'CANCELLED') {
        throw new RollbackFailedError(
          `Rollback operation ${rollback.operationId} of ${name} ended ${op.status}: ${op.error ?? 'no error message given'}; ${runs}. ` +
            `Snapshot ${config.snapshotName} holds the job's state from before the update.`,
        );
      }
      ended = op.status === 'SUCCESSFUL';
    } else {
      ended = code?.objectVersion === config.previous.objectVersion;
    }
    if (ended && applicationStatus === 'RUNNING') return { ...base, phase: 'DONE', nextWaitSeconds: 0 };
    if (ended && applicationStatus !== 'ROLLING_BACK' && applicationStatus !== 'UPDATING') {
      throw new RollbackFailedError(
        `The rollback of ${name} ended but the application is not RUNNING: ${runs}`,
      );
    }
    const remaining = config.startTimeoutSeconds - elapsedSeconds;
    if (remaining <= 0) {
      throw new RollbackFailedError(
        `The rollback of ${name} did not finish within ${config.startTimeoutSeconds} s: ${runs}. Follow it in the console or with DescribeApplication.`,
      );
    }
    return {
      ...base,
      phase: 'WAITING',
      nextWaitSeconds: Math.max(1, Math.min(operationPollDelaySeconds(attempt), remaining)),
    };
  },
);

export const handler = taskHandler(RedeployState.DescribeRollback, (event: RedeployExecutionState) =>
  run(event),
);
