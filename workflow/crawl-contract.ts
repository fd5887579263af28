/**
 * The contract of the crawl-and-query machine: its state names, Lambda tasks, the errors it adds, its
 * execution state and the verdict it ends with. The machine (workflow/crawl-and-query.ts), its tasks
 * (lambdas/), the local cloud and the tests take every name from here. The input's schema (fields,
 * defaults, messages) is in crawl-input.ts, next to this file.
 */
import { DeploymentVariables } from './contract';
import type { CrawlInput, CrawlSettings } from './crawl-input';

export type { CrawlInput, CrawlSettings };

/** Names of the crawl-and-query machine's states. The local runner binds Lambda tasks by these names. */
export const CrawlState = {
  ValidateCrawlInput: 'ValidateCrawlInput',
  StartCrawl: 'StartCrawl',
  WaitForCrawl: 'WaitForCrawl',
  GetCrawlStatus: 'GetCrawlStatus',
  IsCrawlDone: 'IsCrawlDone',
  CrawlTimedOut: 'CrawlTimedOut',
  CheckTable: 'CheckTable',
  StartQueries: 'StartQueries',
  WaitForQueries: 'WaitForQueries',
  GetQueryStatus: 'GetQueryStatus',
  AreQueriesDone: 'AreQueriesDone',
  QueriesTimedOut: 'QueriesTimedOut',
  EvaluateChecks: 'EvaluateChecks',
  PublishVerdict: 'PublishVerdict',
  Validated: 'Validated',
  ValidationFailed: 'ValidationFailed',
} as const;
export type CrawlStateName = (typeof CrawlState)[keyof typeof CrawlState];

/** The Lambda-backed states of the crawl-and-query machine (one function, one handler folder each). */
export const CrawlLambdaTasks = [
  CrawlState.ValidateCrawlInput,
  CrawlState.StartCrawl,
  CrawlState.GetCrawlStatus,
  CrawlState.CheckTable,
  CrawlState.StartQueries,
  CrawlState.GetQueryStatus,
  CrawlState.EvaluateChecks,
  CrawlState.PublishVerdict,
] as const;
export type CrawlLambdaTask = (typeof CrawlLambdaTasks)[number];

/** The Pass state a failed task's Catch leads to: it records the task's name before ValidationFailed. */
export type CrawlFailedStepStateName = `${CrawlLambdaTask}Failed`;
export function crawlFailedStepState(task: CrawlLambdaTask): CrawlFailedStepStateName {
  return `${task}Failed`;
}

/**
 * Error names the crawl-and-query tasks add to the contract's ErrorName (InvalidInputError and
 * TransientError keep their meaning). Each ends the execution FAILED: the validation could not run.
 */
export const CrawlErrorName = {
  /** The last crawl ended FAILED or CANCELLED; the cause carries Glue's error message. */
  CrawlFailed: 'CrawlFailedError',
  /** The crawler was still running when the crawl's time budget ended. */
  CrawlTimeout: 'CrawlTimeoutError',
  /** The crawler made no table, or a table without the expected columns and partition keys. */
  TableMismatch: 'TableMismatchError',
  /** An Athena query ended FAILED or CANCELLED; the cause carries Athena's StateChangeReason. */
  QueryFailed: 'QueryFailedError',
  /** The queries were still running when their time budget ended. */
  QueryTimeout: 'QueryTimeoutError',
} as const;
export type CrawlErrorNameValue = (typeof CrawlErrorName)[keyof typeof CrawlErrorName];

/** The checks of the validation suite, in the order the verdict lists them. */
export const ValidationChecks = [
  'freshness',
  'completeness',
  'uniqueness',
  'sanity',
  'volume',
  'scanCost',
] as const;
export type ValidationCheckName = (typeof ValidationChecks)[number];

/** The CloudWatch namespace of the per-check metrics (dimensions Pipeline and Check; 1 passed, 0 failed). */
export const ValidationMetricNamespace = 'flinkflow/Validation';

/**
 * The deployment's settings of the crawl-and-query tasks, read from their environment (the stack sets
 * them; the local cloud's deployment sets them for its runner).
 */
export interface CrawlDeploymentSettings {
  /** The Glue database the crawlers write tables into. */
  glueDatabase: string;
  /** The Athena workgroup the queries run in (its result location and scan cutoff are enforced). */
  athenaWorkGroup: string;
  /** The SNS topic a failing verdict is published to. */
  verdictTopicArn: string;
  account: string;
  region: string;
}

/** The environment variable behind each crawl-and-query deployment setting. */
export const CrawlDeploymentVariables = {
  glueDatabase: DeploymentVariables.glueDatabase,
  athenaWorkGroup: 'ATHENA_WORKGROUP',
  verdictTopicArn: 'VERDICT_TOPIC_ARN',
  account: DeploymentVariables.account,
  region: DeploymentVariables.region,
} as const satisfies Record<keyof CrawlDeploymentSettings, string>;

/**
 * The environment variables of the provisioning task CreateValidationSchedule: the schedule's target
 * (the crawl-and-query machine), the role the scheduler assumes and the queue of failed starts.
 */
export const ValidationScheduleVariables = {
  crawlStateMachineArn: 'CRAWL_STATE_MACHINE_ARN',
  schedulerRoleArn: 'SCHEDULER_ROLE_ARN',
  deadLetterQueueArn: 'VALIDATION_DLQ_ARN',
} as const;
export type ValidationScheduleSettings = Record<keyof typeof ValidationScheduleVariables, string>;

/** The validated crawl input with every default filled in and every name derived. */
export interface CrawlConfig extends CrawlSettings {
  region: string;
  account: string;
  crawlerName: string;
  glueDatabase: string;
  /** The table the crawler makes for the output folder (PipelineNames.tablePrefix + the folder). */
  tableName: string;
  streamName: string;
  athenaWorkGroup: string;
  verdictTopicArn: string;
  /** The execution, for idempotent query tokens (ClientRequestToken) and the verdict. */
  executionId: string;
  /** The moment the checks measure against: the execution's start (fixed across retries). */
  asOf: string;
}

/** Result of StartCrawl and of each GetCrawlStatus poll; the Choice reads `phase`, the Wait `nextWaitSeconds`. */
export interface CrawlStatus {
  /** READY -> check the table; WAITING -> wait and poll again. */
  phase: 'READY' | 'WAITING';
  crawlerName: string;
  /** When this execution started (or found) the crawl, ISO-8601. */
  startedAt: string;
  /** True when StartCrawler found a crawl already running: that crawl is waited for. */
  alreadyRunning: boolean;
  /** Glue's crawler state (RUNNING, STOPPING, READY). */
  crawlerState: string;
  attempt: number;
  nextWaitSeconds: number;
  /** Glue's LastCrawl once READY. */
  lastCrawl?: { status: string; startTime?: string; errorMessage?: string };
}

/** Result of CheckTable: the table the queries read. */
export interface TableCheck {
  tableName: string;
  columns: string[];
  partitionKeys: string[];
  location: string;
}

/** One query of the suite as StartQueries started it. */
export interface StartedQuery {
  /** The query's name (a check's, or a helper query such as volume's). */
  name: string;
  queryExecutionId: string;
}

/** Result of StartQueries. */
export interface StartedQueries {
  queries: StartedQuery[];
  startedAt: string;
}

/** Result of each GetQueryStatus poll. */
export interface QueryStatus {
  /** DONE -> evaluate; WAITING -> wait and poll again. */
  phase: 'DONE' | 'WAITING';
  attempt: number;
  queries: Array<{ name: string; queryExecutionId: string; state: string; bytesScanned: number | null }>;
}

/** One check's line in the verdict. */
export interface CheckVerdict {
  check: ValidationCheckName;
  passed: boolean;
  /** What was measured (minutes, rows, events, bytes...); null when nothing could be measured. */
  value: number | null;
  threshold: number;
  /** What the value means and, on failure, what was found (e.g. the missing tickers and windows). */
  detail: string;
  /** The Athena query the check read (absent for checks over other queries' statistics). */
  queryExecutionId?: string;
  bytesScanned?: number;
}

/** The execution's output: the verdict of the suite. */
export interface ValidationVerdict {
  pipelineName: string;
  /** True when every check passed. */
  passed: boolean;
  /** The checks that failed, by name (empty when passed). */
  failed: ValidationCheckName[];
  /** The moment the checks measured against (the execution's start). */
  asOf: string;
  table: string;
  checks: CheckVerdict[];
  /** Athena queries run and bytes they scanned in all. */
  queries: number;
  bytesScanned: number;
}

/** Result of PublishVerdict. */
export interface VerdictPublication {
  metrics: number;
  /** The SNS message id when a failing verdict was published. */
  notificationId?: string;
}

/** The machine's state as it grows (JSONPath ResultPath of each task). */
export interface CrawlExecutionState {
  input: CrawlInput;
  config: CrawlConfig;
  crawl?: CrawlStatus;
  table?: TableCheck;
  started?: StartedQueries;
  queryStatus?: QueryStatus;
  verdict?: ValidationVerdict;
  published?: VerdictPublication;
  failedStep?: string;
  error?: { Error: string; Cause: string };
}

/** What ValidateCrawlInput receives: the execution input and the context it reads. */
export interface CrawlValidationRequest {
  input: unknown;
  executionId: string;
  startTime: string;
}
