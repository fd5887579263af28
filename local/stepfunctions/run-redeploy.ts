/**
 * Runs the redeploy state machine on this machine: the ASL CDK deploys (workflow/redeploy.ts) on
 * aws-local-stepfunctions, each Lambda task bound to its handler in lambdas/, with the environment,
 * Lambda invocation semantics and event log of the provisioning runner (run-provisioning.ts).
 */
import { StateMachine, type RunOptions, type StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  RedeployLambdaTasks,
  RedeployState,
  type RedeployFailure,
  type RedeployLambdaTask,
  type RedeployOutput,
} from '../../workflow/redeploy-contract';
import { redeployFolderName, RedeployTaskTimeoutSeconds } from '../../workflow/redeploy';
import { renderRedeployAsl } from '../../workflow/render-redeploy';
import type { LocalMachineModule, MachineResult } from './machines';
import { RedeployTaskHandlerModules } from './redeploy-task-handlers';
import {
  applyEnvironment,
  asLambdaInvocation,
  executeLocally,
  lambdaContext,
  type ProvisioningEvent,
  type TaskImplementation,
} from './run-provisioning';
import type { HandlerModule } from './task-handlers';

export interface RunRedeployOptions {
  /** The execution input: a RedeployInput document (or anything, to see it rejected). */
  input: unknown;
  definition?: StateMachineDefinition;
  /** The handlers' environment (endpoints, region, AWS_ACCOUNT_ID), set once per process. */
  env: Readonly<Record<string, string>>;
  /** Seconds each Wait state pauses instead of the computed ones; default 2. */
  waitSeconds?: number;
  /** Pause before each retry in ms instead of the definition's backoff. */
  retryIntervalMs?: number;
  onEvent?: (event: ProvisioningEvent) => void;
  /** Replaces some tasks' handlers (unit tests bind `run` with faked clients). */
  tasks?: Partial<Record<RedeployLambdaTask, TaskImplementation>>;
  signal?: AbortSignal;
}

export type RedeployResult =
  | { status: 'SUCCEEDED'; output: RedeployOutput; events: ProvisioningEvent[] }
  | {
      status: 'FAILED' | 'TIMED_OUT' | 'ABORTED';
      error: string;
      cause: string;
      /** The cause parsed, when it is a RedeployFailure. */
      failure?: RedeployFailure;
      events: ProvisioningEvent[];
    };

function handlerImplementation(task: RedeployLambdaTask): TaskImplementation {
  let loaded: Promise<HandlerModule> | undefined;
  return async (input) => {
    loaded ??= RedeployTaskHandlerModules[task]().then((module) => {
      if (typeof module.handler !== 'function') {
        throw new Error(`lambdas/${redeployFolderName(task)}/index.ts does not export a handler function`);
      }
      return { handler: module.handler };
    });
    const { handler } = await loaded;
    return handler(input as never, lambdaContext(task, RedeployTaskTimeoutSeconds[task]));
  };
}

/** Runs one redeploy execution locally. */
export async function runRedeployLocally(options: RunRedeployOptions): Promise<RedeployResult> {
  applyEnvironment(options.env);
  const machine = new StateMachine(options.definition ?? renderRedeployAsl());
  const taskResourceLocalHandlers = Object.fromEntries(
    RedeployLambdaTasks.map((task) => [
      task,
      asLambdaInvocation(options.tasks?.[task] ?? handlerImplementation(task)),
    ]),
  );
  const waitMs = Math.round((options.waitSeconds ?? 2) * 1000);
  const runOptions: RunOptions = {
    overrides: {
      taskResourceLocalHandlers,
      waitTimeOverrides: {
        [RedeployState.WaitBeforeUpdateCheck]: waitMs,
        [RedeployState.WaitBeforeRollbackCheck]: waitMs,
      },
      ...(options.retryIntervalMs === undefined
        ? {}
        : {
            retryIntervalOverrides: Object.fromEntries(
              RedeployLambdaTasks.map((task) => [task, options.retryIntervalMs as number]),
            ),
          }),
    },
    context: {
      State: {
        get EnteredTime() {
          return new Date().toISOString();
        },
      },
    },
  };
  // The same execution plumbing as every machine's run module (events, abort, outcome).
  const result = await executeLocally(machine, options.input, runOptions, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  if (result.status === 'SUCCEEDED') {
    return { status: 'SUCCEEDED', output: result.output as RedeployOutput, events: result.events };
  }
  const parsed = result.status === 'FAILED' ? parseFailure(result.cause) : undefined;
  return { ...result, ...(parsed ? { failure: parsed } : {}) };
}

function parseFailure(cause: string): RedeployFailure | undefined {
  try {
    const value = JSON.parse(cause) as Partial<RedeployFailure>;
    return typeof value.failedStep === 'string' && typeof value.summary === 'string'
      ? (value as RedeployFailure)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The module interface of local/stepfunctions/machines.ts. */
export const definition = renderRedeployAsl;
export const prepare = async (): Promise<void> => {
  await Promise.all(RedeployLambdaTasks.map((task) => RedeployTaskHandlerModules[task]()));
};
export const run = (options: Parameters<LocalMachineModule['run']>[0]): Promise<MachineResult> =>
  runRedeployLocally({ ...options, definition: options.definition as StateMachineDefinition });
