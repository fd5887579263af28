/**
 * ForceStopApplication: ends a start that took too long. It force-stops the application (nothing to do
 * if it is already stopped or stopping) and then always fails with ApplicationStartTimeoutError, so the
 * execution leaves through the same failure path as every other error and says what it did.
 */
import { StopApplicationCommand } from '@aws-sdk/client-kinesis-analytics-v2';
import { ProvisionState, type ProvisionExecutionState } from '../../workflow/contract';
import { describeApplication } from '../shared/application-status';
import { isAwsError, requireExecutionState } from '../shared/aws';
import { ApplicationStartTimeoutError, TransientError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

/** Statuses in which there is nothing left to stop. */
const STOPPED_OR_STOPPING = ['READY', 'STOPPING', 'FORCE_STOPPING', 'DELETING'];

/** What the stop did, for the error message. */
async function forceStop(deps: TaskDeps, applicationName: string): Promise<string> {
  let detail;
  try {
    detail = await describeApplication(deps, applicationName);
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return 'it no longer exists';
    throw error;
  }
  if (STOPPED_OR_STOPPING.includes(detail.ApplicationStatus ?? '')) {
    return `it was already ${detail.ApplicationStatus}, so no stop was needed`;
  }
  try {
    await deps.clients.kinesisAnalytics.send(
      new StopApplicationCommand({ ApplicationName: applicationName, Force: true }),
    );
    return `it was ${detail.ApplicationStatus} and was force-stopped`;
  } catch (error) {
    if (!isAwsError(error, 'ResourceInUseException')) throw error;
    const now = await describeApplication(deps, applicationName);
    if (STOPPED_OR_STOPPING.includes(now.ApplicationStatus ?? '')) {
      return `it was already ${now.ApplicationStatus}, so no stop was needed`;
    }
    throw new TransientError(
      `Application ${applicationName} is ${now.ApplicationStatus}; the force stop is retried`,
      {
        cause: error,
      },
    );
  }
}

/** ForceStopApplication's logic: stop the application, then throw ApplicationStartTimeoutError. */
export const run = withTransientErrors(
  async (event: ProvisionExecutionState, deps: Partial<TaskDeps> = {}): Promise<never> => {
    const { config, status } = requireExecutionState(event, ProvisionState.ForceStopApplication);
    const d = resolveDeps(deps);
    const outcome = await forceStop(d, config.applicationName);
    const detail = status?.reason ?? `last status ${status?.applicationStatus ?? 'unknown'}`;
    throw new ApplicationStartTimeoutError(
      `Application ${config.applicationName} did not reach RUNNING within ${config.startTimeoutSeconds} s (${detail}); ${outcome}`,
    );
  },
);

export const handler = taskHandler(ProvisionState.ForceStopApplication, (event: ProvisionExecutionState) =>
  run(event),
);
