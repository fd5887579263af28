/**
 * The crawl-and-query machine's part of the orchestrator stack: its task functions with least-privilege
 * roles (task-permissions.ts CrawlTaskPermissions), the state machine (logged and traced like
 * provisioning), the encrypted verdict topic, the encrypted dead-letter queue of the validation
 * schedules, and the role EventBridge Scheduler assumes to start the machine. The Athena workgroup's
 * configuration is given by `validationWorkGroupConfiguration`, which the stack and the local cloud's
 * deployment both use, so that both clouds have the same workgroup.
 */
import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CrawlAndQueryStateMachine, type CrawlTaskFunctions } from '../workflow/crawl-and-query';
import { CrawlDeploymentVariables, CrawlLambdaTasks, type CrawlLambdaTask } from '../workflow/crawl-contract';
import type { PipelineResources } from './pipeline-resources';
import { TaskFunction } from './task-function';
import { validationWorkGroupConfiguration, type ValidationWorkGroupSettings } from './validation-workgroup';
import { CrawlTaskPermissions } from './task-permissions';

export { validationWorkGroupConfiguration, type ValidationWorkGroupSettings } from './validation-workgroup';

/** The same configuration as CloudFormation's AWS::Athena::WorkGroup takes it. */
export function validationWorkGroupCfnConfiguration(
  settings: ValidationWorkGroupSettings,
): athena.CfnWorkGroup.WorkGroupConfigurationProperty {
  const c = validationWorkGroupConfiguration(settings);
  return {
    enforceWorkGroupConfiguration: c.EnforceWorkGroupConfiguration,
    publishCloudWatchMetricsEnabled: c.PublishCloudWatchMetricsEnabled,
    bytesScannedCutoffPerQuery: c.BytesScannedCutoffPerQuery,
    resultConfiguration: {
      outputLocation: c.ResultConfiguration.OutputLocation,
      encryptionConfiguration: {
        encryptionOption: c.ResultConfiguration.EncryptionConfiguration.EncryptionOption,
      },
    },
  };
}

export interface CrawlAndQueryProps {
  readonly resources: PipelineResources;
  readonly logRetention: logs.RetentionDays;
  readonly glueDatabaseName: string;
  /** The validation workgroup (made by the stack with validationWorkGroupCfnConfiguration). */
  readonly workGroupName: string;
  /** The ARN of the workgroup's results bucket. */
  readonly resultsBucketArn: string;
}

/** See the module comment. */
export class CrawlAndQuery extends Construct {
  readonly functions: Readonly<Record<CrawlLambdaTask, TaskFunction>>;
  readonly stateMachine: CrawlAndQueryStateMachine;
  readonly verdictTopic: sns.Topic;
  /** The verdict topic's key. */
  readonly verdictKey: kms.Key;
  readonly deadLetterQueue: sqs.Queue;
  readonly schedulerRole: iam.Role;

  constructor(scope: Construct, id: string, props: CrawlAndQueryProps) {
    super(scope, id);
    const stack = Stack.of(this);

    const key = (this.verdictKey = new kms.Key(this, 'VerdictKey', {
      description: 'flinkflow: encrypts the validation verdict topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    }));
    // CloudWatch alarms on the per-check metrics may notify through the same topic.
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:GenerateDataKey*', 'kms:Decrypt');
    this.verdictTopic = new sns.Topic(this, 'VerdictTopic', {
      displayName: 'flinkflow validation verdicts',
      masterKey: key,
      enforceSSL: true,
    });

    this.deadLetterQueue = new sqs.Queue(this, 'ValidationScheduleDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the validation schedules (starts that failed after ' +
        'their retries); it needs no dead-letter queue of its own.',
    });

    const workGroupArn = stack.formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: props.workGroupName,
    });
    const functions = {} as Record<CrawlLambdaTask, TaskFunction>;
    for (const task of CrawlLambdaTasks) {
      const fn = new TaskFunction(this, `${task}Function`, { task, logRetention: props.logRetention });
      fn.addEnvironment(CrawlDeploymentVariables.glueDatabase, props.glueDatabaseName);
      fn.addEnvironment(CrawlDeploymentVariables.athenaWorkGroup, props.workGroupName);
      fn.addEnvironment(CrawlDeploymentVariables.verdictTopicArn, this.verdictTopic.topicArn);
      fn.addEnvironment(CrawlDeploymentVariables.account, Aws.ACCOUNT_ID);
      const statements = CrawlTaskPermissions[task]({
        resources: props.resources,
        workGroupArn,
        resultsBucketArn: props.resultsBucketArn,
        verdictTopicArn: this.verdictTopic.topicArn,
        verdictKeyArn: key.keyArn,
      });
      for (const statement of statements) fn.addToRolePolicy(statement);
      acknowledgeFindings(fn, statements);
      functions[task] = fn;
    }
    this.functions = functions;

    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `/aws/vendedlogs/states/${stack.stackName}-crawl-and-query`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new CrawlAndQueryStateMachine(this, 'CrawlAndQuery', {
      functions: functions satisfies CrawlTaskFunctions,
      logGroup,
      tracingEnabled: true,
    });
    Validations.of(this.stateMachine).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'CloudWatch Logs log delivery (CreateLogDelivery and related) and X-Ray (PutTraceSegments, ' +
          'GetSamplingRules) do not support resource-level permissions.',
      },
      ...Object.values(functions).map((fn) => ({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.node.defaultChild as never)}.Arn>:*]`,
        reason: `CDK grants lambda:InvokeFunction on ${fn.task} and its versions (":*"); the machine invokes only that function.`,
      })),
    );

    // Scheduler may start this machine only, for schedules of this account, and park failed starts.
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: 'flinkflow: EventBridge Scheduler starts the crawl-and-query machine',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
    this.schedulerRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'StartCrawlAndQuery',
        actions: ['states:StartExecution'],
        resources: [this.stateMachine.stateMachine.stateMachineArn],
      }),
    );
    // Scheduler delivers dead-letter events with its execution role (Scheduler guide, "Configuring a
    // schedule's dead-letter queue").
    this.schedulerRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ParkFailedStarts',
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
      }),
    );
  }
}

const PatternReason =
  'Pipeline resources are created at run time by the provisioning machine from a pipeline name; the ' +
  'pattern limits access to the naming convention of workflow/contract.ts in this account and region.';

/** Acknowledges a crawl task function's wildcard findings with the reason for each. */
function acknowledgeFindings(fn: TaskFunction, statements: readonly iam.PolicyStatement[]): void {
  const stack = Stack.of(fn);
  const rendered = new Set(
    statements
      .flatMap((s) => s.resources)
      .map((arn) => nagName(stack.resolve(arn)))
      .filter((name) => name.includes('*')),
  );
  const onEverything = statements.filter((s) => s.resources.includes('*')).flatMap((s) => s.actions);
  Validations.of(fn.role ?? fn).acknowledge(
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        `X-Ray PutTraceSegments and PutTelemetryRecords${onEverything.length > 0 ? `, and ${onEverything.join(', ')},` : ''} ` +
        'support no resource type (Service Authorization Reference); PutMetricData is confined by its namespace condition.',
    },
    ...[...rendered].map((name) => ({
      id: `AwsSolutions-IAM5[Resource::${name}]`,
      reason: name.includes('Results')
        ? 'Athena writes each query result under a key it chooses, inside the workgroup results bucket.'
        : PatternReason,
    })),
  );
}

/** How cdk-nag prints a resolved ARN in a finding id. */
function nagName(resolved: unknown): string {
  if (typeof resolved === 'string') return resolved;
  if (resolved && typeof resolved === 'object') {
    const record = resolved as Record<string, unknown>;
    if (Array.isArray(record['Fn::Join'])) {
      const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
      return parts.map(nagName).join(separator);
    }
    if (typeof record['Ref'] === 'string') return `<${record['Ref']}>`;
    if (Array.isArray(record['Fn::GetAtt'])) return `<${(record['Fn::GetAtt'] as string[]).join('.')}>`;
  }
  return JSON.stringify(resolved);
}
