import '../support/quiet-logs';
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { run } from '../../lambdas/empty-bucket';
import { awsError } from '../support/aws-errors';
import { teardownState } from '../support/teardown-state';
import { fakeTime } from '../support/time';

const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());

const bucket = 'flinkflow-ticks-demo-123456789012-eu-west-1';

describe('EmptyBucket', () => {
  it('It should delete every version and delete marker of a page in one DeleteObjects call', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({
        Versions: [
          { Key: 'code/flinkflow-app.zip', VersionId: 'v1' },
          { Key: 'code/flinkflow-app.zip', VersionId: 'v2' },
        ],
        DeleteMarkers: [{ Key: 'output/x', VersionId: 'm1' }],
      })
      .resolves({});
    s3.on(DeleteObjectsCommand).resolves({});
    s3.on(ListMultipartUploadsCommand).resolves({});

    // Act
    const progress = await run(teardownState(), fakeTime());

    // Assess
    expect(s3).toHaveReceivedCommandWith(DeleteObjectsCommand, {
      Bucket: bucket,
      Delete: {
        Objects: [
          { Key: 'code/flinkflow-app.zip', VersionId: 'v1' },
          { Key: 'code/flinkflow-app.zip', VersionId: 'v2' },
          { Key: 'output/x', VersionId: 'm1' },
        ],
        Quiet: true,
      },
    });
    expect(progress).toEqual({
      bucketName: bucket,
      exists: true,
      deleted: 3,
      pages: 2,
      more: false,
      invocations: 1,
    });
  });

  it('It should stop after its page budget with more: true, and count on from the previous run', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand).resolves({
      Versions: [{ Key: 'k', VersionId: 'v' }],
      IsTruncated: true,
    });
    s3.on(DeleteObjectsCommand).resolves({});
    const previous = { bucketName: bucket, exists: true, deleted: 10, pages: 4, more: true, invocations: 2 };

    // Act
    const progress = await run(teardownState({}, { emptyBucket: previous }), { ...fakeTime(), maxPages: 3 });

    // Assess
    expect(progress).toEqual({
      bucketName: bucket,
      exists: true,
      deleted: 13,
      pages: 7,
      more: true,
      invocations: 3,
    });
  });

  it('It should abort open multipart uploads once no version is left', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand).resolves({});
    s3.on(ListMultipartUploadsCommand).resolves({ Uploads: [{ Key: 'output/part', UploadId: 'u1' }] });
    s3.on(AbortMultipartUploadCommand).resolves({});

    // Act
    const progress = await run(teardownState(), fakeTime());

    // Assess
    expect(s3).toHaveReceivedCommandWith(AbortMultipartUploadCommand, {
      Bucket: bucket,
      Key: 'output/part',
      UploadId: 'u1',
    });
    expect(progress.more).toBe(true);
  });

  it('It should report a missing bucket as not existing, with nothing more to do', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand).rejects(awsError('NoSuchBucket', { statusCode: 404 }));

    // Act
    const progress = await run(teardownState(), fakeTime());

    // Assess
    expect(progress).toMatchObject({ exists: false, more: false, deleted: 0 });
  });

  it('It should fail naming the first object a DeleteObjects call could not delete', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'k', VersionId: 'v' }] });
    s3.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: 'k', VersionId: 'v', Code: 'AccessDenied', Message: 'denied' }],
    });

    // Act
    const act = run(teardownState(), fakeTime());

    // Assess
    await expect(act).rejects.toThrow(
      /1 of 1 object versions of .* could not be deleted, e.g. k \(v\): AccessDenied: denied/,
    );
  });
});
