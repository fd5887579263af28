import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { ProvisionFailure } from '../workflow/contract';

/** One step of a state machine execution, read from its history (on AWS or on the local cloud). */
export type ProgressEvent =
  | { type: 'executionStarted'; at: number }
  | { type: 'stateEntered'; state: string; at: number }
  | { type: 'stateExited'; state: string; at: number }
  /** A task attempt failed; Retry may run it again, Catch may route to the failure path. */
  | { type: 'taskFailed'; state?: string; error: string; cause: string; at: number }
  /** A task attempt was scheduled (the first, or a retry). */
  | { type: 'taskScheduled'; at: number }
  | { type: 'executionSucceeded'; output: unknown; at: number }
  | {
      type: 'executionFailed';
      status: 'FAILED' | 'TIMED_OUT' | 'ABORTED';
      error: string;
      cause: string;
      at: number;
    };

const parseJson = (text: string | undefined): unknown => {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

/** Maps a Step Functions history event to a progress event; undefined for events not worth a line. */
export function progressFromHistory(event: HistoryEvent): ProgressEvent | undefined {
  const at = (event.timestamp ?? new Date(0)).getTime();
  const type = event.type ?? '';
  if (type.endsWith('StateEntered') && event.stateEnteredEventDetails?.name) {
    return { type: 'stateEntered', state: event.stateEnteredEventDetails.name, at };
  }
  if (type.endsWith('StateExited') && event.stateExitedEventDetails?.name) {
    return { type: 'stateExited', state: event.stateExitedEventDetails.name, at };
  }
  const failure =
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails ??
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails;
  if (failure) return { type: 'taskFailed', error: failure.error ?? 'Error', cause: failure.cause ?? '', at };
  switch (type) {
    case 'LambdaFunctionScheduled':
    case 'TaskScheduled':
      return { type: 'taskScheduled', at };
    case 'ExecutionStarted':
      return { type: 'executionStarted', at };
    case 'ExecutionSucceeded':
      return {
        type: 'executionSucceeded',
        output: parseJson(event.executionSucceededEventDetails?.output),
        at,
      };
    case 'ExecutionFailed':
      return {
        type: 'executionFailed',
        status: 'FAILED',
        error: event.executionFailedEventDetails?.error ?? 'Error',
        cause: event.executionFailedEventDetails?.cause ?? '',
        at,
      };
    case 'ExecutionTimedOut':
      return {
        type: 'executionFailed',
        status: 'TIMED_OUT',
        error: event.executionTimedOutEventDetails?.error ?? 'States.Timeout',
        cause: event.executionTimedOutEventDetails?.cause ?? 'The execution ran past its timeout.',
        at,
      };
    case 'ExecutionAborted':
      return {
        type: 'executionFailed',
        status: 'ABORTED',
        error: event.executionAbortedEventDetails?.error ?? 'Aborted',
        cause: event.executionAbortedEventDetails?.cause ?? 'The execution was stopped.',
        at,
      };
    default:
      return undefined;
  }
}

/** Seconds with one decimal, e.g. `2.5 s`; minutes past 120 s, e.g. `3 min 05 s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

/**
 * Reads the Cause of a failed provisioning execution: the JSON ProvisionFailure that DescribeFailure
 * writes, or plain text. Returns readable lines.
 */
export function describeCause(cause: string): string[] {
  const parsed = parseJson(cause);
  if (parsed && typeof parsed === 'object' && 'failedStep' in parsed) {
    const failure = parsed as ProvisionFailure;
    const lines = [`failed step: ${failure.failedStep}`, `error: ${failure.error}: ${failure.cause}`];
    if (failure.existingResources?.length) {
      lines.push(
        `resources that exist now: ${failure.existingResources.map((r) => `${r.kind} ${r.name}`).join(', ')}`,
      );
    }
    return lines;
  }
  return cause ? [cause] : [];
}

/**
 * Turns progress events into the lines `provision` prints: each state as it starts and as it ends (with
 * its duration), failed attempts, and the end of the execution. Times are relative to the first event.
 *
 * A polling loop (Wait -> Describe -> Choice, again and again) would print six lines per round; once a
 * state comes round again, each further round is one line naming the states of the loop instead.
 */
export class ProgressRenderer {
  private startedAt: number | undefined;
  private readonly enteredAt = new Map<string, number>();
  private readonly visits = new Map<string, number>();
  private lastEntered: string | undefined;
  /** The first state entered a second time: a new round of the loop starts when it comes again. */
  private loopHead: string | undefined;
  private loopStates: string[] = [];
  /** The state whose last task attempt failed: if it exits now, a Catch took the error. */
  private failedState: string | undefined;

  render(event: ProgressEvent): string[] {
    this.startedAt ??= event.at;
    const stamp = `[+${formatDuration(event.at - this.startedAt).padStart(9)}]`;
    switch (event.type) {
      case 'executionStarted':
        return [`${stamp} Execution started`];
      case 'stateEntered': {
        const visit = (this.visits.get(event.state) ?? 0) + 1;
        this.visits.set(event.state, visit);
        this.enteredAt.set(event.state, event.at);
        this.lastEntered = event.state;
        if (visit === 1) {
          this.loopHead = undefined;
          this.loopStates = [];
          return [`${stamp} > ${event.state}`];
        }
        this.loopHead ??= event.state;
        if (event.state !== this.loopHead) {
          this.loopStates.push(event.state);
          return [];
        }
        const states =
          this.loopStates.length > 0 ? ` (${[this.loopHead, ...this.loopStates].join(' -> ')})` : '';
        this.loopStates = [];
        return [`${stamp} .. round ${visit} of ${event.state}${states}`];
      }
      case 'stateExited': {
        const caught = this.failedState === event.state;
        this.failedState = undefined;
        if ((this.visits.get(event.state) ?? 0) > 1 && !caught) return [];
        const entered = this.enteredAt.get(event.state);
        const took = entered === undefined ? '' : ` (${formatDuration(event.at - entered)})`;
        return [`${stamp} ${caught ? 'failed' : 'ok'} ${event.state}${took}`];
      }
      case 'taskScheduled':
        this.failedState = undefined;
        return [];
      case 'taskFailed': {
        const state = event.state ?? this.lastEntered ?? 'task';
        this.failedState = state;
        return [`${stamp} !! ${state} attempt failed: ${event.error}: ${firstLine(event.cause)}`];
      }
      case 'executionSucceeded':
        return [`${stamp} Execution SUCCEEDED in ${formatDuration(event.at - this.startedAt)}`];
      case 'executionFailed':
        return [
          `${stamp} Execution ${event.status} after ${formatDuration(event.at - this.startedAt)}: ${event.error}`,
          ...describeCause(event.cause).map((line) => `    ${line}`),
        ];
    }
  }
}

function firstLine(text: string): string {
  const parsed = parseJson(text);
  const message =
    parsed && typeof parsed === 'object' && 'errorMessage' in parsed ? String(parsed.errorMessage) : text;
  const line = message.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
