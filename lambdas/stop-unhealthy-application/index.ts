/**
 * StopUnhealthyApplication: the health gate said UNHEALTHY. It force-stops the application (a job in a
 * restart loop may never complete the snapshot a graceful stop takes, and a freshly provisioned pipeline
 * has no state worth keeping) unless the input asks to keep it running for debugging, and then always
 * fails with ApplicationUnhealthyError naming the job's exception and what it did, so the execution
 * leaves through the same failure path as every other error.
 */
import { ProvisionState, type ProvisionExecutionState } from '../../workflow/contract';
import { requireExecutionState } from '../shared/aws';
import { ApplicationUnhealthyError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { resolveDeps, type PollOptions, type TaskDeps } from '../shared/runtime';
import { forceStopApplication, PASSING_WAIT } from '../shared/stop-application';
import { withTransientErrors } from '../shared/transient';

export interface StopUnhealthyDeps extends TaskDeps {
  /** How long to wait for MAINTENANCE (or a rollback) to end before stopping. */
  wait: PollOptions;
}

/** StopUnhealthyApplication's logic: stop (or keep) the application, then throw ApplicationUnhealthyError. */
export const run = withTransientErrors(
  async (event: ProvisionExecutionState, deps: Partial<StopUnhealthyDeps> = {}): Promise<never> => {
    const { config, health } = requireExecutionState(event, ProvisionState.StopUnhealthyApplication);
    const name = config.applicationName;
    const outcome = config.keepUnhealthyRunning
      ? 'it was left running because keepUnhealthyRunning is set; stop it yourself when you are done debugging'
      : await forceStopApplication(resolveDeps(deps), name, deps.wait ?? PASSING_WAIT);
    const watched = health
      ? ` after ${health.observedSeconds} s and ${health.attempt} health check${health.attempt === 1 ? '' : 's'}`
      : '';
    throw new ApplicationUnhealthyError(
      `Application ${name} is not healthy${watched}: ${health?.reason ?? 'the health gate gave no reason'}; ${outcome}`,
    );
  },
);

export const handler = taskHandler(
  ProvisionState.StopUnhealthyApplication,
  (event: ProvisionExecutionState) => run(event),
);
