/**
 * The teardown machine in the orchestrator stack: one function per teardown task (lambdas/), each with
 * its own role holding only its deletes on the pipeline's names (infra/task-permissions.ts), and the
 * state machine from workflow/teardown.ts with execution logging and tracing.
 */
import { CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DeploymentVariables, PipelineNames } from '../workflow/contract';
import {
  TeardownStateMachine,
  TeardownTaskTimeoutSeconds,
  type TeardownTaskFunctions,
} from '../workflow/teardown';
import { TeardownLambdaTasks, type TeardownLambdaTask } from '../workflow/teardown-contract';
import { acknowledgeStateMachineFindings, acknowledgeTaskFunctionFindings } from './orchestrator-stack';
import type { PipelineResources } from './pipeline-resources';
import { TaskFunction } from './task-function';
import { TeardownTaskPermissions, type TeardownPermissionContext } from './task-permissions';

export interface TeardownProps {
  readonly resources: PipelineResources;
  readonly logRetention: logs.RetentionDays;
}

/** The teardown machine and its functions; see the module comment. */
export class Teardown extends Construct {
  readonly stateMachine: TeardownStateMachine;
  readonly functions: Readonly<Record<TeardownLambdaTask, TaskFunction>>;

  constructor(scope: Construct, id: string, props: TeardownProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const context: TeardownPermissionContext = {
      resources: props.resources,
      validationScheduleArn: stack.formatArn({
        service: 'scheduler',
        resource: 'schedule',
        // The schedules live in the account's default group.
        resourceName: `default/${PipelineNames.validationSchedule('*')}`,
      }),
      // Rules of the default event bus have no bus in their ARN.
      redeployRuleArn: stack.formatArn({
        service: 'events',
        resource: 'rule',
        resourceName: PipelineNames.redeployRule('*'),
      }),
    };
    const functions = {} as Record<TeardownLambdaTask, TaskFunction>;
    for (const task of TeardownLambdaTasks) {
      const fn = new TaskFunction(this, `${task}Function`, {
        task,
        logRetention: props.logRetention,
        timeoutSeconds: TeardownTaskTimeoutSeconds[task],
      });
      // Only what ValidateTeardownInput reads: the database the tables are in and the account.
      fn.addEnvironment(DeploymentVariables.glueDatabase, props.resources.glueDatabaseName);
      fn.addEnvironment(DeploymentVariables.account, stack.account);
      const statements = TeardownTaskPermissions[task](context);
      for (const statement of statements) fn.addToRolePolicy(statement);
      acknowledgeTaskFunctionFindings(fn, statements);
      functions[task] = fn;
    }
    this.functions = functions;

    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `/aws/vendedlogs/states/${stack.stackName}-teardown`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new TeardownStateMachine(this, 'Machine', {
      functions: functions satisfies TeardownTaskFunctions,
      logGroup,
      tracingEnabled: true,
    });
    acknowledgeStateMachineFindings(this.stateMachine, functions);
    new CfnOutput(stack, 'TeardownStateMachineArn', {
      value: this.stateMachine.stateMachine.stateMachineArn,
    });
  }
}
