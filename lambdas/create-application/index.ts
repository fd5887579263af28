/**
 * CreateApplication: the Managed Flink application that runs the PyFlink job, with the property groups
 * the job reads (docs/flink-app.md), code pinned to the uploaded object version, checkpoints and
 * snapshots on, CloudWatch logging and system rollback. An existing application is reported, not changed:
 * changing a running application is the redeploy machine's job.
 */
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateApplicationCommand,
  DescribeApplicationCommand,
  type CreateApplicationRequest,
  type PropertyGroup,
} from '@aws-sdk/client-kinesis-analytics-v2';
import {
  PipelineTagKey,
  ProvisionState,
  type ProvisionConfig,
  type ProvisionExecutionState,
} from '../../workflow/contract';
import { applicationArnOf, bucketArn, isAwsError, requireExecutionState } from '../shared/aws';
import { APPLICATION_LOG_STREAM, applicationLogging } from '../shared/application-logs';
import { ApplicationTagsPendingError, InvalidInputError, ResourceConflictError } from '../shared/errors';
import { checkpointIntervalMs, FlinkAppFiles, PropertyGroupIds } from '../shared/flink-app';
import { taskHandler } from '../shared/handler';
import { logger } from '../shared/logger';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { quotaExceeded, withTransientErrors } from '../shared/transient';

export type CreateApplicationResult = NonNullable<ProvisionExecutionState['application']>;

/** How long the application's own log events are kept. */
export const APPLICATION_LOG_RETENTION_DAYS = 30;
export { APPLICATION_LOG_STREAM, applicationLogging };

export { checkpointIntervalMs };

/** The property groups of the job, as docs/flink-app.md specifies them (all values are strings). */
export function propertyGroups(config: ProvisionConfig): PropertyGroup[] {
  return [
    {
      PropertyGroupId: PropertyGroupIds.consumer,
      PropertyMap: {
        'input.stream.name': config.streamName,
        'aws.region': config.region,
        'flink.stream.initpos': config.initialPosition,
      },
    },
    {
      PropertyGroupId: PropertyGroupIds.sink,
      PropertyMap: {
        'output.bucket.name': config.bucketName,
        'output.prefix': config.outputPrefix,
        'output.format': config.outputFormat,
        'partition.by.time': String(config.partitionByTime),
      },
    },
    {
      PropertyGroupId: PropertyGroupIds.job,
      PropertyMap: {
        'window.seconds': String(config.windowSeconds),
        'watermark.seconds': String(config.watermarkSeconds),
      },
    },
    {
      PropertyGroupId: PropertyGroupIds.runOptions,
      PropertyMap: { python: FlinkAppFiles.python, jarfile: FlinkAppFiles.jarfile },
    },
  ];
}

/** The CreateApplication request for a pipeline whose code is at `code`. */
export function createApplicationRequest(
  config: ProvisionConfig,
  code: { key: string; versionId: string },
): CreateApplicationRequest {
  return {
    ApplicationName: config.applicationName,
    ApplicationDescription: `flinkflow pipeline ${config.pipelineName}: average price per ticker per ${config.windowSeconds}-second window`,
    RuntimeEnvironment: config.runtime,
    ServiceExecutionRole: config.applicationRoleArn,
    ApplicationMode: 'STREAMING',
    ApplicationConfiguration: {
      ApplicationCodeConfiguration: {
        CodeContentType: 'ZIPFILE',
        CodeContent: {
          S3ContentLocation: {
            BucketARN: bucketArn(config),
            FileKey: code.key,
            ObjectVersion: code.versionId,
          },
        },
      },
      EnvironmentProperties: { PropertyGroups: propertyGroups(config) },
      FlinkApplicationConfiguration: {
        CheckpointConfiguration: {
          ConfigurationType: 'CUSTOM',
          CheckpointingEnabled: true,
          CheckpointInterval: checkpointIntervalMs(config.windowSeconds),
          MinPauseBetweenCheckpoints: 5_000,
        },
        MonitoringConfiguration: {
          ConfigurationType: 'CUSTOM',
          MetricsLevel: 'APPLICATION',
          LogLevel: 'INFO',
        },
        ParallelismConfiguration: {
          ConfigurationType: 'CUSTOM',
          Parallelism: config.parallelism,
          ParallelismPerKPU: 1,
          AutoScalingEnabled: false,
        },
      },
      ApplicationSnapshotConfiguration: { SnapshotsEnabled: true },
      ApplicationSystemRollbackConfiguration: { RollbackEnabled: true },
    },
    CloudWatchLoggingOptions: [{ LogStreamARN: applicationLogging(config).logStreamArn }],
    Tags: [{ Key: PipelineTagKey, Value: config.pipelineName }],
  };
}

/**
 * Re-creating an application right after deleting one with the same name and tags fails for a minute or
 * two with ConcurrentModificationException "Tags are already registered for this resource ARN". We keep
 * the tag on the create request (IAM requires it there, since CreateApplication has no resource to scope
 * to: infra/task-permissions.ts) and turn this case into ApplicationTagsPendingError, which the machine retries on a slower schedule of its own.
 */
export function isTagsStillRegistered(error: unknown): boolean {
  return (
    isAwsError(error, 'ConcurrentModificationException') &&
    /tags are already registered/i.test((error as Error).message)
  );
}

/** The service checks that the log stream exists when the application is created; make it first. */
async function ensureLogStream(deps: TaskDeps, config: ProvisionConfig): Promise<void> {
  const { logGroupName, logStreamName } = applicationLogging(config);
  const logs = deps.clients.logs;
  const tolerateExisting = (error: unknown) => {
    if (!isAwsError(error, 'ResourceAlreadyExistsException')) throw error;
  };
  await logs.send(new CreateLogGroupCommand({ logGroupName })).catch(tolerateExisting);
  await logs.send(
    new PutRetentionPolicyCommand({ logGroupName, retentionInDays: APPLICATION_LOG_RETENTION_DAYS }),
  );
  await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName })).catch(tolerateExisting);
}

/** CreateApplication's logic: create the application, or report the one that exists. */
export const run = withTransientErrors(
  async (event: ProvisionExecutionState, deps: Partial<TaskDeps> = {}): Promise<CreateApplicationResult> => {
    const state = requireExecutionState(event, ProvisionState.CreateApplication);
    const { config } = state;
    if (!state.code) {
      throw new InvalidInputError([
        {
          field: 'code',
          message: 'CreateApplication needs the uploaded code at $.code (the result of UploadCode)',
        },
      ]);
    }
    const d = resolveDeps(deps);
    const ApplicationName = config.applicationName;

    try {
      await ensureLogStream(d, config);
      const out = await d.clients.kinesisAnalytics.send(
        new CreateApplicationCommand(createApplicationRequest(config, state.code)),
      );
      const detail = out.ApplicationDetail;
      return {
        applicationName: ApplicationName,
        applicationArn: detail?.ApplicationARN ?? applicationArnOf(config),
        versionId: detail?.ApplicationVersionId ?? 1,
        created: true,
      };
    } catch (error) {
      if (isTagsStillRegistered(error)) {
        throw new ApplicationTagsPendingError(
          `Application ${ApplicationName} was deleted moments ago and AWS still holds its tags for a minute or ` +
            'two; CreateApplication is retried for about four minutes. If the retries run out, run the ' +
            'provisioning again in a few minutes.',
          { cause: error },
        );
      }
      const quota = quotaExceeded(
        error,
        `The Managed Service for Apache Flink application quota of account ${config.account} in ${config.region}`,
        'delete applications you no longer use or request a quota increase (Service Quotas, Managed Service for Apache Flink), then run provisioning again',
      );
      if (quota) throw quota;
      if (!isAwsError(error, 'ResourceInUseException')) throw error;
    }

    const existing = await d.clients.kinesisAnalytics.send(
      new DescribeApplicationCommand({ ApplicationName }),
    );
    const detail = existing.ApplicationDetail;
    if (detail?.RuntimeEnvironment && detail.RuntimeEnvironment !== config.runtime) {
      throw new ResourceConflictError(
        `Application ${ApplicationName} already exists on ${detail.RuntimeEnvironment}, but the input asks for ` +
          `${config.runtime}; delete the application or set "runtime" to ${detail.RuntimeEnvironment}`,
      );
    }
    const runningVersion =
      detail?.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription
        ?.CodeContentDescription?.S3ApplicationCodeLocationDescription?.ObjectVersion;
    if (runningVersion && runningVersion !== state.code.versionId) {
      logger.warn('existing application runs another code version; left unchanged (redeploy updates it)', {
        applicationName: ApplicationName,
        applicationCodeVersion: runningVersion,
        uploadedCodeVersion: state.code.versionId,
      });
    }
    return {
      applicationName: ApplicationName,
      applicationArn: detail?.ApplicationARN ?? applicationArnOf(config),
      versionId: detail?.ApplicationVersionId ?? 1,
      created: false,
    };
  },
);

export const handler = taskHandler(ProvisionState.CreateApplication, (event: ProvisionExecutionState) =>
  run(event),
);
