import '../support/quiet-logs';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { ErrorName } from '../../workflow/contract';
import { handler, run, SHA256_METADATA_KEY } from '../../lambdas/upload-code';
import { awsError } from '../support/aws-errors';
import { fakeLambdaContext } from '../support/lambda-context';
import { testState } from '../support/provisioning';

const s3 = mockClient(S3Client);
const ASSET_BUCKET = 'cdk-assets-123456789012-eu-west-1';
const ASSET_KEY = 'assets/0123abcd.zip';
const BUCKET = 'flinkflow-ticks-demo-123456789012-eu-west-1';
const CODE_KEY = 'code/flinkflow-app.zip';
const ZIP = Buffer.from('PK\u0003\u0004 pretend this is the flink app zip');
const ZIP_SHA256_HEX = createHash('sha256').update(ZIP).digest('hex');
const ZIP_SHA256_B64 = createHash('sha256').update(ZIP).digest('base64');

function sourceHead(extra: Record<string, unknown> = {}) {
  s3.on(HeadObjectCommand, { Bucket: ASSET_BUCKET, Key: ASSET_KEY }).resolves({
    ContentLength: ZIP.length,
    ETag: '"etag-1"',
    ...extra,
  });
}

function targetMissing() {
  s3.on(HeadObjectCommand, { Bucket: BUCKET, Key: CODE_KEY }).rejects(
    awsError('NotFound', { statusCode: 404 }),
  );
}

function sourceBody() {
  // The SDK's body is a Node Readable in Lambda; the task only iterates it.
  s3.on(GetObjectCommand).callsFake(async () => ({
    Body: Readable.from([ZIP.subarray(0, 10), ZIP.subarray(10)]),
  }));
}

describe('UploadCode', () => {
  beforeEach(() => {
    s3.reset();
  });

  it('It should copy the asset into the pipeline bucket and return the new version and the SHA-256', async () => {
    // Prepare
    sourceHead({ ChecksumSHA256: ZIP_SHA256_B64, ChecksumType: 'FULL_OBJECT' });
    targetMissing();
    s3.on(CopyObjectCommand).resolves({ VersionId: 'v-new' });

    // Act
    const result = await run(testState());

    // Assess
    expect(result).toEqual({ bucketName: BUCKET, key: CODE_KEY, versionId: 'v-new', sha256: ZIP_SHA256_HEX });
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, {
      Bucket: BUCKET,
      Key: CODE_KEY,
      CopySource: `${ASSET_BUCKET}/assets/0123abcd.zip`,
      CopySourceIfMatch: '"etag-1"',
      ChecksumAlgorithm: 'SHA256',
      MetadataDirective: 'REPLACE',
      Metadata: { [SHA256_METADATA_KEY]: ZIP_SHA256_HEX },
    });
    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
  });

  it('It should hash the asset by reading it when S3 has no full-object checksum, and pin the source version', async () => {
    // Prepare
    sourceHead({ VersionId: 'src-v1', ChecksumSHA256: 'AAAA-3', ChecksumType: 'COMPOSITE' });
    targetMissing();
    sourceBody();
    s3.on(CopyObjectCommand).resolves({ VersionId: 'v-new' });

    // Act
    const result = await run(testState());

    // Assess
    expect(result.sha256).toBe(ZIP_SHA256_HEX);
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, {
      Bucket: ASSET_BUCKET,
      Key: ASSET_KEY,
      VersionId: 'src-v1',
    });
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, {
      CopySource: `${ASSET_BUCKET}/assets/0123abcd.zip?versionId=src-v1`,
    });
  });

  it('It should reuse the current code object when its content hash is the same', async () => {
    // Prepare
    sourceHead();
    sourceBody();
    s3.on(HeadObjectCommand, { Bucket: BUCKET, Key: CODE_KEY }).resolves({
      VersionId: 'v-old',
      Metadata: { [SHA256_METADATA_KEY]: ZIP_SHA256_HEX },
    });

    // Act
    const result = await run(testState());

    // Assess
    expect(result).toEqual({ bucketName: BUCKET, key: CODE_KEY, versionId: 'v-old', sha256: ZIP_SHA256_HEX });
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
  });

  it('It should copy again when the current code object has other content', async () => {
    // Prepare
    sourceHead({ ChecksumSHA256: ZIP_SHA256_B64 });
    s3.on(HeadObjectCommand, { Bucket: BUCKET, Key: CODE_KEY }).resolves({
      VersionId: 'v-old',
      ChecksumSHA256: createHash('sha256').update('older zip').digest('base64'),
    });
    s3.on(CopyObjectCommand).resolves({ VersionId: 'v-new' });

    // Act
    const result = await run(testState());

    // Assess
    expect(result.versionId).toBe('v-new');
  });

  it('It should fail with InvalidCodeError naming the location when the asset is missing', async () => {
    // Prepare
    s3.on(HeadObjectCommand, { Bucket: ASSET_BUCKET, Key: ASSET_KEY }).rejects(
      awsError('NotFound', { statusCode: 404 }),
    );

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.InvalidCode,
      message: expect.stringContaining(`s3://${ASSET_BUCKET}/${ASSET_KEY} does not exist`),
    });
  });

  it('It should fail with InvalidCodeError when the asset is empty', async () => {
    // Prepare
    sourceHead({ ContentLength: 0 });

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.InvalidCode,
      message: expect.stringMatching(/is empty/),
    });
  });

  it('It should refuse a bucket without versioning, since the application pins a version', async () => {
    // Prepare
    sourceHead({ ChecksumSHA256: ZIP_SHA256_B64 });
    targetMissing();
    s3.on(CopyObjectCommand).resolves({});

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.ResourceConflict,
      message: expect.stringMatching(/versioning turned off/),
    });
  });

  it('It should treat an asset that changed during the copy as transient', async () => {
    // Prepare
    sourceHead({ ChecksumSHA256: ZIP_SHA256_B64 });
    targetMissing();
    s3.on(CopyObjectCommand).rejects(awsError('PreconditionFailed', { statusCode: 412 }));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.Transient,
      message: expect.stringMatching(/changed while/),
    });
  });

  it.each([
    ['SlowDown', 503],
    ['InternalError', 500],
  ])('It should turn %s during the copy into a TransientError', async (code, statusCode) => {
    // Prepare
    sourceHead({ ChecksumSHA256: ZIP_SHA256_B64 });
    targetMissing();
    s3.on(CopyObjectCommand).rejects(awsError(code, { statusCode }));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({ name: ErrorName.Transient });
  });

  it('It should pass AccessDenied on the asset through unchanged', async () => {
    // Prepare
    s3.on(HeadObjectCommand).rejects(awsError('AccessDenied', { statusCode: 403 }));

    // Act
    const act = run(testState());

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('It should run through the middy handler', async () => {
    // Prepare
    sourceHead({ ChecksumSHA256: ZIP_SHA256_B64 });
    targetMissing();
    s3.on(CopyObjectCommand).resolves({ VersionId: 'v-new' });

    // Act
    const result = await handler(testState(), fakeLambdaContext());

    // Assess
    expect(result.versionId).toBe('v-new');
  });
});
