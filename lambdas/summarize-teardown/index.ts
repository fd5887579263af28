/**
 * SummarizeTeardown: the machine's output. Gathers what each step recorded, in the order the steps ran,
 * into what was removed, what was already gone and what was kept. No AWS call.
 */
import {
  TeardownLambdaTasks,
  TeardownState,
  type TeardownExecutionState,
  type TeardownOutput,
  type TeardownResource,
} from '../../workflow/teardown-contract';
import { taskHandler } from '../shared/handler';
import { requireTeardownState, resource } from '../shared/teardown';

export const run = async (event: TeardownExecutionState): Promise<TeardownOutput> => {
  const {
    config,
    steps = {},
    stop,
    emptyBucket,
  } = requireTeardownState(event, TeardownState.SummarizeTeardown);
  // Stryker disable next-line ArrayDeclaration: a filler entry has no outcome, so every list below drops it.
  const all: TeardownResource[] = TeardownLambdaTasks.flatMap((task) => steps[task]?.resources ?? []);
  if (config.keepData) {
    all.push(resource('bucket', config.bucketName, 'kept', 'keepData: neither emptied nor deleted'));
  }
  return {
    pipelineName: config.pipelineName,
    keepData: config.keepData,
    snapshot: config.snapshot,
    ...(stop && stop.initialStatus !== 'absent'
      ? { applicationStop: { from: stop.initialStatus, how: stop.stopRequested ?? 'none' } }
      : {}),
    removed: all.filter((r) => r.outcome === 'removed'),
    alreadyGone: all.filter((r) => r.outcome === 'alreadyGone'),
    kept: all.filter((r) => r.outcome === 'kept'),
    deletedObjectVersions: emptyBucket?.deleted ?? 0,
  };
};

export const handler = taskHandler(TeardownState.SummarizeTeardown, (event: TeardownExecutionState) =>
  run(event),
);
