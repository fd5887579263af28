/**
 * The IAM actions each provisioning task may perform, and on what. One table, so that a reader (and the
 * infra tests) can check every task's permissions against the API calls its handler makes. Actions are
 * always named one by one: no `*`, no `service:*`, no `Get*`.
 */
import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PipelineTagKey, ProvisionState, type ProvisionLambdaTask } from '../workflow/contract';
import { PipelineBucketPrefixes, type PipelineResources } from './pipeline-resources';

export interface TaskPermissionContext {
  readonly resources: PipelineResources;
  /** The bucket and key of the Flink code asset that UploadCode copies. */
  readonly codeAsset: { readonly bucketName: string; readonly objectKey: string };
  readonly applicationRole: iam.IRole;
  readonly crawlerRole: iam.IRole;
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
    // No resource type and no condition key: it only turns a crawler's schedule on.
    allow(['glue:StartCrawlerSchedule'], ['*']),
    passRole(crawlerRole, 'glue.amazonaws.com'),
  ],

  // Read-only: reports which of the pipeline's resources exist after a failure.
  [ProvisionState.DescribeFailure]: ({ resources }) => [
    allow(['kinesis:DescribeStreamSummary'], [resources.streamArn]),
    allow(['s3:ListBucket'], [resources.bucketArn]),
    allow(['kinesisanalytics:DescribeApplication'], [resources.applicationArn]),
    allow(['glue:GetCrawler'], [resources.crawlerArn]),
  ],
};
