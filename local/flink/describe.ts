/**
 * Renders stored records in the shapes the kinesisanalyticsv2 API answers with (ApplicationDetail,
 * ApplicationOperationInfo, SnapshotDetails). Timestamps go out as epoch seconds, as JSON 1.1 sends them.
 */
import type {
  ApplicationConfig,
  ApplicationRecord,
  OperationRecord,
  SnapshotRecord,
  VersionRecord,
} from './model';

/** Epoch milliseconds -> JSON 1.1 timestamp (epoch seconds). */
export const seconds = (ms: number): number => ms / 1000;

// The values the reference says the service uses under ConfigurationType DEFAULT.
const DEFAULT_CHECKPOINT_INTERVAL_MS = 60_000;
const DEFAULT_MIN_PAUSE_MS = 5_000;

/** The checkpoint settings the job actually runs with (DEFAULT means the service's values). */
export function effectiveCheckpoint(config: ApplicationConfig): {
  enabled: boolean;
  intervalMs: number;
  minPauseMs: number;
} {
  const c = config.checkpoint;
  if (c.configurationType === 'DEFAULT') {
    return { enabled: true, intervalMs: DEFAULT_CHECKPOINT_INTERVAL_MS, minPauseMs: DEFAULT_MIN_PAUSE_MS };
  }
  return {
    enabled: c.checkpointingEnabled ?? true,
    intervalMs: c.checkpointInterval ?? DEFAULT_CHECKPOINT_INTERVAL_MS,
    minPauseMs: c.minPauseBetweenCheckpoints ?? DEFAULT_MIN_PAUSE_MS,
  };
}

/** The parallelism the job runs with. */
export function effectiveParallelism(config: ApplicationConfig): number {
  return config.parallelism.configurationType === 'CUSTOM' ? (config.parallelism.parallelism ?? 1) : 1;
}

function configurationDescription(config: ApplicationConfig): Record<string, unknown> {
  const checkpoint = effectiveCheckpoint(config);
  const monitoring = config.monitoring;
  const parallelism = effectiveParallelism(config);
  const code = config.code;
  return {
    ...(code
      ? {
          ApplicationCodeConfigurationDescription: {
            CodeContentType: 'ZIPFILE',
            CodeContentDescription:
              code.kind === 's3'
                ? {
                    S3ApplicationCodeLocationDescription: {
                      BucketARN: code.bucketArn,
                      FileKey: code.fileKey,
                      ...(code.objectVersion !== undefined ? { ObjectVersion: code.objectVersion } : {}),
                    },
                  }
                : { CodeMD5: code.md5, CodeSize: code.size },
          },
        }
      : {}),
    RunConfigurationDescription: {
      ApplicationRestoreConfigurationDescription: {
        ApplicationRestoreType: config.restore.restoreType,
        ...(config.restore.snapshotName !== undefined ? { SnapshotName: config.restore.snapshotName } : {}),
      },
      FlinkRunConfigurationDescription: { AllowNonRestoredState: config.allowNonRestoredState },
    },
    FlinkApplicationConfigurationDescription: {
      CheckpointConfigurationDescription: {
        ConfigurationType: config.checkpoint.configurationType,
        CheckpointingEnabled: checkpoint.enabled,
        CheckpointInterval: checkpoint.intervalMs,
        MinPauseBetweenCheckpoints: checkpoint.minPauseMs,
      },
      MonitoringConfigurationDescription: {
        ConfigurationType: monitoring.configurationType,
        MetricsLevel:
          monitoring.configurationType === 'CUSTOM'
            ? (monitoring.metricsLevel ?? 'APPLICATION')
            : 'APPLICATION',
        LogLevel: monitoring.configurationType === 'CUSTOM' ? (monitoring.logLevel ?? 'INFO') : 'INFO',
      },
      ParallelismConfigurationDescription: {
        ConfigurationType: config.parallelism.configurationType,
        Parallelism: parallelism,
        ParallelismPerKPU: config.parallelism.parallelismPerKpu ?? 1,
        CurrentParallelism: parallelism,
        AutoScalingEnabled: config.parallelism.autoScalingEnabled ?? false,
      },
    },
    EnvironmentPropertyDescriptions: { PropertyGroupDescriptions: config.propertyGroups },
    ApplicationSnapshotConfigurationDescription: { SnapshotsEnabled: config.snapshotsEnabled },
    ApplicationSystemRollbackConfigurationDescription: { RollbackEnabled: config.rollbackEnabled },
  };
}

/** The ApplicationDetail of the current version, or of `version` (DescribeApplicationVersion). */
export function applicationDetail(app: ApplicationRecord, version?: VersionRecord): Record<string, unknown> {
  const current = version ?? currentVersion(app);
  const config = current.config;
  const isCurrent = current.versionId === app.versionId;
  return {
    ApplicationARN: app.arn,
    ...(config.description !== undefined ? { ApplicationDescription: config.description } : {}),
    ApplicationName: app.name,
    RuntimeEnvironment: config.runtimeEnvironment,
    ServiceExecutionRole: config.serviceExecutionRole,
    ApplicationStatus: isCurrent ? app.status : 'READY',
    ApplicationVersionId: current.versionId,
    CreateTimestamp: seconds(app.createTimestamp),
    LastUpdateTimestamp: seconds(isCurrent ? app.lastUpdateTimestamp : current.createdAt),
    ApplicationConfigurationDescription: configurationDescription(config),
    CloudWatchLoggingOptionDescriptions: config.cloudWatchLogStreamArns.map((arn, i) => ({
      CloudWatchLoggingOptionId: `${i + 1}.1`,
      LogStreamARN: arn,
    })),
    ...(isCurrent && app.versionUpdatedFrom !== undefined
      ? { ApplicationVersionUpdatedFrom: app.versionUpdatedFrom }
      : {}),
    ...(current.rolledBackFrom !== undefined
      ? { ApplicationVersionRolledBackFrom: current.rolledBackFrom }
      : {}),
    ...(current.rolledBackTo !== undefined ? { ApplicationVersionRolledBackTo: current.rolledBackTo } : {}),
    ApplicationVersionCreateTimestamp: seconds(current.createdAt),
    ...(isCurrent ? { ConditionalToken: app.conditionalToken } : {}),
    ApplicationMode: 'STREAMING',
  };
}

export function currentVersion(app: ApplicationRecord): VersionRecord {
  const version = app.versions.find((v) => v.versionId === app.versionId);
  if (!version) throw new Error(`Application ${app.name} has no record of its version ${app.versionId}`);
  return version;
}

export function operationInfo(op: OperationRecord): Record<string, unknown> {
  return {
    Operation: op.operation,
    OperationId: op.operationId,
    StartTime: seconds(op.startTime),
    ...(op.endTime !== undefined ? { EndTime: seconds(op.endTime) } : {}),
    OperationStatus: op.status,
  };
}

export function operationDetails(op: OperationRecord): Record<string, unknown> {
  return {
    Operation: op.operation,
    StartTime: seconds(op.startTime),
    ...(op.endTime !== undefined ? { EndTime: seconds(op.endTime) } : {}),
    OperationStatus: op.status,
    ...(op.versionChange
      ? {
          ApplicationVersionChangeDetails: {
            ApplicationVersionUpdatedFrom: op.versionChange.from,
            ApplicationVersionUpdatedTo: op.versionChange.to,
          },
        }
      : {}),
    ...(op.errorString !== undefined || op.rollbackOperationId !== undefined
      ? {
          OperationFailureDetails: {
            ...(op.rollbackOperationId !== undefined ? { RollbackOperationId: op.rollbackOperationId } : {}),
            ...(op.errorString !== undefined ? { ErrorInfo: { ErrorString: op.errorString } } : {}),
          },
        }
      : {}),
  };
}

export function snapshotDetails(snapshot: SnapshotRecord): Record<string, unknown> {
  return {
    SnapshotName: snapshot.snapshotName,
    SnapshotStatus: snapshot.status,
    ApplicationVersionId: snapshot.versionId,
    SnapshotCreationTimestamp: seconds(snapshot.createdAt),
    RuntimeEnvironment: snapshot.runtimeEnvironment,
  };
}
