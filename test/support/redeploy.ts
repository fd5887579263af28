/** Redeploy execution states and application details for the redeploy tasks' unit tests. */
import type { ApplicationDetail } from '@aws-sdk/client-kinesis-analytics-v2';
import { PipelineNames } from '../../workflow/contract';
import type { RedeployConfig, RedeployExecutionState } from '../../workflow/redeploy-contract';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const BUCKET = PipelineNames.bucket('ticks-demo', ACCOUNT, REGION);
export const T0 = '2026-12-01T12:00:00.000Z';

export const redeployConfig = (overrides: Partial<RedeployConfig> = {}): RedeployConfig => ({
  pipelineName: 'ticks-demo',
  region: REGION,
  account: ACCOUNT,
  applicationName: 'ticks-demo-app',
  bucketName: BUCKET,
  key: 'code/flinkflow-app.zip',
  versionId: 'v2',
  snapshotName: 'redeploy-abc',
  runtime: 'FLINK-1_20',
  runOptions: { python: 'main.py', jarfile: 'lib/flinkflow-app-deps.jar' },
  healthSettleSeconds: 20,
  startTimeoutSeconds: 900,
  canary: true,
  alreadyDeployed: false,
  previous: {
    applicationVersionId: 3,
    applicationStatus: 'RUNNING',
    fileKey: 'code/flinkflow-app.zip',
    objectVersion: 'v1',
  },
  ...overrides,
});

export const redeployState = (
  extra: Partial<RedeployExecutionState> = {},
  config: Partial<RedeployConfig> = {},
): RedeployExecutionState => ({
  input: { pipelineName: 'ticks-demo', bucketName: BUCKET, key: 'code/flinkflow-app.zip', versionId: 'v2' },
  config: redeployConfig(config),
  ...extra,
});

/** A DescribeApplication answer: status, version, the code object version and its token. */
export function application(
  status: string,
  versionId = 3,
  objectVersion = 'v1',
  token = `token-${versionId}`,
) {
  return {
    ApplicationDetail: {
      ApplicationName: 'ticks-demo-app',
      ApplicationARN: `arn:aws:kinesisanalytics:${REGION}:${ACCOUNT}:application/ticks-demo-app`,
      ApplicationStatus: status,
      ApplicationVersionId: versionId,
      ConditionalToken: token,
      RuntimeEnvironment: 'FLINK-1_20',
      ApplicationConfigurationDescription: {
        ApplicationCodeConfigurationDescription: {
          CodeContentType: 'ZIPFILE',
          CodeContentDescription: {
            S3ApplicationCodeLocationDescription: {
              BucketARN: `arn:aws:s3:::${BUCKET}`,
              FileKey: 'code/flinkflow-app.zip',
              ObjectVersion: objectVersion,
            },
          },
        },
        EnvironmentPropertyDescriptions: {
          PropertyGroupDescriptions: [
            { PropertyGroupId: 'job.config.0', PropertyMap: { 'window.seconds': '10' } },
          ],
        },
      },
    } as ApplicationDetail,
  };
}

/** A fixed clock `seconds` after T0, with sleeps that advance it. */
export function clockAfter(seconds: number) {
  let now = Date.parse(T0) + seconds * 1000;
  return {
    now: () => new Date(now),
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}
