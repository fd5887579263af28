/**
 * Turns the interpreter's events into Step Functions history events (GetExecutionHistory): the event
 * types and detail members of the API reference's HistoryEvent, numbered from 1 with previousEventId.
 * A Lambda task's attempts appear as LambdaFunctionScheduled/Started/Succeeded/Failed/TimedOut, as on AWS
 * for a Task whose Resource is a function ARN.
 */
import type { MachineEvent, MachineResult } from './machines';

/** A history event as the JSON protocol carries it (timestamps in epoch seconds). */
export type HistoryEvent = {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
} & Record<string, unknown>;

interface StateDefinition {
  Type?: string;
  Resource?: string;
  TimeoutSeconds?: number;
}

/** Top-level states of an ASL document by name (nested Map/Parallel states are looked up as generic). */
export type StatesByName = Record<string, StateDefinition | undefined>;

const json = (value: unknown): string => JSON.stringify(value === undefined ? null : value);

/** The history of one execution, appended to as the execution runs. */
export class ExecutionHistory {
  /** The events so far: none for a new execution, those stored for one of an earlier session. */
  constructor(readonly events: HistoryEvent[] = []) {}

  /** Each state's input when it was entered: a retried Lambda task is scheduled with it again. */
  private readonly enteredInput = new Map<string, unknown>();

  /** The machine's top-level states, to tell Lambda tasks apart; set before the first state runs. */
  states: StatesByName = {};

  private add(type: string, timestampMs: number, details: Record<string, unknown>): void {
    const id = this.events.length + 1;
    this.events.push({ id, previousEventId: id - 1, timestamp: timestampMs / 1000, type, ...details });
  }

  started(input: string, roleArn: string, at: number): void {
    this.add('ExecutionStarted', at, {
      executionStartedEventDetails: { input, inputDetails: { truncated: false }, roleArn },
    });
  }

  /** Ends the history from the runner's result (or a StopExecution). */
  ended(result: MachineResult, at: number): void {
    if (result.status === 'SUCCEEDED') {
      this.add('ExecutionSucceeded', at, {
        executionSucceededEventDetails: { ...output(result.output), outputDetails: { truncated: false } },
      });
      return;
    }
    const member =
      result.status === 'FAILED'
        ? ['ExecutionFailed', 'executionFailedEventDetails']
        : result.status === 'TIMED_OUT'
          ? ['ExecutionTimedOut', 'executionTimedOutEventDetails']
          : ['ExecutionAborted', 'executionAbortedEventDetails'];
    this.add(member[0] as string, at, {
      [member[1] as string]: {
        ...(result.error === undefined ? {} : { error: result.error }),
        ...(result.cause === undefined ? {} : { cause: result.cause }),
      },
    });
  }

  /** Adds the history events an interpreter event stands for (none for execution-level events). */
  record(event: MachineEvent): void {
    const name = event.state;
    if (!name || !event.stateType) return;
    const definition = this.states[name];
    const lambda = event.stateType === 'Task' && isLambdaArn(definition?.Resource);
    const prefix = `${event.stateType}State`;
    switch (event.type) {
      case 'StateEntered':
        this.add(`${prefix}Entered`, event.timestamp, {
          stateEnteredEventDetails: {
            name,
            input: json(event.input),
            inputDetails: { truncated: false },
          },
        });
        this.enteredInput.set(name, event.input);
        if (lambda) this.scheduleLambda(definition, event.input, event.timestamp);
        return;
      case 'StateRetried':
        if (lambda) this.scheduleLambda(definition, this.enteredInput.get(name), event.timestamp);
        return;
      case 'StateFailed':
        if (!lambda) return;
        this.add(
          event.error === 'States.Timeout' ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed',
          event.timestamp,
          {
            [event.error === 'States.Timeout'
              ? 'lambdaFunctionTimedOutEventDetails'
              : 'lambdaFunctionFailedEventDetails']: {
              error: event.error ?? 'Error',
              cause: event.cause ?? '',
            },
          },
        );
        return;
      case 'StateCaught':
        // A caught error ends the state; its output is the input with the error at the Catch's ResultPath.
        this.add(`${prefix}Exited`, event.timestamp, {
          stateExitedEventDetails: { name, output: json(event.output), outputDetails: { truncated: false } },
        });
        return;
      case 'StateExited':
        // A Fail state ends the execution instead of exiting.
        if (event.stateType === 'Fail') return;
        // The interpreter reports the state's output (after ResultSelector/ResultPath), not the function's
        // own result; the history carries that for both events.
        if (lambda) {
          this.add('LambdaFunctionSucceeded', event.timestamp, {
            lambdaFunctionSucceededEventDetails: {
              output: json(event.output),
              outputDetails: { truncated: false },
            },
          });
        }
        this.add(`${prefix}Exited`, event.timestamp, {
          stateExitedEventDetails: { name, output: json(event.output), outputDetails: { truncated: false } },
        });
        return;
      default:
        return;
    }
  }

  private scheduleLambda(definition: StateDefinition | undefined, input: unknown, at: number): void {
    this.add('LambdaFunctionScheduled', at, {
      lambdaFunctionScheduledEventDetails: {
        resource: definition?.Resource,
        input: json(input),
        inputDetails: { truncated: false },
        ...(definition?.TimeoutSeconds === undefined ? {} : { timeoutInSeconds: definition.TimeoutSeconds }),
      },
    });
    this.add('LambdaFunctionStarted', at, {});
  }
}

function output(value: unknown): { output: string } {
  return { output: json(value) };
}

function isLambdaArn(resource: string | undefined): boolean {
  return typeof resource === 'string' && /^arn:aws[\w-]*:lambda:/.test(resource);
}
