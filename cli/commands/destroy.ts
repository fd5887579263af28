/**
 * `flinkflow destroy`: runs the teardown state machine for one pipeline and says what it removed, what
 * was already gone and what it kept. It starts and follows the execution with the same code as
 * `flinkflow provision` (provision-execution.ts), on AWS or on the local cloud.
 */
import {
  resolveTeardownInput,
  type TeardownOutput,
  type TeardownResource,
} from '../../workflow/teardown-contract';
import { InterruptedError, OperationFailedError, UsageError } from '../errors';
import type { CliIo } from '../io';
import { ProgressRenderer, type ProgressEvent } from '../progress';
import { machineTarget, type MachineTargetDeps } from './machine-target';
import { provisionExecution } from './provision-execution';

export interface DestroyCommandOptions {
  pipeline: string;
  keepData?: boolean;
  /** Commander's `--no-snapshot` sets this to false. */
  snapshot?: boolean;
  local?: boolean;
  stateMachineArn?: string;
  pollSeconds?: number;
  json?: boolean;
}

export interface DestroyCommandDeps extends MachineTargetDeps {
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** The error message of a Lambda error cause (`{"errorType", "errorMessage"}`), or the cause as it is. */
function readable(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Plain text (Step Functions' own errors).
  }
  return cause;
}

const line = (r: TeardownResource) => `  ${r.kind.padEnd(12)} ${r.name}${r.detail ? ` (${r.detail})` : ''}`;

/** The summary `destroy` prints from the machine's output. */
export function describeTeardown(o: TeardownOutput): string {
  const stop = o.applicationStop
    ? `application stopped from ${o.applicationStop.from}: ${
        o.applicationStop.how === 'snapshot'
          ? 'normal stop, the service took a snapshot'
          : o.applicationStop.how === 'force'
            ? 'forced, no snapshot'
            : 'it was not running'
      }`
    : 'there was no application to stop';
  const section = (title: string, list: TeardownResource[]) =>
    list.length === 0 ? [`${title}: nothing`] : [`${title}:`, ...list.map(line)];
  return [
    `Tore down ${o.pipelineName} (${stop}).`,
    ...section('removed', o.removed),
    ...section('already gone', o.alreadyGone),
    ...section('kept', o.kept),
  ].join('\n');
}

export async function destroyCommand(
  options: DestroyCommandOptions,
  io: CliIo,
  deps: DestroyCommandDeps,
): Promise<number> {
  const input = {
    pipelineName: options.pipeline,
    keepData: Boolean(options.keepData),
    snapshot: options.snapshot !== false,
  };
  const checked = resolveTeardownInput(input);
  if (!checked.ok) {
    throw new UsageError(
      checked.problems
        .map((p) => `--${p.field === 'pipelineName' ? 'pipeline' : p.field}: ${p.message}`)
        .join('; '),
    );
  }
  if (options.local) io.err(`Tearing down ${input.pipelineName} on the local cloud`);
  const { stateMachineArn, sfn } = await machineTarget(options, io, deps, {
    variable: 'FLINKFLOW_TEARDOWN_STATE_MACHINE_ARN',
    stackOutput: 'TeardownStateMachineArn',
  });
  const renderer = new ProgressRenderer();
  const outcome = await provisionExecution(
    {
      stateMachineArn,
      input,
      // A teardown is safe to repeat, so each run is a new execution.
      executionName: `destroy-${input.pipelineName}-${io.now().toString(36)}`,
      pollMs: (options.pollSeconds ?? 2) * 1000,
    },
    {
      sfn,
      onProgress: (event: ProgressEvent) => {
        for (const text of renderer.render(event)) io.err(text);
      },
      onExecution: (arn) => io.err(`Execution ${arn}`),
      sleep: (ms) => deps.sleep(ms, io.signal),
      signal: io.signal,
    },
  );
  const output = outcome.output as unknown as TeardownOutput | undefined;
  if (options.json) io.out(JSON.stringify({ ...outcome, output }, null, 2));
  if (outcome.status === 'SUCCEEDED') {
    if (!options.json && output) io.out(describeTeardown(output));
    return 0;
  }
  if (outcome.status === 'RUNNING') {
    throw new InterruptedError(`Stopped following; the teardown goes on: ${outcome.executionArn}`);
  }
  throw new OperationFailedError(
    `Teardown ${outcome.status}: ${outcome.error ?? ''}: ${readable(outcome.cause)}\n` +
      '  What was deleted before the failure stays deleted; run the same command again to finish the job.',
  );
}
