/**
 * Runs the provisioning state machine on this machine: the ASL that CDK deploys (rendered from
 * workflow/), executed by aws-local-stepfunctions, with every Lambda task bound to its handler in
 * lambdas/ running in this process. The handlers reach the local cloud through the SDK's standard
 * `AWS_ENDPOINT_URL_<SERVICE>` variables, set here before any client exists.
 *
 * Waits are shortened through the interpreter's wait-time overrides, never by changing the definition.
 */
import { randomUUID } from 'node:crypto';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
  type RunOptions,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import {
  DeploymentVariables,
  ProvisionLambdaTasks,
  ProvisionState,
  type ProvisionFailure,
  type ProvisionLambdaTask,
  type ProvisionOutput,
} from '../../workflow/contract';
import { lambdaFolderName, ProvisionTaskTimeoutSeconds } from '../../workflow/provisioning';
import { renderProvisioningAsl } from '../../workflow/render';
import type { LocalMachineModule, MachineEvent, MachineResult } from './machines';
import type { Context } from 'aws-lambda';
import { TaskHandlerModules, type HandlerModule } from './task-handlers';

/** A task implementation as the interpreter calls it: the state's input in, the task's result out. */
export type TaskImplementation = (input: unknown) => Promise<unknown>;

/** One step of the execution, for live progress: a MachineEvent whose type the interpreter fixes. */
export interface ProvisioningEvent extends MachineEvent {
  type:
    | 'ExecutionStarted'
    | 'ExecutionSucceeded'
    | 'ExecutionFailed'
    | 'ExecutionTimeout'
    | 'ExecutionAborted'
    | 'StateEntered'
    | 'StateExited'
    | 'StateFailed'
    | 'StateRetried'
    | 'StateCaught';
}

export interface RunProvisioningOptions {
  /** The execution input: a ProvisionInput document (or anything, to see it rejected). */
  input: unknown;
  /** The ASL to run; default: rendered here. A caller that rendered it already passes it on. */
  definition?: StateMachineDefinition;
  /**
   * Set on process.env before the first handler runs: the local cloud's `AWS_ENDPOINT_URL_<SERVICE>`
   * variables, `AWS_REGION`, dummy credentials and the deployment settings the tasks read
   * (CODE_ASSET_BUCKET, CODE_ASSET_KEY, APPLICATION_ROLE_ARN, CRAWLER_ROLE_ARN, GLUE_DATABASE,
   * AWS_ACCOUNT_ID).
   */
  env: Readonly<Record<string, string>>;
  /**
   * How long each Wait state pauses, in seconds, instead of the seconds the definition computes.
   * Default 2: the local services change state in seconds, not minutes.
   */
  waitSeconds?: number;
  /**
   * Pause before each retry, in milliseconds, instead of the definition's backoff with jitter.
   * Default: the definition's own backoff.
   */
  retryIntervalMs?: number;
  /** Called with each event as the execution runs (state entered/exited, retries, the outcome). */
  onEvent?: (event: ProvisioningEvent) => void;
  /**
   * Replaces the handler binding of some tasks, e.g. with a handler's `run` and faked clients in unit
   * tests, or a simulated task in a benchmark. Tasks not named here run their real handler.
   */
  tasks?: Partial<Record<ProvisionLambdaTask, TaskImplementation>>;
  /**
   * Aborting stops the execution between states (a running task finishes its call first); the result
   * is then ABORTED. What the tasks created stays, as after a StopExecution on AWS.
   */
  signal?: AbortSignal;
}

export type ProvisioningResult =
  | { status: 'SUCCEEDED'; output: ProvisionOutput; events: ProvisioningEvent[] }
  | {
      status: 'FAILED' | 'TIMED_OUT' | 'ABORTED';
      /** The execution's error name: the original task error, as on AWS. */
      error: string;
      /** The execution's cause: the ProvisionFailure JSON when DescribeFailure produced one. */
      cause: string;
      /** The cause parsed, when it is a ProvisionFailure. */
      failure?: ProvisionFailure;
      events: ProvisioningEvent[];
    };

/** The names of the environment variables a previous run of this process set, and their values. */
const appliedEnvironment = new Map<string, string>();

/**
 * The handlers create their AWS clients and read their settings once per process (as on Lambda), so
 * the environment can be set once. A second run with other endpoints would silently reuse the first
 * clients; refuse it instead.
 */
export function applyEnvironment(env: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(env)) {
    const previous = appliedEnvironment.get(name);
    if (previous !== undefined && previous !== value) {
      throw new Error(
        `runProvisioningLocally: ${name} was ${previous} in an earlier run of this process and is ${value} now. ` +
          'The task handlers keep their clients and settings for the life of the process, as on Lambda; run ' +
          'against another local cloud from a new process.',
      );
    }
  }
  for (const [name, value] of Object.entries(env)) {
    process.env[name] = value;
    appliedEnvironment.set(name, value);
  }
}

/** The Lambda context a handler receives: enough for middy and Powertools' logger. */
export function lambdaContext(functionName: string, timeoutSeconds: number): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env['AWS_REGION'] ?? 'us-east-1'}:${process.env[DeploymentVariables.account] ?? '000000000000'}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Binds a task to its real handler module, loaded on first use (after the environment is set). */
function handlerImplementation(task: ProvisionLambdaTask): TaskImplementation {
  let loaded: Promise<HandlerModule> | undefined;
  return async (input) => {
    loaded ??= TaskHandlerModules[task]().then((module) => {
      const handler = module.handler;
      if (typeof handler !== 'function') {
        throw new Error(`lambdas/${lambdaFolderName(task)}/index.ts does not export a handler function`);
      }
      return { handler };
    });
    const { handler } = await loaded;
    return handler(
      input as never,
      lambdaContext(`flinkflow-${lambdaFolderName(task)}`, ProvisionTaskTimeoutSeconds[task]),
    );
  };
}

/**
 * Makes an in-process call look like a Lambda invocation to the interpreter: input and result cross a
 * JSON boundary, and a thrown error arrives with its name as the error and Lambda's JSON error document
 * (`{"errorType", "errorMessage", "trace"}`) as the cause, exactly as Step Functions reports it on AWS.
 */
export function asLambdaInvocation(implementation: TaskImplementation): (input: unknown) => Promise<never> {
  return (async (input: unknown) => {
    try {
      const result = await implementation(JSON.parse(JSON.stringify(input ?? null)));
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      const lambdaError = new Error(
        JSON.stringify({
          errorType: error.name,
          errorMessage: error.message,
          trace: (error.stack ?? '').split('\n'),
        }),
      );
      lambdaError.name = error.name;
      throw lambdaError;
    }
  }) as (input: unknown) => Promise<never>;
}

/** Runs one provisioning execution locally; see the module comment. */
export async function runProvisioningLocally(options: RunProvisioningOptions): Promise<ProvisioningResult> {
  applyEnvironment(options.env);
  const machine = new StateMachine(options.definition ?? renderProvisioningAsl());

  // aws-local-stepfunctions 3.0.0 strips every backslash from a string an intrinsic function returns,
  // so the States.JsonToString that serialises the failure for the Fail state's CausePath yields broken
  // JSON whenever a message holds a quote. AWS does not; the runner keeps DescribeFailure's document and
  // reports it serialised as AWS would, instead of the interpreter's mangled copy.
  let failureDocument: unknown;
  const implementation = (task: ProvisionLambdaTask): TaskImplementation => {
    const bound = options.tasks?.[task] ?? handlerImplementation(task);
    if (task !== ProvisionState.DescribeFailure) return bound;
    return async (input) => {
      failureDocument = await bound(input);
      return failureDocument;
    };
  };
  const taskResourceLocalHandlers = Object.fromEntries(
    ProvisionLambdaTasks.map((task) => [task, asLambdaInvocation(implementation(task))]),
  );
  const waitMs = Math.round((options.waitSeconds ?? 2) * 1000);
  const runOptions: RunOptions = {
    overrides: {
      taskResourceLocalHandlers,
      waitTimeOverrides: { [ProvisionState.WaitBeforeStatusCheck]: waitMs },
      ...(options.retryIntervalMs === undefined
        ? {}
        : {
            retryIntervalOverrides: Object.fromEntries(
              ProvisionLambdaTasks.map((task) => [task, options.retryIntervalMs as number]),
            ),
          }),
    },
    // aws-local-stepfunctions' context object is fixed for the run and has no `State`; a getter gives
    // `$$.State.EnteredTime` the moment it is read, which for the Pass state that reads it is its entry.
    context: {
      State: {
        get EnteredTime() {
          return new Date().toISOString();
        },
      },
    },
  };

  if (options.signal?.aborted) {
    return { status: 'ABORTED', error: 'ExecutionAborted', cause: 'Aborted before it started', events: [] };
  }
  const execution = machine.run(options.input as never, runOptions);
  const abort = () => execution.abort();
  options.signal?.addEventListener('abort', abort, { once: true });
  const events: ProvisioningEvent[] = [];
  const logging = (async () => {
    for await (const log of execution.eventLogs) {
      const event = toProvisioningEvent(log as unknown as RawEvent);
      events.push(event);
      try {
        options.onEvent?.(event);
      } catch (error) {
        // A progress printer that fails must not change the execution or its outcome; it is reported
        // on the process's warning channel (stderr) instead.
        process.emitWarning(`The execution's event listener failed on ${event.type}: ${String(error)}`);
      }
    }
  })();

  try {
    return await outcome(execution.result, logging, events, () => failureDocument);
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
}

async function outcome(
  result: Promise<unknown>,
  logging: Promise<void>,
  events: ProvisioningEvent[],
  failureDocument: () => unknown,
): Promise<ProvisioningResult> {
  try {
    const output = (await result) as ProvisionOutput;
    await logging;
    return { status: 'SUCCEEDED', output, events };
  } catch (thrown) {
    // The execution's own error is the one to report; an event log that also broke goes to stderr.
    await logging.catch((error: unknown) =>
      process.emitWarning(`The execution's event log failed too: ${String(error)}`),
    );
    if (thrown instanceof ExecutionAbortedError) {
      return { status: 'ABORTED', error: 'ExecutionAborted', cause: 'The execution was aborted', events };
    }
    if (thrown instanceof ExecutionTimeoutError) {
      return {
        status: 'TIMED_OUT',
        error: 'States.Timeout',
        cause: 'The execution exceeded its TimeoutSeconds',
        events,
      };
    }
    const failure = thrown instanceof ExecutionError && thrown.cause instanceof Error ? thrown.cause : thrown;
    const error = failure instanceof Error ? failure.name : 'Error';
    const document = failureDocument();
    const cause =
      document === undefined
        ? failure instanceof Error
          ? failure.message
          : String(failure)
        : JSON.stringify(document);
    const parsed = parseFailure(cause);
    return { status: 'FAILED', error, cause, ...(parsed ? { failure: parsed } : {}), events };
  }
}

export interface RawEvent {
  type: ProvisioningEvent['type'] | string;
  timestamp: number;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  Error?: string;
  Cause?: unknown;
  retry?: { attempt: number };
}

export function toProvisioningEvent(log: RawEvent): ProvisioningEvent {
  return {
    type: log.type as ProvisioningEvent['type'],
    timestamp: log.timestamp,
    ...(log.state ? { state: log.state.name, stateType: log.state.type } : {}),
    ...(log.state && log.type === 'StateEntered' ? { input: log.state.input } : {}),
    ...(log.state && log.type === 'StateExited' ? { output: log.state.output } : {}),
    ...(log.Error === undefined ? {} : { error: log.Error }),
    ...(log.Cause === undefined
      ? {}
      : { cause: typeof log.Cause === 'string' ? log.Cause : JSON.stringify(log.Cause) }),
    ...(log.retry ? { retryAttempt: log.retry.attempt } : {}),
  };
}

function parseFailure(cause: string): ProvisionFailure | undefined {
  try {
    const value = JSON.parse(cause) as Partial<ProvisionFailure>;
    return typeof value.failedStep === 'string' && typeof value.error === 'string'
      ? (value as ProvisionFailure)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The module interface of local/stepfunctions/machines.ts: this machine's ASL and its runner. */
export const definition = renderProvisioningAsl;
export const prepare = async (): Promise<void> => {
  await Promise.all(ProvisionLambdaTasks.map((task) => TaskHandlerModules[task]()));
};
export const run = (options: Parameters<LocalMachineModule['run']>[0]): Promise<MachineResult> =>
  runProvisioningLocally({ ...options, definition: options.definition as StateMachineDefinition });
