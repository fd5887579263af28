/**
 * Runs the teardown state machine on this machine, as run-provisioning.ts runs provisioning: the ASL CDK
 * deploys (workflow/teardown.ts), on aws-local-stepfunctions, each Lambda task bound to its handler in
 * lambdas/ in this process, through the same Lambda-shaped boundary, environment and event log.
 */
import { StateMachine, type RunOptions, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { lambdaFolderName } from '../../workflow/provisioning';
import { renderTeardownAsl, TeardownTaskTimeoutSeconds } from '../../workflow/teardown';
import {
  TeardownLambdaTasks,
  TeardownState,
  type TeardownLambdaTask,
  type TeardownOutput,
} from '../../workflow/teardown-contract';
import type { LocalMachineModule, MachineResult } from './machines';
import {
  applyEnvironment,
  asLambdaInvocation,
  executeLocally,
  lambdaContext,
  type ProvisioningEvent,
  type TaskImplementation,
} from './run-provisioning';
import type { HandlerModule } from './task-handlers';

export { TeardownStateMachineName } from './machines';

/** Each teardown task's handler module, written out so that readers and bundlers follow the imports. */
export const TeardownHandlerModules: Readonly<
  Record<TeardownLambdaTask, () => Promise<Partial<HandlerModule>>>
> = {
  [TeardownState.ValidateTeardownInput]: () => import('../../lambdas/validate-teardown-input'),
  [TeardownState.DeleteValidationSchedule]: () => import('../../lambdas/delete-validation-schedule'),
  [TeardownState.DeleteRedeployRule]: () => import('../../lambdas/delete-redeploy-rule'),
  [TeardownState.StopApplicationForTeardown]: () => import('../../lambdas/stop-application-for-teardown'),
  [TeardownState.DeleteApplication]: () => import('../../lambdas/delete-application'),
  [TeardownState.DeleteStream]: () => import('../../lambdas/delete-stream'),
  [TeardownState.DeleteCrawler]: () => import('../../lambdas/delete-crawler'),
  [TeardownState.DeleteCatalogTables]: () => import('../../lambdas/delete-catalog-tables'),
  [TeardownState.DeleteCsvClassifier]: () => import('../../lambdas/delete-csv-classifier'),
  [TeardownState.EmptyBucket]: () => import('../../lambdas/empty-bucket'),
  [TeardownState.DeleteBucket]: () => import('../../lambdas/delete-bucket'),
  [TeardownState.SummarizeTeardown]: () => import('../../lambdas/summarize-teardown'),
};

export interface RunTeardownOptions {
  input: unknown;
  definition?: StateMachineDefinition;
  /** As for provisioning: endpoints, region, credentials, GLUE_DATABASE and AWS_ACCOUNT_ID. */
  env: Readonly<Record<string, string>>;
  /** Seconds each Wait state pauses instead of the definition's (default 1). */
  waitSeconds?: number;
  retryIntervalMs?: number;
  onEvent?: (event: ProvisioningEvent) => void;
  /** Replaces some tasks' handlers (unit tests: a handler's `run` with mocked clients). */
  tasks?: Partial<Record<TeardownLambdaTask, TaskImplementation>>;
  signal?: AbortSignal;
}

export type TeardownResult =
  | { status: 'SUCCEEDED'; output: TeardownOutput; events: ProvisioningEvent[] }
  | { status: 'FAILED' | 'TIMED_OUT' | 'ABORTED'; error: string; cause: string; events: ProvisioningEvent[] };

function handlerImplementation(task: TeardownLambdaTask): TaskImplementation {
  let loaded: Promise<HandlerModule> | undefined;
  return async (input) => {
    loaded ??= TeardownHandlerModules[task]().then((module) => {
      if (typeof module.handler !== 'function') {
        throw new Error(`lambdas/${lambdaFolderName(task)}/index.ts does not export a handler function`);
      }
      return { handler: module.handler };
    });
    const { handler } = await loaded;
    return handler(input as never, lambdaContext(task, TeardownTaskTimeoutSeconds[task]));
  };
}

/** Runs one teardown execution locally. */
export async function runTeardownLocally(options: RunTeardownOptions): Promise<TeardownResult> {
  applyEnvironment(options.env);
  const machine = new StateMachine(options.definition ?? renderTeardownAsl());
  const taskResourceLocalHandlers = Object.fromEntries(
    TeardownLambdaTasks.map((task) => [
      task,
      asLambdaInvocation(options.tasks?.[task] ?? handlerImplementation(task)),
    ]),
  );
  const runOptions: RunOptions = {
    overrides: {
      taskResourceLocalHandlers,
      waitTimeOverrides: {
        [TeardownState.WaitForApplicationStop]: Math.round((options.waitSeconds ?? 1) * 1000),
      },
      ...(options.retryIntervalMs === undefined
        ? {}
        : {
            retryIntervalOverrides: Object.fromEntries(
              TeardownLambdaTasks.map((task) => [task, options.retryIntervalMs as number]),
            ),
          }),
    },
  };
  // The same execution plumbing as every machine's run module (events, abort, outcome).
  const result = await executeLocally(machine, options.input, runOptions, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  if (result.status === 'SUCCEEDED') {
    return { status: 'SUCCEEDED', output: result.output as TeardownOutput, events: result.events };
  }
  return result;
}

/** The module interface of local/stepfunctions/machines.ts. */
export const definition = renderTeardownAsl;
export const prepare = async (): Promise<void> => {
  await Promise.all(TeardownLambdaTasks.map((task) => TeardownHandlerModules[task]()));
};
export const run = (options: Parameters<LocalMachineModule['run']>[0]): Promise<MachineResult> =>
  runTeardownLocally({ ...options, definition: options.definition as StateMachineDefinition });
