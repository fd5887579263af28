/**
 * CreateBucket: the pipeline's bucket, private, encrypted, TLS-only and versioned (the application pins
 * its code by object version). Every setting is applied on each run, so a re-run repairs drift.
 */
import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
} from '@aws-sdk/client-s3';
import { ProvisionState, type ProvisionConfig, type ProvisionExecutionState } from '../../workflow/contract';
import { bucketArn, httpStatusOf, isAwsError, requireExecutionState } from '../shared/aws';
import { ResourceConflictError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { logger } from '../shared/logger';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

export type CreateBucketResult = NonNullable<ProvisionExecutionState['bucket']>;

/** Denies every request that does not use TLS (the AWS Foundational Security practice S3.5). */
export function tlsOnlyPolicy(config: Pick<ProvisionConfig, 'region' | 'bucketName'>): string {
  const arn = bucketArn(config);
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [arn, `${arn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  });
}

function conflict(config: ProvisionConfig, cause: unknown): ResourceConflictError {
  return new ResourceConflictError(
    `Bucket ${config.bucketName} exists but belongs to another AWS account; bucket names are global, ` +
      'so choose another pipelineName',
    { cause },
  );
}

/** True when the bucket exists in this account; false when it does not exist at all. */
async function bucketIsOurs(deps: TaskDeps, config: ProvisionConfig): Promise<boolean> {
  try {
    await deps.clients.s3.send(
      new HeadBucketCommand({ Bucket: config.bucketName, ExpectedBucketOwner: config.account }),
    );
    return true;
  } catch (error) {
    if (isAwsError(error, 'NotFound', 'NoSuchBucket') || httpStatusOf(error) === 404) return false;
    // HeadBucket answers 403 for a bucket of another account (ExpectedBucketOwner mismatch or no access).
    if (httpStatusOf(error) === 403) throw conflict(config, error);
    throw error;
  }
}

/** CreateBucket's logic: create the bucket unless it is already ours, then apply every protection. */
export const run = withTransientErrors(
  async (event: ProvisionExecutionState, deps: Partial<TaskDeps> = {}): Promise<CreateBucketResult> => {
    const { config } = requireExecutionState(event, ProvisionState.CreateBucket);
    const d = resolveDeps(deps);
    const s3 = d.clients.s3;
    const Bucket = config.bucketName;

    let created = false;
    if (!(await bucketIsOurs(d, config))) {
      try {
        await s3.send(
          new CreateBucketCommand({
            Bucket,
            ObjectOwnership: 'BucketOwnerEnforced',
            // us-east-1 is the default location and rejects being named explicitly.
            ...(config.region === 'us-east-1'
              ? {}
              : {
                  CreateBucketConfiguration: {
                    LocationConstraint: config.region as BucketLocationConstraint,
                  },
                }),
          }),
        );
        created = true;
      } catch (error) {
        if (isAwsError(error, 'BucketAlreadyExists')) throw conflict(config, error);
        // A concurrent execution created it between our HeadBucket and CreateBucket.
        if (!isAwsError(error, 'BucketAlreadyOwnedByYou')) throw error;
      }
    }
    if (!created) logger.info('bucket exists; re-applying its settings', { bucket: Bucket });

    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }],
        },
      }),
    );
    await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: tlsOnlyPolicy(config) }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    // S3 sends the bucket's events to EventBridge's default bus once this (empty) configuration is on;
    // the redeploy rule (infra/redeploy.ts) picks new code zips out of them. It replaces the bucket's
    // whole notification configuration, which flinkflow sets nowhere else.
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket,
        NotificationConfiguration: { EventBridgeConfiguration: {} },
      }),
    );

    return { bucketName: Bucket, bucketArn: bucketArn(config), created };
  },
);

export const handler = taskHandler(ProvisionState.CreateBucket, (event: ProvisionExecutionState) =>
  run(event),
);
