/**
 * ARN patterns of the resources a provisioning execution creates. The tasks create them at run time from
 * a pipeline name, so the stack cannot name them one by one; it scopes every permission to the naming
 * convention itself: each pattern is the contract's PipelineNames function applied to the pipeline name
 * `*`, in this account and region. A renamed convention therefore renames its permission with it
 * (test/infra/naming.test.ts).
 */
import { ArnFormat, Aws, Stack } from 'aws-cdk-lib';
import { keyPrefixOf, PipelineNames } from '../workflow/contract';

/** Every pipeline, as IAM resource patterns see it. */
const ANY_PIPELINE = '*';

/** The key prefixes inside a pipeline bucket (ProvisionConfig.codeKey and outputPrefix). */
export const PipelineBucketPrefixes = {
  get code(): string {
    return keyPrefixOf(PipelineNames.codeKey);
  },
  get output(): string {
    return PipelineNames.outputPrefix;
  },
};

export class PipelineResources {
  /** Kinesis streams PipelineNames.stream. */
  readonly streamArn: string;
  /** Pipeline buckets PipelineNames.bucket. */
  readonly bucketArn: string;
  /** Managed Flink applications PipelineNames.application. */
  readonly applicationArn: string;
  /**
   * The applications' CloudWatch log groups (PipelineNames.applicationLogGroup): the group itself
   * (CreateLogGroup) and its streams (`:*`, CreateLogStream and PutLogEvents).
   */
  readonly applicationLogGroupArns: readonly [string, string];
  /** Glue crawlers PipelineNames.crawler. */
  readonly crawlerArn: string;
  /** The Glue crawlers' log group (Glue's fixed name `/aws-glue/crawlers`) and its streams. */
  readonly crawlerLogGroupArns: readonly [string, string];
  /** Every KMS key of the account and region (the AWS-managed Kinesis key's id is not known at synth). */
  readonly kmsKeysArn: string;
  readonly glueCatalogArn: string;
  readonly glueDatabaseArn: string;
  /** Every table in the Glue database (the crawler names them from the pipeline). */
  readonly glueTablesArn: string;

  constructor(
    stack: Stack,
    readonly glueDatabaseName: string,
  ) {
    this.streamArn = stack.formatArn({
      service: 'kinesis',
      resource: 'stream',
      resourceName: PipelineNames.stream(ANY_PIPELINE),
    });
    this.bucketArn = `arn:${Aws.PARTITION}:s3:::${PipelineNames.bucket(ANY_PIPELINE, Aws.ACCOUNT_ID, Aws.REGION)}`;
    this.applicationArn = stack.formatArn({
      service: 'kinesisanalytics',
      resource: 'application',
      resourceName: PipelineNames.application(ANY_PIPELINE),
    });
    this.applicationLogGroupArns = logGroupArns(stack, PipelineNames.applicationLogGroup(ANY_PIPELINE));
    this.crawlerArn = stack.formatArn({
      service: 'glue',
      resource: 'crawler',
      resourceName: PipelineNames.crawler(ANY_PIPELINE),
    });
    this.crawlerLogGroupArns = logGroupArns(stack, '/aws-glue/crawlers');
    this.kmsKeysArn = stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' });
    this.glueCatalogArn = stack.formatArn({ service: 'glue', resource: 'catalog' });
    this.glueDatabaseArn = stack.formatArn({
      service: 'glue',
      resource: 'database',
      resourceName: glueDatabaseName,
    });
    this.glueTablesArn = stack.formatArn({
      service: 'glue',
      resource: 'table',
      resourceName: `${glueDatabaseName}/*`,
    });
  }

  /** Objects under a key prefix of the pipeline buckets. */
  objectsArn(prefix: string): string {
    return `${this.bucketArn}/${prefix}*`;
  }
}

function logGroupArns(stack: Stack, name: string): readonly [string, string] {
  const group = stack.formatArn({
    service: 'logs',
    resource: 'log-group',
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  return [group, `${group}:*`];
}
