/**
 * DescribeApplication: one poll of the start loop. RUNNING ends the loop; a status that cannot become
 * RUNNING fails with the service's reason; otherwise it waits again (backing off) until the start
 * timeout, measured from StartApplication's `startedAt`, says TIMED_OUT.
 */
import {
  ProvisionState,
  type ApplicationStatusCheck,
  type ProvisionExecutionState,
} from '../../workflow/contract';
import {
  describeApplication,
  failureReason,
  pollDelaySeconds,
  statusKind,
} from '../shared/application-status';
import { isAwsError, requireExecutionState } from '../shared/aws';
import { ApplicationStartFailedError, InvalidInputError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

/** DescribeApplication's logic: the next status check, or ApplicationStartFailedError. */
export const run = withTransientErrors(
  async (event: ProvisionExecutionState, deps: Partial<TaskDeps> = {}): Promise<ApplicationStatusCheck> => {
    const { config, status: previous } = requireExecutionState(event, ProvisionState.DescribeApplication);
    if (!previous) {
      throw new InvalidInputError([
        { field: 'status', message: 'DescribeApplication needs $.status (the result of StartApplication)' },
      ]);
    }
    const startedAtMs = Date.parse(previous.startedAt);
    if (Number.isNaN(startedAtMs)) {
      throw new InvalidInputError([
        {
          field: 'status.startedAt',
          message: `must be an ISO-8601 time (written by StartApplication), got "${previous.startedAt}"`,
        },
      ]);
    }
    const d = resolveDeps(deps);
    const name = config.applicationName;
    const attempt = previous.attempt + 1;
    const elapsedSeconds = Math.max(0, Math.round((d.now().getTime() - startedAtMs) / 1000));

    let detail;
    try {
      detail = await describeApplication(d, name);
    } catch (error) {
      if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
      throw new ApplicationStartFailedError(
        `Application ${name} no longer exists (deleted while it was starting)`,
        {
          cause: error,
        },
      );
    }
    const applicationStatus = detail.ApplicationStatus ?? 'UNKNOWN';
    const base = {
      startedAt: previous.startedAt,
      applicationStatus,
      applicationVersionId: detail.ApplicationVersionId ?? previous.applicationVersionId,
      attempt,
    };

    const kind = statusKind(applicationStatus);
    if (kind === 'RUNNING') return { ...base, phase: 'RUNNING', nextWaitSeconds: 0 };
    if (kind === 'FAILED') {
      const reason = await failureReason(d, name);
      throw new ApplicationStartFailedError(
        `Application ${name} is ${applicationStatus} instead of RUNNING, ${elapsedSeconds} s after the start: ${reason}`,
      );
    }

    const remaining = config.startTimeoutSeconds - elapsedSeconds;
    if (remaining <= 0) {
      return {
        ...base,
        phase: 'TIMED_OUT',
        nextWaitSeconds: 0,
        reason: `still ${applicationStatus} ${elapsedSeconds} s after the start (limit ${config.startTimeoutSeconds} s, ${attempt} status checks)`,
      };
    }
    // Never wait past the deadline: the last poll lands on it and reports TIMED_OUT there.
    return {
      ...base,
      phase: 'WAITING',
      nextWaitSeconds: Math.max(1, Math.min(pollDelaySeconds(attempt), remaining)),
    };
  },
);

export const handler = taskHandler(ProvisionState.DescribeApplication, (event: ProvisionExecutionState) =>
  run(event),
);
