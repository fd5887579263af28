import { ErrorName } from '../../../workflow/contract';
import {
  applicationArnOf,
  bucketArn,
  httpStatusOf,
  isAwsError,
  partitionOf,
  requireExecutionState,
} from '../../../lambdas/shared/aws';
import { awsError } from '../../support/aws-errors';
import { testState } from '../../support/provisioning';

describe('AWS names', () => {
  it.each([
    ['eu-west-1', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-east-1', 'aws'],
  ])('It should put the region %s in the partition %s', (region, partition) => {
    // Act
    const result = partitionOf(region);

    // Assess
    expect(result).toBe(partition);
  });

  it("It should build the bucket's and the application's ARNs in the region's partition", () => {
    // Act
    const bucket = bucketArn({ region: 'cn-north-1', bucketName: 'b' });
    const application = applicationArnOf({ region: 'us-gov-west-1', account: '1', applicationName: 'app' });

    // Assess
    expect(bucket).toBe('arn:aws-cn:s3:::b');
    expect(application).toBe('arn:aws-us-gov:kinesisanalytics:us-gov-west-1:1:application/app');
  });
});

describe('AWS errors', () => {
  it('It should match an SDK error by any of the given codes, and nothing that is not an Error', () => {
    // Prepare
    const error = awsError('ResourceInUseException');

    // Act
    const results = [
      isAwsError(error, 'ResourceNotFoundException', 'ResourceInUseException'),
      isAwsError(error, 'ResourceNotFoundException'),
      isAwsError({ name: 'ResourceInUseException' }, 'ResourceInUseException'),
    ];

    // Assess
    expect(results).toEqual([true, false, false]);
  });

  it('It should read the HTTP status of an SDK error, and none from anything else', () => {
    // Act
    const results = [
      httpStatusOf(awsError('X', { statusCode: 409 })),
      httpStatusOf({ $metadata: { httpStatusCode: '409' } }),
      httpStatusOf({ $metadata: {} }),
      httpStatusOf(new Error('no metadata')),
      httpStatusOf(null),
      httpStatusOf(undefined),
    ];

    // Assess
    expect(results).toEqual([409, undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('requireExecutionState', () => {
  it('It should return the execution state when it holds the validated configuration', () => {
    // Prepare
    const state = testState();

    // Act
    const result = requireExecutionState(state, 'CreateStream');

    // Assess
    expect(result).toBe(state);
  });

  it.each([
    ['null', null],
    ['no config', { input: {} }],
    ['a null config', { config: null }],
    ['a config that is a string', { config: 'x' }],
    ['a config without a pipeline name', { config: { pipelineName: 3 } }],
  ])('It should refuse %s and say where the configuration is expected', (_what, event) => {
    // Act
    const act = () => requireExecutionState(event, 'CreateStream');

    // Assess
    expect(act).toThrow(
      expect.objectContaining({
        name: ErrorName.InvalidInput,
        message: expect.stringContaining(
          'config: CreateStream expects the whole execution state with the validated configuration at $.config',
        ),
      }),
    );
  });
});
