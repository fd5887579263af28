/**
 * Sample provisioning documents shared by the task tests (and usable by the workflow tests): a
 * deployment, a resolved configuration, and the execution state as it stands before each task.
 */
import type { DeploymentSettings, ProvisionConfig, ProvisionExecutionState } from '../../workflow/contract';

export const testSettings: DeploymentSettings = {
  codeAssetBucket: 'cdk-assets-123456789012-eu-west-1',
  codeAssetKey: 'assets/0123abcd.zip',
  applicationRoleArn: 'arn:aws:iam::123456789012:role/flinkflow-application',
  crawlerRoleArn: 'arn:aws:iam::123456789012:role/flinkflow-crawler',
  glueDatabase: 'flinkflow',
  account: '123456789012',
  region: 'eu-west-1',
};

/** The environment the stack sets on the functions, matching `testSettings`. */
export const testEnvironment: Record<string, string> = {
  CODE_ASSET_BUCKET: testSettings.codeAssetBucket,
  CODE_ASSET_KEY: testSettings.codeAssetKey,
  APPLICATION_ROLE_ARN: testSettings.applicationRoleArn,
  CRAWLER_ROLE_ARN: testSettings.crawlerRoleArn,
  GLUE_DATABASE: testSettings.glueDatabase,
  AWS_ACCOUNT_ID: testSettings.account,
  AWS_REGION: testSettings.region,
};

export function testConfig(overrides: Partial<ProvisionConfig> = {}): ProvisionConfig {
  return {
    pipelineName: 'ticks-demo',
    runtime: 'FLINK-1_20',
    parallelism: 1,
    windowSeconds: 60,
    watermarkSeconds: 5,
    outputFormat: 'csv',
    initialPosition: 'LATEST',
    crawlSchedule: 'cron(0/15 * * * ? *)',
    partitionByTime: false,
    startTimeoutSeconds: 900,
    healthSettleSeconds: 120,
    keepUnhealthyRunning: false,
    streamMode: 'PROVISIONED',
    shardCount: 1,
    region: testSettings.region,
    account: testSettings.account,
    streamName: 'ticks-demo-ticks',
    bucketName: 'flinkflow-ticks-demo-123456789012-eu-west-1',
    codeKey: 'code/flinkflow-app.zip',
    outputPrefix: 'output/',
    applicationName: 'ticks-demo-app',
    crawlerName: 'ticks-demo-crawler',
    glueDatabase: testSettings.glueDatabase,
    tablePrefix: 'ticks_demo_',
    applicationRoleArn: testSettings.applicationRoleArn,
    crawlerRoleArn: testSettings.crawlerRoleArn,
    codeAssetBucket: testSettings.codeAssetBucket,
    codeAssetKey: testSettings.codeAssetKey,
    ...overrides,
  };
}

/** The state after every create task succeeded, before the application is started. */
export function testState(
  overrides: Partial<ProvisionExecutionState> = {},
  config: Partial<ProvisionConfig> = {},
): ProvisionExecutionState {
  return {
    input: { pipelineName: 'ticks-demo' },
    config: testConfig(config),
    stream: {
      streamName: 'ticks-demo-ticks',
      streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/ticks-demo-ticks',
      created: true,
    },
    bucket: {
      bucketName: 'flinkflow-ticks-demo-123456789012-eu-west-1',
      bucketArn: 'arn:aws:s3:::flinkflow-ticks-demo-123456789012-eu-west-1',
      created: true,
    },
    code: {
      bucketName: 'flinkflow-ticks-demo-123456789012-eu-west-1',
      key: 'code/flinkflow-app.zip',
      versionId: 'v-code-1',
      sha256: 'a'.repeat(64),
    },
    application: {
      applicationName: 'ticks-demo-app',
      applicationArn: 'arn:aws:kinesisanalytics:eu-west-1:123456789012:application/ticks-demo-app',
      versionId: 1,
      created: true,
    },
    ...overrides,
  };
}
