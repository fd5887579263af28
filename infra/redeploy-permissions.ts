/**
 * The IAM actions of each redeploy function, and on what: like task-permissions.ts, one table, actions
 * named one by one, every resource a pipeline-name pattern. CheckApplicationHealth is the provisioning
 * machine's function and keeps its own permissions.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { RedeployState, StartRedeployTask, type RedeployFunctionName } from '../workflow/redeploy-contract';
import { PipelineBucketPrefixes, type PipelineResources } from './pipeline-resources';

export interface RedeployPermissionContext {
  readonly resources: PipelineResources;
  /** The redeploy machine's ARN (the starter's only target). */
  readonly stateMachineArn: string;
  /** The validation workgroup and its results bucket, which the canary's queries use. */
  readonly workGroupArn: string;
  readonly resultsBucketArn: string;
}

/** The redeploy functions the stack makes (CheckApplicationHealth is shared with provisioning). */
export type RedeployOwnFunction = Exclude<RedeployFunctionName, 'CheckApplicationHealth'>;

const allow = (actions: string[], resources: readonly string[]) =>
  new iam.PolicyStatement({ effect: iam.Effect.ALLOW, actions, resources: [...resources] });

export const RedeployPermissions: Readonly<
  Record<RedeployOwnFunction, (context: RedeployPermissionContext) => iam.PolicyStatement[]>
> = {
  [StartRedeployTask]: ({ stateMachineArn }) => [allow(['states:StartExecution'], [stateMachineArn])],

  [RedeployState.ValidateRedeploy]: ({ resources }) => [
    allow(['kinesisanalytics:DescribeApplication'], [resources.applicationArn]),
  ],

  [RedeployState.PreflightCode]: ({ resources }) => [
    // GetObject of a version is authorised as GetObjectVersion too.
    allow(['s3:GetObject', 's3:GetObjectVersion'], [resources.objectsArn(PipelineBucketPrefixes.code)]),
    // So that a deleted version answers 404 (the task's "upload it again"), not 403.
    allow(['s3:ListBucket'], [resources.bucketArn]),
  ],

  [RedeployState.SnapshotApplication]: ({ resources }) => [
    allow(
      ['kinesisanalytics:CreateApplicationSnapshot', 'kinesisanalytics:DescribeApplicationSnapshot'],
      [resources.applicationArn],
    ),
  ],

  [RedeployState.UpdateApplicationCode]: ({ resources }) => [
    allow(
      [
        'kinesisanalytics:DescribeApplication',
        'kinesisanalytics:UpdateApplication',
        // A retried task finds the update it made.
        'kinesisanalytics:ListApplicationOperations',
      ],
      [resources.applicationArn],
    ),
  ],

  [RedeployState.DescribeUpdate]: ({ resources }) => [
    allow(
      ['kinesisanalytics:DescribeApplication', 'kinesisanalytics:DescribeApplicationOperation'],
      [resources.applicationArn],
    ),
  ],

  [RedeployState.RollbackApplication]: ({ resources }) => [
    allow(
      [
        'kinesisanalytics:DescribeApplication',
        'kinesisanalytics:DescribeApplicationOperation',
        'kinesisanalytics:ListApplicationOperations',
        'kinesisanalytics:RollbackApplication',
      ],
      [resources.applicationArn],
    ),
  ],

  [RedeployState.DescribeRollback]: ({ resources }) => [
    allow(
      ['kinesisanalytics:DescribeApplication', 'kinesisanalytics:DescribeApplicationOperation'],
      [resources.applicationArn],
    ),
  ],

  // Read-only: what runs after the failure.
  // The canary: the job's window settings, the crawler, and the crawl-and-query tasks' Athena permissions.
  [RedeployState.RunCanary]: ({ resources, workGroupArn, resultsBucketArn }) => [
    allow(['kinesisanalytics:DescribeApplication'], [resources.applicationArn]),
    allow(['glue:StartCrawler', 'glue:GetCrawler'], [resources.crawlerArn]),
    allow(
      ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults'],
      [workGroupArn],
    ),
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
    allow(['s3:GetObject'], [resources.objectsArn(PipelineBucketPrefixes.output), `${resultsBucketArn}/*`]),
    allow(['s3:ListBucket', 's3:GetBucketLocation'], [resources.bucketArn, resultsBucketArn]),
    allow(
      ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      [`${resultsBucketArn}/*`],
    ),
  ],

  [RedeployState.DescribeRedeployFailure]: ({ resources }) => [
    allow(['kinesisanalytics:DescribeApplication'], [resources.applicationArn]),
  ],
};
