import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { ProvisionOutput } from '../../workflow/contract';
import { EnvironmentError } from '../errors';
import { progressFromHistory, type ProgressEvent } from '../progress';
import { executionNameFor } from '../provision-input';

/** How a provisioning execution ended (or where it was when we stopped following it). */
export interface ProvisionOutcome {
  executionArn: string;
  executionName: string;
  /** The request had run before under the same name: nothing new was started. */
  alreadyStarted: boolean;
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'RUNNING';
  output?: ProvisionOutput;
  error?: string;
  cause?: string;
}

export interface ProvisionExecutionOptions {
  stateMachineArn: string;
  input: Record<string, unknown>;
  attempt?: number;
  /** The execution's name; default: named after the request (`executionNameFor`), so a repeat finds it. */
  executionName?: string;
  /** How often to read the execution history. */
  pollMs?: number;
  /** false: start (or find) the execution and return without following it. */
  follow?: boolean;
}

export interface ProvisionExecutionDeps {
  sfn: Pick<SFNClient, 'send'>;
  onProgress: (event: ProgressEvent) => void;
  /** Told which execution is followed, before its first event. */
  onExecution?: (executionArn: string, alreadyStarted: boolean) => void;
  sleep: (ms: number) => Promise<void>;
  signal?: AbortSignal;
}

/** The ARN of an execution of a state machine, as Step Functions forms it. */
export function executionArnFor(stateMachineArn: string, executionName: string): string {
  const parts = stateMachineArn.split(':');
  if (parts.length < 7 || parts[5] !== 'stateMachine') {
    throw new EnvironmentError(
      `${stateMachineArn} is not a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>).`,
    );
  }
  parts[5] = 'execution';
  return [...parts.slice(0, 7), executionName].join(':');
}

/**
 * Starts the provisioning execution named after the request (or finds the one that already ran under
 * that name) and follows it by polling GetExecutionHistory, reporting each state as it starts and ends.
 * The same calls serve AWS and the local cloud: which one answers is the SFN client's endpoint.
 */
export async function provisionExecution(
  options: ProvisionExecutionOptions,
  deps: ProvisionExecutionDeps,
): Promise<ProvisionOutcome> {
  const executionName = options.executionName ?? executionNameFor(options.input, options.attempt ?? 1);
  let executionArn: string;
  let alreadyStarted = false;
  try {
    const started = await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: options.stateMachineArn,
        name: executionName,
        input: JSON.stringify(options.input),
      }),
    );
    executionArn = started.executionArn ?? executionArnFor(options.stateMachineArn, executionName);
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ExecutionAlreadyExists') {
      // The same request ran before (Step Functions keeps names for 90 days): follow that execution.
      alreadyStarted = true;
      executionArn = executionArnFor(options.stateMachineArn, executionName);
    } else if (name === 'StateMachineDoesNotExist' || name === 'InvalidArn') {
      throw new EnvironmentError(
        `The state machine ${options.stateMachineArn} does not exist (${name}). Deploy the stack first, or pass the ARN from its outputs with --state-machine-arn (with --local, the local cloud's own is used).`,
        { cause: error },
      );
    } else {
      throw error;
    }
  }

  deps.onExecution?.(executionArn, alreadyStarted);
  if (options.follow === false) {
    const described = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
    return {
      executionArn,
      executionName,
      alreadyStarted,
      ...outcomeOf(described.status, described.output, described.error, described.cause),
    };
  }

  const seen = new Set<number>();
  const pollMs = options.pollMs ?? 2000;
  for (;;) {
    let nextToken: string | undefined;
    const fresh: HistoryEvent[] = [];
    do {
      const page = await deps.sfn.send(
        new GetExecutionHistoryCommand({
          executionArn,
          maxResults: 1000,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      for (const event of page.events ?? []) {
        if (event.id !== undefined && !seen.has(event.id)) {
          seen.add(event.id);
          fresh.push(event);
        }
      }
      nextToken = page.nextToken;
    } while (nextToken);
    for (const event of fresh) {
      const progress = progressFromHistory(event);
      if (!progress) continue;
      deps.onProgress(progress);
      if (progress.type === 'executionSucceeded') {
        return {
          executionArn,
          executionName,
          alreadyStarted,
          status: 'SUCCEEDED',
          output: progress.output as ProvisionOutput,
        };
      }
      if (progress.type === 'executionFailed') {
        return {
          executionArn,
          executionName,
          alreadyStarted,
          status: progress.status,
          error: progress.error,
          cause: progress.cause,
        };
      }
    }
    if (deps.signal?.aborted) {
      return { executionArn, executionName, alreadyStarted, status: 'RUNNING' };
    }
    await deps.sleep(pollMs);
  }
}

function outcomeOf(
  status: string | undefined,
  output: string | undefined,
  error: string | undefined,
  cause: string | undefined,
): Pick<ProvisionOutcome, 'status' | 'output' | 'error' | 'cause'> {
  const known = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;
  const finalStatus = (known as readonly string[]).includes(status ?? '')
    ? (status as ProvisionOutcome['status'])
    : 'RUNNING';
  return {
    status: finalStatus,
    ...(output ? { output: JSON.parse(output) as ProvisionOutput } : {}),
    ...(error ? { error } : {}),
    ...(cause ? { cause } : {}),
  };
}
