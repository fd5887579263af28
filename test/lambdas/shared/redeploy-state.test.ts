/**
 * What the re-deploy tasks share, on its own: the execution state check, reading an application's code
 * location, property groups, run options and window, the deployment's account and region, and following
 * one Managed Flink operation.
 */
import {
  DescribeApplicationOperationCommand,
  KinesisAnalyticsV2Client,
  type ApplicationDetail,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { operationPollDelaySeconds, operationState } from '../../../lambdas/shared/operation-status';
import {
  accountAndRegion,
  codeLocationOf,
  propertyMap,
  requireRedeployState,
  runOptionsOf,
  windowSecondsOf,
} from '../../../lambdas/shared/redeploy-state';
import { resolveDeps } from '../../../lambdas/shared/runtime';
import { redeployState } from '../../support/redeploy';

const detail = (configuration: ApplicationDetail['ApplicationConfigurationDescription']): ApplicationDetail =>
  ({
    ApplicationARN: 'arn:aws:kinesisanalytics:eu-west-1:123456789012:application/ticks-demo-app',
    ApplicationName: 'ticks-demo-app',
    RuntimeEnvironment: 'FLINK-1_20',
    ApplicationStatus: 'RUNNING',
    ApplicationVersionId: 3,
    ApplicationConfigurationDescription: configuration,
  }) as ApplicationDetail;
const withGroups = (groups: Record<string, Record<string, string>>) =>
  detail({
    EnvironmentPropertyDescriptions: {
      PropertyGroupDescriptions: Object.entries(groups).map(([PropertyGroupId, PropertyMap]) => ({
        PropertyGroupId,
        PropertyMap,
      })),
    },
  });

describe('requireRedeployState', () => {
  const config = redeployState().config as unknown as Record<string, unknown>;

  it('It should accept the validated configuration', () => {
    const state = redeployState();
    expect(requireRedeployState(state, 'SnapshotApplication')).toBe(state);
  });

  it.each([
    ['no event', null],
    ['no config', {}],
    ['a config that is no object', { config: 'x' }],
    ['a null config', { config: null }],
    ['a config without applicationName', { config: { ...config, applicationName: undefined } }],
    ['a config without versionId', { config: { ...config, versionId: 3 } }],
    ['a config without previous', { config: { ...config, previous: undefined } }],
  ])('It should refuse %s, naming $.config and the task', (_, event) => {
    expect(() => requireRedeployState(event, 'SnapshotApplication')).toThrow(
      expect.objectContaining({
        name: 'InvalidInputError',
        problems: [
          {
            field: 'config',
            message: expect.stringMatching(
              /^SnapshotApplication expects the redeploy execution state .* at \$\.config/,
            ),
          },
        ],
      }),
    );
  });
});

describe('reading an application', () => {
  it('It should give the code location with only the fields the service set, and none without one', () => {
    const s3 = (location: Record<string, string>) =>
      detail({
        ApplicationCodeConfigurationDescription: {
          CodeContentType: 'ZIPFILE',
          CodeContentDescription: { S3ApplicationCodeLocationDescription: location as never },
        },
      });
    expect(
      codeLocationOf(s3({ BucketARN: 'arn:aws:s3:::b', FileKey: 'code/app.zip', ObjectVersion: 'v1' })),
    ).toStrictEqual({ bucketArn: 'arn:aws:s3:::b', fileKey: 'code/app.zip', objectVersion: 'v1' });
    expect(codeLocationOf(s3({ FileKey: 'code/app.zip' }))).toStrictEqual({ fileKey: 'code/app.zip' });
    expect(codeLocationOf(detail(undefined))).toBeUndefined();
    expect(codeLocationOf(detail({}))).toBeUndefined();
    expect(
      codeLocationOf(detail({ ApplicationCodeConfigurationDescription: { CodeContentType: 'ZIPFILE' } })),
    ).toBeUndefined();
  });

  it('It should read the named property group only, and nothing from an application without groups', () => {
    const app = withGroups({ 'job.config.0': { 'window.seconds': '10' }, other: { x: '1' } });
    expect(propertyMap(app, 'other')).toEqual({ x: '1' });
    expect(propertyMap(app, 'missing')).toEqual({});
    expect(propertyMap(detail(undefined), 'other')).toEqual({});
    expect(propertyMap(detail({}), 'other')).toEqual({});
  });

  it('It should read the run options, defaulting each to the job’s layout', () => {
    const options = (map: Record<string, string>) =>
      runOptionsOf(withGroups({ 'kinesis.analytics.flink.run.options': map }));
    expect(options({ python: 'app.py', jarfile: 'lib/x.jar' })).toEqual({
      python: 'app.py',
      jarfile: 'lib/x.jar',
    });
    expect(options({})).toEqual({ python: 'main.py', jarfile: 'lib/flinkflow-app-deps.jar' });
  });

  it.each([
    ['10', 10],
    ['1', 1],
    ['0', undefined],
    ['-5', undefined],
    ['2.5', undefined],
    ['ten', undefined],
  ])('It should read window.seconds %p as %p', (value, expected) => {
    expect(windowSecondsOf(withGroups({ 'job.config.0': { 'window.seconds': value } }))).toBe(expected);
  });
});

describe('accountAndRegion', () => {
  it('It should trim both, and name the variable that is missing or blank', () => {
    expect(accountAndRegion({ AWS_ACCOUNT_ID: ' 123456789012 ', AWS_REGION: ' eu-west-1 ' })).toEqual({
      account: '123456789012',
      region: 'eu-west-1',
    });
    expect(() => accountAndRegion({ AWS_ACCOUNT_ID: ' ', AWS_REGION: 'eu-west-1' })).toThrow(
      /^Environment variable AWS_ACCOUNT_ID is not set; the stack \(infra\/redeploy\.ts\) sets it/,
    );
    expect(() => accountAndRegion({ AWS_ACCOUNT_ID: '123456789012' })).toThrow(
      expect.objectContaining({
        name: 'ConfigurationError',
        message: expect.stringMatching(/^Environment variable AWS_REGION is not set/),
      }),
    );
  });
});

describe('operationState', () => {
  const kda = mockClient(KinesisAnalyticsV2Client);
  afterAll(() => kda.restore());

  it('It should ask for the operation of the application, and read its status, error and rollback', async () => {
    // Prepare
    kda
      .on(DescribeApplicationOperationCommand)
      .resolvesOnce({
        ApplicationOperationInfoDetails: {
          Operation: 'UpdateApplication',
          StartTime: new Date(),
          EndTime: new Date(),
          OperationStatus: 'FAILED',
          OperationFailureDetails: { RollbackOperationId: 'op-2', ErrorInfo: { ErrorString: 'bad jar' } },
        },
      })
      .resolvesOnce({
        ApplicationOperationInfoDetails: {
          Operation: 'UpdateApplication',
          StartTime: new Date(),
          EndTime: new Date(),
          OperationStatus: 'FAILED',
          OperationFailureDetails: {},
        },
      })
      .resolvesOnce({});

    // Act
    const deps = resolveDeps({ clients: { kinesisAnalytics: new KinesisAnalyticsV2Client({}) } as never });
    const failed = await operationState(deps, 'ticks-demo-app', 'op-1');
    const bare = await operationState(deps, 'ticks-demo-app', 'op-1');
    const none = await operationState(deps, 'ticks-demo-app', 'op-1');

    // Assess
    expect(kda).toHaveReceivedCommandWith(DescribeApplicationOperationCommand, {
      ApplicationName: 'ticks-demo-app',
      OperationId: 'op-1',
    });
    expect(failed).toStrictEqual({ status: 'FAILED', error: 'bad jar', rollbackOperationId: 'op-2' });
    expect(bare).toStrictEqual({ status: 'FAILED' });
    expect(none).toStrictEqual({ status: 'UNKNOWN' });
  });

  it('It should look first after 30 s, then every 20 s', () => {
    expect([-1, 0, 1, 2].map(operationPollDelaySeconds)).toEqual([30, 30, 20, 20]);
  });
});
