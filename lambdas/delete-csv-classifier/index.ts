/**
 * DeleteCsvClassifier: deletes the Glue CSV classifier that named the CSV output's columns for the
 * crawler. It goes after the crawler, which refers to it. A pipeline made before classifiers existed has
 * none: recorded as already gone.
 */
import { DeleteClassifierCommand } from '@aws-sdk/client-glue';
import {
  TeardownState,
  type TeardownExecutionState,
  type TeardownStepResult,
} from '../../workflow/teardown-contract';
import { taskHandler } from '../shared/handler';
import {
  isNotFound,
  requireTeardownState,
  resolveTeardownDeps,
  resource,
  type TeardownDeps,
} from '../shared/teardown';
import { withTransientErrors } from '../shared/transient';

export const run = withTransientErrors(
  async (event: TeardownExecutionState, deps: Partial<TeardownDeps> = {}): Promise<TeardownStepResult> => {
    const { config } = requireTeardownState(event, TeardownState.DeleteCsvClassifier);
    const d = resolveTeardownDeps(deps);
    const Name = config.csvClassifierName;
    try {
      await d.clients.glue.send(new DeleteClassifierCommand({ Name }));
    } catch (error) {
      if (isNotFound(error)) return { resources: [resource('classifier', Name, 'alreadyGone')] };
      throw error;
    }
    return { resources: [resource('classifier', Name, 'removed')] };
  },
);

export const handler = taskHandler(TeardownState.DeleteCsvClassifier, (event: TeardownExecutionState) =>
  run(event),
);
