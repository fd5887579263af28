/**
 * `flinkflow validate`: runs the crawl-and-query machine for one pipeline now, follows it, and prints
 * the verdict as a table (`--json`: the outcome as JSON). By default the input is the one the
 * pipeline's validation schedule sends, so an on-demand run checks exactly what the scheduled runs
 * check; flags override its window settings.
 */
import { GetScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { CheckVerdict, ValidationVerdict } from '../../workflow/crawl-contract';
import { resolveCrawlInput, type CrawlInput } from '../../workflow/crawl-input';
import { PipelineNames } from '../../workflow/contract';
import { EnvironmentError, InterruptedError, OperationFailedError, UsageError } from '../errors';
import type { CliIo } from '../io';
import { ProgressRenderer, describeCause, type ProgressEvent } from '../progress';
import { machineTarget, type MachineTargetDeps } from './machine-target';
import { provisionExecution } from './provision-execution';

export interface ValidateCommandOptions {
  pipeline: string;
  windowSeconds?: number;
  watermarkSeconds?: number;
  local?: boolean;
  stateMachineArn?: string;
  pollSeconds?: number;
  json?: boolean;
}

export interface ValidateCommandDeps extends MachineTargetDeps {
  /** The Scheduler client (AWS's, or the local cloud's once `localStepFunctions` pointed the SDK at it). */
  scheduler(): Pick<SchedulerClient, 'send'>;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/**
 * The input the pipeline's validation schedule sends, or undefined when the pipeline has no schedule
 * (made before schedules existed, or torn down).
 */
async function scheduledInput(
  scheduler: Pick<SchedulerClient, 'send'>,
  pipeline: string,
): Promise<CrawlInput | undefined> {
  try {
    const schedule = await scheduler.send(
      new GetScheduleCommand({ Name: PipelineNames.validationSchedule(pipeline) }),
    );
    return schedule.Target?.Input ? (JSON.parse(schedule.Target.Input) as CrawlInput) : undefined;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

function formatValue(check: CheckVerdict): string {
  if (check.value === null) return '-';
  return Number.isInteger(check.value) ? String(check.value) : check.value.toFixed(2);
}

/** The verdict as a table: one line per check, then the summary line. */
export function verdictTable(verdict: ValidationVerdict): string {
  const rows = verdict.checks.map((c) => [
    c.check,
    c.passed ? 'pass' : 'FAIL',
    formatValue(c),
    String(c.threshold),
    c.detail,
  ]);
  const header = ['check', 'result', 'value', 'threshold', 'detail'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [
    `Validation of ${verdict.pipelineName} (table ${verdict.table}, as of ${verdict.asOf}):`,
    line(header),
    ...rows.map(line),
    verdict.passed
      ? `passed: all ${verdict.checks.length} checks (${verdict.queries} queries, ${verdict.bytesScanned} bytes scanned)`
      : `FAILED: ${verdict.failed.join(', ')} (${verdict.queries} queries, ${verdict.bytesScanned} bytes scanned)`,
  ].join('\n');
}

export async function validateCommand(
  options: ValidateCommandOptions,
  io: CliIo,
  deps: ValidateCommandDeps,
): Promise<number> {
  // Resolve the machine first: with --local it also points the SDK (the scheduler client) at the cloud.
  const { stateMachineArn, sfn } = await machineTarget(options, io, deps, {
    variable: 'FLINKFLOW_VALIDATION_STATE_MACHINE_ARN',
    stackOutput: 'CrawlAndQueryStateMachineArn',
  });
  const scheduled = await scheduledInput(deps.scheduler(), options.pipeline);
  if (!scheduled) {
    io.err(
      `${options.pipeline} has no validation schedule (${PipelineNames.validationSchedule(options.pipeline)}); ` +
        'validating with the default window settings and any --window-seconds/--watermark-seconds given.',
    );
  }
  const input: CrawlInput = {
    ...(scheduled ?? {}),
    pipelineName: options.pipeline,
    ...(options.windowSeconds !== undefined ? { windowSeconds: options.windowSeconds } : {}),
    ...(options.watermarkSeconds !== undefined ? { watermarkSeconds: options.watermarkSeconds } : {}),
  };
  const checked = resolveCrawlInput(input);
  if (!checked.ok) {
    throw new UsageError(checked.problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  }

  const renderer = new ProgressRenderer();
  const outcome = await provisionExecution(
    {
      stateMachineArn,
      input: input as Record<string, unknown>,
      // Every on-demand run is a new measurement, so a new execution.
      executionName: `validate-${options.pipeline}-${io.now().toString(36)}`,
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
  const verdict = outcome.output as unknown as ValidationVerdict | undefined;
  if (options.json) io.out(JSON.stringify({ ...outcome, output: verdict }, null, 2));
  if (outcome.status === 'SUCCEEDED' && verdict) {
    if (!options.json) io.out(verdictTable(verdict));
    if (verdict.passed) return 0;
    throw new OperationFailedError(`Validation of ${options.pipeline} failed: ${verdict.failed.join(', ')}`);
  }
  if (outcome.status === 'RUNNING') {
    throw new InterruptedError(`Stopped following; the validation goes on: ${outcome.executionArn}`);
  }
  if (outcome.status === 'SUCCEEDED') {
    throw new EnvironmentError(`The execution ${outcome.executionArn} ended without a verdict.`);
  }
  throw new OperationFailedError(
    [
      `Validation ${outcome.status}: the checks could not run: ${outcome.error ?? ''}`,
      ...describeCause(outcome.cause ?? '').map((l) => `  ${l}`),
    ].join('\n'),
  );
}
