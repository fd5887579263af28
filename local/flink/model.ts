/**
 * What the local Managed Flink endpoint stores per application. Everything here is plain JSON so the
 * store can be written to disk as is; timestamps are epoch milliseconds.
 */

export type ApplicationStatus =
  | 'DELETING'
  | 'STARTING'
  | 'STOPPING'
  | 'READY'
  | 'RUNNING'
  | 'UPDATING'
  | 'AUTOSCALING'
  | 'FORCE_STOPPING'
  | 'ROLLING_BACK'
  | 'MAINTENANCE'
  | 'ROLLED_BACK';

export type OperationStatus = 'IN_PROGRESS' | 'CANCELLED' | 'SUCCESSFUL' | 'FAILED';
export type ConfigurationType = 'DEFAULT' | 'CUSTOM';
export type RestoreType =
  'SKIP_RESTORE_FROM_SNAPSHOT' | 'RESTORE_FROM_LATEST_SNAPSHOT' | 'RESTORE_FROM_CUSTOM_SNAPSHOT';

export interface PropertyGroup {
  PropertyGroupId: string;
  PropertyMap: Record<string, string>;
}

/** Where the code is: an S3 object (the usual way) or a zip the caller sent inline, kept on disk. */
export type CodeLocation =
  | { kind: 's3'; bucketArn: string; fileKey: string; objectVersion?: string }
  | { kind: 'inline'; path: string; size: number; md5: string };

export interface CheckpointSettings {
  configurationType: ConfigurationType;
  checkpointingEnabled?: boolean;
  checkpointInterval?: number;
  minPauseBetweenCheckpoints?: number;
}

export interface MonitoringSettings {
  configurationType: ConfigurationType;
  metricsLevel?: string;
  logLevel?: string;
}

export interface ParallelismSettings {
  configurationType: ConfigurationType;
  parallelism?: number;
  parallelismPerKpu?: number;
  autoScalingEnabled?: boolean;
}

export interface RestoreSettings {
  restoreType: RestoreType;
  snapshotName?: string;
}

/** One application version: everything UpdateApplication can change. */
export interface ApplicationConfig {
  runtimeEnvironment: string;
  serviceExecutionRole: string;
  description?: string;
  code?: CodeLocation;
  propertyGroups: PropertyGroup[];
  checkpoint: CheckpointSettings;
  monitoring: MonitoringSettings;
  parallelism: ParallelismSettings;
  snapshotsEnabled: boolean;
  rollbackEnabled: boolean;
  cloudWatchLogStreamArns: string[];
  allowNonRestoredState: boolean;
  restore: RestoreSettings;
}

export interface VersionRecord {
  versionId: number;
  createdAt: number;
  config: ApplicationConfig;
  /** Set once this version has reached RUNNING; system rollbacks go back to such a version only. */
  ranSuccessfully: boolean;
  rolledBackFrom?: number;
  rolledBackTo?: number;
}

export interface OperationRecord {
  operationId: string;
  operation: string;
  status: OperationStatus;
  startTime: number;
  endTime?: number;
  versionChange?: { from: number; to: number };
  errorString?: string;
  rollbackOperationId?: string;
}

export interface SnapshotRecord {
  snapshotName: string;
  status: 'CREATING' | 'READY' | 'DELETING' | 'FAILED';
  versionId: number;
  createdAt: number;
  runtimeEnvironment: string;
  /** The Flink savepoint directory the runner wrote; empty while CREATING. */
  savepointPath?: string;
}

export interface ApplicationRecord {
  name: string;
  arn: string;
  createTimestamp: number;
  lastUpdateTimestamp: number;
  status: ApplicationStatus;
  versionId: number;
  conditionalToken: string;
  versionUpdatedFrom?: number;
  versions: VersionRecord[];
  operations: OperationRecord[];
  snapshots: SnapshotRecord[];
  tags: { Key: string; Value?: string }[];
  /** The log of the newest run of the job (runner and Flink output), for `local status` and humans. */
  lastLogPath?: string;
  /** Why the job last stopped by itself (it failed or finished while RUNNING), if it did. */
  lastRunError?: string;
  /** The newest run of the job: what a restart after `local down`/`up` resumes from (resume.ts). */
  run?: RunRecord;
}

/**
 * One run of an application's job as the store keeps it, written when the run is launched: enough to
 * restart the job from its newest state after the endpoint itself stopped.
 */
export interface RunRecord {
  versionId: number;
  /** The run's `state.checkpoints.dir` (`<run>/work/checkpoints`). */
  checkpointsDir: string;
  /** Where the run writes its savepoints (snapshots on), if anywhere. */
  savepointDir?: string;
  /** The savepoint or checkpoint the run started from; a restart with no newer state uses it. */
  restoredFrom?: string;
  launchedAt: number;
  /** When the endpoint shut down while this run's job ran (kept with `metrics`). */
  stoppedAt?: number;
  /**
   * The application's metric totals since its StartApplication, saved when the endpoint shuts down, so
   * the counts go on after it starts again (numRestarts included) instead of starting at zero.
   */
  metrics?: { numRestarts: number; numberOfCompletedCheckpoints: number; numberOfFailedCheckpoints: number };
}

export interface StoreFile {
  formatVersion: 1;
  applications: ApplicationRecord[];
}
