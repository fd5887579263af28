/**
 * The redeploy state machine as a CDK chain: a new code zip -> pre-flight -> snapshot -> update ->
 * RUNNING -> health gate -> success, and on any failure after the update a rollback to the previous
 * version before the execution fails. Like the provisioning chain (provisioning.ts), the same code
 * builds the deployed machine (infra/redeploy.ts) and the ASL the local runner executes
 * (render-redeploy.ts); only JSONPath and Lambda tasks are used. docs/redeploy.md draws it.
 */
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { MaxHealthChecks, TimeoutRetry, TransientRetry } from './provisioning';
import {
  RedeployErrorName,
  RedeployState,
  type RedeployLambdaTask,
  type RedeployRollback,
  type RedeployUpdateStatus,
} from './redeploy-contract';
import { ErrorName, type ApplicationHealthCheck } from './contract';
import { MaxCanaryChecks, type CanaryPhase } from './canary-contract';

/** One function per Lambda task, keyed by the task's state name. */
export type RedeployTaskFunctions = Readonly<Record<RedeployLambdaTask, lambda.IFunction>>;

/** Each task's time budget in seconds; the stack gives the function the same timeout. */
export const RedeployTaskTimeoutSeconds: Readonly<Record<RedeployLambdaTask, number>> = {
  [RedeployState.ValidateRedeploy]: 30,
  // Reads the zip (about 50 MB) and its jar's directory.
  [RedeployState.PreflightCode]: 120,
  // Waits up to 90 s inside the task for the snapshot to be READY.
  [RedeployState.SnapshotApplication]: 120,
  [RedeployState.UpdateApplicationCode]: 60,
  [RedeployState.DescribeUpdate]: 30,
  [RedeployState.CheckApplicationHealth]: 60,
  // One step per call: a describe, a crawler call, or three Athena calls and their result pages.
  [RedeployState.RunCanary]: 60,
  [RedeployState.RollbackApplication]: 60,
  [RedeployState.DescribeRollback]: 30,
  [RedeployState.DescribeRedeployFailure]: 30,
};

/** The function behind the EventBridge rule: a describe and a StartExecution. */
export const StartRedeployTimeoutSeconds = 30;

/**
 * The whole execution's budget: the update and the rollback may each take the start timeout (at most
 * 3600 s), the health gate its settle period plus the metrics allowance (at most 3780 s), and the
 * canary its wait for a window (at most 3600 + 600 + 60 + 30 s), its crawl (900 s) and queries (300 s).
 */
export const RedeployMachineTimeoutSeconds = 5 * 3600;

/** Backstops on the polling loops, as in the provisioning machine: reached only if a task misreports. */
export const MaxUpdateChecks = 200;
export const MaxRollbackChecks = 200;

/** The folder of a task's handler under lambdas/ (CheckApplicationHealth is the provisioning one). */
export function redeployFolderName(task: RedeployLambdaTask | 'StartRedeploy'): string {
  return task.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

const ResultPaths: Readonly<Record<RedeployLambdaTask, string | undefined>> = {
  // The whole state becomes {input, config}: ASL's default, left implicit because aws-local-stepfunctions
  // 3.0.0 writes an explicit "$" as a key named "$" (the provisioning machine does the same).
  [RedeployState.ValidateRedeploy]: undefined,
  [RedeployState.PreflightCode]: '$.preflight',
  [RedeployState.SnapshotApplication]: '$.snapshot',
  [RedeployState.UpdateApplicationCode]: '$.update',
  [RedeployState.DescribeUpdate]: '$.status',
  [RedeployState.CheckApplicationHealth]: '$.health',
  [RedeployState.RunCanary]: '$.canary',
  [RedeployState.RollbackApplication]: '$.rollback',
  [RedeployState.DescribeRollback]: '$.rollback',
  [RedeployState.DescribeRedeployFailure]: '$.failure',
};

/** The Pass template of a RedeployOutput (the CDK-free test checks it yields one). */
const outputTemplate = {
  'pipelineName.$': '$.config.pipelineName',
  'applicationName.$': '$.config.applicationName',
  codeObject: { 'key.$': '$.config.key', 'versionId.$': '$.config.versionId' },
  'applicationVersionId.$': '$.status.applicationVersionId',
  'previous.$': '$.config.previous',
  alreadyDeployed: false,
  'snapshotName.$': '$.snapshot.snapshotName',
  health: {
    'restarts.$': '$.health.restarts',
    'completedCheckpoints.$': '$.health.completedCheckpoints',
    'settleSeconds.$': '$.health.observedSeconds',
    'checks.$': '$.health.attempt',
  },
  'canary.$': '$.canary',
  timings: {
    'startedAt.$': '$$.Execution.StartTime',
    'updateStartedAt.$': '$.update.startedAt',
    'finishedAt.$': '$$.State.EnteredTime',
  },
};

const alreadyDeployedTemplate = {
  'pipelineName.$': '$.config.pipelineName',
  'applicationName.$': '$.config.applicationName',
  codeObject: { 'key.$': '$.config.key', 'versionId.$': '$.config.versionId' },
  'applicationVersionId.$': '$.config.previous.applicationVersionId',
  'previous.$': '$.config.previous',
  alreadyDeployed: true,
  'snapshotName.$': '$.config.snapshotName',
  timings: { 'startedAt.$': '$$.Execution.StartTime', 'finishedAt.$': '$$.State.EnteredTime' },
};

const updatePhase = (value: RedeployUpdateStatus['phase']) =>
  sfn.Condition.stringEquals('$.status.phase', value);
const healthPhase = (value: ApplicationHealthCheck['phase']) =>
  sfn.Condition.stringEquals('$.health.phase', value);
const canaryPhase = (value: CanaryPhase) => sfn.Condition.stringEquals('$.canary.phase', value);
const rollbackPhase = (value: RedeployRollback['phase']) =>
  sfn.Condition.stringEquals('$.rollback.phase', value);

/** Builds the redeploy chain in `scope` from one function per task; returns its start. */
export function buildRedeployChain(scope: Construct, functions: RedeployTaskFunctions): sfn.IChainable {
  const invoke = (task: RedeployLambdaTask): tasks.LambdaInvoke => {
    const state = new tasks.LambdaInvoke(scope, task, {
      stateName: task,
      lambdaFunction: functions[task],
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      taskTimeout: sfn.Timeout.duration(Duration.seconds(RedeployTaskTimeoutSeconds[task])),
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

  // The end of every failed execution: the Fail state names the error and carries the RedeployFailure.
  const redeployFailed = new sfn.Fail(scope, RedeployState.RedeployFailed, {
    stateName: RedeployState.RedeployFailed,
    errorPath: '$.failure.Error',
    causePath: '$.failure.Cause',
  });
  const describeFailure = invoke(RedeployState.DescribeRedeployFailure);
  describeFailure.addCatch(redeployFailed, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
  describeFailure.next(redeployFailed);

  // The way back after the update. Its own tasks' errors go to $.rollbackError, and the execution fails.
  const rollbackApplication = invoke(RedeployState.RollbackApplication);
  const describeRollback = invoke(RedeployState.DescribeRollback);
  for (const state of [rollbackApplication, describeRollback]) {
    state.addCatch(describeFailure, { errors: [sfn.Errors.ALL], resultPath: '$.rollbackError' });
  }
  const waitBeforeRollbackCheck = new sfn.Wait(scope, RedeployState.WaitBeforeRollbackCheck, {
    stateName: RedeployState.WaitBeforeRollbackCheck,
    time: sfn.WaitTime.secondsPath('$.rollback.nextWaitSeconds'),
  });
  const isRollbackDone = new sfn.Choice(scope, RedeployState.IsRollbackDone, {
    stateName: RedeployState.IsRollbackDone,
  })
    .when(rollbackPhase('DONE'), describeFailure)
    .when(
      sfn.Condition.and(
        rollbackPhase('WAITING'),
        sfn.Condition.numberLessThan('$.rollback.attempt', MaxRollbackChecks),
      ),
      waitBeforeRollbackCheck,
    )
    .otherwise(describeFailure);
  rollbackApplication.next(isRollbackDone);
  waitBeforeRollbackCheck.next(describeRollback).next(isRollbackDone);

  /** Records why the execution fails (the caught error) at $.why, then goes to `next`. */
  const failedMarker = (task: RedeployLambdaTask, next: sfn.IChainable) => {
    const marker = new sfn.Pass(scope, `${task}Failed`, {
      stateName: `${task}Failed`,
      parameters: { failedStep: task, 'error.$': '$.error.Error', 'cause.$': '$.error.Cause' },
      resultPath: '$.why',
    });
    marker.next(next);
    return marker;
  };
  /** A task before the update: its failure ends the execution with the application untouched. */
  const beforeUpdate = (task: RedeployLambdaTask) => {
    const state = invoke(task);
    state.addCatch(failedMarker(task, describeFailure), { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    return state;
  };
  /** A task from the update on (RunCanary too): its failure rolls back. */
  const afterUpdate = (task: RedeployLambdaTask) => {
    const state = invoke(task);
    state.addCatch(failedMarker(task, rollbackApplication), {
      errors: [sfn.Errors.ALL],
      resultPath: '$.error',
    });
    return state;
  };

  // ValidateRedeploy's input may be anything (not an object): its Catch replaces the state with the
  // error, and its marker rebuilds the state from the execution input.
  const validate = invoke(RedeployState.ValidateRedeploy);
  const validateFailed = new sfn.Pass(scope, `${RedeployState.ValidateRedeploy}Failed`, {
    stateName: `${RedeployState.ValidateRedeploy}Failed`,
    parameters: {
      'input.$': '$$.Execution.Input',
      why: { failedStep: RedeployState.ValidateRedeploy, 'error.$': '$.Error', 'cause.$': '$.Cause' },
    },
  });
  validateFailed.next(describeFailure);
  validate.addCatch(validateFailed, { errors: [sfn.Errors.ALL] });

  const preflight = beforeUpdate(RedeployState.PreflightCode);
  const snapshot = beforeUpdate(RedeployState.SnapshotApplication);
  const update = afterUpdate(RedeployState.UpdateApplicationCode);
  const describeUpdate = afterUpdate(RedeployState.DescribeUpdate);
  const checkHealth = afterUpdate(RedeployState.CheckApplicationHealth);

  const redeployed = new sfn.Succeed(scope, RedeployState.Redeployed, {
    stateName: RedeployState.Redeployed,
  });
  const collectOutputs = new sfn.Pass(scope, RedeployState.CollectRedeployOutputs, {
    stateName: RedeployState.CollectRedeployOutputs,
    parameters: outputTemplate,
  });
  collectOutputs.next(redeployed);
  const collectAlreadyDeployed = new sfn.Pass(scope, RedeployState.CollectAlreadyDeployedOutputs, {
    stateName: RedeployState.CollectAlreadyDeployedOutputs,
    parameters: alreadyDeployedTemplate,
  });
  collectAlreadyDeployed.next(redeployed);

  const updateDidNotRun = new sfn.Pass(scope, RedeployState.UpdateDidNotRun, {
    stateName: RedeployState.UpdateDidNotRun,
    parameters: {
      failedStep: RedeployState.DescribeUpdate,
      error: RedeployErrorName.UpdateFailed,
      'cause.$': '$.status.reason',
    },
    resultPath: '$.why',
  });
  updateDidNotRun.next(rollbackApplication);
  const applicationNotHealthy = new sfn.Pass(scope, RedeployState.ApplicationNotHealthy, {
    stateName: RedeployState.ApplicationNotHealthy,
    parameters: {
      failedStep: RedeployState.CheckApplicationHealth,
      error: ErrorName.ApplicationUnhealthy,
      'cause.$': '$.health.reason',
    },
    resultPath: '$.why',
  });
  applicationNotHealthy.next(rollbackApplication);

  // The canary: HEALTHY -> RunCanary (looped through its Wait until PASSED or FAILED) -> outputs; a
  // FAILED verdict records why and rolls back like any failure after the update.
  const runCanary = afterUpdate(RedeployState.RunCanary);
  const waitBeforeCanaryCheck = new sfn.Wait(scope, RedeployState.WaitBeforeCanaryCheck, {
    stateName: RedeployState.WaitBeforeCanaryCheck,
    time: sfn.WaitTime.secondsPath('$.canary.nextWaitSeconds'),
  });
  const canaryFailed = new sfn.Pass(scope, RedeployState.CanaryFailed, {
    stateName: RedeployState.CanaryFailed,
    parameters: {
      failedStep: RedeployState.RunCanary,
      error: RedeployErrorName.CanaryFailed,
      'cause.$': '$.canary.reason',
    },
    resultPath: '$.why',
  });
  canaryFailed.next(rollbackApplication);
  // The loop's backstop: reached only if RunCanary misreports its phase; no reason of its own to quote.
  const canaryDidNotFinish = new sfn.Pass(scope, RedeployState.CanaryDidNotFinish, {
    stateName: RedeployState.CanaryDidNotFinish,
    parameters: {
      failedStep: RedeployState.RunCanary,
      error: RedeployErrorName.CanaryFailed,
      'cause.$':
        "States.Format('the canary reached no verdict in {} calls (last phase {}); the new version is rolled back unchecked', $.canary.attempt, $.canary.phase)",
    },
    resultPath: '$.why',
  });
  canaryDidNotFinish.next(rollbackApplication);
  const isCanaryDone = new sfn.Choice(scope, RedeployState.IsCanaryDone, {
    stateName: RedeployState.IsCanaryDone,
  })
    .when(canaryPhase('PASSED'), collectOutputs)
    .when(canaryPhase('FAILED'), canaryFailed)
    .when(sfn.Condition.numberLessThan('$.canary.attempt', MaxCanaryChecks), waitBeforeCanaryCheck)
    .otherwise(canaryDidNotFinish);
  runCanary.next(isCanaryDone);
  waitBeforeCanaryCheck.next(runCanary);
  const canarySkipped = new sfn.Pass(scope, RedeployState.CanarySkipped, {
    stateName: RedeployState.CanarySkipped,
    parameters: { phase: 'SKIPPED' },
    resultPath: '$.canary',
  });
  canarySkipped.next(collectOutputs);
  const isCanaryEnabled = new sfn.Choice(scope, RedeployState.IsCanaryEnabled, {
    stateName: RedeployState.IsCanaryEnabled,
  })
    .when(sfn.Condition.booleanEquals('$.config.canary', false), canarySkipped)
    .otherwise(runCanary);

  const waitBeforeHealthCheck = new sfn.Wait(scope, RedeployState.WaitBeforeHealthCheck, {
    stateName: RedeployState.WaitBeforeHealthCheck,
    time: sfn.WaitTime.secondsPath('$.health.nextWaitSeconds'),
  });
  const isHealthy = new sfn.Choice(scope, RedeployState.IsApplicationHealthy, {
    stateName: RedeployState.IsApplicationHealthy,
  })
    .when(healthPhase('HEALTHY'), isCanaryEnabled)
    .when(
      sfn.Condition.and(
        healthPhase('SETTLING'),
        sfn.Condition.numberLessThan('$.health.attempt', MaxHealthChecks),
      ),
      waitBeforeHealthCheck,
    )
    .otherwise(applicationNotHealthy);
  checkHealth.next(isHealthy);
  waitBeforeHealthCheck.next(checkHealth);

  const waitBeforeUpdateCheck = new sfn.Wait(scope, RedeployState.WaitBeforeUpdateCheck, {
    stateName: RedeployState.WaitBeforeUpdateCheck,
    time: sfn.WaitTime.secondsPath('$.status.nextWaitSeconds'),
  });
  const isUpdateRunning = new sfn.Choice(scope, RedeployState.IsUpdateRunning, {
    stateName: RedeployState.IsUpdateRunning,
  })
    .when(updatePhase('RUNNING'), checkHealth)
    .when(
      sfn.Condition.and(
        updatePhase('WAITING'),
        sfn.Condition.numberLessThan('$.status.attempt', MaxUpdateChecks),
      ),
      waitBeforeUpdateCheck,
    )
    .otherwise(updateDidNotRun);
  describeUpdate.next(isUpdateRunning);
  waitBeforeUpdateCheck.next(describeUpdate);

  const isAlreadyDeployed = new sfn.Choice(scope, RedeployState.IsAlreadyDeployed, {
    stateName: RedeployState.IsAlreadyDeployed,
  })
    .when(sfn.Condition.booleanEquals('$.config.alreadyDeployed', true), collectAlreadyDeployed)
    .otherwise(preflight);
  preflight.next(snapshot).next(update).next(describeUpdate);
  return validate.next(isAlreadyDeployed);
}

export interface RedeployStateMachineProps {
  readonly functions: RedeployTaskFunctions;
  readonly logGroup?: logs.ILogGroup;
  readonly tracingEnabled?: boolean;
  readonly stateMachineName?: string;
}

/** The deployable redeploy state machine: the chain above with its timeout. */
export class RedeployStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: RedeployStateMachineProps) {
    super(scope, id);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      ...(props.stateMachineName === undefined ? {} : { stateMachineName: props.stateMachineName }),
      definitionBody: sfn.DefinitionBody.fromChainable(buildRedeployChain(this, props.functions)),
      timeout: Duration.seconds(RedeployMachineTimeoutSeconds),
      tracingEnabled: props.tracingEnabled ?? true,
      comment: 'flinkflow redeploy: pre-flight, snapshot, update, health gate; rollback on failure',
      ...(props.logGroup === undefined
        ? {}
        : { logs: { destination: props.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true } }),
    });
  }
}
