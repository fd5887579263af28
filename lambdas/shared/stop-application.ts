/**
 * Stopping an application that must not stay up (a start that timed out, a job that is not healthy),
 * shared by ForceStopApplication and StopUnhealthyApplication.
 */
import { StopApplicationCommand } from '@aws-sdk/client-kinesis-analytics-v2';
import { describeApplication } from './application-status';
import { isAwsError } from './aws';
import { TransientError } from './errors';
import { pollUntil, type PollOptions, type TaskDeps } from './runtime';

/** Statuses in which there is nothing left to stop. */
export const STOPPED_OR_STOPPING = ['READY', 'STOPPING', 'FORCE_STOPPING', 'DELETING'];

/**
 * Statuses from which the service accepts a force stop. The StopApplication API reference: "The
 * application must be in the STARTING, UPDATING, STOPPING, AUTOSCALING, or RUNNING status." (STOPPING
 * is left out here: the application is on its way to READY already.)
 */
export const FORCE_STOPPABLE = ['STARTING', 'UPDATING', 'AUTOSCALING', 'RUNNING'];

/** Statuses that end by themselves (maintenance, a rollback): wait for them, then stop. */
export const PASSING = ['MAINTENANCE', 'ROLLING_BACK'];

/**
 * How long the task waits inside one invocation for MAINTENANCE or ROLLING_BACK to end. Well inside
 * the tasks' 120 s Lambda timeout; if the status lasts longer, the TransientError lets the machine retry
 * the task (five times, with backoff), which resumes the wait.
 */
export const PASSING_WAIT: PollOptions = { timeoutMs: 60_000, intervalMs: 5_000, maxIntervalMs: 15_000 };

/**
 * Force-stops the application if the service allows it from its status, waiting (bounded) for a
 * passing status to end first. Returns what it did, as a sentence for the error message; never an error
 * for "nothing to stop" (already stopped, or gone).
 */
export async function forceStopApplication(
  deps: TaskDeps,
  applicationName: string,
  wait: PollOptions = PASSING_WAIT,
): Promise<string> {
  let status: string;
  try {
    status = (await describeApplication(deps, applicationName)).ApplicationStatus ?? 'UNKNOWN';
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return 'it no longer exists';
    throw error;
  }
  let waited = '';
  if (PASSING.includes(status)) {
    const from = status;
    const settled = await pollUntil(deps, wait, async () => {
      const now = (await describeApplication(deps, applicationName)).ApplicationStatus ?? 'UNKNOWN';
      return PASSING.includes(now) ? undefined : now;
    });
    if (settled === undefined) {
      throw new TransientError(
        `Application ${applicationName} is still ${from} after ${wait.timeoutMs / 1000} s; it cannot be force-stopped in that status, so the stop is retried`,
      );
    }
    status = settled;
    waited = `it was ${from}, and once that ended `;
  }
  if (STOPPED_OR_STOPPING.includes(status)) return `${waited}it was already ${status}, so no stop was needed`;
  if (!FORCE_STOPPABLE.includes(status)) {
    return `${waited}it is ${status}, a status from which the service does not allow a force stop, so it was left as it is`;
  }
  try {
    await deps.clients.kinesisAnalytics.send(
      new StopApplicationCommand({ ApplicationName: applicationName, Force: true }),
    );
    return `${waited}it was ${status} and was force-stopped`;
  } catch (error) {
    if (!isAwsError(error, 'ResourceInUseException')) throw error;
    const now = (await describeApplication(deps, applicationName)).ApplicationStatus ?? 'UNKNOWN';
    if (STOPPED_OR_STOPPING.includes(now)) return `${waited}it was already ${now}, so no stop was needed`;
    throw new TransientError(`Application ${applicationName} is ${now}; the force stop is retried`, {
      cause: error,
    });
  }
}
