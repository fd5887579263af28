import '../support/quiet-logs';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { ErrorName } from '../../workflow/contract';
import { logger } from '../../lambdas/shared/logger';
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

  it('It should ask S3 for checksums and label the copy as a zip', async () => {
    // Prepare
    sourceHead({ ChecksumSHA256: ZIP_SHA256_B64 });
    targetMissing();
    s3.on(CopyObjectCommand).resolves({ VersionId: 'v-new' });

    // Act
    await run(testState());

    // Assess
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, {
      Bucket: ASSET_BUCKET,
      Key: ASSET_KEY,
      ChecksumMode: 'ENABLED',
    });
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, {
      Bucket: BUCKET,
      Key: CODE_KEY,
      ChecksumMode: 'ENABLED',
    });
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, { ContentType: 'application/zip' });
  });

  it.each([
    ['a multipart checksum of part checksums', { ChecksumSHA256: 'AAAA-3' }],
    ['a checksum marked COMPOSITE', { ChecksumSHA256: ZIP_SHA256_B64, ChecksumType: 'COMPOSITE' }],
  ])('It should not take %s for the content hash, and read the asset instead', async (_case, checksum) => {
    // Prepare
    sourceHead(checksum);
    targetMissing();
    s3.on(GetObjectCommand).callsFake(async () => ({ Body: Readable.from([Buffer.from('other bytes')]) }));
    s3.on(CopyObjectCommand).resolves({ VersionId: 'v-new' });

    // Act
    const result = await run(testState());

    // Assess
    expect(result.sha256).toBe(createHash('sha256').update('other bytes').digest('hex'));
    expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 1);
  });

  it.each([
    ['NoSuchKey', awsError('NoSuchKey', { statusCode: 400 })],
    ['NotFound', awsError('NotFound', { statusCode: 400 })],
    ['any 404', awsError('UnknownError', { statusCode: 404 })],
  ])('It should take %s on the code object as no code yet, and copy', async (_case, error) => {
    // Prepare
    sourceHead({ ChecksumSHA256: ZIP_SHA256_B64 });
    s3.on(HeadObjectCommand, { Bucket: BUCKET, Key: CODE_KEY }).rejects(error);
    s3.on(CopyObjectCommand).resolves({ VersionId: 'v-new' });

    // Act / Assess
    await expect(run(testState())).resolves.toMatchObject({ versionId: 'v-new' });
  });

  it('It should pass another error on the code object through, without copying', async () => {
    // Prepare
    sourceHead({ ChecksumSHA256: ZIP_SHA256_B64 });
    s3.on(HeadObjectCommand, { Bucket: BUCKET, Key: CODE_KEY }).rejects(
      awsError('AccessDenied', { statusCode: 403 }),
    );

    // Act / Assess
    await expect(run(testState())).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
  });

  it('It should take an asset read without a body as transient', async () => {
    // Prepare
    sourceHead();
    targetMissing();
    s3.on(GetObjectCommand).resolves({});

    // Act / Assess
    await expect(run(testState())).rejects.toMatchObject({
      name: ErrorName.Transient,
      message: `GetObject s3://${ASSET_BUCKET}/${ASSET_KEY} returned no body`,
    });
  });

  it.each([
    ['by name', awsError('PreconditionFailed', { statusCode: 400 })],
    ['by status', awsError('UnknownError', { statusCode: 412 })],
  ])('It should recognize a failed copy precondition %s and keep it as the cause', async (_case, error) => {
    // Prepare
    sourceHead({ ChecksumSHA256: ZIP_SHA256_B64 });
    targetMissing();
    s3.on(CopyObjectCommand).rejects(error);

    // Act / Assess
    await expect(run(testState())).rejects.toMatchObject({
      name: ErrorName.Transient,
      message: 'The code asset changed while it was being copied; retrying copies the new content',
      cause: error,
    });
  });

  it('It should pass a copy error that is neither transient nor a failed precondition through', async () => {
    // Prepare
    sourceHead({ ChecksumSHA256: ZIP_SHA256_B64 });
    targetMissing();
    s3.on(CopyObjectCommand).rejects(awsError('AccessDenied', { statusCode: 403 }));

    // Act / Assess
    await expect(run(testState())).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('It should say how to fix a missing asset', async () => {
    // Prepare
    s3.on(HeadObjectCommand, { Bucket: ASSET_BUCKET, Key: ASSET_KEY }).rejects(awsError('NoSuchKey'));

    // Act / Assess
    await expect(run(testState())).rejects.toMatchObject({
      message:
        `The Flink code zip s3://${ASSET_BUCKET}/${ASSET_KEY} does not exist; deploy the stack again (it uploads ` +
        'the asset) or point CODE_ASSET_BUCKET/CODE_ASSET_KEY at the zip',
    });
  });

  it('It should not pin the "null" version of an asset in an unversioned bucket', async () => {
    // Prepare
    sourceHead({ VersionId: 'null' });
    targetMissing();
    sourceBody();
    s3.on(CopyObjectCommand).resolves({ VersionId: 'v-new' });

    // Act
    await run(testState());

    // Assess
    expect(s3.commandCalls(GetObjectCommand)[0]!.args[0].input).not.toHaveProperty('VersionId');
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, {
      CopySource: `${ASSET_BUCKET}/assets/0123abcd.zip`,
    });
  });

  it.each([
    ['has no version', { Metadata: { [SHA256_METADATA_KEY]: ZIP_SHA256_HEX } }],
    ['has the "null" version', { VersionId: 'null', Metadata: { [SHA256_METADATA_KEY]: ZIP_SHA256_HEX } }],
    ['has no hash at all', { VersionId: 'v-old' }],
  ])('It should copy again when the code object %s, even if the content may match', async (_case, head) => {
    // Prepare
    sourceHead({ ChecksumSHA256: ZIP_SHA256_B64 });
    s3.on(HeadObjectCommand, { Bucket: BUCKET, Key: CODE_KEY }).resolves(head);
    s3.on(CopyObjectCommand).resolves({ VersionId: 'v-new' });

    // Act / Assess
    await expect(run(testState())).resolves.toMatchObject({ versionId: 'v-new' });
  });

  it('It should log the reuse of a code object with the same content', async () => {
    // Prepare
    const info = jest.spyOn(logger, 'info');
    sourceHead({ ChecksumSHA256: ZIP_SHA256_B64 });
    s3.on(HeadObjectCommand, { Bucket: BUCKET, Key: CODE_KEY }).resolves({
      VersionId: 'v-old',
      ChecksumSHA256: ZIP_SHA256_B64,
    });

    try {
      // Act
      const result = await run(testState());

      // Assess
      expect(result.versionId).toBe('v-old');
      expect(info).toHaveBeenCalledWith('code object already has this content; reusing its version', {
        versionId: 'v-old',
      });
    } finally {
      info.mockRestore();
    }
  });

  it('It should refuse a copy whose version is "null", saying how to turn versioning on', async () => {
    // Prepare
    sourceHead({ ChecksumSHA256: ZIP_SHA256_B64 });
    targetMissing();
    s3.on(CopyObjectCommand).resolves({ VersionId: 'null' });

    // Act / Assess
    await expect(run(testState())).rejects.toMatchObject({
      name: ErrorName.ResourceConflict,
      message:
        `Bucket ${BUCKET} has versioning turned off, so the copied code has no object version to pin; ` +
        'turn versioning on (CreateBucket does) and run provisioning again',
    });
  });
});
