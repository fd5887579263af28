/**
 * The orchestrator: everything flinkflow deploys once per account and region. The pipelines themselves
 * (stream, bucket, application, crawler) are made by the provisioning state machine at run time; this
 * stack holds the machine, its task functions, the roles the pipeline's services assume, the Glue
 * database, the Athena workgroup and the Flink code asset.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';
import {
  DefaultGlueDatabase,
  ProvisionLambdaTasks,
  ProvisionState,
  type ProvisionLambdaTask,
} from '../workflow/contract';
import type { ProvisioningTaskFunctions } from '../workflow/provisioning';
import { ProvisioningStateMachine } from '../workflow/provisioning-state-machine';
import { ValidationScheduleVariables } from '../workflow/crawl-contract';
import { CrawlAndQuery, validationWorkGroupCfnConfiguration } from './crawl-and-query';
import { PipelineBucketPrefixes, PipelineResources } from './pipeline-resources';
import { DefaultBytesScannedCutoffPerQuery, DefaultValidationWorkGroup } from './validation-workgroup';
import { Redeploy } from './redeploy';
import { ProjectRoot, TaskFunction } from './task-function';
import { TaskPermissions } from './task-permissions';
import { Teardown } from './teardown';

/** Where `make flink-zip` writes the deployable Flink code. */
export const DefaultFlinkCodeZipPath = path.join(ProjectRoot, 'flink-app', 'dist', 'flinkflow-app.zip');

export interface OrchestratorStackProps extends StackProps {
  /** The Flink code zip to ship as an asset. Default flink-app/dist/flinkflow-app.zip. */
  readonly flinkCodeZipPath?: string;
  /** The Glue database the crawlers write tables into. Default `flinkflow`. */
  readonly glueDatabaseName?: string;
  /** The Athena workgroup for validation queries. Default `flinkflow`. */
  readonly athenaWorkGroupName?: string;
  /**
   * The most data one Athena query may scan before Athena cancels it. Default 1 GiB: the validation
   * queries read minutes of 1-minute aggregates (kilobytes); a query that reads a gigabyte is a mistake.
   */
  readonly athenaBytesScannedCutoffPerQuery?: number;
  /** Retention of every log group of the stack. Default one month. */
  readonly logRetention?: logs.RetentionDays;
}

/** The orchestrator stack; see the module comment. */
export class OrchestratorStack extends Stack {
  readonly stateMachine: ProvisioningStateMachine;
  readonly functions: Readonly<Record<ProvisionLambdaTask, TaskFunction>>;
  readonly applicationRole: iam.Role;
  readonly crawlerRole: iam.Role;
  readonly workGroup: athena.CfnWorkGroup;
  /** The crawl-and-query machine, its functions, verdict topic, dead-letter queue and scheduler role. */
  readonly crawlAndQuery: CrawlAndQuery;
  private athenaResults?: s3.Bucket;
  /** The teardown machine and its functions (infra/teardown.ts). */
  readonly teardown: Teardown;
  readonly redeploy: Redeploy;

  constructor(scope: Construct, id: string, props: OrchestratorStackProps = {}) {
    super(scope, id, props);
    // Server access logs are granted to logging.s3.amazonaws.com by a bucket policy, not by the legacy
    // LogDeliveryWrite ACL (ACLs stay off on every bucket). Set here, before any child exists, so that
    // every app that builds this stack (cdk.json, the tests) behaves the same.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const glueDatabaseName = props.glueDatabaseName ?? DefaultGlueDatabase;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const resources = new PipelineResources(this, glueDatabaseName);

    const codeAsset = new Asset(this, 'FlinkCode', { path: requireFlinkCodeZip(props.flinkCodeZipPath) });

    const database = new glue.CfnDatabase(this, 'GlueDatabase', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: {
        name: glueDatabaseName,
        description: 'flinkflow: tables of the pipelines windowed output, made by their crawlers',
      },
    });

    this.applicationRole = this.makeApplicationRole(resources);
    this.crawlerRole = this.makeCrawlerRole(resources);
    this.workGroup = this.makeAthenaWorkGroup(props);
    this.crawlAndQuery = new CrawlAndQuery(this, 'CrawlAndQuery', {
      resources,
      logRetention,
      glueDatabaseName,
      workGroupName: this.workGroup.ref,
      resultsBucketArn: (this.athenaResults as s3.Bucket).bucketArn,
    });

    const functions = {} as Record<ProvisionLambdaTask, TaskFunction>;
    for (const task of ProvisionLambdaTasks) {
      const fn = new TaskFunction(this, `${task}Function`, { task, logRetention });
      fn.bindDeploymentSettings({
        codeAssetBucket: codeAsset.s3BucketName,
        codeAssetKey: codeAsset.s3ObjectKey,
        applicationRoleArn: this.applicationRole.roleArn,
        crawlerRoleArn: this.crawlerRole.roleArn,
        glueDatabase: glueDatabaseName,
        account: Aws.ACCOUNT_ID,
      });
      const statements = TaskPermissions[task]({
        resources,
        codeAsset: { bucketName: codeAsset.s3BucketName, objectKey: codeAsset.s3ObjectKey },
        applicationRole: this.applicationRole,
        crawlerRole: this.crawlerRole,
        schedulerRole: this.crawlAndQuery.schedulerRole,
      });
      for (const statement of statements) fn.addToRolePolicy(statement);
      acknowledgeTaskFunctionFindings(fn, statements);
      functions[task] = fn;
    }
    this.functions = functions;
    // The validation schedule's target, role and dead-letter queue (CreateValidationSchedule reads them).
    const scheduleFunction = functions[ProvisionState.CreateValidationSchedule];
    scheduleFunction.addEnvironment(
      ValidationScheduleVariables.crawlStateMachineArn,
      this.crawlAndQuery.stateMachine.stateMachine.stateMachineArn,
    );
    scheduleFunction.addEnvironment(
      ValidationScheduleVariables.schedulerRoleArn,
      this.crawlAndQuery.schedulerRole.roleArn,
    );
    scheduleFunction.addEnvironment(
      ValidationScheduleVariables.deadLetterQueueArn,
      this.crawlAndQuery.deadLetterQueue.queueArn,
    );

    const machineLogGroup = new logs.LogGroup(this, 'ProvisioningLogGroup', {
      // The vendedlogs prefix keeps Step Functions' log delivery within CloudWatch's resource-policy limit.
      logGroupName: `/aws/vendedlogs/states/${this.stackName}-provisioning`,
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new ProvisioningStateMachine(this, 'Provisioning', {
      functions: functions satisfies ProvisioningTaskFunctions,
      logGroup: machineLogGroup,
      tracingEnabled: true,
    });
    acknowledgeStateMachineFindings(this.stateMachine, functions);

    this.teardown = new Teardown(this, 'Teardown', { resources, logRetention });
    this.redeploy = new Redeploy(this, 'Redeploy', {
      resources,
      checkApplicationHealth: functions.CheckApplicationHealth,
      logRetention,
      glueDatabaseName,
      workGroupName: this.workGroup.ref,
      resultsBucketArn: (this.athenaResults as s3.Bucket).bucketArn,
    });

    new CfnOutput(this, 'ProvisioningStateMachineArn', {
      value: this.stateMachine.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'CrawlAndQueryStateMachineArn', {
      value: this.crawlAndQuery.stateMachine.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'VerdictTopicArn', { value: this.crawlAndQuery.verdictTopic.topicArn });
    new CfnOutput(this, 'GlueDatabaseName', { value: database.ref });
    new CfnOutput(this, 'AthenaWorkGroupName', { value: this.workGroup.ref });
    new CfnOutput(this, 'FlinkCodeAsset', { value: codeAsset.s3ObjectUrl });
  }

  /** The role the Managed Flink application runs as: read its stream and code, write its output and logs. */
  private makeApplicationRole(resources: PipelineResources): iam.Role {
    const role = new iam.Role(this, 'FlinkApplicationRole', {
      description: 'flinkflow: execution role of the pipelines Managed Flink applications',
      assumedBy: new iam.ServicePrincipal('kinesisanalytics.amazonaws.com', {
        // Only applications of this account named by the pipeline convention may assume it.
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': resources.applicationArn },
        },
      }),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheTickStream',
        actions: [
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:ListShards',
          'kinesis:GetShardIterator',
          'kinesis:GetRecords',
        ],
        resources: [resources.streamArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheCode',
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [resources.objectsArn(PipelineBucketPrefixes.code)],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteTheOutput',
        // The file sink writes in-progress files, then commits them (copy + delete) and success files.
        actions: [
          's3:GetObject',
          's3:PutObject',
          's3:DeleteObject',
          's3:AbortMultipartUpload',
          's3:ListMultipartUploadParts',
        ],
        resources: [resources.objectsArn(PipelineBucketPrefixes.output)],
      }),
    );
    role.addToPolicy(listTheBucket(resources));
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteApplicationLogs',
        actions: ['logs:DescribeLogStreams', 'logs:PutLogEvents'],
        resources: [...resources.applicationLogGroupArns],
      }),
    );
    // The service looks the application's log group up by listing. DescribeLogGroups supports no resource
    // type (Service Authorization Reference), so only `*` authorises it.
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'FindLogGroups',
        actions: ['logs:DescribeLogGroups'],
        resources: ['*'],
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'logs:DescribeLogGroups (the only action on Resource *) lists log groups and supports no resource ' +
        'type; it reveals names, not log data.',
    });
    Validations.of(role).acknowledge(
      ...[
        resources.streamArn,
        resources.objectsArn(PipelineBucketPrefixes.code),
        resources.objectsArn(PipelineBucketPrefixes.output),
        resources.bucketArn,
        ...resources.applicationLogGroupArns,
      ].map((arn) => pipelinePatternAcknowledgement(this, arn)),
    );
    return role;
  }

  /** The role the Glue crawlers run as: read the output, write tables and partitions of one database. */
  private makeCrawlerRole(resources: PipelineResources): iam.Role {
    const role = new iam.Role(this, 'GlueCrawlerRole', {
      description: 'flinkflow: role of the pipelines Glue crawlers',
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheOutput',
        actions: ['s3:GetObject'],
        resources: [resources.objectsArn(PipelineBucketPrefixes.output)],
      }),
    );
    role.addToPolicy(listTheBucket(resources));
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'CatalogTheOutput',
        actions: [
          'glue:GetDatabase',
          'glue:GetTable',
          'glue:GetTables',
          'glue:CreateTable',
          'glue:UpdateTable',
          'glue:GetPartition',
          'glue:GetPartitions',
          'glue:BatchGetPartition',
          'glue:CreatePartition',
          'glue:BatchCreatePartition',
          'glue:UpdatePartition',
          'glue:BatchUpdatePartition',
        ],
        resources: [resources.glueCatalogArn, resources.glueDatabaseArn, resources.glueTablesArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteCrawlerLogs',
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [...resources.crawlerLogGroupArns],
      }),
    );
    Validations.of(role).acknowledge(
      ...[
        resources.objectsArn(PipelineBucketPrefixes.output),
        resources.bucketArn,
        resources.glueTablesArn,
        resources.crawlerLogGroupArns[1],
      ].map((arn) => pipelinePatternAcknowledgement(this, arn)),
    );
    return role;
  }

  /** The workgroup the validation queries run in, with its encrypted results bucket and scan cutoff. */
  private makeAthenaWorkGroup(props: OrchestratorStackProps): athena.CfnWorkGroup {
    const accessLogs = new s3.Bucket(this, 'AccessLogsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // ACLs off: log delivery writes under the bucket policy CDK adds (see the constructor).
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket receives the server access logs of the Athena results bucket; logging it into ' +
        'itself (or a third bucket) would only log the log delivery.',
    });
    const results = new s3.Bucket(this, 'AthenaResultsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // aws-cdk-lib's Bucket declares `isWebsite?: boolean` where IBucket says `boolean`, which
      // exactOptionalPropertyTypes rejects; the object is an IBucket all the same.
      serverAccessLogsBucket: accessLogs as s3.IBucket,
      serverAccessLogsPrefix: 'athena-results/',
      // Query results are read once by the validation that ran the query.
      lifecycleRules: [{ expiration: Duration.days(30) }],
    });
    this.athenaResults = results;
    return new athena.CfnWorkGroup(this, 'AthenaWorkGroup', {
      name: props.athenaWorkGroupName ?? DefaultValidationWorkGroup,
      description: 'flinkflow validation queries over the pipelines Glue tables',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      // Clients cannot override the results location or encryption; the local cloud's deployment makes
      // the same workgroup from the same function.
      workGroupConfiguration: validationWorkGroupCfnConfiguration({
        outputLocation: `s3://${results.bucketName}/results/`,
        bytesScannedCutoffPerQuery:
          props.athenaBytesScannedCutoffPerQuery ?? DefaultBytesScannedCutoffPerQuery,
      }),
    });
  }
}

/** Listing the bucket and finding its region: both the application and the crawler read objects by prefix. */
function listTheBucket(resources: PipelineResources): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ListTheBucket',
    actions: ['s3:ListBucket', 's3:GetBucketLocation'],
    resources: [resources.bucketArn],
  });
}

/**
 * The Flink code zip's path, or a clear error: synthesizing without the zip would deploy a machine whose
 * UploadCode step has nothing to copy.
 */
function requireFlinkCodeZip(configured: string | undefined): string {
  const zipPath = path.resolve(configured ?? DefaultFlinkCodeZipPath);
  if (!fs.existsSync(zipPath)) {
    throw new Error(
      `The Flink code zip ${zipPath} does not exist. Build it with \`make flink-zip\` before \`cdk synth\` ` +
        'or `cdk deploy` (or pass flinkCodeZipPath to OrchestratorStack).',
    );
  }
  return zipPath;
}

const PatternReason =
  'Pipeline resources are created at run time by the provisioning machine from a pipeline name; the ' +
  'pattern limits access to the naming convention of workflow/contract.ts in this account and region.';

/** The IAM5 acknowledgement of one pipeline-name pattern in a policy. */
export function pipelinePatternAcknowledgement(stack: Stack, arn: string) {
  return { id: `AwsSolutions-IAM5[Resource::${nagResourceName(stack, arn)}]`, reason: PatternReason };
}

/**
 * Acknowledges a task function's findings: X-Ray's `Resource::*`, and each pipeline-name pattern among the
 * resources of the statements the stack gave it.
 */
export function acknowledgeTaskFunctionFindings(
  fn: TaskFunction,
  statements: readonly iam.PolicyStatement[],
): void {
  const stack = Stack.of(fn);
  const patterns = new Set(
    statements
      .flatMap((statement) => statement.resources)
      .map((arn) => nagResourceName(stack, arn))
      .filter((rendered) => rendered.includes('*')),
  );
  // On the role: TaskFunction makes it beside the function (it must exist before the function does), so
  // the role's policy is not in the function's scope.
  const onEverything = statements
    .filter((statement) => statement.resources.includes('*'))
    .flatMap((statement) => statement.actions);
  Validations.of(fn.role ?? fn).acknowledge(
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        onEverything.length === 0
          ? 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource type (Service Authorization Reference).'
          : `X-Ray PutTraceSegments and PutTelemetryRecords, and ${onEverything.join(', ')}, support no resource ` +
            'type (Service Authorization Reference)' +
            (onEverything.some((action) => /:Create/.test(action))
              ? '; the creates are narrowed by the pipeline tag condition and by iam:PassRole of one role (docs/iam.md).'
              : '.'),
    },
    ...[...patterns].map((rendered) => ({
      id: `AwsSolutions-IAM5[Resource::${rendered}]`,
      reason: rendered.includes(':kms:')
        ? 'kinesis:StartStreamEncryption (the only action on it) needs the KMS key as a resource; the key is ' +
          'the AWS-managed alias/aws/kinesis, whose key id is not known at synth.'
        : PatternReason,
    })),
  );
}

/** Acknowledges the state machine role's findings: invoke permissions on function versions, logs, X-Ray. */
export function acknowledgeStateMachineFindings(
  machine: Construct,
  functions: Readonly<Record<string, TaskFunction>>,
): void {
  const stack = Stack.of(machine);
  Validations.of(machine).acknowledge(
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'CloudWatch Logs log delivery (CreateLogDelivery and related) and X-Ray (PutTraceSegments, ' +
        'GetSamplingRules) do not support resource-level permissions.',
    },
    ...Object.values(functions).map((fn) => ({
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(stack, fn.functionArn)}:*]`,
      reason: `CDK grants lambda:InvokeFunction on ${fn.task} and its versions (":*"); the machine invokes only that function.`,
    })),
  );
}

/** How cdk-nag prints a resource ARN in a finding id (tokens become <Ref> / <Logical.Attr> / <AWS::X>). */
export function nagResourceName(stack: Stack, arn: string): string {
  return nagResourceNameFromResolved(stack.resolve(arn));
}

function nagResourceNameFromResolved(resolved: unknown): string {
  if (typeof resolved === 'string') return resolved;
  if (resolved && typeof resolved === 'object') {
    const record = resolved as Record<string, unknown>;
    if (Array.isArray(record['Fn::Join'])) {
      const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
      return parts.map(nagResourceNameFromResolved).join(separator);
    }
    if (typeof record['Ref'] === 'string') return `<${record['Ref']}>`;
    if (Array.isArray(record['Fn::GetAtt'])) return `<${(record['Fn::GetAtt'] as string[]).join('.')}>`;
  }
  return JSON.stringify(resolved);
}
