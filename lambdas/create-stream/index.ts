/**
 * CreateStream: the pipeline's Kinesis stream, provisioned or on-demand, encrypted with the AWS-managed
 * KMS key, and ACTIVE before the task returns. Re-running it finds the stream and checks it instead.
 */
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  StartStreamEncryptionCommand,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import { ProvisionState, type ProvisionConfig, type ProvisionExecutionState } from '../../workflow/contract';
import { isAwsError, requireExecutionState } from '../shared/aws';
import { ResourceConflictError, TransientError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { logger } from '../shared/logger';
import { pollUntil, resolveDeps, type PollOptions, type TaskDeps } from '../shared/runtime';
import { quotaExceeded, withTransientErrors } from '../shared/transient';

export type CreateStreamResult = NonNullable<ProvisionExecutionState['stream']>;

/** The AWS-managed key for Kinesis: encryption at rest without a key of our own to manage. */
export const STREAM_KMS_KEY = 'alias/aws/kinesis';

/**
 * A new stream is usually ACTIVE within 10-30 s. Two minutes keeps the task well inside a 5-minute
 * Lambda timeout; if it is not ACTIVE by then, the TransientError lets the machine retry the task,
 * which resumes waiting on the same stream.
 */
export const STREAM_WAIT: PollOptions = { timeoutMs: 120_000, intervalMs: 2_000, maxIntervalMs: 10_000 };

export interface CreateStreamDeps extends TaskDeps {
  wait: PollOptions;
}

async function summary(deps: TaskDeps, streamName: string): Promise<StreamDescriptionSummary> {
  const out = await deps.clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  if (!out.StreamDescriptionSummary)
    throw new TransientError(`DescribeStreamSummary of ${streamName} returned no description`);
  return out.StreamDescriptionSummary;
}

async function waitActive(deps: CreateStreamDeps, streamName: string): Promise<StreamDescriptionSummary> {
  let last: StreamDescriptionSummary | undefined;
  const active = await pollUntil(deps, deps.wait, async () => {
    try {
      last = await summary(deps, streamName);
    } catch (error) {
      // A stream created a moment ago may not be visible to DescribeStreamSummary yet.
      if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
      throw error;
    }
    if (last.StreamStatus === 'DELETING') {
      throw new TransientError(
        `Stream ${streamName} is being deleted; it can be created again once the deletion ends`,
      );
    }
    return last.StreamStatus === 'ACTIVE' ? last : undefined;
  });
  if (!active) {
    throw new TransientError(
      `Stream ${streamName} is still ${last?.StreamStatus ?? 'unknown'} after ${deps.wait.timeoutMs / 1000} s; retrying the task resumes the wait`,
    );
  }
  return active;
}

/** Throws ResourceConflictError when an existing stream's capacity mode differs from the request. */
function checkCompatible(existing: StreamDescriptionSummary, config: ProvisionConfig): void {
  const mode = existing.StreamModeDetails?.StreamMode ?? 'PROVISIONED';
  const fix = 'delete the stream, or change "stream" in the input to match it';
  if (mode !== config.streamMode) {
    throw new ResourceConflictError(
      `Stream ${config.streamName} already exists in ${mode} mode, but the input asks for ${config.streamMode}; ${fix}`,
    );
  }
  if (mode === 'PROVISIONED' && existing.OpenShardCount !== config.shardCount) {
    throw new ResourceConflictError(
      `Stream ${config.streamName} already exists with ${existing.OpenShardCount ?? 'an unknown number of'} open shards, but the input asks for ${config.shardCount}; ${fix}`,
    );
  }
}

/** CreateStream's logic: create (or find) the stream, wait for ACTIVE, make sure it is KMS-encrypted. */
export const run = withTransientErrors(
  async (
    event: ProvisionExecutionState,
    deps: Partial<CreateStreamDeps> = {},
  ): Promise<CreateStreamResult> => {
    const { config } = requireExecutionState(event, ProvisionState.CreateStream);
    const d: CreateStreamDeps = { wait: STREAM_WAIT, ...resolveDeps(deps) };
    const streamName = config.streamName;
    let created = true;
    try {
      await d.clients.kinesis.send(
        new CreateStreamCommand({
          StreamName: streamName,
          StreamModeDetails: { StreamMode: config.streamMode },
          ...(config.streamMode === 'PROVISIONED' ? { ShardCount: config.shardCount } : {}),
        }),
      );
    } catch (error) {
      const quota = quotaExceeded(
        error,
        `The Kinesis stream or shard quota of account ${config.account} in ${config.region}`,
        `delete streams you no longer use or request a quota increase (Service Quotas, Kinesis Data Streams), then run provisioning again`,
      );
      if (quota) throw quota;
      if (!isAwsError(error, 'ResourceInUseException')) throw error;
      created = false;
      logger.info('stream exists; checking it', { streamName });
    }

    let stream = await waitActive(d, streamName);
    if (!created) checkCompatible(stream, config);
    if (stream.EncryptionType !== 'KMS') {
      try {
        await d.clients.kinesis.send(
          new StartStreamEncryptionCommand({
            StreamName: streamName,
            EncryptionType: 'KMS',
            KeyId: STREAM_KMS_KEY,
          }),
        );
      } catch (error) {
        // Another update began between our describe and this call; the retry finds the stream ACTIVE again.
        if (isAwsError(error, 'ResourceInUseException')) {
          throw new TransientError(
            `Stream ${streamName} is busy with another update; encryption will be enabled on retry`,
            { cause: error },
          );
        }
        throw error;
      }
      stream = await waitActive(d, streamName);
    }
    if (!stream.StreamARN)
      throw new TransientError(`DescribeStreamSummary of ${streamName} returned no StreamARN`);
    return { streamName, streamArn: stream.StreamARN, created };
  },
);

export const handler = taskHandler(ProvisionState.CreateStream, (event: ProvisionExecutionState) =>
  run(event),
);
