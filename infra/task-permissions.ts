/**
 * The IAM actions each provisioning task may perform, and on what. One table, so that a reader (and the
 * infra tests) can check every task's permissions against the API calls its handler makes. Actions are
 * always named one by one: no `*`, no `service:*`, no `Get*`.
 */
import { Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  PipelineNames,
  PipelineTagKey,
  ProvisionState,
  type ProvisionLambdaTask,
} from '../workflow/contract';
import { CrawlState, ValidationMetricNamespace, type CrawlLambdaTask } from '../workflow/crawl-contract';
import { TeardownState, type TeardownLambdaTask } from '../workflow/teardown-contract';
import { PipelineBucketPrefixes, type PipelineResources } from './pipeline-resources';

export interface TaskPermissionContext {
  readonly resources: PipelineResources;
  /** The bucket and key of the Flink code asset that UploadCode copies. */
  readonly codeAsset: { readonly bucketName: string; readonly objectKey: string };
  readonly applicationRole: iam.IRole;
  readonly crawlerRole: iam.IRole;
  /** The role EventBridge Scheduler assumes to start the crawl-and-query machine (CreateValidationSchedule). */
  readonly schedulerRole: iam.IRole;
}

const allow = (actions: string[], resources: readonly string[], conditions?: Record<string, unknown>) =>
  new iam.PolicyStatement({
    effect: iam.Effect.ALLOW,
    actions,
    resources: [...resources],
    ...(conditions === undefined ? {} : { conditions }),
  });

/** iam:PassRole of one role, to the one service that takes it. */
const passRole = (role: iam.IRole, service: string) =>
  allow(['iam:PassRole'], [role.roleArn], { StringEquals: { 'iam:PassedToService': service } });

/**
 * CreateApplication and CreateCrawler support no resource type (the Service Authorization Reference lists
 * only `aws:RequestTag/${TagKey}` and `aws:TagKeys` for them), so they are granted on `*`, narrowed to
 * requests that carry the pipeline tag and no other tag key. What really confines them is iam:PassRole:
 * an application or crawler cannot be created without passing a role, and the tasks may pass only theirs.
 */
const withPipelineTagOnly = {
  Null: { [`aws:RequestTag/${PipelineTagKey}`]: 'false' },
  'ForAllValues:StringEquals': { 'aws:TagKeys': [PipelineTagKey] },
};

/** The policy statements of each task, beyond writing its own log group and X-Ray traces. */
export const TaskPermissions: Readonly<
  Record<ProvisionLambdaTask, (context: TaskPermissionContext) => iam.PolicyStatement[]>
> = {
  // Pure validation: no AWS call (the account comes from AWS_ACCOUNT_ID, not STS).
  [ProvisionState.ValidateInput]: () => [],

  [ProvisionState.CreateStream]: ({ resources }) => [
    allow(['kinesis:CreateStream', 'kinesis:DescribeStreamSummary'], [resources.streamArn]),
    // StartStreamEncryption is authorised on the stream and on the KMS key (both resource types are
    // required). The key is AWS-managed (alias/aws/kinesis), its id unknown at synth: any key of the account.
    allow(['kinesis:StartStreamEncryption'], [resources.streamArn, resources.kmsKeysArn]),
  ],

  [ProvisionState.CreateBucket]: ({ resources }) => [
    allow(
      [
        's3:CreateBucket',
        // CreateBucket with ObjectOwnership is authorised as PutBucketOwnershipControls too.
        's3:PutBucketOwnershipControls',
        // HeadBucket is authorised as ListBucket.
        's3:ListBucket',
        's3:PutBucketVersioning',
        's3:PutEncryptionConfiguration',
        's3:PutBucketPublicAccessBlock',
        's3:PutBucketPolicy',
        // PutBucketNotificationConfiguration (EventBridge notifications for the redeploy rule).
        's3:PutBucketNotification',
      ],
      [resources.bucketArn],
    ),
  ],

  [ProvisionState.UploadCode]: ({ resources, codeAsset }) => [
    // CopyObject reads the source version with GetObject(Version) and writes with PutObject.
    allow(
      ['s3:GetObject', 's3:GetObjectVersion'],
      [`arn:${Aws.PARTITION}:s3:::${codeAsset.bucketName}/${codeAsset.objectKey}`],
    ),
    // HeadObject of the copy (GetObject) and the copy itself (PutObject); the copy is never read by version.
    allow(['s3:PutObject', 's3:GetObject'], [resources.objectsArn(PipelineBucketPrefixes.code)]),
    // So that HeadObject of a missing key answers 404 rather than 403.
    allow(['s3:ListBucket'], [resources.bucketArn]),
  ],

  [ProvisionState.CreateApplication]: ({ resources, applicationRole }) => [
    allow(['kinesisanalytics:CreateApplication'], ['*'], withPipelineTagOnly),
    // Tags given to a create call may also be authorised as TagResource on the new application.
    allow(['kinesisanalytics:TagResource'], [resources.applicationArn], withPipelineTagOnly),
    allow(['kinesisanalytics:DescribeApplication'], [resources.applicationArn]),
    allow(
      ['logs:CreateLogGroup', 'logs:PutRetentionPolicy', 'logs:CreateLogStream'],
      resources.applicationLogGroupArns,
    ),
    passRole(applicationRole, 'kinesisanalytics.amazonaws.com'),
  ],

  [ProvisionState.StartApplication]: ({ resources }) => [
    allow(
      [
        'kinesisanalytics:StartApplication',
        'kinesisanalytics:DescribeApplication',
        // Why a ROLLED_BACK application was rolled back, for the error.
        'kinesisanalytics:ListApplicationOperations',
        'kinesisanalytics:DescribeApplicationOperation',
      ],
      [resources.applicationArn],
    ),
  ],

  [ProvisionState.DescribeApplication]: ({ resources }) => [
    allow(
      [
        'kinesisanalytics:DescribeApplication',
        'kinesisanalytics:ListApplicationOperations',
        'kinesisanalytics:DescribeApplicationOperation',
      ],
      [resources.applicationArn],
    ),
  ],

  [ProvisionState.ForceStopApplication]: ({ resources }) => [
    allow(
      ['kinesisanalytics:StopApplication', 'kinesisanalytics:DescribeApplication'],
      [resources.applicationArn],
    ),
  ],

  [ProvisionState.CheckApplicationHealth]: ({ resources }) => [
    allow(
      [
        'kinesisanalytics:DescribeApplication',
        'kinesisanalytics:ListApplicationOperations',
        'kinesisanalytics:DescribeApplicationOperation',
      ],
      [resources.applicationArn],
    ),
    // GetMetricData has no resource type in the service authorization reference: only `*` is possible.
    allow(['cloudwatch:GetMetricData'], ['*']),
    // The job's exception, from the application's own log group (both ARN forms: group and its streams).
    allow(['logs:FilterLogEvents'], resources.applicationLogGroupArns),
  ],

  [ProvisionState.StopUnhealthyApplication]: ({ resources }) => [
    allow(
      ['kinesisanalytics:StopApplication', 'kinesisanalytics:DescribeApplication'],
      [resources.applicationArn],
    ),
  ],

  [ProvisionState.CreateCrawler]: ({ resources, crawlerRole }) => [
    allow(['glue:CreateCrawler'], ['*'], withPipelineTagOnly),
    allow(['glue:TagResource'], [resources.crawlerArn], withPipelineTagOnly),
    allow(['glue:UpdateCrawler'], [resources.crawlerArn]),
    // The pipeline's CSV classifier. Classifiers support no resource type and no condition key.
    allow(['glue:CreateClassifier', 'glue:UpdateClassifier'], ['*']),
    passRole(crawlerRole, 'glue.amazonaws.com'),
  ],

  [ProvisionState.CreateValidationSchedule]: ({ schedulerRole }) => [
    // Schedules support no tags; the name pattern in the default group confines the task to pipelines'.
    allow(
      ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule'],
      [
        Stack.of(schedulerRole).formatArn({
          service: 'scheduler',
          resource: 'schedule',
          resourceName: `default/${PipelineNames.validationSchedule('*')}`,
        }),
      ],
    ),
    passRole(schedulerRole, 'scheduler.amazonaws.com'),
  ],

  // Read-only: reports which of the pipeline's resources exist after a failure.
  [ProvisionState.DescribeFailure]: ({ resources }) => [
    allow(['kinesis:DescribeStreamSummary'], [resources.streamArn]),
    allow(['s3:ListBucket'], [resources.bucketArn]),
    allow(['kinesisanalytics:DescribeApplication'], [resources.applicationArn]),
    allow(['glue:GetCrawler'], [resources.crawlerArn]),
  ],
};

export interface CrawlPermissionContext {
  readonly resources: PipelineResources;
  /** The validation queries' Athena workgroup. */
  readonly workGroupArn: string;
  /** The workgroup's results bucket (its enforced output location is under it). */
  readonly resultsBucketArn: string;
  readonly verdictTopicArn: string;
  /** The key the verdict topic is encrypted with. */
  readonly verdictKeyArn: string;
}

/**
 * The policy statements of each crawl-and-query task. Athena runs a query with its caller's permissions:
 * the task that starts the queries may read the catalog and the pipelines' output and write query results;
 * the task that reads results may read them.
 */
export const CrawlTaskPermissions: Readonly<
  Record<CrawlLambdaTask, (context: CrawlPermissionContext) => iam.PolicyStatement[]>
> = {
  // Pure validation: no AWS call.
  [CrawlState.ValidateCrawlInput]: () => [],

  [CrawlState.StartCrawl]: ({ resources }) => [allow(['glue:StartCrawler'], [resources.crawlerArn])],

  [CrawlState.GetCrawlStatus]: ({ resources }) => [allow(['glue:GetCrawler'], [resources.crawlerArn])],

  // GetTable is authorised on the catalog, the database and the table together.
  [CrawlState.CheckTable]: ({ resources }) => [
    allow(['glue:GetTable'], [resources.glueCatalogArn, resources.glueDatabaseArn, resources.glueTablesArn]),
  ],

  [CrawlState.StartQueries]: ({ resources, workGroupArn, resultsBucketArn }) => [
    allow(['athena:StartQueryExecution'], [workGroupArn]),
    allow(
      [
        'glue:GetDatabase',
        'glue:GetTable',
        'glue:GetPartition',
        'glue:GetPartitions',
        'glue:BatchGetPartition',
      ],
      [resources.glueCatalogArn, resources.glueDatabaseArn, resources.glueTablesArn],
    ),
    allow(['s3:GetObject'], [resources.objectsArn(PipelineBucketPrefixes.output)]),
    allow(['s3:ListBucket', 's3:GetBucketLocation'], [resources.bucketArn, resultsBucketArn]),
    allow(
      ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      [`${resultsBucketArn}/*`],
    ),
  ],

  [CrawlState.GetQueryStatus]: ({ workGroupArn }) => [
    // StopQueryExecution: queries still running when their time budget ends are stopped.
    allow(['athena:GetQueryExecution', 'athena:StopQueryExecution'], [workGroupArn]),
  ],

  [CrawlState.EvaluateChecks]: ({ workGroupArn, resultsBucketArn }) => [
    allow(['athena:GetQueryResults'], [workGroupArn]),
    allow(['s3:GetObject'], [`${resultsBucketArn}/*`]),
    allow(['s3:ListBucket', 's3:GetBucketLocation'], [resultsBucketArn]),
    // GetMetricData has no resource type in the service authorization reference: only `*` is possible.
    allow(['cloudwatch:GetMetricData'], ['*']),
  ],

  [CrawlState.PublishVerdict]: ({ verdictTopicArn, verdictKeyArn }) => [
    // PutMetricData supports no resource type; the namespace condition confines it to the verdict's metrics.
    allow(['cloudwatch:PutMetricData'], ['*'], {
      StringEquals: { 'cloudwatch:namespace': ValidationMetricNamespace },
    }),
    allow(['sns:Publish'], [verdictTopicArn]),
    // Publishing to an encrypted topic needs its key's data keys.
    allow(['kms:GenerateDataKey', 'kms:Decrypt'], [verdictKeyArn]),
  ],
};

/** What the teardown tasks delete besides the provisioning resources: the schedule and the redeploy rule. */
export interface TeardownPermissionContext {
  readonly resources: PipelineResources;
  /** EventBridge Scheduler schedules PipelineNames.validationSchedule in the default group. */
  readonly validationScheduleArn: string;
  /** EventBridge rules PipelineNames.redeployRule on the default bus. */
  readonly redeployRuleArn: string;
}

/**
 * The teardown tasks' statements: each deletes only resources named by the pipeline convention. The one
 * exception is glue:DeleteClassifier, which has no resource type (Service Authorization Reference), so
 * only `*` authorises it; the handler names the pipeline's classifier and nothing else.
 */
export const TeardownTaskPermissions: Readonly<
  Record<TeardownLambdaTask, (context: TeardownPermissionContext) => iam.PolicyStatement[]>
> = {
  // No AWS call: the account comes from AWS_ACCOUNT_ID.
  [TeardownState.ValidateTeardownInput]: () => [],
  [TeardownState.DeleteValidationSchedule]: ({ validationScheduleArn }) => [
    allow(['scheduler:DeleteSchedule'], [validationScheduleArn]),
  ],
  [TeardownState.DeleteRedeployRule]: ({ redeployRuleArn }) => [
    allow(['events:ListTargetsByRule', 'events:RemoveTargets', 'events:DeleteRule'], [redeployRuleArn]),
  ],
  [TeardownState.StopApplicationForTeardown]: ({ resources }) => [
    allow(
      ['kinesisanalytics:DescribeApplication', 'kinesisanalytics:StopApplication'],
      [resources.applicationArn],
    ),
  ],
  [TeardownState.DeleteApplication]: ({ resources }) => [
    allow(
      ['kinesisanalytics:DescribeApplication', 'kinesisanalytics:DeleteApplication'],
      [resources.applicationArn],
    ),
    allow(['logs:DeleteLogGroup'], [resources.applicationLogGroupArns[0]]),
  ],
  [TeardownState.DeleteStream]: ({ resources }) => [
    allow(['kinesis:DescribeStreamSummary', 'kinesis:DeleteStream'], [resources.streamArn]),
  ],
  [TeardownState.DeleteCrawler]: ({ resources }) => [
    allow(['glue:GetCrawler', 'glue:StopCrawler', 'glue:DeleteCrawler'], [resources.crawlerArn]),
  ],
  [TeardownState.DeleteCatalogTables]: ({ resources }) => [
    // Tables are named by the crawler from the pipeline's prefix; the table pattern is the database's.
    allow(
      ['glue:GetTables', 'glue:BatchDeleteTable'],
      [resources.glueCatalogArn, resources.glueDatabaseArn, resources.glueTablesArn],
    ),
  ],
  [TeardownState.DeleteCsvClassifier]: () => [allow(['glue:DeleteClassifier'], ['*'])],
  [TeardownState.EmptyBucket]: ({ resources }) => [
    // ListObjectVersions is authorised as ListBucketVersions, ListMultipartUploads as ListBucketMultipartUploads.
    allow(['s3:ListBucketVersions', 's3:ListBucketMultipartUploads'], [resources.bucketArn]),
    // DeleteObjects with version ids: DeleteObjectVersion (and DeleteObject) on each key.
    allow(
      ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:AbortMultipartUpload'],
      [resources.objectsArn('')],
    ),
  ],
  [TeardownState.DeleteBucket]: ({ resources }) => [allow(['s3:DeleteBucket'], [resources.bucketArn])],
  [TeardownState.SummarizeTeardown]: () => [],
};
