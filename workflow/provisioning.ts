/**
 * The provisioning state machine as a CDK chain. The orchestrator stack (infra/) deploys it with the real
 * task functions; the renderer (workflow/render.ts) builds the very same chain with stand-in function ARNs
 * to produce the ASL that the local runner executes and the docs draw. Nothing here knows which of the two
 * it serves.
 *
 * Only JSONPath and Lambda task resources are used: aws-local-stepfunctions supports nothing else, and one
 * definition must run in both places.
 */
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import {
  ErrorName,
  LambdaFunctionTimeoutError,
  LambdaServiceErrors,
  ProvisionState,
  failedStepState,
  type ApplicationHealthCheck,
  type ApplicationStatusCheck,
  type ProvisionLambdaTask,
  type ProvisionOutput,
} from './contract';

/** Tasks whose failure is caught into the failure path (all but DescribeFailure, which ends it). */
type CatchingTask = Exclude<ProvisionLambdaTask, 'DescribeFailure'>;

/** One function per Lambda task, keyed by the task's state name. */
export type ProvisioningTaskFunctions = Readonly<Record<ProvisionLambdaTask, lambda.IFunction>>;

/**
 * Each task's time budget in seconds. The stack gives the function the same timeout, so Lambda stops a
 * stuck invocation at the moment Step Functions gives up on it; locally (no Lambda) the state's own
 * TimeoutSeconds is what bounds a task.
 */
export const ProvisionTaskTimeoutSeconds: Readonly<Record<ProvisionLambdaTask, number>> = {
  [ProvisionState.ValidateInput]: 30,
  // Waits inside the task until the stream is ACTIVE (tens of seconds on AWS).
  [ProvisionState.CreateStream]: 300,
  [ProvisionState.CreateBucket]: 60,
  // A server-side copy of the code zip; generous for a zip of a few hundred MB.
  [ProvisionState.UploadCode]: 180,
  [ProvisionState.CreateApplication]: 120,
  [ProvisionState.StartApplication]: 60,
  [ProvisionState.DescribeApplication]: 30,
  // Force-stops and waits briefly for the stop to be accepted before failing the execution.
  [ProvisionState.ForceStopApplication]: 120,
  // A describe, the start operation, one GetMetricData and (when unhealthy) a few log pages.
  [ProvisionState.CheckApplicationHealth]: 60,
  // Like ForceStopApplication: may wait up to a minute for a maintenance to end before stopping.
  [ProvisionState.StopUnhealthyApplication]: 120,
  [ProvisionState.CreateCrawler]: 60,
  [ProvisionState.CreateValidationSchedule]: 30,
  [ProvisionState.DescribeFailure]: 60,
};

/**
 * The whole execution's budget. The longest legal path is the application start: up to
 * `startTimeoutSeconds` (at most 3600) of polling, plus the other tasks with their retries; two hours
 * covers that with room and still ends an execution that something unforeseen keeps alive.
 */
export const ProvisionMachineTimeoutSeconds = 7200;

/**
 * A backstop on the start-polling loop, written into the definition itself: DescribeApplication normally
 * ends the loop with TIMED_OUT after `startTimeoutSeconds`, but if a task ever misreported the phase, the
 * machine would still force-stop after this many polls instead of polling until the machine timeout.
 */
export const MaxApplicationStatusPolls = 200;

/**
 * The same backstop on the health gate's loop: CheckApplicationHealth ends it by itself after the settle
 * period plus the metrics allowance (at most 3600 + 180 s, in waits of up to 300 s and then 60 s: about
 * 20 checks), so 100 checks are only reached by a task that misreports its phase.
 */
export const MaxHealthChecks = 100;

/** Retry policy for errors that are safe to repeat: every task is idempotent. */
export const TransientRetry = {
  errors: [ErrorName.Transient, ...LambdaServiceErrors],
  intervalSeconds: 2,
  backoffRate: 2,
  maxAttempts: 5,
  maxDelaySeconds: 30,
} as const;

/**
 * A task that timed out is run once more: idempotent tasks make that safe, and a second timeout fails.
 * A function that Lambda itself stopped at its timeout arrives as Lambda.Unknown (see the contract).
 */
export const TimeoutRetry = {
  errors: [sfn.Errors.TIMEOUT, LambdaFunctionTimeoutError],
  intervalSeconds: 5,
  backoffRate: 2,
  maxAttempts: 1,
  maxDelaySeconds: 30,
} as const;

/**
 * CreateApplication right after a delete of the same name: AWS releases the old application's tags within
 * a minute or two, so this error waits longer than a transient one (30, 45, 60, 60, 60 s: about four
 * minutes in all, before jitter) instead of exhausting TransientRetry's minute.
 */
export const TagsPendingRetry = {
  errors: [ErrorName.ApplicationTagsPending],
  intervalSeconds: 30,
  backoffRate: 1.5,
  maxAttempts: 5,
  maxDelaySeconds: 60,
} as const;

/** The folder of a task's handler under lambdas/: the kebab-case of its state name (any machine's). */
export function lambdaFolderName(task: string): string {
  return task.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** Where each task writes its result in the execution state (`ProvisionExecutionState`). */
const ResultPaths: Readonly<Record<ProvisionLambdaTask, string | undefined>> = {
  // The whole state becomes {input, config}. Left implicit (ASL's default is "$") because
  // aws-local-stepfunctions 3.0.0 mishandles an explicit "ResultPath": "$".
  [ProvisionState.ValidateInput]: undefined,
  [ProvisionState.CreateStream]: '$.stream',
  [ProvisionState.CreateBucket]: '$.bucket',
  [ProvisionState.UploadCode]: '$.code',
  [ProvisionState.CreateApplication]: '$.application',
  [ProvisionState.StartApplication]: '$.status',
  [ProvisionState.DescribeApplication]: '$.status',
  // ForceStopApplication throws ApplicationStartTimeoutError by contract. Should it ever return, its
  // result is taken as the error ({Error, Cause}) and the failure path runs all the same: a timed-out
  // start must never end in Provisioned.
  [ProvisionState.ForceStopApplication]: '$.error',
  [ProvisionState.CheckApplicationHealth]: '$.health',
  // Throws ApplicationUnhealthyError by contract; like ForceStopApplication, a result would still fail.
  [ProvisionState.StopUnhealthyApplication]: '$.error',
  [ProvisionState.CreateCrawler]: '$.crawler',
  [ProvisionState.CreateValidationSchedule]: '$.validationSchedule',
  [ProvisionState.DescribeFailure]: '$.failure',
};

/**
 * The Pass template that turns the final execution state into a `ProvisionOutput`. The mapped type makes
 * the compiler reject a template that misses or misspells an output field.
 */
type PayloadTemplate<T> = {
  [K in keyof T & string as T[K] extends object ? K : `${K}.$`]-?: T[K] extends object
    ? PayloadTemplate<T[K]>
    : string;
};

const outputTemplate: PayloadTemplate<ProvisionOutput> = {
  'pipelineName.$': '$.config.pipelineName',
  'streamName.$': '$.stream.streamName',
  'streamArn.$': '$.stream.streamArn',
  'bucketName.$': '$.bucket.bucketName',
  codeObject: { 'key.$': '$.code.key', 'versionId.$': '$.code.versionId' },
  'applicationName.$': '$.application.applicationName',
  'applicationArn.$': '$.application.applicationArn',
  // The status check carries the version the running application reports, which is the one to record.
  'applicationVersionId.$': '$.status.applicationVersionId',
  'applicationStatus.$': '$.status.applicationStatus',
  'crawlerName.$': '$.crawler.crawlerName',
  'crawlSchedule.$': '$.validationSchedule.expression',
  'validationScheduleName.$': '$.validationSchedule.scheduleName',
  'validationScheduleArn.$': '$.validationSchedule.scheduleArn',
  'glueDatabase.$': '$.config.glueDatabase',
  'outputLocation.$': "States.Format('s3://{}/{}', $.config.bucketName, $.config.outputPrefix)",
  health: {
    'restarts.$': '$.health.restarts',
    'completedCheckpoints.$': '$.health.completedCheckpoints',
    'settleSeconds.$': '$.health.observedSeconds',
    'checks.$': '$.health.attempt',
  },
  timings: { 'startedAt.$': '$$.Execution.StartTime', 'finishedAt.$': '$$.State.EnteredTime' },
};

const phase = (value: ApplicationStatusCheck['phase']): sfn.Condition =>
  sfn.Condition.stringEquals('$.status.phase', value);
const healthPhase = (value: ApplicationHealthCheck['phase']): sfn.Condition =>
  sfn.Condition.stringEquals('$.health.phase', value);

/**
 * Builds the provisioning chain in `scope` from one function per task. Returns the start of the chain;
 * wrap it in `sfn.DefinitionBody.fromChainable` with `ProvisionMachineTimeoutSeconds` as the timeout.
 */
export function buildProvisioningChain(
  scope: Construct,
  functions: ProvisioningTaskFunctions,
): sfn.IChainable {
  const invoke = (
    task: ProvisionLambdaTask,
    extra: Partial<tasks.LambdaInvokeProps> = {},
  ): tasks.LambdaInvoke => {
    const state = new tasks.LambdaInvoke(scope, task, {
      stateName: task,
      lambdaFunction: functions[task],
      // The plain function ARN as Resource: the handler's return value is the task's result, and
      // aws-local-stepfunctions can bind the state to a local handler.
      payloadResponseOnly: true,
      // Our own retriers below replace CDK's default one, so that jitter and bounds are ours.
      retryOnServiceExceptions: false,
      taskTimeout: sfn.Timeout.duration(Duration.seconds(ProvisionTaskTimeoutSeconds[task])),
      // Stryker disable next-line ConditionalExpression: CDK reads resultPath: undefined as the key left out.
      ...(ResultPaths[task] === undefined ? {} : { resultPath: ResultPaths[task] }),
      ...extra,
    });
    state.addRetry({
      errors: [...TransientRetry.errors],
      interval: Duration.seconds(TransientRetry.intervalSeconds),
      backoffRate: TransientRetry.backoffRate,
      maxAttempts: TransientRetry.maxAttempts,
      maxDelay: Duration.seconds(TransientRetry.maxDelaySeconds),
      jitterStrategy: sfn.JitterType.FULL,
    });
    state.addRetry({
      errors: [...TimeoutRetry.errors],
      interval: Duration.seconds(TimeoutRetry.intervalSeconds),
      backoffRate: TimeoutRetry.backoffRate,
      maxAttempts: TimeoutRetry.maxAttempts,
      maxDelay: Duration.seconds(TimeoutRetry.maxDelaySeconds),
      jitterStrategy: sfn.JitterType.FULL,
    });
    if (task === ProvisionState.CreateApplication) {
      state.addRetry({
        errors: [...TagsPendingRetry.errors],
        interval: Duration.seconds(TagsPendingRetry.intervalSeconds),
        backoffRate: TagsPendingRetry.backoffRate,
        maxAttempts: TagsPendingRetry.maxAttempts,
        maxDelay: Duration.seconds(TagsPendingRetry.maxDelaySeconds),
        jitterStrategy: sfn.JitterType.FULL,
      });
    }
    return state;
  };

  // The failure path, shared by every task. The Fail state names the original error (ErrorPath) and
  // carries the ProvisionFailure document as JSON in its cause (CausePath).
  const provisioningFailed = new sfn.Fail(scope, ProvisionState.ProvisioningFailed, {
    stateName: ProvisionState.ProvisioningFailed,
    errorPath: '$.error.Error',
    causePath: '$.failure.Cause',
  });
  const describeFailure = invoke(ProvisionState.DescribeFailure, {
    // Serialised here because a Fail state's CausePath must select a string.
    resultSelector: { 'Cause.$': 'States.JsonToString($)' },
  });
  // If even the description fails, the execution still fails with the original error name; the cause
  // is then DescribeFailure's own error, written to the same place ({Error, Cause}).
  describeFailure.addCatch(provisioningFailed, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
  describeFailure.next(provisioningFailed);

  const failedStepMarkers = {} as Record<CatchingTask, sfn.Pass>;
  /** The task's state, whose every uncaught error goes to its failed-step marker, then DescribeFailure. */
  const invokeWithCatch = (task: CatchingTask) => {
    const state = invoke(task);
    const marker = new sfn.Pass(scope, failedStepState(task), {
      stateName: failedStepState(task),
      result: sfn.Result.fromString(task),
      resultPath: '$.failedStep',
    });
    marker.next(describeFailure);
    failedStepMarkers[task] = marker;
    state.addCatch(marker, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    return state;
  };

  // ValidateInput is the one state whose input may not be a JSON object (the execution input is
  // whatever the caller sent: a string, a number, an array, null). A Catch's ResultPath "$.error"
  // cannot be written into such an input and the execution would end in States.Runtime, so its Catch
  // replaces the state with the error ({Error, Cause}) and its marker builds the failure state from it.
  const validateInput = invoke(ProvisionState.ValidateInput);
  const validateInputFailed = new sfn.Pass(scope, failedStepState(ProvisionState.ValidateInput), {
    stateName: failedStepState(ProvisionState.ValidateInput),
    parameters: { failedStep: ProvisionState.ValidateInput, 'error.$': '$' },
  });
  validateInputFailed.next(describeFailure);
  failedStepMarkers[ProvisionState.ValidateInput] = validateInputFailed;
  validateInput.addCatch(validateInputFailed, { errors: [sfn.Errors.ALL] });
  const createStream = invokeWithCatch(ProvisionState.CreateStream);
  const createBucket = invokeWithCatch(ProvisionState.CreateBucket);
  const uploadCode = invokeWithCatch(ProvisionState.UploadCode);
  const createApplication = invokeWithCatch(ProvisionState.CreateApplication);
  const startApplication = invokeWithCatch(ProvisionState.StartApplication);
  const describeApplication = invokeWithCatch(ProvisionState.DescribeApplication);
  const forceStopApplication = invokeWithCatch(ProvisionState.ForceStopApplication);
  forceStopApplication.next(failedStepMarkers[ProvisionState.ForceStopApplication]);
  const checkApplicationHealth = invokeWithCatch(ProvisionState.CheckApplicationHealth);
  const stopUnhealthyApplication = invokeWithCatch(ProvisionState.StopUnhealthyApplication);
  stopUnhealthyApplication.next(failedStepMarkers[ProvisionState.StopUnhealthyApplication]);
  const createCrawler = invokeWithCatch(ProvisionState.CreateCrawler);
  const createValidationSchedule = invokeWithCatch(ProvisionState.CreateValidationSchedule);

  const collectOutputs = new sfn.Pass(scope, ProvisionState.CollectOutputs, {
    stateName: ProvisionState.CollectOutputs,
    parameters: outputTemplate,
  });
  // Stryker disable next-line ObjectLiteral: without stateName CDK names the state by its id, the same name.
  const provisioned = new sfn.Succeed(scope, ProvisionState.Provisioned, {
    stateName: ProvisionState.Provisioned,
  });

  const waitBeforeStatusCheck = new sfn.Wait(scope, ProvisionState.WaitBeforeStatusCheck, {
    stateName: ProvisionState.WaitBeforeStatusCheck,
    // The interval backs off: the task that wrote the status chose it.
    time: sfn.WaitTime.secondsPath('$.status.nextWaitSeconds'),
  });
  // The health gate: RUNNING is not enough (a failing job restarts while the application stays RUNNING).
  const waitBeforeHealthCheck = new sfn.Wait(scope, ProvisionState.WaitBeforeHealthCheck, {
    stateName: ProvisionState.WaitBeforeHealthCheck,
    time: sfn.WaitTime.secondsPath('$.health.nextWaitSeconds'),
  });
  // Stryker disable next-line ObjectLiteral: without stateName CDK names the state by its id, the same name.
  const isApplicationHealthy = new sfn.Choice(scope, ProvisionState.IsApplicationHealthy, {
    stateName: ProvisionState.IsApplicationHealthy,
  })
    .when(
      healthPhase('HEALTHY'),
      createCrawler.next(createValidationSchedule).next(collectOutputs).next(provisioned),
    )
    .when(
      sfn.Condition.and(
        healthPhase('SETTLING'),
        sfn.Condition.numberLessThan('$.health.attempt', MaxHealthChecks),
      ),
      waitBeforeHealthCheck,
    )
    // UNHEALTHY, the check backstop, and any phase the contract does not know: never Provisioned.
    .otherwise(stopUnhealthyApplication);
  checkApplicationHealth.next(isApplicationHealthy);
  waitBeforeHealthCheck.next(checkApplicationHealth);

  // Stryker disable next-line ObjectLiteral: without stateName CDK names the state by its id, the same name.
  const isApplicationRunning = new sfn.Choice(scope, ProvisionState.IsApplicationRunning, {
    stateName: ProvisionState.IsApplicationRunning,
  })
    .when(phase('RUNNING'), checkApplicationHealth)
    .when(phase('TIMED_OUT'), forceStopApplication)
    .when(
      sfn.Condition.and(
        phase('WAITING'),
        sfn.Condition.numberLessThan('$.status.attempt', MaxApplicationStatusPolls),
      ),
      waitBeforeStatusCheck,
    )
    // The poll backstop, and any phase the contract does not know: stop the application rather than
    // leave it starting, and fail through ForceStopApplication's error.
    .otherwise(forceStopApplication);
  waitBeforeStatusCheck.next(describeApplication).next(isApplicationRunning);

  return (
    validateInput
      .next(createStream)
      .next(createBucket)
      .next(uploadCode)
      .next(createApplication)
      // Straight to the Choice, not to the Wait: when a repeated execution finds the application already
      // RUNNING, StartApplication says so and no poll is spent.
      .next(startApplication)
      .next(isApplicationRunning)
  );
}
