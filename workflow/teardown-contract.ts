/**
 * The teardown machine's contract: its state names, its input's one schema, its resolved configuration
 * and what it returns. The resource names come from PipelineNames (contract.ts), the same functions the
 * provisioning machine and the stack's IAM patterns use, so teardown deletes exactly what was made.
 */
import * as z from 'zod';
import { PipelineNames, type InputProblem } from './contract';
import { pipelineNameSchema, problemsOf } from './provision-input';

/** Names of the teardown machine's states. The local runner binds Lambda tasks by these names. */
export const TeardownState = {
  ValidateTeardownInput: 'ValidateTeardownInput',
  DeleteValidationSchedule: 'DeleteValidationSchedule',
  DeleteRedeployRule: 'DeleteRedeployRule',
  StopApplicationForTeardown: 'StopApplicationForTeardown',
  IsApplicationStopped: 'IsApplicationStopped',
  WaitForApplicationStop: 'WaitForApplicationStop',
  DeleteApplication: 'DeleteApplication',
  DeleteStream: 'DeleteStream',
  DeleteCrawler: 'DeleteCrawler',
  DeleteCatalogTables: 'DeleteCatalogTables',
  DeleteCsvClassifier: 'DeleteCsvClassifier',
  IsDataKept: 'IsDataKept',
  EmptyBucket: 'EmptyBucket',
  IsBucketEmpty: 'IsBucketEmpty',
  DeleteBucket: 'DeleteBucket',
  SummarizeTeardown: 'SummarizeTeardown',
  TornDown: 'TornDown',
  /** The stop loop's backstop: reached only if the stop task misreported its phase. */
  ApplicationNotStopped: 'ApplicationNotStopped',
} as const;
export type TeardownStateName = (typeof TeardownState)[keyof typeof TeardownState];

/** The Lambda-backed states of the teardown machine (one function, one handler folder each). */
export const TeardownLambdaTasks = [
  TeardownState.ValidateTeardownInput,
  TeardownState.DeleteValidationSchedule,
  TeardownState.DeleteRedeployRule,
  TeardownState.StopApplicationForTeardown,
  TeardownState.DeleteApplication,
  TeardownState.DeleteStream,
  TeardownState.DeleteCrawler,
  TeardownState.DeleteCatalogTables,
  TeardownState.DeleteCsvClassifier,
  TeardownState.EmptyBucket,
  TeardownState.DeleteBucket,
  TeardownState.SummarizeTeardown,
] as const;
export type TeardownLambdaTask = (typeof TeardownLambdaTasks)[number];

/** The teardown input: which pipeline, and what to keep. Built per call, as the provisioning input's schema is. */
export function teardownInputSchema() {
  return z
    .strictObject(
      {
        pipelineName: pipelineNameSchema(undefined),
        keepData: z
          .boolean({ error: (issue) => `must be true or false, got ${JSON.stringify(issue.input)}` })
          .default(false)
          .meta({
            description:
              "Keep the pipeline's bucket (code and output, every version) and the application's log group; everything else is deleted.",
          }),
        snapshot: z
          .boolean({ error: (issue) => `must be true or false, got ${JSON.stringify(issue.input)}` })
          .default(true)
          .meta({
            description:
              'Stop a RUNNING application normally, which makes the service take a snapshot first; false force-stops it without one.',
          }),
      },
      {
        error: (issue) => (issue.code === 'unrecognized_keys' ? 'is not a teardown input field' : undefined),
      },
    )
    .meta({ description: 'The input of a teardown execution. Only pipelineName is required.' });
}

export const TeardownInputSchema = teardownInputSchema();

/** The published JSON Schema of the input (draft 2020-12), as docs/teardown-input.schema.json holds it. */
export function teardownInputJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(teardownInputSchema(), { io: 'input', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
}

export type TeardownInput = z.input<typeof TeardownInputSchema>;
export type TeardownSettings = z.output<typeof TeardownInputSchema>;

/** Checks a raw teardown document; every problem at once, never a throw. */
export function resolveTeardownInput(
  raw: unknown,
): { ok: true; settings: TeardownSettings } | { ok: false; problems: InputProblem[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      problems: [
        { field: '$', message: `the input must be a JSON object such as {"pipelineName": "ticks-demo"}` },
      ],
    };
  }
  const parsed = teardownInputSchema().safeParse(raw);
  return parsed.success
    ? { ok: true, settings: parsed.data }
    : { ok: false, problems: problemsOf(parsed.error.issues) };
}

/** The validated input with every name derived: the output of ValidateTeardownInput, at `$.config`. */
export interface TeardownConfig extends TeardownSettings {
  region: string;
  account: string;
  applicationName: string;
  applicationLogGroup: string;
  streamName: string;
  bucketName: string;
  crawlerName: string;
  glueDatabase: string;
  tablePrefix: string;
  csvClassifierName: string;
  validationScheduleName: string;
  /** EventBridge Scheduler's group of the validation schedule (the account's default group). */
  scheduleGroupName: string;
  redeployRuleName: string;
  /** The event bus of the redeploy rule (S3's events go to the default bus). */
  eventBusName: string;
}

/** Derives every name teardown deletes from the pipeline name, as provisioning derived them. */
export function teardownConfig(
  settings: TeardownSettings,
  deployment: { account: string; region: string; glueDatabase: string },
): TeardownConfig {
  const p = settings.pipelineName;
  return {
    ...settings,
    region: deployment.region,
    account: deployment.account,
    applicationName: PipelineNames.application(p),
    applicationLogGroup: PipelineNames.applicationLogGroup(p),
    streamName: PipelineNames.stream(p),
    bucketName: PipelineNames.bucket(p, deployment.account, deployment.region),
    crawlerName: PipelineNames.crawler(p),
    glueDatabase: deployment.glueDatabase,
    tablePrefix: PipelineNames.tablePrefix(p),
    csvClassifierName: PipelineNames.csvClassifier(p),
    validationScheduleName: PipelineNames.validationSchedule(p),
    scheduleGroupName: 'default',
    redeployRuleName: PipelineNames.redeployRule(p),
    eventBusName: 'default',
  };
}

/** What happened to one resource: deleted now, found already deleted, or left in place on purpose. */
export type TeardownOutcome = 'removed' | 'alreadyGone' | 'kept';

export const TeardownResourceKinds = [
  'schedule',
  'rule',
  'application',
  'logGroup',
  'stream',
  'crawler',
  'table',
  'classifier',
  'objects',
  'bucket',
] as const;
export type TeardownResourceKind = (typeof TeardownResourceKinds)[number];

export interface TeardownResource {
  kind: TeardownResourceKind;
  name: string;
  outcome: TeardownOutcome;
  /** What was done or found, in a few words (e.g. "2 targets removed first", "was DELETING"). */
  detail?: string;
}

/** What every deleting task returns (at `$.steps.<task>`). */
export interface TeardownStepResult {
  resources: TeardownResource[];
}

/**
 * StopApplicationForTeardown's result (at `$.stop`): the Choice reads `phase`, the Wait
 * `nextWaitSeconds`. STOPPED covers READY, and an application that does not exist.
 */
export interface ApplicationStopCheck {
  phase: 'STOPPED' | 'STOPPING';
  /** The status the application was in when the teardown first found it (or `absent`). */
  initialStatus: string;
  /** The status at the last check. */
  status: string;
  /** Whether the stop this teardown requested was a normal stop, which takes a snapshot. */
  stopRequested?: 'snapshot' | 'force';
  attempt: number;
  nextWaitSeconds: number;
  /** When the first check ran, ISO-8601; the stop wait is bounded from here. */
  since: string;
}

/** EmptyBucket's result (at `$.emptyBucket`); the Choice loops while `more` is true. */
export interface EmptyBucketProgress {
  bucketName: string;
  /** False when the bucket does not exist (nothing to empty, nothing to delete). */
  exists: boolean;
  /** Object versions and delete markers deleted so far, over every run of the loop. */
  deleted: number;
  /** Listing pages handled so far. */
  pages: number;
  more: boolean;
  invocations: number;
}

/** The execution state as it grows. */
export interface TeardownExecutionState {
  input?: unknown;
  config: TeardownConfig;
  stop?: ApplicationStopCheck;
  emptyBucket?: EmptyBucketProgress;
  steps?: Partial<Record<TeardownLambdaTask, TeardownStepResult>>;
}

/** What a successful teardown returns. */
export interface TeardownOutput {
  pipelineName: string;
  keepData: boolean;
  snapshot: boolean;
  /** How the application was stopped before its deletion (absent when it did not exist). */
  applicationStop?: { from: string; how: 'snapshot' | 'force' | 'none' };
  removed: TeardownResource[];
  alreadyGone: TeardownResource[];
  kept: TeardownResource[];
  /** Object versions and delete markers deleted from the bucket. */
  deletedObjectVersions: number;
}
