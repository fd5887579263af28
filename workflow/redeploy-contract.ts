/**
 * The contract of the redeploy machine (workflow/redeploy.ts): its state names, its input schema, the
 * shapes of its execution state and outputs, and the names that make a re-deploy idempotent (the
 * execution name and the snapshot name derive from the code object's key and version).
 *
 * The machine updates a RUNNING application to a new code zip: pre-flight the zip, snapshot the
 * application, UpdateApplication with the object version and the ConditionalToken, follow the update
 * to RUNNING, the health gate, success; any failure after the update rolls back to the previous version.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import {
  ErrorName,
  keyPrefixOf,
  PipelineNames,
  type ApplicationHealthCheck,
  type ApplicationStatusCheck,
  type InputProblem,
} from './contract';
import type { CanaryStatus } from './canary-contract';
import { describeValue, problemsOf } from './provision-input';

/** Names of the redeploy machine's states. The local runner binds Lambda tasks by these names. */
export const RedeployState = {
  ValidateRedeploy: 'ValidateRedeploy',
  IsAlreadyDeployed: 'IsAlreadyDeployed',
  PreflightCode: 'PreflightCode',
  SnapshotApplication: 'SnapshotApplication',
  UpdateApplicationCode: 'UpdateApplicationCode',
  WaitBeforeUpdateCheck: 'WaitBeforeUpdateCheck',
  DescribeUpdate: 'DescribeUpdate',
  IsUpdateRunning: 'IsUpdateRunning',
  /** The provisioning machine's health gate, the same handler (lambdas/check-application-health). */
  CheckApplicationHealth: 'CheckApplicationHealth',
  WaitBeforeHealthCheck: 'WaitBeforeHealthCheck',
  IsApplicationHealthy: 'IsApplicationHealthy',
  /** The canary (workflow/canary-contract.ts): after HEALTHY, unless the input turns it off. */
  IsCanaryEnabled: 'IsCanaryEnabled',
  RunCanary: 'RunCanary',
  WaitBeforeCanaryCheck: 'WaitBeforeCanaryCheck',
  IsCanaryDone: 'IsCanaryDone',
  CanaryFailed: 'CanaryFailed',
  CanaryDidNotFinish: 'CanaryDidNotFinish',
  CanarySkipped: 'CanarySkipped',
  CollectRedeployOutputs: 'CollectRedeployOutputs',
  CollectAlreadyDeployedOutputs: 'CollectAlreadyDeployedOutputs',
  Redeployed: 'Redeployed',
  /** Pass states that record why the update is being rolled back when no task threw. */
  UpdateDidNotRun: 'UpdateDidNotRun',
  ApplicationNotHealthy: 'ApplicationNotHealthy',
  RollbackApplication: 'RollbackApplication',
  WaitBeforeRollbackCheck: 'WaitBeforeRollbackCheck',
  DescribeRollback: 'DescribeRollback',
  IsRollbackDone: 'IsRollbackDone',
  DescribeRedeployFailure: 'DescribeRedeployFailure',
  RedeployFailed: 'RedeployFailed',
} as const;
export type RedeployStateName = (typeof RedeployState)[keyof typeof RedeployState];

/** The Lambda-backed states of the redeploy machine. */
export const RedeployLambdaTasks = [
  RedeployState.ValidateRedeploy,
  RedeployState.PreflightCode,
  RedeployState.SnapshotApplication,
  RedeployState.UpdateApplicationCode,
  RedeployState.DescribeUpdate,
  RedeployState.CheckApplicationHealth,
  RedeployState.RunCanary,
  RedeployState.RollbackApplication,
  RedeployState.DescribeRollback,
  RedeployState.DescribeRedeployFailure,
] as const;
export type RedeployLambdaTask = (typeof RedeployLambdaTasks)[number];

/** Tasks that run before the application is touched: their failure leaves it as it was, no rollback. */
export const RedeployTasksBeforeUpdate = [
  RedeployState.ValidateRedeploy,
  RedeployState.PreflightCode,
  RedeployState.SnapshotApplication,
] as const;

/**
 * Tasks from the update on: their failure goes to RollbackApplication. UpdateApplicationCode is one of
 * them because a call that timed out may still have been applied; RollbackApplication finds out.
 */
export const RedeployTasksAfterUpdate = [
  RedeployState.UpdateApplicationCode,
  RedeployState.DescribeUpdate,
  RedeployState.CheckApplicationHealth,
  RedeployState.RunCanary,
] as const;

/** The Lambda function behind the EventBridge rule that starts the machine (not a state of it). */
export const StartRedeployTask = 'StartRedeploy';

/** The environment variable with the redeploy machine's ARN, which infra/redeploy.ts sets on the starter. */
export const RedeployMachineVariable = 'REDEPLOY_STATE_MACHINE_ARN';

/** The Lambda functions of a re-deploy: the machine's tasks and the starter. */
export type RedeployFunctionName = RedeployLambdaTask | typeof StartRedeployTask;

/** Error names the redeploy tasks add to the provisioning ones (ErrorName in contract.ts). */
export const RedeployErrorName = {
  /** The application is not RUNNING, so there is no running job to update (provision or start it first). */
  ApplicationNotRunning: 'ApplicationNotRunningError',
  /** The update did not reach RUNNING (its operation failed, or it timed out); the execution rolled back. */
  UpdateFailed: 'UpdateFailedError',
  /** The snapshot of the running application did not become READY. Nothing was changed. */
  SnapshotFailed: 'SnapshotFailedError',
  /** The update ran and failed; the execution rolled back (the cause says to which version). */
  RedeployRolledBack: 'RedeployRolledBackError',
  /** The canary's checks failed on the new version's windows; the execution rolled back. */
  CanaryFailed: 'CanaryFailedError',
  /** The update failed and so did the rollback: the cause says what runs now and what to do. */
  RollbackFailed: 'RollbackFailedError',
} as const;

/** The error names the redeploy machine's Fail state can carry. */
export const RedeployFailureErrors = [
  ...Object.values(RedeployErrorName),
  ErrorName.InvalidInput,
  ErrorName.InvalidCode,
  ErrorName.ResourceConflict,
] as const;

/** Default time allowed for the update (and for a rollback) to reach RUNNING, in seconds. */
export const DefaultRedeployStartTimeoutSeconds = 900;

const ExecutionNameHashChars = 24;

/**
 * The name of the execution that deploys one object version: the pipeline and a hash of the object's
 * bucket, key and version id. StartExecution with a name that an open execution has (same input) returns
 * that execution, and with a closed one's name fails with ExecutionAlreadyExists (StartExecution API
 * reference), so a duplicated or replayed S3 event starts nothing new. At most 32 + 1 + 24 characters,
 * inside the 80 allowed, and only [a-z0-9-], which CloudWatch logging of executions requires.
 */
export function redeployExecutionName(object: {
  bucketName: string;
  key: string;
  versionId: string;
}): string {
  const pipeline = pipelineOfBucketName(object.bucketName);
  if (pipeline === undefined) {
    throw new Error(
      `${object.bucketName} is not a pipeline bucket (flinkflow-<pipeline>-<account>-<region>); only uploads to one start a re-deploy`,
    );
  }
  return `${pipeline}-${objectHash(object)}`;
}

/** The snapshot taken before the update: named after the object version, so a retried task finds it. */
export function redeploySnapshotName(object: { bucketName: string; key: string; versionId: string }): string {
  return `redeploy-${objectHash(object)}`;
}

function objectHash(object: { bucketName: string; key: string; versionId: string }): string {
  return createHash('sha256')
    .update(`${object.bucketName}\n${object.key}\n${object.versionId}`)
    .digest('hex')
    .slice(0, ExecutionNameHashChars);
}

/** The pipeline a bucket belongs to (`flinkflow-<pipeline>-<account>-<region>`), when its name says so. */
export function pipelineOfBucketName(bucketName: string): string | undefined {
  const match = /^flinkflow-([a-z](?:[a-z0-9]|-(?!-))*[a-z0-9])-(\d{12})-([a-z]{2}(?:-[a-z]+)+-\d)$/.exec(
    bucketName,
  );
  return match?.[1];
}

/** The key prefix a code upload must be under to start a re-deploy (`code/`). */
export const CodePrefix = keyPrefixOf(PipelineNames.codeKey);

const PIPELINE_NAME = /^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;
type Issue = { input?: unknown; code?: string };

/** Whole seconds in a range, every failure (not a number, a fraction, out of range) with one message. */
function seconds(min: number, max: number, fallback: string) {
  const error = (issue: Issue) =>
    `must be a whole number of seconds from ${min} to ${max}, got ${describeValue(issue.input)}; omit it for ${fallback}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

/**
 * The redeploy machine's input: which object version to deploy to which pipeline, and the gate's limits.
 * Built per call, as the provisioning input's schema is (mutation testing charges a module-level schema to
 * whichever test loaded the module first).
 */
export function redeployInputSchema() {
  return z.strictObject(
    {
      pipelineName: z
        .string({ error: (i: Issue) => `must be the pipeline's name, got ${describeValue(i.input)}` })
        .regex(PIPELINE_NAME, {
          error: (i: Issue) => `must be a pipeline name such as "ticks-demo", got ${describeValue(i.input)}`,
        }),
      bucketName: z.string({
        error: (i: Issue) => `must be the pipeline's bucket name, got ${describeValue(i.input)}`,
      }),
      key: z
        .string({ error: (i: Issue) => `must be the code zip's object key, got ${describeValue(i.input)}` })
        .refine(
          (key) => key.startsWith(CodePrefix) && key.endsWith('.zip') && key.length > CodePrefix.length,
          {
            error: (i: Issue) =>
              `must be a .zip object under "${CodePrefix}" (the code prefix), got ${describeValue(i.input)}; upload the zip as ${PipelineNames.codeKey}`,
          },
        ),
      versionId: z
        .string({
          error: (i: Issue) =>
            `must be the object's version id (the bucket is versioned), got ${describeValue(i.input)}`,
        })
        .min(1, { error: 'is empty; it must be the object version the upload created' })
        .refine((v) => v !== 'null', {
          error: 'is "null": the object has no version, so the application cannot pin it; turn versioning on',
        }),
      healthSettleSeconds: seconds(
        10,
        3600,
        "two checkpoint intervals of the application's window",
      ).optional(),
      startTimeoutSeconds: seconds(60, 3600, `${DefaultRedeployStartTimeoutSeconds} s`).default(
        DefaultRedeployStartTimeoutSeconds,
      ),
      canary: z
        .boolean({
          error: (i: Issue) =>
            `must be true or false (run the canary checks after the health gate), got ${describeValue(i.input)}; omit it for true`,
        })
        .default(true),
    },
    {
      error: (i: Issue) =>
        i.code === 'unrecognized_keys'
          ? 'is not a known field (typo?); known fields: pipelineName, bucketName, key, versionId, healthSettleSeconds, startTimeoutSeconds, canary'
          : `the redeploy input must be a JSON object, got ${describeValue(i.input)}`,
    },
  );
}

export const RedeployInputSchema = redeployInputSchema();

/** The published JSON Schema of the input (draft 2020-12), as docs/redeploy-input.schema.json holds it. */
export function redeployInputJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(redeployInputSchema(), { io: 'input', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
}
export type RedeployInput = z.input<typeof RedeployInputSchema>;
export type RedeploySettings = z.output<typeof RedeployInputSchema>;

/** Checks a raw redeploy input; every problem at once, never a throw. */
export function resolveRedeployInput(
  raw: unknown,
): { ok: true; settings: RedeploySettings } | { ok: false; problems: InputProblem[] } {
  const parsed = redeployInputSchema().safeParse(raw);
  return parsed.success
    ? { ok: true, settings: parsed.data }
    : { ok: false, problems: problemsOf(parsed.error.issues) };
}

/** What the application ran before the update: what a rollback returns to. */
export interface RedeployPrevious {
  applicationVersionId: number;
  applicationStatus: string;
  fileKey?: string;
  objectVersion?: string;
}

/** The validated input with what ValidateRedeploy read from the application. */
export interface RedeployConfig {
  pipelineName: string;
  region: string;
  account: string;
  applicationName: string;
  bucketName: string;
  key: string;
  versionId: string;
  snapshotName: string;
  runtime: string;
  /** The run options' files inside the zip (from the application's properties). */
  runOptions: { python: string; jarfile: string };
  healthSettleSeconds: number;
  startTimeoutSeconds: number;
  /** Run the canary after the health gate (input `canary`, default true). */
  canary: boolean;
  /** The application already runs this object version (a repeated upload event): nothing to do. */
  alreadyDeployed: boolean;
  previous: RedeployPrevious;
}

/** Result of PreflightCode. */
export interface PreflightResult {
  sizeBytes: number;
  passed: string[];
}

/** Result of SnapshotApplication. */
export interface RedeploySnapshot {
  snapshotName: string;
  snapshotStatus: string;
  /** True when an earlier attempt of this re-deploy had taken it already. */
  reused: boolean;
}

/** Result of UpdateApplicationCode. */
export interface RedeployUpdate {
  operationId?: string;
  fromApplicationVersionId: number;
  toApplicationVersionId: number;
  startedAt: string;
  /** ConcurrentModificationException answers seen before the update went through (retried on fresh state). */
  conflicts: number;
}

/**
 * Result of DescribeUpdate: the provisioning status check's shape (the health gate reads `startedAt`),
 * with the update operation's outcome. FAILED covers the operation failing and the service rolling the
 * application back by itself (`systemRollbackOperationId`).
 */
export interface RedeployUpdateStatus extends Omit<ApplicationStatusCheck, 'phase'> {
  phase: 'RUNNING' | 'WAITING' | 'FAILED' | 'TIMED_OUT';
  operationStatus: string;
  systemRollbackOperationId?: string;
  /** Always set, so that a failure phase carries its reason into the rollback path. */
  reason: string;
}

/** Why the execution is rolling back or failing: written by the failure markers. */
export interface RedeployWhy {
  failedStep: string;
  error: string;
  cause: string;
}

/** Result of RollbackApplication (attempt 0) and DescribeRollback (each poll). */
export interface RedeployRollback {
  /** requested: this execution called RollbackApplication; system: the service rolled back by itself;
   * not-needed: the update never took effect, the previous version still runs. */
  kind: 'requested' | 'system' | 'not-needed';
  operationId?: string;
  startedAt: string;
  attempt: number;
  phase: 'DONE' | 'WAITING';
  nextWaitSeconds: number;
  applicationStatus: string;
  applicationVersionId: number;
  objectVersion?: string;
}

/** The execution state as it grows. */
export interface RedeployExecutionState {
  input: RedeployInput;
  config: RedeployConfig;
  preflight?: PreflightResult;
  snapshot?: RedeploySnapshot;
  update?: RedeployUpdate;
  status?: RedeployUpdateStatus;
  health?: ApplicationHealthCheck;
  /** Written by each RunCanary call. */
  canary?: CanaryStatus;
  why?: RedeployWhy;
  rollback?: RedeployRollback;
  /** Written by a task's Catch before its failure marker turns it into `why`. */
  error?: { Error: string; Cause: string };
  /** Written by the Catch of RollbackApplication and DescribeRollback: the rollback itself failed. */
  rollbackError?: { Error: string; Cause: string };
}

/** What a successful re-deploy returns. */
export interface RedeployOutput {
  pipelineName: string;
  applicationName: string;
  codeObject: { key: string; versionId: string };
  /** The application version that runs the new code (or already ran it). */
  applicationVersionId: number;
  previous: RedeployPrevious;
  alreadyDeployed: boolean;
  snapshotName: string;
  health?: { restarts: number; completedCheckpoints: number; settleSeconds: number; checks: number };
  /** The canary's last status with its verdict (PASSED), or SKIPPED when the input turned it off. */
  canary?: CanaryStatus | { phase: 'SKIPPED' };
  timings: { startedAt: string; updateStartedAt?: string; finishedAt: string };
}

/** The failure document: the Fail state's cause (JSON). Says which version runs now and why. */
export interface RedeployFailure {
  pipelineName: string;
  failedStep: string;
  error: string;
  reason: string;
  /** The object version the execution tried to deploy. */
  attemptedObjectVersion: string;
  rolledBack: boolean;
  rollbackKind?: RedeployRollback['kind'];
  /** What runs now, as DescribeApplication reports it (absent when it could not be read). */
  running?: { applicationVersionId: number; applicationStatus: string; objectVersion?: string };
  snapshotName?: string;
  /** One sentence: what runs now and what to do. */
  summary: string;
}

/**
 * The `reason` of the S3 events that are not re-deploys: CopyObject is how provisioning's UploadCode puts
 * the code in the bucket, and that copy is the application's first version, not a new one. Uploads
 * arrive as PutObject, POST Object or CompleteMultipartUpload (S3 user guide, "EventBridge event message
 * structure", the detail's `reason`).
 */
export const NotARedeployReasons = ['CopyObject'] as const;

/**
 * The EventBridge pattern of the redeploy rule: S3's "Object Created" events of any pipeline bucket in
 * this account and region, for keys under the code prefix, except copies. S3 sends these to the default
 * bus once the bucket has EventBridge notifications on (CreateBucket turns them on).
 */
export function redeployEventPattern(
  account: string,
  region: string,
  copyReasons: readonly string[] = NotARedeployReasons,
): Record<string, unknown> {
  return {
    source: ['aws.s3'],
    'detail-type': ['Object Created'],
    account: [account],
    region: [region],
    detail: {
      bucket: { name: [{ wildcard: PipelineNames.bucket('*', account, region) }] },
      object: { key: [{ prefix: CodePrefix }] },
      reason: [{ 'anything-but': [...copyReasons] }],
    },
  };
}
