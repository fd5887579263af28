/**
 * The contract shared by the state machines (workflow/), the Lambda tasks (lambdas/), the local cloud
 * (local/), the CLI (cli/) and the tests: state names, error names, and the shapes of the provisioning
 * input, its resolved configuration and its outputs.
 *
 * Change a name here and every user of it changes with it; nothing else spells these strings. The
 * input's schema (fields, defaults, ranges, messages) is in provision-input.ts, next to this file.
 */
import type { ProvisionInput, ProvisionSettings } from './provision-input';

/** Names of the provisioning machine's states. The local runner binds Lambda tasks by these names. */
export const ProvisionState = {
  ValidateInput: 'ValidateInput',
  CreateStream: 'CreateStream',
  CreateBucket: 'CreateBucket',
  UploadCode: 'UploadCode',
  CreateApplication: 'CreateApplication',
  StartApplication: 'StartApplication',
  WaitBeforeStatusCheck: 'WaitBeforeStatusCheck',
  DescribeApplication: 'DescribeApplication',
  IsApplicationRunning: 'IsApplicationRunning',
  ForceStopApplication: 'ForceStopApplication',
  CheckApplicationHealth: 'CheckApplicationHealth',
  WaitBeforeHealthCheck: 'WaitBeforeHealthCheck',
  IsApplicationHealthy: 'IsApplicationHealthy',
  StopUnhealthyApplication: 'StopUnhealthyApplication',
  CreateCrawler: 'CreateCrawler',
  CreateValidationSchedule: 'CreateValidationSchedule',
  CollectOutputs: 'CollectOutputs',
  Provisioned: 'Provisioned',
  DescribeFailure: 'DescribeFailure',
  ProvisioningFailed: 'ProvisioningFailed',
} as const;
export type ProvisionStateName = (typeof ProvisionState)[keyof typeof ProvisionState];

/** The Lambda-backed states of the provisioning machine (one function, one handler folder each). */
export const ProvisionLambdaTasks = [
  ProvisionState.ValidateInput,
  ProvisionState.CreateStream,
  ProvisionState.CreateBucket,
  ProvisionState.UploadCode,
  ProvisionState.CreateApplication,
  ProvisionState.StartApplication,
  ProvisionState.DescribeApplication,
  ProvisionState.ForceStopApplication,
  ProvisionState.CheckApplicationHealth,
  ProvisionState.StopUnhealthyApplication,
  ProvisionState.CreateCrawler,
  ProvisionState.CreateValidationSchedule,
  ProvisionState.DescribeFailure,
] as const;
export type ProvisionLambdaTask = (typeof ProvisionLambdaTasks)[number];

/**
 * The Pass state a failed task's Catch leads to: it records the task's name in `$.failedStep` before
 * DescribeFailure runs. DescribeFailure itself has no marker (its failure goes straight to
 * ProvisioningFailed), so the name is defined for every other Lambda task.
 */
export type FailedStepStateName = `${Exclude<ProvisionLambdaTask, 'DescribeFailure'>}Failed`;
export function failedStepState(task: Exclude<ProvisionLambdaTask, 'DescribeFailure'>): FailedStepStateName {
  return `${task}Failed`;
}

/**
 * Error names thrown by the handlers (the JS `error.name`), matched by the machine's Retry and Catch.
 * Lambda reports a thrown error's `name` as the Step Functions error name.
 */
export const ErrorName = {
  /** The input document is invalid; the message names the field. Never retried. */
  InvalidInput: 'InvalidInputError',
  /** Throttling, 5xx, timeouts: safe to retry with backoff. */
  Transient: 'TransientError',
  /** The application reached a state from which it will not become RUNNING (READY, ROLLED_BACK, ...). */
  ApplicationStartFailed: 'ApplicationStartFailedError',
  /** The application did not reach RUNNING within the allowed polls; it was force-stopped. */
  ApplicationStartTimeout: 'ApplicationStartTimeoutError',
  /**
   * The application is RUNNING but its job is not healthy within the settle period: it restarts, no
   * checkpoint completes, or its metrics never appear. The cause carries the job's exception from its
   * CloudWatch Logs stream; the application is stopped unless the input says to keep it running.
   */
  ApplicationUnhealthy: 'ApplicationUnhealthyError',
  /**
   * An account quota (number of streams, shards or applications) is exhausted. Not transient: retrying
   * cannot help until the quota is raised or resources are removed; the message names the quota.
   */
  QuotaExceeded: 'QuotaExceededError',
  /** A resource exists with the same name but a different, incompatible configuration. */
  ResourceConflict: 'ResourceConflictError',
  /**
   * CreateApplication after a recent delete of the same name: AWS still holds the old application's tags
   * for a minute or two. Retried on its own, slower schedule (several minutes), never forced.
   */
  ApplicationTagsPending: 'ApplicationTagsPendingError',
  /** The Flink code zip is missing or fails its pre-flight check. */
  InvalidCode: 'InvalidCodeError',
} as const;
export type ErrorNameValue = (typeof ErrorName)[keyof typeof ErrorName];

/**
 * Errors Step Functions itself raises for Lambda service hiccups; retried like TransientError. The list
 * is the one the Step Functions guide "Handle Lambda service exceptions" recommends retrying, plus
 * Lambda's own throttling.
 */
export const LambdaServiceErrors = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

/**
 * A function that ran out of time (or memory) inside Lambda: Step Functions reports it as
 * `Lambda.Unknown` (same guide), not as States.Timeout. Retried once, like a task timeout.
 */
export const LambdaFunctionTimeoutError = 'Lambda.Unknown';

export const FlinkRuntimes = ['FLINK-1_20'] as const;
export type FlinkRuntime = (typeof FlinkRuntimes)[number];
export const OutputFormats = ['csv', 'parquet'] as const;
export type OutputFormat = (typeof OutputFormats)[number];
export const InitialPositions = ['LATEST', 'TRIM_HORIZON'] as const;
export type InitialPosition = (typeof InitialPositions)[number];
export const StreamModes = ['PROVISIONED', 'ON_DEMAND'] as const;
export type StreamMode = (typeof StreamModes)[number];

export type { ProvisionInput, ProvisionSettings };

/**
 * The naming conventions of a pipeline's resources: every name derives from the pipeline name through
 * these functions. The stack's IAM patterns are the same functions applied to `*` (infra/
 * pipeline-resources.ts), so a name and the permission on it cannot drift apart.
 */
export const PipelineNames = {
  /** The Kinesis stream the producer writes to. */
  stream: (pipeline: string) => `${pipeline}-ticks`,
  /** The pipeline's bucket (code and output); S3 names are global, hence account and region. */
  bucket: (pipeline: string, account: string, region: string) => `flinkflow-${pipeline}-${account}-${region}`,
  /** The Managed Flink application. */
  application: (pipeline: string) => `${pipeline}-app`,
  /** The application's CloudWatch log group (CreateApplication makes it). */
  applicationLogGroup: (pipeline: string) => `/aws/kinesis-analytics/${PipelineNames.application(pipeline)}`,
  /** The Glue crawler. */
  crawler: (pipeline: string) => `${pipeline}-crawler`,
  /** The prefix of the crawler's table names (Glue table names take no hyphen). */
  tablePrefix: (pipeline: string) => `${pipeline.replace(/-/g, '_')}_`,
  /** The Flink code zip's key inside the pipeline bucket. */
  codeKey: 'code/flinkflow-app.zip',
  /** The key prefix of the job's output inside the pipeline bucket. */
  outputPrefix: 'output/',
  /** The Glue CSV classifier that gives the header-less CSV output its column names (OutputColumns). */
  csvClassifier: (pipeline: string) => `${pipeline}-csv`,
  /** The EventBridge Scheduler schedule that starts the crawl-and-query machine for the pipeline. */
  validationSchedule: (pipeline: string) => `${pipeline}-validation`,
  /** The EventBridge rule that starts a re-deploy when a new code zip lands under the code prefix. */
  redeployRule: (pipeline: string) => `${pipeline}-redeploy`,
} as const;

/**
 * The job's output columns in file order (CSV lines and Parquet alike), then the partition columns the
 * sink writes into the path (Hive-style `ticker=.../dt=.../hr=...`; dt and hr only with partitionByTime).
 * The CSV classifier, the validation queries and the docs take the names from here.
 */
export const OutputColumns = [
  { name: 'window_end', type: 'timestamp' },
  { name: 'window_start', type: 'timestamp' },
  { name: 'avg_price', type: 'double' },
  { name: 'event_count', type: 'bigint' },
] as const;
export const OutputPartitionColumns = ['ticker', 'dt', 'hr'] as const;

/** The key prefix of an object key (`code/` of `code/flinkflow-app.zip`): what IAM grants objects under. */
export function keyPrefixOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/') + 1);
}

/**
 * How often the job checkpoints, in seconds. The file sink makes output visible only at a checkpoint,
 * so a window should not wait much longer than its own length to appear; below 10 s the checkpoint
 * overhead buys nothing for minute-scale windows, and above 60 s (the service's default) results lag
 * for no reason. CreateApplication configures it; the input's default health settle period counts in it.
 */
export function checkpointIntervalSeconds(windowSeconds: number): number {
  return Math.min(60, Math.max(10, windowSeconds));
}

/** One invalid field of the provisioning input and how to fix it. */
export interface InputProblem {
  /** Dotted path of the field, e.g. `stream.shardCount`; `$` for the document itself. */
  field: string;
  /** What is wrong and what to write instead. */
  message: string;
}

/** The one-line summary of a list of problems (InvalidInputError's message, the CLI's usage error). */
export function describeProblems(problems: readonly InputProblem[], document = 'provisioning input'): string {
  const lines = problems.map((p) => `${p.field}: ${p.message}`);
  return `Invalid ${document} (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${lines.join('; ')}`;
}

/** The Glue database the stack (and the local cloud) creates for the crawlers' tables, unless told otherwise. */
export const DefaultGlueDatabase = 'flinkflow';

/**
 * Environment-provided settings of the deployment (the stack sets these on the functions; the local
 * runner sets them from the local cloud). Read once at cold start, from DeploymentVariables.
 */
export interface DeploymentSettings {
  /** Where CDK put the Flink code zip (the asset). */
  codeAssetBucket: string;
  codeAssetKey: string;
  /** The Flink application's execution role and the crawler's role, made by the stack. */
  applicationRoleArn: string;
  crawlerRoleArn: string;
  /** The Glue database the crawler writes tables into. */
  glueDatabase: string;
  /** AWS account and region, for bucket names and ARNs. */
  account: string;
  region: string;
}

/**
 * The environment variable behind each deployment setting: the stack sets them on every task function
 * (infra/task-function.ts), the local cloud's deployment sets them for its runner, the tasks read them.
 * The account may be left unset (the tasks then ask STS); AWS_REGION is set by Lambda itself.
 */
export const DeploymentVariables = {
  codeAssetBucket: 'CODE_ASSET_BUCKET',
  codeAssetKey: 'CODE_ASSET_KEY',
  applicationRoleArn: 'APPLICATION_ROLE_ARN',
  crawlerRoleArn: 'CRAWLER_ROLE_ARN',
  glueDatabase: 'GLUE_DATABASE',
  account: 'AWS_ACCOUNT_ID',
  region: 'AWS_REGION',
} as const satisfies Record<keyof DeploymentSettings, string>;

/** The validated input with every default filled in and every name derived. Output of ValidateInput. */
export interface ProvisionConfig extends ProvisionSettings {
  region: string;
  account: string;
  /** The names below come from PipelineNames. */
  streamName: string;
  bucketName: string;
  codeKey: string;
  outputPrefix: string;
  applicationName: string;
  crawlerName: string;
  glueDatabase: string;
  tablePrefix: string;
  applicationRoleArn: string;
  crawlerRoleArn: string;
  codeAssetBucket: string;
  codeAssetKey: string;
}

/** The machine's state as it grows (JSONPath ResultPath of each task). */
export interface ProvisionExecutionState {
  input: ProvisionInput;
  config: ProvisionConfig;
  stream?: { streamName: string; streamArn: string; created: boolean };
  bucket?: { bucketName: string; bucketArn: string; created: boolean };
  code?: { bucketName: string; key: string; versionId: string; sha256: string };
  application?: { applicationName: string; applicationArn: string; versionId: number; created: boolean };
  /** Written by StartApplication (attempt 0) and by DescribeApplication on each poll. */
  status?: ApplicationStatusCheck;
  /** Written by each CheckApplicationHealth run (the health gate after RUNNING). */
  health?: ApplicationHealthCheck;
  crawler?: { crawlerName: string; created: boolean; classifierName: string };
  /** Written by CreateValidationSchedule: the schedule that starts the crawl-and-query machine. */
  validationSchedule?: { scheduleName: string; scheduleArn: string; expression: string; created: boolean };
  /** Set by the Catch path: the state that failed and the error Step Functions caught. */
  failedStep?: string;
  error?: { Error: string; Cause: string };
}

/**
 * Result of StartApplication (attempt 0) and of each DescribeApplication poll; the Choice state reads
 * `phase`, the Wait state `nextWaitSeconds`. A status that can never become RUNNING (READY, ROLLED_BACK,
 * FORCE_STOPPING, ...) is not a phase: DescribeApplication throws ApplicationStartFailedError with the
 * reason. TIMED_OUT routes to ForceStopApplication, which stops the app and throws
 * ApplicationStartTimeoutError, so every failure leaves through the same Catch path.
 */
export interface ApplicationStatusCheck {
  /** RUNNING -> go on; WAITING -> wait and poll again; TIMED_OUT -> force stop. */
  phase: 'RUNNING' | 'WAITING' | 'TIMED_OUT';
  startedAt: string;
  applicationStatus: string;
  applicationVersionId: number;
  attempt: number;
  /** Backing off: the Wait state's SecondsPath. */
  nextWaitSeconds: number;
  reason?: string;
}

/**
 * Result of each CheckApplicationHealth run, the health gate after RUNNING. The Choice state reads
 * `phase`, the Wait state `nextWaitSeconds`. The first run also confirms that the start operation ended
 * SUCCESSFUL. Metrics that are not there yet are unknown (null), never taken as healthy: when the settle
 * period ends without them, the phase is UNHEALTHY.
 */
export interface ApplicationHealthCheck {
  /** HEALTHY -> go on; SETTLING -> wait and check again; UNHEALTHY -> StopUnhealthyApplication. */
  phase: 'HEALTHY' | 'SETTLING' | 'UNHEALTHY';
  /** When the gate began (the first check after RUNNING), ISO-8601. */
  since: string;
  attempt: number;
  nextWaitSeconds: number;
  /** The start operation the gate confirmed, when the service reported one. */
  startOperationId?: string;
  /** The start operation's status when the gate last looked (IN_PROGRESS makes the next check look again). */
  startOperationStatus?: string;
  /** Job restarts since the job started (metric `numRestarts`, the highest value seen); null while unknown. */
  restarts: number | null;
  /** Completed checkpoints (metric `numberOfCompletedCheckpoints`); null while unknown. */
  completedCheckpoints: number | null;
  /** Failed checkpoints (metric `numberOfFailedCheckpoints`); null while unknown. */
  failedCheckpoints: number | null;
  /** Seconds the job has been watched so far. */
  observedSeconds: number;
  /** Why the phase is what it is, in a sentence (for UNHEALTHY: the job's exception when found). */
  reason?: string;
}

/** The health summary of a provisioned application (from the last health check, which was HEALTHY). */
export interface ProvisionHealthSummary {
  /** Job restarts seen (0 for a healthy application). */
  restarts: number;
  /** Checkpoints completed by the last check. */
  completedCheckpoints: number;
  /** Seconds the job was watched before it was declared healthy. */
  settleSeconds: number;
  /** How many health checks ran. */
  checks: number;
}

/** What a successful provisioning execution returns. */
export interface ProvisionOutput {
  pipelineName: string;
  streamName: string;
  streamArn: string;
  bucketName: string;
  codeObject: { key: string; versionId: string };
  applicationName: string;
  applicationArn: string;
  applicationVersionId: number;
  applicationStatus: string;
  crawlerName: string;
  /** The validation schedule's expression (the input's crawlSchedule: it now starts crawl-and-query). */
  crawlSchedule: string;
  /** The EventBridge Scheduler schedule that starts the crawl-and-query machine (PipelineNames.validationSchedule). */
  validationScheduleName: string;
  validationScheduleArn: string;
  glueDatabase: string;
  outputLocation: string;
  /** What the health gate saw before declaring the application healthy. */
  health: ProvisionHealthSummary;
  timings: { startedAt: string; finishedAt: string };
}

/** The failure document DescribeFailure produces; becomes the Fail state's Cause (JSON). */
export interface ProvisionFailure {
  failedStep: string;
  error: string;
  cause: string;
  /** Resources that exist after the failure (made by this or an earlier execution), by kind. */
  existingResources: Array<{ kind: string; name: string; arn?: string }>;
}

/**
 * The tag every taggable pipeline resource carries (value: the pipeline name). CreateApplication and
 * CreateCrawler support no resource-level permission, so IAM requires this tag on their requests instead
 * (infra/task-permissions.ts): the handlers must always send it.
 */
export const PipelineTagKey = 'flinkflow:pipeline';
