import { InterruptedError, OperationFailedError } from '../errors';
import type { CliIo } from '../io';
import { ProgressRenderer, describeCause, type ProgressEvent } from '../progress';
import { buildProvisionInput, checkProvisionInput, type ProvisionFlags } from '../provision-input';
import { machineTarget, type MachineTargetDeps } from './machine-target';
import { provisionExecution } from './provision-execution';

export interface ProvisionCommandOptions extends ProvisionFlags {
  local?: boolean;
  stateMachineArn?: string;
  attempt?: number;
  follow?: boolean;
  pollSeconds?: number;
  json?: boolean;
}

export interface ProvisionCommandDeps extends MachineTargetDeps {
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** `flinkflow provision`: validate the document, run the provisioning machine, print each state. */
export async function provisionCommand(
  options: ProvisionCommandOptions,
  io: CliIo,
  deps: ProvisionCommandDeps,
): Promise<number> {
  const input = buildProvisionInput(options);
  const config = checkProvisionInput(input);
  const renderer = new ProgressRenderer();
  const onProgress = (event: ProgressEvent) => {
    for (const line of renderer.render(event)) io.err(line);
  };

  // One code path for AWS and the local cloud: only the endpoint and the state machine differ.
  if (options.local) io.err(`Provisioning ${config.pipelineName} on the local cloud`);
  const { stateMachineArn, sfn } = await machineTarget(options, io, deps, {
    variable: 'FLINKFLOW_STATE_MACHINE_ARN',
    stackOutput: 'ProvisioningStateMachineArn',
  });
  const outcome = await provisionExecution(
    {
      stateMachineArn,
      input,
      ...(options.attempt !== undefined ? { attempt: options.attempt } : {}),
      pollMs: (options.pollSeconds ?? 2) * 1000,
      follow: options.follow !== false,
    },
    {
      sfn,
      onProgress,
      onExecution: (arn, alreadyStarted) =>
        io.err(
          alreadyStarted
            ? `This request already ran as ${arn}; nothing new was started, here is how it went (use --attempt 2 to run it again).`
            : `Execution ${arn}`,
        ),
      sleep: (ms) => deps.sleep(ms, io.signal),
      signal: io.signal,
    },
  );

  if (options.json) io.out(JSON.stringify(outcome, null, 2));
  if (outcome.status === 'SUCCEEDED') {
    if (!options.json && outcome.output) {
      const o = outcome.output;
      io.out(
        [
          `Provisioned ${o.pipelineName}:`,
          `  stream       ${o.streamName}`,
          `  bucket       ${o.bucketName} (code ${o.codeObject.key} version ${o.codeObject.versionId})`,
          `  application  ${o.applicationName} ${o.applicationStatus} (version ${o.applicationVersionId})`,
          `  crawler      ${o.crawlerName} -> database ${o.glueDatabase}`,
          // Executions of a machine older than the validation schedule have no schedule name.
          ...(o.validationScheduleName
            ? [`  validation   ${o.validationScheduleName} (${o.crawlSchedule}) starts crawl-and-query`]
            : []),
          `  output       ${o.outputLocation}`,
          // Executions of a machine older than the health gate have no health summary.
          ...(o.health
            ? [
                `  health       ${o.health.restarts} restarts, ${o.health.completedCheckpoints} completed checkpoints ` +
                  `after ${o.health.settleSeconds} s (${o.health.checks} checks)`,
              ]
            : []),
        ].join('\n'),
      );
    }
    return 0;
  }
  if (outcome.status === 'RUNNING') {
    if (io.signal.aborted) {
      throw new InterruptedError(`Stopped following; the execution goes on: ${outcome.executionArn ?? ''}`);
    }
    io.err(`The execution is running: ${outcome.executionArn ?? ''}`);
    return 0;
  }
  throw new OperationFailedError(
    [
      `Provisioning ${outcome.status}: ${outcome.error ?? ''}`,
      ...describeCause(outcome.cause ?? '').map((l) => `  ${l}`),
    ].join('\n'),
  );
}
