/**
 * Runs the crawl-and-query state machine on this machine: the ASL CDK deploys (rendered from
 * workflow/), executed by aws-local-stepfunctions with every Lambda task bound to its handler in
 * lambdas/, through the same environment, invocation and execution plumbing as run-provisioning.ts.
 */
import { randomUUID } from 'node:crypto';
import { StateMachine, type RunOptions, type StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  CrawlLambdaTasks,
  CrawlState,
  type CrawlLambdaTask,
  type ValidationVerdict,
} from '../../workflow/crawl-contract';
import { DeploymentVariables } from '../../workflow/contract';
import { CrawlTaskTimeoutSeconds } from '../../workflow/crawl-and-query';
import { renderCrawlAndQueryAsl } from '../../workflow/render-crawl';
import { CrawlTaskHandlerModules } from './crawl-task-handlers';
import {
  CrawlAndQueryStateMachineName,
  stateMachineArn,
  type LocalMachineModule,
  type MachineResult,
} from './machines';
import {
  applyEnvironment,
  asLambdaInvocation,
  executeLocally,
  handlerImplementation,
  type ProvisioningEvent,
  type TaskImplementation,
} from './run-provisioning';

export interface RunCrawlAndQueryOptions {
  /** The execution input: a CrawlInput document (or anything, to see it rejected). */
  input: unknown;
  definition?: StateMachineDefinition;
  /** Set on process.env before the first handler runs (endpoints, region, deployment settings). */
  env: Readonly<Record<string, string>>;
  /** How long each Wait state pauses, in seconds (default 1: local crawls and queries take seconds). */
  waitSeconds?: number;
  /** Pause before each retry, in milliseconds, instead of the definition's backoff. */
  retryIntervalMs?: number;
  onEvent?: (event: ProvisioningEvent) => void;
  /** Replaces the handler binding of some tasks (unit tests bind `run` with faked clients). */
  tasks?: Partial<Record<CrawlLambdaTask, TaskImplementation>>;
  signal?: AbortSignal;
  /** The execution's ARN as `$$.Execution.Id` (query tokens derive from it); default a fresh one. */
  executionArn?: string;
}

export type CrawlAndQueryResult =
  | { status: 'SUCCEEDED'; output: ValidationVerdict; events: ProvisioningEvent[] }
  | { status: 'FAILED' | 'TIMED_OUT' | 'ABORTED'; error: string; cause: string; events: ProvisioningEvent[] };

/** Runs one crawl-and-query execution locally. */
export async function runCrawlAndQueryLocally(
  options: RunCrawlAndQueryOptions,
): Promise<CrawlAndQueryResult> {
  applyEnvironment(options.env);
  const machine = new StateMachine(options.definition ?? renderCrawlAndQueryAsl());
  const taskResourceLocalHandlers = Object.fromEntries(
    CrawlLambdaTasks.map((task) => [
      task,
      asLambdaInvocation(
        options.tasks?.[task] ??
          handlerImplementation(task, CrawlTaskHandlerModules[task], CrawlTaskTimeoutSeconds[task]),
      ),
    ]),
  );
  const waitMs = Math.round((options.waitSeconds ?? 1) * 1000);
  const region = options.env['AWS_REGION'] ?? 'us-east-1';
  const account = options.env[DeploymentVariables.account] ?? '000000000000';
  const name = randomUUID();
  const executionArn =
    options.executionArn ??
    `${stateMachineArn(region, account, CrawlAndQueryStateMachineName).replace(':stateMachine:', ':execution:')}:${name}`;
  const runOptions: RunOptions = {
    overrides: {
      taskResourceLocalHandlers,
      waitTimeOverrides: { [CrawlState.WaitForCrawl]: waitMs, [CrawlState.WaitForQueries]: waitMs },
      ...(options.retryIntervalMs === undefined
        ? {}
        : {
            retryIntervalOverrides: Object.fromEntries(
              CrawlLambdaTasks.map((task) => [task, options.retryIntervalMs as number]),
            ),
          }),
    },
    // aws-local-stepfunctions sets Input and StartTime itself; the Id and Name are ours to give.
    context: { Execution: { Id: executionArn, Name: executionArn.split(':').at(-1) ?? name } },
  };
  const result = await executeLocally(machine, options.input, runOptions, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  return result.status === 'SUCCEEDED'
    ? { status: 'SUCCEEDED', output: result.output as ValidationVerdict, events: result.events }
    : result;
}

/** The module interface of local/stepfunctions/machines.ts: this machine's ASL and its runner. */
export const definition = renderCrawlAndQueryAsl;
export const prepare = async (): Promise<void> => {
  await Promise.all(CrawlLambdaTasks.map((task) => CrawlTaskHandlerModules[task]()));
};
export const run = (options: Parameters<LocalMachineModule['run']>[0]): Promise<MachineResult> =>
  runCrawlAndQueryLocally({ ...options, definition: options.definition as StateMachineDefinition });
