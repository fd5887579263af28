/**
 * DeleteValidationSchedule: deletes the EventBridge Scheduler schedule that starts the pipeline's
 * validation runs, first, so that no validation starts against a pipeline being taken apart. A pipeline
 * provisioned without one (or torn down before) has nothing to delete: that is recorded, not an error.
 */
import { DeleteScheduleCommand } from '@aws-sdk/client-scheduler';
import {
  TeardownState,
  type TeardownExecutionState,
  type TeardownStepResult,
} from '../../workflow/teardown-contract';
import { TransientError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import {
  isNotFound,
  requireTeardownState,
  resolveTeardownDeps,
  resource,
  type TeardownDeps,
} from '../shared/teardown';
import { isAwsError } from '../shared/aws';
import { withTransientErrors } from '../shared/transient';

export const run = withTransientErrors(
  async (event: TeardownExecutionState, deps: Partial<TeardownDeps> = {}): Promise<TeardownStepResult> => {
    const { config } = requireTeardownState(event, TeardownState.DeleteValidationSchedule);
    const d = resolveTeardownDeps(deps);
    const name = config.validationScheduleName;
    try {
      await d.scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: config.scheduleGroupName }));
    } catch (error) {
      if (isNotFound(error)) return { resources: [resource('schedule', name, 'alreadyGone')] };
      // Another change to the schedule is in progress (Scheduler API reference: ConflictException).
      if (isAwsError(error, 'ConflictException')) {
        throw new TransientError(`Schedule ${name} is being changed; its deletion is retried`, {
          cause: error,
        });
      }
      throw error;
    }
    return { resources: [resource('schedule', name, 'removed', `group ${config.scheduleGroupName}`)] };
  },
);

export const handler = taskHandler(TeardownState.DeleteValidationSchedule, (event: TeardownExecutionState) =>
  run(event),
);
