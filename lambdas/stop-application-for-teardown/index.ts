/**
 * StopApplicationForTeardown: brings the application to READY before it is deleted, and says when it is
 * there. Called again by the machine after each wait until the phase is STOPPED.
 *
 * A RUNNING application is stopped normally when the input asks for a snapshot: the service then takes a
 * snapshot before it stops (StopApplication API reference: "takes a snapshot when the application is
 * stopped, unless Force is set to true"); otherwise, or when the normal stop has not ended within
 * `stopTimeoutSeconds`, it is force-stopped. Statuses that end by themselves (STARTING, UPDATING,
 * AUTOSCALING, MAINTENANCE, ROLLING_BACK) are waited out for a snapshot stop. The wait is bounded: past
 * twice the timeout the task fails with ApplicationStopTimeoutError, and a re-run starts the wait afresh.
 */
import { StopApplicationCommand } from '@aws-sdk/client-kinesis-analytics-v2';
import {
  TeardownState,
  type ApplicationStopCheck,
  type TeardownExecutionState,
} from '../../workflow/teardown-contract';
import { describeApplication } from '../shared/application-status';
import { isAwsError } from '../shared/aws';
import { TransientError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { isNotFound, requireTeardownState, resolveTeardownDeps, type TeardownDeps } from '../shared/teardown';
import { withTransientErrors } from '../shared/transient';

/** Not in the contract's ErrorName: no Retry matches it; the execution fails with it and a re-run resumes. */
export class ApplicationStopTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApplicationStopTimeoutError';
  }
}

/** How long a snapshot stop may take before the application is force-stopped instead. */
export const STOP_TIMEOUT_SECONDS = 600;

/** Statuses from which the service accepts a force stop (StopApplication API reference). */
const FORCE_STOPPABLE = ['STARTING', 'UPDATING', 'STOPPING', 'AUTOSCALING', 'RUNNING'];
/** Statuses in which the application runs no job and DeleteApplication may follow. */
const STOPPED = ['READY', 'ROLLED_BACK', 'DELETING'];

/** Seconds before check `attempt + 1`: a stop with a snapshot takes tens of seconds on AWS. */
export function stopWaitSeconds(attempt: number): number {
  return Math.min(30, 10 + 5 * attempt);
}

export interface StopForTeardownDeps extends TeardownDeps {
  stopTimeoutSeconds: number;
}

export const run = withTransientErrors(
  async (
    event: TeardownExecutionState,
    deps: Partial<StopForTeardownDeps> = {},
  ): Promise<ApplicationStopCheck> => {
    const { config, stop: previous } = requireTeardownState(event, TeardownState.StopApplicationForTeardown);
    const d = resolveTeardownDeps(deps);
    const timeout = deps.stopTimeoutSeconds ?? STOP_TIMEOUT_SECONDS;
    const name = config.applicationName;
    const attempt = previous ? previous.attempt + 1 : 0;
    const since = previous?.since ?? d.now().toISOString();
    const elapsed = (d.now().getTime() - Date.parse(since)) / 1000;

    let status: string;
    try {
      status = (await describeApplication(d, name)).ApplicationStatus ?? 'UNKNOWN';
    } catch (error) {
      if (!isNotFound(error)) throw error;
      status = 'absent';
    }
    const check = (phase: ApplicationStopCheck['phase'], stopRequested = previous?.stopRequested) => ({
      phase,
      initialStatus: previous?.initialStatus ?? status,
      status,
      ...(stopRequested ? { stopRequested } : {}),
      attempt,
      nextWaitSeconds: stopWaitSeconds(attempt),
      since,
    });
    if (status === 'absent' || STOPPED.includes(status)) return check('STOPPED');

    const overdue = elapsed >= timeout;
    if (overdue && elapsed >= 2 * timeout) {
      throw new ApplicationStopTimeoutError(
        `Application ${name} is still ${status} after ${Math.round(elapsed)} s of teardown (a snapshot stop gets ${timeout} s, then a force stop as long again); run the teardown again, or look at the application in the console`,
      );
    }
    // Stryker disable next-line ConditionalExpression,StringLiteral: FORCE_STOPPING is neither RUNNING nor force-stoppable, so the rules below return STOPPING for it too; the line says it outright.
    if (status === 'FORCE_STOPPING') return check('STOPPING');
    // The stop this teardown asked for may not show in the status yet: give it its time before forcing.
    if (previous?.stopRequested === 'snapshot' && !overdue) return check('STOPPING');
    const force = !config.snapshot || overdue;
    const alreadyForced = previous?.stopRequested === 'force';
    // A force stop is accepted from these statuses (StopApplication API reference); a normal stop only
    // from RUNNING. Anything else is waited out: it ends by itself, and the wait is bounded above.
    const stoppable = force ? !alreadyForced && FORCE_STOPPABLE.includes(status) : status === 'RUNNING';
    if (!stoppable) return check('STOPPING');
    try {
      await d.clients.kinesisAnalytics.send(
        new StopApplicationCommand({ ApplicationName: name, Force: force }),
      );
    } catch (error) {
      if (isNotFound(error)) {
        status = 'absent';
        return check('STOPPED');
      }
      // The status changed between the describe and the stop: look again after the wait.
      if (isAwsError(error, 'ResourceInUseException')) {
        throw new TransientError(`Application ${name} changed status while being stopped; retried`, {
          cause: error,
        });
      }
      throw error;
    }
    return check('STOPPING', force ? 'force' : 'snapshot');
  },
);

export const handler = taskHandler(
  TeardownState.StopApplicationForTeardown,
  (event: TeardownExecutionState) => run(event),
);
