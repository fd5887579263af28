/**
 * The crawl-and-query state machine as a CDK chain: crawl the pipeline's output, check the table, run
 * the validation suite's Athena queries and end with the verdict. Like the provisioning chain
 * (provisioning.ts) it uses only JSONPath and Lambda task resources, so the one definition runs on
 * Step Functions and on aws-local-stepfunctions alike; the orchestrator stack deploys it with the real
 * functions (infra/crawl-and-query.ts), the renderer (render-crawl.ts) with stand-ins.
 *
 * A failed check is not a failed execution: the machine measured what it was asked to, so it ends
 * SUCCEEDED with the verdict (`passed: false`) as its output, a metric per check and an SNS message.
 * An execution FAILS when it could not measure: the crawl failed or timed out, the table is not what
 * the pipeline writes, a query failed (Athena's reason in the cause) or timed out, or publishing failed.
 */
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  CrawlErrorName,
  CrawlState,
  crawlFailedStepState,
  type CrawlLambdaTask,
  type CrawlStatus,
  type QueryStatus,
} from './crawl-contract';
import { TimeoutRetry, TransientRetry } from './provisioning';

/** One function per Lambda task, keyed by the task's state name. */
export type CrawlTaskFunctions = Readonly<Record<CrawlLambdaTask, lambda.IFunction>>;

/** Each task's time budget in seconds; the stack gives each function the same timeout. */
export const CrawlTaskTimeoutSeconds: Readonly<Record<CrawlLambdaTask, number>> = {
  [CrawlState.ValidateCrawlInput]: 30,
  [CrawlState.StartCrawl]: 30,
  [CrawlState.GetCrawlStatus]: 30,
  [CrawlState.CheckTable]: 30,
  // Five StartQueryExecution calls.
  [CrawlState.StartQueries]: 60,
  // Five GetQueryExecution calls, and on timeout as many StopQueryExecution.
  [CrawlState.GetQueryStatus]: 60,
  // Every page of five results and one GetMetricData.
  [CrawlState.EvaluateChecks]: 120,
  [CrawlState.PublishVerdict]: 30,
};

/**
 * The whole execution's budget: the longest crawl (crawlTimeoutSeconds, at most 3600) plus the longest
 * queries (queryTimeoutSeconds, at most 1800) plus the tasks and their retries.
 */
export const CrawlMachineTimeoutSeconds = 7200;

/** Backstops written into the definition; the tasks end the loops by time long before these counts. */
export const MaxCrawlPolls = 400;
export const MaxQueryPolls = 1000;

/** The fixed pause between query polls (the suite's queries read kilobytes). */
export const QueryWaitSeconds = 3;

/** Where each task writes its result in the execution state (`CrawlExecutionState`). */
const ResultPaths: Readonly<Record<CrawlLambdaTask, string | undefined>> = {
  // The whole state becomes {input, config} (ASL's default "$", left implicit as in provisioning).
  [CrawlState.ValidateCrawlInput]: undefined,
  [CrawlState.StartCrawl]: '$.crawl',
  [CrawlState.GetCrawlStatus]: '$.crawl',
  [CrawlState.CheckTable]: '$.table',
  [CrawlState.StartQueries]: '$.started',
  [CrawlState.GetQueryStatus]: '$.queryStatus',
  [CrawlState.EvaluateChecks]: '$.verdict',
  [CrawlState.PublishVerdict]: '$.published',
};

const crawlPhase = (value: CrawlStatus['phase']) => sfn.Condition.stringEquals('$.crawl.phase', value);
const queryPhase = (value: QueryStatus['phase']) => sfn.Condition.stringEquals('$.queryStatus.phase', value);

/** Builds the crawl-and-query chain in `scope`; returns its start. */
export function buildCrawlAndQueryChain(scope: Construct, functions: CrawlTaskFunctions): sfn.IChainable {
  const validationFailed = new sfn.Fail(scope, CrawlState.ValidationFailed, {
    stateName: CrawlState.ValidationFailed,
    errorPath: '$.error.Error',
    causePath: '$.error.Cause',
  });

  const invoke = (task: CrawlLambdaTask, extra: Partial<tasks.LambdaInvokeProps> = {}) => {
    const state = new tasks.LambdaInvoke(scope, task, {
      stateName: task,
      lambdaFunction: functions[task],
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      taskTimeout: sfn.Timeout.duration(Duration.seconds(CrawlTaskTimeoutSeconds[task])),
      ...(ResultPaths[task] === undefined ? {} : { resultPath: ResultPaths[task] }),
      ...extra,
    });
    for (const retry of [TransientRetry, TimeoutRetry]) {
      state.addRetry({
        errors: [...retry.errors],
        interval: Duration.seconds(retry.intervalSeconds),
        backoffRate: retry.backoffRate,
        maxAttempts: retry.maxAttempts,
        maxDelay: Duration.seconds(retry.maxDelaySeconds),
        jitterStrategy: sfn.JitterType.FULL,
      });
    }
    if (task === CrawlState.ValidateCrawlInput) return state;
    const marker = new sfn.Pass(scope, crawlFailedStepState(task), {
      stateName: crawlFailedStepState(task),
      result: sfn.Result.fromString(task),
      resultPath: '$.failedStep',
    });
    marker.next(validationFailed);
    state.addCatch(marker, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    return state;
  };

  // The execution input may be anything (a string, null): the request wraps it with the execution's id
  // and start, and a failure replaces the state with the error, as in provisioning's ValidateInput.
  const validateInput = invoke(CrawlState.ValidateCrawlInput, {
    payload: sfn.TaskInput.fromObject({
      'input.$': '$',
      'executionId.$': '$$.Execution.Id',
      'startTime.$': '$$.Execution.StartTime',
    }),
  });
  const validateInputFailed = new sfn.Pass(scope, crawlFailedStepState(CrawlState.ValidateCrawlInput), {
    stateName: crawlFailedStepState(CrawlState.ValidateCrawlInput),
    parameters: { failedStep: CrawlState.ValidateCrawlInput, 'error.$': '$' },
  });
  validateInputFailed.next(validationFailed);
  validateInput.addCatch(validateInputFailed, { errors: [sfn.Errors.ALL] });

  const startCrawl = invoke(CrawlState.StartCrawl);
  const waitForCrawl = new sfn.Wait(scope, CrawlState.WaitForCrawl, {
    stateName: CrawlState.WaitForCrawl,
    time: sfn.WaitTime.secondsPath('$.crawl.nextWaitSeconds'),
  });
  const getCrawlStatus = invoke(CrawlState.GetCrawlStatus);
  const crawlTimedOut = new sfn.Fail(scope, CrawlState.CrawlTimedOut, {
    stateName: CrawlState.CrawlTimedOut,
    error: CrawlErrorName.CrawlTimeout,
    cause: `The crawler was polled ${MaxCrawlPolls} times without ending; see its logs in /aws-glue/crawlers`,
  });
  const checkTable = invoke(CrawlState.CheckTable);
  const startQueries = invoke(CrawlState.StartQueries);
  const waitForQueries = new sfn.Wait(scope, CrawlState.WaitForQueries, {
    stateName: CrawlState.WaitForQueries,
    time: sfn.WaitTime.duration(Duration.seconds(QueryWaitSeconds)),
  });
  const getQueryStatus = invoke(CrawlState.GetQueryStatus);
  const queriesTimedOut = new sfn.Fail(scope, CrawlState.QueriesTimedOut, {
    stateName: CrawlState.QueriesTimedOut,
    error: CrawlErrorName.QueryTimeout,
    cause: `The queries were polled ${MaxQueryPolls} times without ending; see the workgroup's query history`,
  });
  const evaluateChecks = invoke(CrawlState.EvaluateChecks);
  const publishVerdict = invoke(CrawlState.PublishVerdict);
  // The verdict alone is the output, passed or not.
  const validated = new sfn.Succeed(scope, CrawlState.Validated, {
    stateName: CrawlState.Validated,
    outputPath: '$.verdict',
  });

  const isCrawlDone = new sfn.Choice(scope, CrawlState.IsCrawlDone, { stateName: CrawlState.IsCrawlDone })
    .when(crawlPhase('READY'), checkTable)
    .when(
      sfn.Condition.and(
        crawlPhase('WAITING'),
        sfn.Condition.numberLessThan('$.crawl.attempt', MaxCrawlPolls),
      ),
      waitForCrawl,
    )
    .otherwise(crawlTimedOut);
  const areQueriesDone = new sfn.Choice(scope, CrawlState.AreQueriesDone, {
    stateName: CrawlState.AreQueriesDone,
  })
    .when(queryPhase('DONE'), evaluateChecks)
    .when(
      sfn.Condition.and(
        queryPhase('WAITING'),
        sfn.Condition.numberLessThan('$.queryStatus.attempt', MaxQueryPolls),
      ),
      waitForQueries,
    )
    .otherwise(queriesTimedOut);

  waitForCrawl.next(getCrawlStatus).next(isCrawlDone);
  checkTable.next(startQueries).next(waitForQueries);
  waitForQueries.next(getQueryStatus).next(areQueriesDone);
  evaluateChecks.next(publishVerdict).next(validated);
  return validateInput.next(startCrawl).next(waitForCrawl);
}

export interface CrawlAndQueryStateMachineProps {
  readonly functions: CrawlTaskFunctions;
  /** Where execution history goes (level ALL, with execution data). Omitted only when rendering ASL. */
  readonly logGroup?: logs.ILogGroup;
  /** X-Ray tracing of executions. Default true. */
  readonly tracingEnabled?: boolean;
  readonly stateMachineName?: string;
}

/** The deployable crawl-and-query machine: the chain above with its timeout, logging and tracing. */
export class CrawlAndQueryStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: CrawlAndQueryStateMachineProps) {
    super(scope, id);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      ...(props.stateMachineName === undefined ? {} : { stateMachineName: props.stateMachineName }),
      definitionBody: sfn.DefinitionBody.fromChainable(buildCrawlAndQueryChain(this, props.functions)),
      timeout: Duration.seconds(CrawlMachineTimeoutSeconds),
      tracingEnabled: props.tracingEnabled ?? true,
      comment: 'flinkflow crawl-and-query: crawl the output, check the table, run the validation suite',
      ...(props.logGroup === undefined
        ? {}
        : { logs: { destination: props.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true } }),
    });
  }
}
