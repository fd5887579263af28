/**
 * `flinkflow redeploy <zip> --pipeline <name>`: uploads a new code zip to the pipeline's bucket (a
 * versioned PUT under the code prefix) and follows the re-deploy the upload starts. The CLI does not
 * start the machine itself: the bucket's EventBridge rule does (docs/redeploy.md), under the execution
 * name derived from the object's key and version, which is how the CLI finds it.
 */
import { readFile } from 'node:fs/promises';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { PipelineNames } from '../../workflow/contract';
import {
  redeployExecutionName,
  type RedeployFailure,
  type RedeployOutput,
} from '../../workflow/redeploy-contract';
import { EnvironmentError, InterruptedError, OperationFailedError, UsageError } from '../errors';
import type { CliIo } from '../io';
import { formatDuration, ProgressRenderer, progressFromHistory } from '../progress';
import { executionArnFor } from './provision-execution';

export interface RedeployCommandOptions {
  pipeline: string;
  local?: boolean;
  stateMachineArn?: string;
  /** How long to wait for the rule to start the execution, in seconds. */
  startTimeoutSeconds?: number;
  pollSeconds?: number;
  json?: boolean;
}

/** Where the commands reach: the local cloud's or AWS's clients, the account and region, the machine. */
export interface RedeployTarget {
  s3: Pick<S3Client, 'send'>;
  sfn: Pick<SFNClient, 'send'>;
  account: string;
  region: string;
  /** The redeploy machine's ARN when known (the local cloud's); otherwise from the flag or environment. */
  stateMachineArn?: string;
}

export interface RedeployCommandDeps {
  target(local: boolean): Promise<RedeployTarget>;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  now(): number;
}

export interface RedeployOutcome {
  executionArn: string;
  versionId: string;
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'RUNNING';
  output?: RedeployOutput;
  error?: string;
  cause?: string;
  /** Upload to the execution's end, in ms. */
  elapsedMs: number;
}

/** The lines that say what a failed re-deploy left running (its RedeployFailure cause). */
export function describeRedeployCause(cause: string): string[] {
  try {
    const failure = JSON.parse(cause) as Partial<RedeployFailure>;
    if (typeof failure.summary === 'string') return [failure.summary];
  } catch {
    // Not a RedeployFailure (e.g. States.Timeout): the text itself.
  }
  return cause ? [cause] : [];
}

export async function redeployCommand(
  zipPath: string,
  options: RedeployCommandOptions,
  io: CliIo,
  deps: RedeployCommandDeps,
): Promise<number> {
  if (!/^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$/.test(options.pipeline ?? '')) {
    throw new UsageError(
      `--pipeline must be the name of a provisioned pipeline, e.g. ticks-demo; got "${options.pipeline ?? ''}".`,
    );
  }
  let zip: Buffer;
  try {
    zip = await readFile(zipPath);
  } catch (error) {
    throw new UsageError(
      `Cannot read the code zip ${zipPath} (${(error as Error).message}); build it with \`make flink-zip\`.`,
      {
        cause: error,
      },
    );
  }
  const target = await deps.target(options.local === true);
  const stateMachineArn =
    options.stateMachineArn ?? target.stateMachineArn ?? io.env['FLINKFLOW_REDEPLOY_STATE_MACHINE_ARN'];
  if (!stateMachineArn) {
    throw new EnvironmentError(
      'Which state machine? Pass --state-machine-arn <arn> or set FLINKFLOW_REDEPLOY_STATE_MACHINE_ARN (the stack output RedeployStateMachineArn), or use --local.',
    );
  }
  const bucketName = PipelineNames.bucket(options.pipeline, target.account, target.region);
  const key = PipelineNames.codeKey;
  const uploadedAt = deps.now();
  let versionId: string | undefined;
  try {
    versionId = (
      await target.s3.send(
        new PutObjectCommand({
          Bucket: bucketName,
          Key: key,
          Body: zip,
          ContentType: 'application/zip',
          ChecksumAlgorithm: 'SHA256',
        }),
      )
    ).VersionId;
  } catch (error) {
    if ((error as Error).name === 'NoSuchBucket') {
      throw new EnvironmentError(
        `Pipeline ${options.pipeline} has no bucket ${bucketName}: provision it first (flinkflow provision).`,
        { cause: error },
      );
    }
    throw error;
  }
  if (!versionId || versionId === 'null') {
    throw new OperationFailedError(
      `Bucket ${bucketName} returned no object version, so the upload cannot be pinned (versioning is off); turn it on, or provision the pipeline again.`,
    );
  }
  const executionName = redeployExecutionName({ bucketName, key, versionId });
  const executionArn = executionArnFor(stateMachineArn, executionName);
  io.err(`Uploaded s3://${bucketName}/${key} version ${versionId} (${zip.length} bytes)`);
  io.err(`Waiting for the re-deploy it starts: ${executionArn}`);

  const renderer = new ProgressRenderer();
  const seen = new Set<number>();
  const pollMs = (options.pollSeconds ?? 2) * 1000;
  const startDeadline = uploadedAt + (options.startTimeoutSeconds ?? 120) * 1000;
  let started = false;
  let outcome: RedeployOutcome | undefined;
  while (!outcome) {
    let events: HistoryEvent[] = [];
    try {
      let nextToken: string | undefined;
      do {
        const page = await target.sfn.send(
          new GetExecutionHistoryCommand({
            executionArn,
            maxResults: 1000,
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        events = [...events, ...(page.events ?? [])];
        nextToken = page.nextToken;
      } while (nextToken);
      started = true;
    } catch (error) {
      if ((error as Error).name !== 'ExecutionDoesNotExist') throw error;
      if (deps.now() > startDeadline) {
        throw new OperationFailedError(
          `No re-deploy started within ${options.startTimeoutSeconds ?? 120} s of the upload (${executionArn} does not exist). ` +
            'Check that the bucket has EventBridge notifications on and that the redeploy rule and its function are deployed (docs/redeploy.md).',
        );
      }
    }
    for (const event of events) {
      if (event.id === undefined || seen.has(event.id)) continue;
      seen.add(event.id);
      const progress = progressFromHistory(event);
      if (!progress) continue;
      if (progress.type === 'executionFailed') {
        io.err(`Execution ${progress.status}: ${progress.error}`);
        for (const line of describeRedeployCause(progress.cause)) io.err(`    ${line}`);
        outcome = {
          executionArn,
          versionId,
          status: progress.status,
          error: progress.error,
          cause: progress.cause,
          elapsedMs: deps.now() - uploadedAt,
        };
        break;
      }
      for (const line of renderer.render(progress)) io.err(line);
      if (progress.type === 'executionSucceeded') {
        outcome = {
          executionArn,
          versionId,
          status: 'SUCCEEDED',
          output: progress.output as RedeployOutput,
          elapsedMs: deps.now() - uploadedAt,
        };
        break;
      }
    }
    if (outcome) break;
    if (io.signal.aborted) {
      throw new InterruptedError(
        started
          ? `Stopped following; the re-deploy goes on: ${executionArn}`
          : `Stopped waiting; the upload ${versionId} stays and its re-deploy may still start: ${executionArn}`,
      );
    }
    await deps.sleep(pollMs, io.signal);
  }

  if (options.json) io.out(JSON.stringify(outcome, null, 2));
  if (outcome.status === 'SUCCEEDED') {
    const o = outcome.output;
    if (!options.json && o) {
      io.out(
        [
          o.alreadyDeployed
            ? `${o.applicationName} already ran code version ${o.codeObject.versionId}: nothing to do.`
            : `Re-deployed ${o.pipelineName}: ${o.applicationName} version ${o.applicationVersionId} runs code version ${o.codeObject.versionId}`,
          `  before       version ${o.previous.applicationVersionId} on code version ${o.previous.objectVersion ?? 'unknown'}`,
          `  snapshot     ${o.snapshotName}`,
          ...(o.health
            ? [
                `  health       ${o.health.restarts} restarts, ${o.health.completedCheckpoints} completed checkpoints after ${o.health.settleSeconds} s`,
              ]
            : []),
          ...(o.canary
            ? [
                o.canary.phase === 'SKIPPED'
                  ? '  canary       skipped (input "canary": false)'
                  : `  canary       ${o.canary.phase}: ${(o.canary.verdict?.checks ?? []).map((c) => `${c.check} ${c.passed ? 'ok' : 'FAILED'}`).join(', ')} on the windows since ${o.canary.notBefore}`,
              ]
            : []),
          `  took         ${formatDuration(outcome.elapsedMs)} from the upload`,
        ].join('\n'),
      );
    }
    return 0;
  }
  throw new OperationFailedError(
    [
      `Re-deploy ${outcome.status}: ${outcome.error ?? ''}`,
      ...describeRedeployCause(outcome.cause ?? '').map((l) => `  ${l}`),
    ].join('\n'),
  );
}
