/**
 * Event-driven re-deploys, as one construct of the orchestrator stack: the redeploy state machine and its
 * functions, the starter function, and one EventBridge rule for every pipeline bucket of the account and
 * region (docs/redeploy.md).
 *
 * One rule for the stack rather than one per pipeline: the rule's target (the starter) and its invoke
 * permission are the stack's anyway, so a per-pipeline rule would only add events:PutRule, PutTargets and
 * DeleteRule to the provisioning and teardown roles, and a resource to forget at teardown. The pattern
 * keeps the rule to the pipelines' buckets (PipelineNames.bucket of any pipeline in this account and
 * region) and keys under the code prefix. CreateBucket turns EventBridge notifications on for each pipeline bucket.
 */
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DeploymentVariables } from '../workflow/contract';
import { CrawlDeploymentVariables } from '../workflow/crawl-contract';
import { RedeployStateMachine, type RedeployTaskFunctions } from '../workflow/redeploy';
import {
  RedeployLambdaTasks,
  RedeployMachineVariable,
  RedeployState,
  StartRedeployTask,
  redeployEventPattern,
} from '../workflow/redeploy-contract';
import { acknowledgeTaskFunctionFindings, nagResourceName } from './orchestrator-stack';
import type { PipelineResources } from './pipeline-resources';
import { RedeployPermissions, type RedeployOwnFunction } from './redeploy-permissions';
import { TaskFunction } from './task-function';

export interface RedeployProps {
  readonly resources: PipelineResources;
  /** The provisioning machine's health-gate function, which the redeploy machine reuses. */
  readonly checkApplicationHealth: lambda.IFunction;
  readonly logRetention: logs.RetentionDays;
  /** Where the canary (RunCanary) queries: the crawlers' database and the validation workgroup. */
  readonly glueDatabaseName: string;
  readonly workGroupName: string;
  readonly resultsBucketArn: string;
}

/** The pattern of the redeploy rule in CDK's EventPattern form (workflow/redeploy-contract.ts has the JSON). */
export function redeployRulePattern(account: string, region: string): events.EventPattern {
  const {
    source,
    'detail-type': detailType,
    detail,
  } = redeployEventPattern(account, region) as {
    source: string[];
    'detail-type': string[];
    detail: Record<string, unknown>;
  };
  return { source, detailType, account: [account], region: [region], detail };
}

/** The functions the construct makes (CheckApplicationHealth is the provisioning machine's). */
export const RedeployOwnFunctions: readonly RedeployOwnFunction[] = [
  ...RedeployLambdaTasks.filter(
    (task): task is Exclude<typeof task, 'CheckApplicationHealth'> =>
      task !== RedeployState.CheckApplicationHealth,
  ),
  StartRedeployTask,
];

export class Redeploy extends Construct {
  readonly stateMachine: RedeployStateMachine;
  readonly functions: Readonly<Record<RedeployOwnFunction, TaskFunction>>;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: RedeployProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const functions = {} as Record<RedeployOwnFunction, TaskFunction>;
    const own = RedeployOwnFunctions;
    for (const task of own) {
      functions[task] = new TaskFunction(this, `${task}Function`, {
        task,
        logRetention: props.logRetention,
        // The pre-flight holds the code zip (about 50 MB) and its jar's directory in memory.
        ...(task === RedeployState.PreflightCode ? { memorySize: 1024 } : {}),
      });
      functions[task].addEnvironment(DeploymentVariables.account, Aws.ACCOUNT_ID);
    }
    functions[RedeployState.RunCanary].addEnvironment(
      CrawlDeploymentVariables.glueDatabase,
      props.glueDatabaseName,
    );
    functions[RedeployState.RunCanary].addEnvironment(
      CrawlDeploymentVariables.athenaWorkGroup,
      props.workGroupName,
    );
    const workGroupArn = stack.formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: props.workGroupName,
    });
    this.functions = functions;

    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `/aws/vendedlogs/states/${stack.stackName}-redeploy`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const machineFunctions = {
      ...functions,
      [RedeployState.CheckApplicationHealth]: props.checkApplicationHealth,
    } as RedeployTaskFunctions;
    this.stateMachine = new RedeployStateMachine(this, 'Machine', {
      functions: machineFunctions,
      logGroup,
      tracingEnabled: true,
    });
    const machineArn = this.stateMachine.stateMachine.stateMachineArn;
    functions[StartRedeployTask].addEnvironment(RedeployMachineVariable, machineArn);

    for (const task of own) {
      const statements = RedeployPermissions[task]({
        resources: props.resources,
        stateMachineArn: machineArn,
        workGroupArn,
        resultsBucketArn: props.resultsBucketArn,
      });
      for (const statement of statements) functions[task].addToRolePolicy(statement);
      acknowledgeTaskFunctionFindings(functions[task], statements);
    }

    this.rule = new events.Rule(this, 'Rule', {
      description: 'flinkflow: a new code zip under the code prefix of a pipeline bucket starts a re-deploy',
      eventPattern: redeployRulePattern(Aws.ACCOUNT_ID, Aws.REGION),
      targets: [
        // EventBridge retries a failed delivery (throttling, a function error) with backoff for up to a day
        // by default; two hours and eight attempts bound a broken starter, whose errors its logs keep.
        new targets.LambdaFunction(functions[StartRedeployTask], {
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });

    Validations.of(this.stateMachine).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'CloudWatch Logs log delivery (CreateLogDelivery and related) and X-Ray (PutTraceSegments, ' +
          'GetSamplingRules) do not support resource-level permissions.',
      },
      ...Object.values(machineFunctions).map((fn) => ({
        id: `AwsSolutions-IAM5[Resource::${nagResourceName(stack, fn.functionArn)}:*]`,
        reason:
          'CDK grants lambda:InvokeFunction on each task function and its versions (":*"); the machine invokes only those.',
      })),
    );
    new CfnOutput(stack, 'RedeployStateMachineArn', { value: machineArn });
  }
}
