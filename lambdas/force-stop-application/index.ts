/**
 * ForceStopApplication: ends a start that took too long. It force-stops the application (nothing to do
 * if it is already stopped or stopping; a maintenance in progress is waited out first) and then always
 * fails with ApplicationStartTimeoutError, so the execution leaves through the same failure path as
 * every other error and says what it did.
 */
import { ProvisionState, type ProvisionExecutionState } from '../../workflow/contract';
import { requireExecutionState } from '../shared/aws';
import { ApplicationStartTimeoutError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { resolveDeps, type PollOptions, type TaskDeps } from '../shared/runtime';
import { forceStopApplication, PASSING_WAIT } from '../shared/stop-application';
import { withTransientErrors } from '../shared/transient';

export interface ForceStopDeps extends TaskDeps {
  /** How long to wait for MAINTENANCE (or a rollback) to end before stopping. */
  wait: PollOptions;
}

/** ForceStopApplication's logic: stop the application, then throw ApplicationStartTimeoutError. */
export const run = withTransientErrors(
  async (event: ProvisionExecutionState, deps: Partial<ForceStopDeps> = {}): Promise<never> => {
    const { config, status } = requireExecutionState(event, ProvisionState.ForceStopApplication);
    const d = resolveDeps(deps);
    const outcome = await forceStopApplication(d, config.applicationName, deps.wait ?? PASSING_WAIT);
    const detail = status?.reason ?? `last status ${status?.applicationStatus ?? 'unknown'}`;
    throw new ApplicationStartTimeoutError(
      `Application ${config.applicationName} did not reach RUNNING within ${config.startTimeoutSeconds} s (${detail}); ${outcome}`,
    );
  },
);

export const handler = taskHandler(ProvisionState.ForceStopApplication, (event: ProvisionExecutionState) =>
  run(event),
);
