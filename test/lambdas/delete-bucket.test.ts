import '../support/quiet-logs';
import { DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { run } from '../../lambdas/delete-bucket';
import { awsError } from '../support/aws-errors';
import { teardownState } from '../support/teardown-state';

const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());

const bucket = 'flinkflow-ticks-demo-123456789012-eu-west-1';
const emptied = { bucketName: bucket, exists: true, deleted: 42, pages: 1, more: false, invocations: 1 };

describe('DeleteBucket', () => {
  it('It should delete the emptied bucket, as its owner, and record the deleted versions', async () => {
    // Prepare
    s3.on(DeleteBucketCommand).resolves({});

    // Act
    const result = await run(teardownState({}, { emptyBucket: emptied }));

    // Assess
    expect(s3).toHaveReceivedCommandWith(DeleteBucketCommand, {
      Bucket: bucket,
      ExpectedBucketOwner: '123456789012',
    });
    expect(result.resources).toEqual([
      {
        kind: 'objects',
        name: bucket,
        outcome: 'removed',
        detail: '42 object version(s) and delete marker(s)',
      },
      { kind: 'bucket', name: bucket, outcome: 'removed' },
    ]);
  });

  it('It should take a missing bucket as already gone', async () => {
    // Prepare
    s3.on(DeleteBucketCommand).rejects(awsError('NoSuchBucket', { statusCode: 404 }));

    // Act
    const result = await run(teardownState());

    // Assess
    expect(result.resources.map((r) => r.outcome)).toEqual(['alreadyGone', 'alreadyGone']);
  });

  it('It should fail with BucketNotEmptyError, saying to run again, when something wrote after the emptying', async () => {
    // Prepare
    s3.on(DeleteBucketCommand).rejects(awsError('BucketNotEmpty', { statusCode: 409 }));

    // Act
    const act = run(teardownState({}, { emptyBucket: emptied }));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'BucketNotEmptyError',
      message: expect.stringContaining('run the teardown again'),
    });
  });
});
