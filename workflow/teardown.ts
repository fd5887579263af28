/**
 * The teardown state machine as a CDK chain and construct, used by the orchestrator stack
 * (infra/teardown.ts) and by the renderer below (the ASL the local runner executes), like the
 * provisioning machine. Only JSONPath and Lambda task resources, for aws-local-stepfunctions.
 *
 * The order is the one that works: first what starts work on the pipeline (the validation schedule, the
 * redeploy rule), then the application (stopped, then deleted: it reads the stream and writes the bucket,
 * so neither may go while it runs), then the stream, the crawler before the tables it would re-create,
 * the classifier the crawler refers to, and last the bucket (emptied in pages) unless the data is kept.
 * The stack's roles are not the pipeline's and stay. docs/teardown.md has the reasons.
 */
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { Construct } from 'constructs';
import { TimeoutRetry, TransientRetry } from './provisioning';
import { standInFunctions, synthesizeDefinition } from './render';
import {
  TeardownLambdaTasks,
  TeardownState,
  type ApplicationStopCheck,
  type TeardownLambdaTask,
} from './teardown-contract';

export type TeardownTaskFunctions = Readonly<Record<TeardownLambdaTask, lambda.IFunction>>;

/** Each task's time budget in seconds; the stack gives each function the same timeout. */
export const TeardownTaskTimeoutSeconds: Readonly<Record<TeardownLambdaTask, number>> = {
  [TeardownState.ValidateTeardownInput]: 30,
  [TeardownState.DeleteValidationSchedule]: 30,
  [TeardownState.DeleteRedeployRule]: 60,
  [TeardownState.StopApplicationForTeardown]: 60,
  [TeardownState.DeleteApplication]: 60,
  [TeardownState.DeleteStream]: 60,
  // May wait up to 90 s for a stopped crawl to wind down.
  [TeardownState.DeleteCrawler]: 120,
  [TeardownState.DeleteCatalogTables]: 120,
  [TeardownState.DeleteCsvClassifier]: 30,
  // Returns after 40 s of pages with `more`, well inside.
  [TeardownState.EmptyBucket]: 120,
  [TeardownState.DeleteBucket]: 60,
  [TeardownState.SummarizeTeardown]: 30,
};

/**
 * The whole execution's budget: the stop wait (at most 2 x 600 s, see the stop task) plus the deletes;
 * an hour ends an execution that something unforeseen keeps alive.
 */
export const TeardownMachineTimeoutSeconds = 3600;

/** Backstop of the stop loop, in the definition itself: the task ends the loop itself after 1,200 s. */
export const MaxStopChecks = 100;

/** Backstop of the emptying loop: 500 runs of 20 pages is ten million object versions. */
export const MaxEmptyBucketRuns = 500;

/** Where each task writes its result. */
const ResultPaths: Readonly<Record<TeardownLambdaTask, string | undefined>> = {
  // The whole state becomes {input, config} (ResultPath left implicit, see provisioning.ts).
  [TeardownState.ValidateTeardownInput]: undefined,
  [TeardownState.DeleteValidationSchedule]: '$.steps.DeleteValidationSchedule',
  [TeardownState.DeleteRedeployRule]: '$.steps.DeleteRedeployRule',
  [TeardownState.StopApplicationForTeardown]: '$.stop',
  [TeardownState.DeleteApplication]: '$.steps.DeleteApplication',
  [TeardownState.DeleteStream]: '$.steps.DeleteStream',
  [TeardownState.DeleteCrawler]: '$.steps.DeleteCrawler',
  [TeardownState.DeleteCatalogTables]: '$.steps.DeleteCatalogTables',
  [TeardownState.DeleteCsvClassifier]: '$.steps.DeleteCsvClassifier',
  [TeardownState.EmptyBucket]: '$.emptyBucket',
  [TeardownState.DeleteBucket]: '$.steps.DeleteBucket',
  // The output is the summary alone.
  [TeardownState.SummarizeTeardown]: undefined,
};

const stopPhase = (value: ApplicationStopCheck['phase']): sfn.Condition =>
  sfn.Condition.stringEquals('$.stop.phase', value);

/** Builds the teardown chain in `scope`; returns its start. */
export function buildTeardownChain(scope: Construct, functions: TeardownTaskFunctions): sfn.IChainable {
  const invoke = (task: TeardownLambdaTask): tasks.LambdaInvoke => {
    const state = new tasks.LambdaInvoke(scope, task, {
      stateName: task,
      lambdaFunction: functions[task],
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      taskTimeout: sfn.Timeout.duration(Duration.seconds(TeardownTaskTimeoutSeconds[task])),
      ...(ResultPaths[task] === undefined ? {} : { resultPath: ResultPaths[task] }),
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
    return state;
  };
  const [
    validate,
    schedule,
    rule,
    stop,
    application,
    stream,
    crawler,
    tables,
    classifier,
    empty,
    bucket,
    summarize,
  ] = TeardownLambdaTasks.map(invoke) as [
    tasks.LambdaInvoke,
    tasks.LambdaInvoke,
    tasks.LambdaInvoke,
    tasks.LambdaInvoke,
    tasks.LambdaInvoke,
    tasks.LambdaInvoke,
    tasks.LambdaInvoke,
    tasks.LambdaInvoke,
    tasks.LambdaInvoke,
    tasks.LambdaInvoke,
    tasks.LambdaInvoke,
    tasks.LambdaInvoke,
  ];

  const tornDown = new sfn.Succeed(scope, TeardownState.TornDown, { stateName: TeardownState.TornDown });
  summarize.next(tornDown);

  const waitForStop = new sfn.Wait(scope, TeardownState.WaitForApplicationStop, {
    stateName: TeardownState.WaitForApplicationStop,
    time: sfn.WaitTime.secondsPath('$.stop.nextWaitSeconds'),
  });
  const notStopped = new sfn.Fail(scope, TeardownState.ApplicationNotStopped, {
    stateName: TeardownState.ApplicationNotStopped,
    error: 'ApplicationStopTimeoutError',
    cause: `The application did not stop within ${MaxStopChecks} checks; nothing after it was deleted. Run the teardown again.`,
  });
  const isStopped = new sfn.Choice(scope, TeardownState.IsApplicationStopped, {
    stateName: TeardownState.IsApplicationStopped,
  })
    .when(stopPhase('STOPPED'), application)
    .when(
      sfn.Condition.and(stopPhase('STOPPING'), sfn.Condition.numberLessThan('$.stop.attempt', MaxStopChecks)),
      waitForStop,
    )
    .otherwise(notStopped);
  waitForStop.next(stop);

  const isBucketEmpty = new sfn.Choice(scope, TeardownState.IsBucketEmpty, {
    stateName: TeardownState.IsBucketEmpty,
  })
    .when(
      sfn.Condition.and(
        sfn.Condition.booleanEquals('$.emptyBucket.more', true),
        sfn.Condition.numberLessThan('$.emptyBucket.invocations', MaxEmptyBucketRuns),
      ),
      empty,
    )
    // Empty, gone, or the backstop (then DeleteBucket says the bucket is not empty).
    .otherwise(bucket);
  empty.next(isBucketEmpty);
  bucket.next(summarize);

  const isDataKept = new sfn.Choice(scope, TeardownState.IsDataKept, { stateName: TeardownState.IsDataKept })
    .when(sfn.Condition.booleanEquals('$.config.keepData', true), summarize)
    .otherwise(empty);

  application.next(stream).next(crawler).next(tables).next(classifier).next(isDataKept);
  return validate.next(schedule).next(rule).next(stop).next(isStopped);
}

export interface TeardownStateMachineProps {
  readonly functions: TeardownTaskFunctions;
  readonly logGroup?: logs.ILogGroup;
  readonly tracingEnabled?: boolean;
  readonly stateMachineName?: string;
}

/** The deployable teardown state machine. */
export class TeardownStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: TeardownStateMachineProps) {
    super(scope, id);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      ...(props.stateMachineName === undefined ? {} : { stateMachineName: props.stateMachineName }),
      definitionBody: sfn.DefinitionBody.fromChainable(buildTeardownChain(this, props.functions)),
      timeout: Duration.seconds(TeardownMachineTimeoutSeconds),
      tracingEnabled: props.tracingEnabled ?? true,
      comment:
        'flinkflow teardown: schedule, redeploy rule, application, stream, crawler, tables, classifier, bucket',
      ...(props.logGroup === undefined
        ? {}
        : { logs: { destination: props.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true } }),
    });
  }
}

let cached: string | undefined;

/** The teardown machine's ASL, rendered offline with stand-in function ARNs. Each call returns a copy. */
export function renderTeardownAsl(): StateMachineDefinition {
  cached ??= synthesizeDefinition('TeardownRender', (stack) => {
    const functions = standInFunctions(stack, TeardownLambdaTasks) as unknown as TeardownTaskFunctions;
    new TeardownStateMachine(stack, 'Teardown', { functions });
  });
  return JSON.parse(cached) as StateMachineDefinition;
}
