/**
 * Input validation for the local Managed Flink endpoint, written from the kinesisanalyticsv2 API
 * reference (types, length limits, patterns, enums). A missing required member or a member of the wrong
 * JSON type is an InvalidRequestException ("the request JSON is not valid"); a value outside what the
 * reference allows is an InvalidArgumentException. Every message names the member and says what to send.
 */
import { createHash } from 'node:crypto';
import { flinkErrors } from '../common/errors';
import { requestReader } from '../common/validation';

import type {
  ApplicationConfig,
  CheckpointSettings,
  CodeLocation,
  ConfigurationType,
  MonitoringSettings,
  ParallelismSettings,
  PropertyGroup,
  RestoreSettings,
  RestoreType,
} from './model';

const { invalidArgument, invalidRequest, unsupported } = flinkErrors;

type Json = Record<string, unknown>;

export const RUNTIME_ENVIRONMENTS = [
  'SQL-1_0',
  'FLINK-1_6',
  'FLINK-1_8',
  'FLINK-1_11',
  'FLINK-1_13',
  'FLINK-1_15',
  'FLINK-1_18',
  'FLINK-1_19',
  'FLINK-1_20',
  'FLINK-2_2',
  'FLINK-2_3',
  'ZEPPELIN-FLINK-1_0',
  'ZEPPELIN-FLINK-2_0',
  'ZEPPELIN-FLINK-3_0',
] as const;

const NAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;
const CONFIGURATION_TYPES = ['DEFAULT', 'CUSTOM'] as const;
const METRICS_LEVELS = ['APPLICATION', 'TASK', 'OPERATOR', 'PARALLELISM'] as const;
const LOG_LEVELS = ['INFO', 'WARN', 'ERROR', 'DEBUG'] as const;
const RESTORE_TYPES = [
  'SKIP_RESTORE_FROM_SNAPSHOT',
  'RESTORE_FROM_LATEST_SNAPSHOT',
  'RESTORE_FROM_CUSTOM_SNAPSHOT',
] as const;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// The local services' one request reader, with Managed Flink's codes: a missing or mistyped member is an
// InvalidRequestException, a value out of range an InvalidArgumentException.
export const {
  optionalObject,
  requiredObject,
  optionalString,
  requiredString,
  optionalBoolean,
  requiredBoolean,
  optionalInteger,
  optionalEnum,
  requiredEnum,
} = requestReader({ malformed: invalidRequest, invalid: invalidArgument });

/** Application and snapshot names: 1-128 (snapshots 1-256) characters of [a-zA-Z0-9_.-]. */
export function validName(input: Json, key: string, max = 128): string {
  const name = requiredString(input, key, '', 1, max);
  if (!NAME_PATTERN.test(name)) {
    throw invalidArgument(`${key} '${name}' may contain only letters, digits, '_', '.' and '-'.`);
  }
  return name;
}

/** A timestamp member as epoch milliseconds. The SDKs send JSON 1.1 timestamps as epoch seconds. */
export function requiredTimestamp(input: Json, key: string): number {
  const value = input[key];
  if (value === undefined || value === null) {
    throw invalidRequest(`${key} is required; read it with DescribeApplication.`);
  }
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value * 1000);
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  throw invalidRequest(`${key} must be a timestamp (epoch seconds).`);
}

function parseBucketArn(arn: string, path: string): void {
  if (!/^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(arn)) {
    throw invalidArgument(`${path} '${arn}' is not an S3 bucket ARN; expected arn:aws:s3:::<bucket-name>.`);
  }
}

/** The bucket name of an `arn:aws:s3:::bucket` ARN. */
export function bucketOf(bucketArn: string): string {
  return bucketArn.slice(bucketArn.lastIndexOf(':') + 1);
}

function parseServiceExecutionRole(role: string, key: string): string {
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(role)) {
    throw invalidArgument(
      `${key} '${role}' is not an IAM role ARN; expected arn:aws:iam::<account>:role/<name>.`,
    );
  }
  return role;
}

function parseRuntime(value: string, supported: readonly string[]): string {
  if (!supported.includes(value)) {
    throw invalidArgument(
      `RuntimeEnvironment '${value}' is not supported by the local Managed Flink endpoint, which runs ` +
        `the job on PyFlink; use one of: ${supported.join(', ')}.`,
    );
  }
  return value;
}

/** Saves an inline zip (ZipFileContent, base64 in JSON) and returns where it is. */
export type InlineZipWriter = (zip: Buffer) => { path: string; size: number; md5: string };

export function md5Hex(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

function parseCodeConfiguration(input: Json, writeZip: InlineZipWriter): CodeLocation {
  const path = 'ApplicationConfiguration.ApplicationCodeConfiguration.';
  const type = requiredEnum(input, 'CodeContentType', path, ['ZIPFILE', 'PLAINTEXT'] as const);
  if (type === 'PLAINTEXT') {
    throw invalidArgument(
      `${path}CodeContentType PLAINTEXT is for SQL applications; a Flink application uses ZIPFILE.`,
    );
  }
  const content = requiredObject(input, 'CodeContent', path);
  const s3 = optionalObject(content, 'S3ContentLocation', `${path}CodeContent.`);
  const zip = optionalString(content, 'ZipFileContent', `${path}CodeContent.`);
  if (optionalString(content, 'TextContent', `${path}CodeContent.`) !== undefined) {
    throw invalidArgument(`${path}CodeContent.TextContent is for SQL applications; send S3ContentLocation.`);
  }
  if (s3 && zip)
    throw invalidArgument(`${path}CodeContent takes S3ContentLocation or ZipFileContent, not both.`);
  if (s3) return parseS3Location(s3, `${path}CodeContent.S3ContentLocation.`);
  if (zip) return { kind: 'inline', ...writeZip(Buffer.from(zip, 'base64')) };
  throw invalidRequest(`${path}CodeContent needs S3ContentLocation (BucketARN, FileKey, ObjectVersion).`);
}

function parseS3Location(s3: Json, path: string): CodeLocation {
  const bucketArn = requiredString(s3, 'BucketARN', path, 1, 2048);
  parseBucketArn(bucketArn, `${path}BucketARN`);
  const fileKey = requiredString(s3, 'FileKey', path, 1, 1024);
  const objectVersion = optionalString(s3, 'ObjectVersion', path, 1, 1024);
  return { kind: 's3', bucketArn, fileKey, ...(objectVersion !== undefined ? { objectVersion } : {}) };
}

export function parsePropertyGroups(input: unknown, path: string): PropertyGroup[] {
  if (!Array.isArray(input)) throw invalidRequest(`${path}PropertyGroups must be a list of property groups.`);
  if (input.length > 50)
    throw invalidArgument(`${path}PropertyGroups has ${input.length} groups; at most 50 are allowed.`);
  const seen = new Set<string>();
  return input.map((group: unknown, index) => {
    const at = `${path}PropertyGroups[${index}].`;
    if (!isObject(group)) throw invalidRequest(`${at.slice(0, -1)} must be a JSON object.`);
    const id = requiredString(group, 'PropertyGroupId', at, 1, 50);
    if (!NAME_PATTERN.test(id)) {
      throw invalidArgument(
        `${at}PropertyGroupId '${id}' may contain only letters, digits, '_', '.' and '-'.`,
      );
    }
    if (seen.has(id))
      throw invalidArgument(`${at}PropertyGroupId '${id}' appears more than once; merge the groups.`);
    seen.add(id);
    const map = requiredObject(group, 'PropertyMap', at);
    const entries = Object.entries(map);
    if (entries.length < 1 || entries.length > 50) {
      throw invalidArgument(`${at}PropertyMap of '${id}' must have 1 to 50 entries; got ${entries.length}.`);
    }
    const propertyMap: Record<string, string> = {};
    for (const [key, value] of entries) {
      if (key.length < 1 || key.length > 2048)
        throw invalidArgument(`${at}PropertyMap key '${key}' must be 1 to 2048 characters.`);
      if (typeof value !== 'string') {
        throw invalidRequest(
          `${at}PropertyMap['${key}'] of '${id}' must be a string; quote numbers and booleans.`,
        );
      }
      if (value.length < 1 || value.length > 2048) {
        throw invalidArgument(`${at}PropertyMap['${key}'] of '${id}' must be 1 to 2048 characters.`);
      }
      propertyMap[key] = value;
    }
    return { PropertyGroupId: id, PropertyMap: propertyMap };
  });
}

function requireCustomFor(type: ConfigurationType, members: Record<string, unknown>, path: string): void {
  if (type === 'CUSTOM') return;
  const set = Object.entries(members)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
  if (set.length) {
    throw invalidArgument(`${path}ConfigurationType must be CUSTOM to set ${set.join(', ')}; it is DEFAULT.`);
  }
}

function parseCheckpoint(input: Json, path: string): CheckpointSettings {
  const configurationType = requiredEnum(input, 'ConfigurationType', path, CONFIGURATION_TYPES);
  const checkpointingEnabled = optionalBoolean(input, 'CheckpointingEnabled', path);
  const checkpointInterval = optionalInteger(input, 'CheckpointInterval', path, 1);
  const minPauseBetweenCheckpoints = optionalInteger(input, 'MinPauseBetweenCheckpoints', path, 0);
  requireCustomFor(
    configurationType,
    {
      CheckpointingEnabled: checkpointingEnabled,
      CheckpointInterval: checkpointInterval,
      MinPauseBetweenCheckpoints: minPauseBetweenCheckpoints,
    },
    path,
  );
  return compact({ configurationType, checkpointingEnabled, checkpointInterval, minPauseBetweenCheckpoints });
}

function parseMonitoring(input: Json, path: string): MonitoringSettings {
  const configurationType = requiredEnum(input, 'ConfigurationType', path, CONFIGURATION_TYPES);
  const metricsLevel = optionalEnum(input, 'MetricsLevel', path, METRICS_LEVELS);
  const logLevel = optionalEnum(input, 'LogLevel', path, LOG_LEVELS);
  requireCustomFor(configurationType, { MetricsLevel: metricsLevel, LogLevel: logLevel }, path);
  return compact({ configurationType, metricsLevel, logLevel });
}

function parseParallelism(input: Json, path: string): ParallelismSettings {
  const configurationType = requiredEnum(input, 'ConfigurationType', path, CONFIGURATION_TYPES);
  const parallelism = optionalInteger(input, 'Parallelism', path, 1);
  const parallelismPerKpu = optionalInteger(input, 'ParallelismPerKPU', path, 1);
  const autoScalingEnabled = optionalBoolean(input, 'AutoScalingEnabled', path);
  requireCustomFor(
    configurationType,
    {
      Parallelism: parallelism,
      ParallelismPerKPU: parallelismPerKpu,
      AutoScalingEnabled: autoScalingEnabled,
    },
    path,
  );
  return compact({ configurationType, parallelism, parallelismPerKpu, autoScalingEnabled });
}

/** Drops undefined members so stored records satisfy exactOptionalPropertyTypes. */
export function compact<T extends object>(value: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function parseRestore(input: Json | undefined, path: string): RestoreSettings | undefined {
  if (!input) return undefined;
  const restoreType = requiredEnum<RestoreType>(input, 'ApplicationRestoreType', path, RESTORE_TYPES);
  const snapshotName = optionalString(input, 'SnapshotName', path, 1, 256);
  if (restoreType === 'RESTORE_FROM_CUSTOM_SNAPSHOT' && !snapshotName) {
    throw invalidArgument(`${path}SnapshotName is required with RESTORE_FROM_CUSTOM_SNAPSHOT.`);
  }
  if (restoreType !== 'RESTORE_FROM_CUSTOM_SNAPSHOT' && snapshotName) {
    throw invalidArgument(
      `${path}SnapshotName is only used with RESTORE_FROM_CUSTOM_SNAPSHOT; it is ${restoreType}.`,
    );
  }
  return compact({ restoreType, snapshotName });
}

const DEFAULT_CHECKPOINT: CheckpointSettings = { configurationType: 'DEFAULT' };
const DEFAULT_MONITORING: MonitoringSettings = { configurationType: 'DEFAULT' };
const DEFAULT_PARALLELISM: ParallelismSettings = { configurationType: 'DEFAULT' };

/** Validates a CreateApplication request (all but the name) into the application's first version. */
export function parseCreateApplication(
  input: Json,
  supportedRuntimes: readonly string[],
  writeZip: InlineZipWriter,
): ApplicationConfig {
  const runtime = requiredEnum(input, 'RuntimeEnvironment', '', RUNTIME_ENVIRONMENTS);
  const runtimeEnvironment = parseRuntime(runtime, supportedRuntimes);
  const serviceExecutionRole = parseServiceExecutionRole(
    requiredString(input, 'ServiceExecutionRole', '', 1, 2048),
    'ServiceExecutionRole',
  );
  const description = optionalString(input, 'ApplicationDescription', '', 0, 1024);
  const mode = optionalEnum(input, 'ApplicationMode', '', ['STREAMING', 'INTERACTIVE'] as const);
  if (mode === 'INTERACTIVE')
    throw unsupported(
      'ApplicationMode INTERACTIVE (Studio notebooks) is not offered locally; use STREAMING.',
    );
  const config = optionalObject(input, 'ApplicationConfiguration', '') ?? {};
  const path = 'ApplicationConfiguration.';
  for (const key of [
    'SqlApplicationConfiguration',
    'ZeppelinApplicationConfiguration',
    'VpcConfigurations',
  ]) {
    if (config[key] !== undefined)
      throw unsupported(`${path}${key} is not offered by the local Managed Flink endpoint.`);
  }
  const codeInput = optionalObject(config, 'ApplicationCodeConfiguration', path);
  const env = optionalObject(config, 'EnvironmentProperties', path);
  const flink = optionalObject(config, 'FlinkApplicationConfiguration', path) ?? {};
  const flinkPath = `${path}FlinkApplicationConfiguration.`;
  const checkpoint = optionalObject(flink, 'CheckpointConfiguration', flinkPath);
  const monitoring = optionalObject(flink, 'MonitoringConfiguration', flinkPath);
  const parallelism = optionalObject(flink, 'ParallelismConfiguration', flinkPath);
  const snapshots = optionalObject(config, 'ApplicationSnapshotConfiguration', path);
  const rollback = optionalObject(config, 'ApplicationSystemRollbackConfiguration', path);
  const logging = input['CloudWatchLoggingOptions'];
  if (logging !== undefined && !Array.isArray(logging))
    throw invalidRequest('CloudWatchLoggingOptions must be a list.');
  const cloudWatchLogStreamArns = ((logging as unknown[] | undefined) ?? []).map((option, i) => {
    if (!isObject(option)) throw invalidRequest(`CloudWatchLoggingOptions[${i}] must be a JSON object.`);
    const arn = requiredString(option, 'LogStreamARN', `CloudWatchLoggingOptions[${i}].`, 1, 2048);
    if (!arn.startsWith('arn:'))
      throw invalidArgument(`CloudWatchLoggingOptions[${i}].LogStreamARN '${arn}' is not an ARN.`);
    return arn;
  });
  const code = codeInput ? parseCodeConfiguration(codeInput, writeZip) : undefined;
  return {
    runtimeEnvironment,
    serviceExecutionRole,
    ...(description !== undefined ? { description } : {}),
    ...(code ? { code } : {}),
    propertyGroups: env ? parsePropertyGroups(env['PropertyGroups'], `${path}EnvironmentProperties.`) : [],
    checkpoint: checkpoint
      ? parseCheckpoint(checkpoint, `${flinkPath}CheckpointConfiguration.`)
      : DEFAULT_CHECKPOINT,
    monitoring: monitoring
      ? parseMonitoring(monitoring, `${flinkPath}MonitoringConfiguration.`)
      : DEFAULT_MONITORING,
    parallelism: parallelism
      ? parseParallelism(parallelism, `${flinkPath}ParallelismConfiguration.`)
      : DEFAULT_PARALLELISM,
    snapshotsEnabled: snapshots
      ? requiredBoolean(snapshots, 'SnapshotsEnabled', `${path}ApplicationSnapshotConfiguration.`)
      : false,
    rollbackEnabled: rollback
      ? requiredBoolean(rollback, 'RollbackEnabled', `${path}ApplicationSystemRollbackConfiguration.`)
      : false,
    cloudWatchLogStreamArns,
    allowNonRestoredState: false,
    restore: { restoreType: 'RESTORE_FROM_LATEST_SNAPSHOT' },
  };
}

/** Applies an UpdateApplication request to the current version's configuration, validating as it goes. */
export function applyUpdate(
  current: ApplicationConfig,
  input: Json,
  supportedRuntimes: readonly string[],
  writeZip: InlineZipWriter,
): { config: ApplicationConfig; changed: boolean } {
  const next: ApplicationConfig = structuredClone(current);
  let changed = false;
  const runtime = optionalEnum(input, 'RuntimeEnvironmentUpdate', '', RUNTIME_ENVIRONMENTS);
  if (runtime !== undefined) {
    next.runtimeEnvironment = parseRuntime(runtime, supportedRuntimes);
    changed = true;
  }
  const role = optionalString(input, 'ServiceExecutionRoleUpdate', '', 1, 2048);
  if (role !== undefined) {
    next.serviceExecutionRole = parseServiceExecutionRole(role, 'ServiceExecutionRoleUpdate');
    changed = true;
  }
  const update = optionalObject(input, 'ApplicationConfigurationUpdate', '');
  if (update) {
    const path = 'ApplicationConfigurationUpdate.';
    for (const key of [
      'SqlApplicationConfigurationUpdate',
      'ZeppelinApplicationConfigurationUpdate',
      'VpcConfigurationUpdates',
    ]) {
      if (update[key] !== undefined)
        throw unsupported(`${path}${key} is not offered by the local Managed Flink endpoint.`);
    }
    const codeUpdate = optionalObject(update, 'ApplicationCodeConfigurationUpdate', path);
    if (codeUpdate) {
      changed = true;
      const at = `${path}ApplicationCodeConfigurationUpdate.`;
      const type = optionalEnum(codeUpdate, 'CodeContentTypeUpdate', at, ['ZIPFILE', 'PLAINTEXT'] as const);
      if (type === 'PLAINTEXT')
        throw invalidArgument(`${at}CodeContentTypeUpdate PLAINTEXT is for SQL applications; use ZIPFILE.`);
      const contentUpdate = optionalObject(codeUpdate, 'CodeContentUpdate', at);
      if (contentUpdate) {
        const s3 = optionalObject(contentUpdate, 'S3ContentLocationUpdate', `${at}CodeContentUpdate.`);
        const zip = optionalString(contentUpdate, 'ZipFileContentUpdate', `${at}CodeContentUpdate.`);
        if (s3) {
          const s3Path = `${at}CodeContentUpdate.S3ContentLocationUpdate.`;
          const previous = next.code?.kind === 's3' ? next.code : undefined;
          const bucketArn = optionalString(s3, 'BucketARNUpdate', s3Path, 1, 2048) ?? previous?.bucketArn;
          const fileKey = optionalString(s3, 'FileKeyUpdate', s3Path, 1, 1024) ?? previous?.fileKey;
          const objectVersion = optionalString(s3, 'ObjectVersionUpdate', s3Path, 1, 1024);
          if (!bucketArn || !fileKey) {
            throw invalidArgument(
              `${s3Path}BucketARNUpdate and FileKeyUpdate are required: the application has no S3 code location yet.`,
            );
          }
          parseBucketArn(bucketArn, `${s3Path}BucketARNUpdate`);
          next.code = {
            kind: 's3',
            bucketArn,
            fileKey,
            ...(objectVersion !== undefined ? { objectVersion } : {}),
          };
        } else if (zip) {
          next.code = { kind: 'inline', ...writeZip(Buffer.from(zip, 'base64')) };
        } else if (
          optionalString(contentUpdate, 'TextContentUpdate', `${at}CodeContentUpdate.`) !== undefined
        ) {
          throw invalidArgument(`${at}CodeContentUpdate.TextContentUpdate is for SQL applications.`);
        }
      }
    }
    const env = optionalObject(update, 'EnvironmentPropertyUpdates', path);
    if (env) {
      next.propertyGroups = parsePropertyGroups(env['PropertyGroups'], `${path}EnvironmentPropertyUpdates.`);
      changed = true;
    }
    const flink = optionalObject(update, 'FlinkApplicationConfigurationUpdate', path);
    if (flink) {
      const at = `${path}FlinkApplicationConfigurationUpdate.`;
      const checkpoint = optionalObject(flink, 'CheckpointConfigurationUpdate', at);
      if (checkpoint) {
        const p = `${at}CheckpointConfigurationUpdate.`;
        next.checkpoint = mergeSettings(next.checkpoint, {
          configurationType: optionalEnum(checkpoint, 'ConfigurationTypeUpdate', p, CONFIGURATION_TYPES),
          checkpointingEnabled: optionalBoolean(checkpoint, 'CheckpointingEnabledUpdate', p),
          checkpointInterval: optionalInteger(checkpoint, 'CheckpointIntervalUpdate', p, 1),
          minPauseBetweenCheckpoints: optionalInteger(checkpoint, 'MinPauseBetweenCheckpointsUpdate', p, 0),
        });
        changed = true;
      }
      const monitoring = optionalObject(flink, 'MonitoringConfigurationUpdate', at);
      if (monitoring) {
        const p = `${at}MonitoringConfigurationUpdate.`;
        next.monitoring = mergeSettings(next.monitoring, {
          configurationType: optionalEnum(monitoring, 'ConfigurationTypeUpdate', p, CONFIGURATION_TYPES),
          metricsLevel: optionalEnum(monitoring, 'MetricsLevelUpdate', p, METRICS_LEVELS),
          logLevel: optionalEnum(monitoring, 'LogLevelUpdate', p, LOG_LEVELS),
        });
        changed = true;
      }
      const parallelism = optionalObject(flink, 'ParallelismConfigurationUpdate', at);
      if (parallelism) {
        const p = `${at}ParallelismConfigurationUpdate.`;
        next.parallelism = mergeSettings(next.parallelism, {
          configurationType: optionalEnum(parallelism, 'ConfigurationTypeUpdate', p, CONFIGURATION_TYPES),
          parallelism: optionalInteger(parallelism, 'ParallelismUpdate', p, 1),
          parallelismPerKpu: optionalInteger(parallelism, 'ParallelismPerKPUUpdate', p, 1),
          autoScalingEnabled: optionalBoolean(parallelism, 'AutoScalingEnabledUpdate', p),
        });
        changed = true;
      }
    }
    const snapshots = optionalObject(update, 'ApplicationSnapshotConfigurationUpdate', path);
    if (snapshots) {
      next.snapshotsEnabled = requiredBoolean(
        snapshots,
        'SnapshotsEnabledUpdate',
        `${path}ApplicationSnapshotConfigurationUpdate.`,
      );
      changed = true;
    }
    const rollback = optionalObject(update, 'ApplicationSystemRollbackConfigurationUpdate', path);
    if (rollback) {
      next.rollbackEnabled = requiredBoolean(
        rollback,
        'RollbackEnabledUpdate',
        `${path}ApplicationSystemRollbackConfigurationUpdate.`,
      );
      changed = true;
    }
  }
  const run = optionalObject(input, 'RunConfigurationUpdate', '');
  if (run) {
    const flinkRun = optionalObject(run, 'FlinkRunConfiguration', 'RunConfigurationUpdate.');
    // The reference: an update without AllowNonRestoredState sets it back to false.
    next.allowNonRestoredState = flinkRun
      ? (optionalBoolean(
          flinkRun,
          'AllowNonRestoredState',
          'RunConfigurationUpdate.FlinkRunConfiguration.',
        ) ?? false)
      : false;
    const restore = parseRestore(
      optionalObject(run, 'ApplicationRestoreConfiguration', 'RunConfigurationUpdate.'),
      'RunConfigurationUpdate.ApplicationRestoreConfiguration.',
    );
    if (restore) next.restore = restore;
    changed = true;
  } else {
    next.allowNonRestoredState = false;
  }
  return { config: next, changed };
}

function mergeSettings<T extends { configurationType: ConfigurationType }>(
  current: T,
  update: { [K in keyof T]?: T[K] | undefined },
): T {
  const merged = {
    ...current,
    ...compact<Partial<T>>(update as { [K in keyof Partial<T>]: Partial<T>[K] | undefined }),
  } as T;
  if (merged.configurationType === 'DEFAULT') {
    // Under DEFAULT the service ignores the custom values, so they are dropped rather than kept stale.
    return { configurationType: 'DEFAULT' } as T;
  }
  return merged;
}
