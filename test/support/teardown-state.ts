/** The teardown execution state a task receives, for the sample pipeline of test/support/teardown-cloud.ts. */
import {
  teardownConfig,
  type TeardownExecutionState,
  type TeardownSettings,
} from '../../workflow/teardown-contract';
import { ACCOUNT, DATABASE, PIPELINE, REGION } from './teardown-cloud';

export function teardownState(
  settings: Partial<TeardownSettings> = {},
  rest: Omit<Partial<TeardownExecutionState>, 'config'> = {},
): TeardownExecutionState {
  return {
    config: teardownConfig(
      { pipelineName: PIPELINE, keepData: false, snapshot: true, ...settings },
      { account: ACCOUNT, region: REGION, glueDatabase: DATABASE },
    ),
    ...rest,
  };
}
