/**
 * The local S3 (moto) and Kinesis (kinesalite) servers do what the pipeline needs of them, checked with
 * the real SDK v3 clients: Flink's S3 file system uploads in multiple parts and lists with delimiters,
 * the code object is versioned, and the stream goes CREATING -> ACTIVE and carries records.
 */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
  StartStreamEncryptionCommand,
} from '@aws-sdk/client-kinesis';
import { failure, useFixture } from './local-cloud-fixture';

// Real servers on a shared 2-core machine: a call can wait behind other suites' work.
jest.setTimeout(30_000);

const fx = useFixture();

describe('local S3', () => {
  it('It should assemble a multipart upload from its parts', async () => {
    // Prepare: S3 takes parts of at least 5 MiB, except the last.
    await fx.s3.send(new CreateBucketCommand({ Bucket: 'multipart' }));
    const partA = Buffer.alloc(5 * 1024 * 1024, 'a');
    const partB = Buffer.from('tail');

    // Act
    const { UploadId } = await fx.s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'multipart', Key: 'out/part-0' }),
    );
    const one = await fx.s3.send(
      new UploadPartCommand({ Bucket: 'multipart', Key: 'out/part-0', UploadId, PartNumber: 1, Body: partA }),
    );
    const two = await fx.s3.send(
      new UploadPartCommand({ Bucket: 'multipart', Key: 'out/part-0', UploadId, PartNumber: 2, Body: partB }),
    );
    await fx.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'multipart',
        Key: 'out/part-0',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: one.ETag as string },
            { PartNumber: 2, ETag: two.ETag as string },
          ],
        },
      }),
    );
    const object = await fx.s3.send(new GetObjectCommand({ Bucket: 'multipart', Key: 'out/part-0' }));
    const body = Buffer.from((await object.Body?.transformToByteArray()) ?? []);

    // Assess
    expect(body.length).toBe(partA.length + partB.length);
    expect(body.subarray(-4).toString()).toBe('tail');
  });

  it('It should list nested prefixes with a delimiter as common prefixes', async () => {
    // Prepare
    await fx.s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
    for (const key of [
      'output/ticker=AAPL/a.csv',
      'output/ticker=AAPL/b.csv',
      'output/ticker=MSFT/dt=1/c.csv',
      'output/top.csv',
    ]) {
      await fx.s3.send(new PutObjectCommand({ Bucket: 'listing', Key: key, Body: 'x' }));
    }

    // Act
    const root = await fx.s3.send(
      new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'output/', Delimiter: '/' }),
    );
    const nested = await fx.s3.send(
      new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'output/ticker=MSFT/', Delimiter: '/' }),
    );

    // Assess
    expect(root.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['output/ticker=AAPL/', 'output/ticker=MSFT/']);
    expect(root.Contents?.map((c) => c.Key)).toEqual(['output/top.csv']);
    expect(nested.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['output/ticker=MSFT/dt=1/']);
    expect(nested.Contents ?? []).toEqual([]);
  });

  it('It should keep every version of an object in a versioned bucket and read an old one by VersionId', async () => {
    // Prepare
    await fx.s3.send(new CreateBucketCommand({ Bucket: 'versions' }));
    await fx.s3.send(
      new PutBucketVersioningCommand({ Bucket: 'versions', VersioningConfiguration: { Status: 'Enabled' } }),
    );

    // Act
    const v1 = await fx.s3.send(
      new PutObjectCommand({ Bucket: 'versions', Key: 'code/app.zip', Body: 'one' }),
    );
    const v2 = await fx.s3.send(
      new PutObjectCommand({ Bucket: 'versions', Key: 'code/app.zip', Body: 'two' }),
    );
    const old = await fx.s3.send(
      new GetObjectCommand({ Bucket: 'versions', Key: 'code/app.zip', VersionId: v1.VersionId as string }),
    );
    const versions = await fx.s3.send(new ListObjectVersionsCommand({ Bucket: 'versions', Prefix: 'code/' }));
    const status = await fx.s3.send(new GetBucketVersioningCommand({ Bucket: 'versions' }));

    // Assess
    expect(v1.VersionId).toBeDefined();
    expect(v2.VersionId).not.toBe(v1.VersionId);
    expect(await old.Body?.transformToString()).toBe('one');
    expect(versions.Versions).toHaveLength(2);
    expect(status.Status).toBe('Enabled');
  });

  it('It should serve a bucket with a TLS-only policy, and still apply an unconditional Deny', async () => {
    // Prepare: the pipeline bucket's policy (deny without TLS) plus an explicit deny on one prefix.
    await fx.s3.send(new CreateBucketCommand({ Bucket: 'tls-only' }));
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: ['arn:aws:s3:::tls-only', 'arn:aws:s3:::tls-only/*'],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
        {
          Sid: 'DenyLocked',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::tls-only/locked/*',
        },
      ],
    };
    await fx.s3.send(new PutBucketPolicyCommand({ Bucket: 'tls-only', Policy: JSON.stringify(policy) }));

    // Act
    await fx.s3.send(new PutObjectCommand({ Bucket: 'tls-only', Key: 'code/app.zip', Body: 'zip' }));
    await fx.s3.send(new PutObjectCommand({ Bucket: 'tls-only', Key: 'locked/secret', Body: 'no' }));
    const head = await fx.s3.send(new HeadObjectCommand({ Bucket: 'tls-only', Key: 'code/app.zip' }));
    const missing = failure(fx.s3.send(new HeadObjectCommand({ Bucket: 'tls-only', Key: 'code/none.zip' })));
    const locked = failure(fx.s3.send(new GetObjectCommand({ Bucket: 'tls-only', Key: 'locked/secret' })));

    // Assess
    expect(head.ContentLength).toBe(3);
    expect(await missing).toMatchObject({ $metadata: { httpStatusCode: 404 } });
    expect(await locked).toMatchObject({ $metadata: { httpStatusCode: 403 } });
  });

  it('It should answer NoSuchKey for an object that does not exist', async () => {
    // Prepare
    await fx.s3.send(new CreateBucketCommand({ Bucket: 'empty' }));

    // Act
    const missing = failure(fx.s3.send(new GetObjectCommand({ Bucket: 'empty', Key: 'nothing' })));

    // Assess
    expect(await missing).toMatchObject({ name: 'NoSuchKey' });
  });
});

async function streamStatus(name: string) {
  return (await fx.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name })))
    .StreamDescriptionSummary?.StreamStatus;
}

async function waitForActive(name: string) {
  let status = await streamStatus(name);
  for (let i = 0; i < 100 && status !== 'ACTIVE'; i++) {
    await new Promise((r) => setTimeout(r, 50));
    status = await streamStatus(name);
  }
  return status;
}

describe('local Kinesis', () => {
  it('It should make a stream ACTIVE and return the records put to it, in order per shard', async () => {
    // Prepare
    await fx.kinesis.send(new CreateStreamCommand({ StreamName: 'ticks', ShardCount: 1 }));
    const initial = await streamStatus('ticks');
    const status = await waitForActive('ticks');
    const records = ['AAPL', 'MSFT', 'INTC'].map((ticker, i) => ({
      Data: Buffer.from(JSON.stringify({ ticker, price: i + 0.5, event_time: '2024-01-01T12:00:00.000Z' })),
      PartitionKey: ticker,
    }));

    // Act
    const put = await fx.kinesis.send(new PutRecordsCommand({ StreamName: 'ticks', Records: records }));
    const { Shards } = await fx.kinesis.send(new ListShardsCommand({ StreamName: 'ticks' }));
    const { ShardIterator } = await fx.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: 'ticks',
        ShardId: Shards?.[0]?.ShardId as string,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const got = await fx.kinesis.send(new GetRecordsCommand({ ShardIterator }));

    // Assess
    expect(initial).toBe('CREATING');
    expect(status).toBe('ACTIVE');
    expect(put.FailedRecordCount).toBe(0);
    expect(got.Records?.map((r) => JSON.parse(Buffer.from(r.Data as Uint8Array).toString()).ticker)).toEqual([
      'AAPL',
      'MSFT',
      'INTC',
    ]);
  });

  it('It should create an ON_DEMAND stream with 4 shards and report its mode', async () => {
    // Act
    await fx.kinesis.send(
      new CreateStreamCommand({ StreamName: 'on-demand', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
    );
    await waitForActive('on-demand');
    const summary = await fx.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'on-demand' }));
    const withShards = failure(
      fx.kinesis.send(
        new CreateStreamCommand({
          StreamName: 'bad',
          ShardCount: 2,
          StreamModeDetails: { StreamMode: 'ON_DEMAND' },
        }),
      ),
    );

    // Assess
    expect(summary.StreamDescriptionSummary?.StreamModeDetails).toEqual({ StreamMode: 'ON_DEMAND' });
    expect((await fx.kinesis.send(new ListShardsCommand({ StreamName: 'on-demand' }))).Shards).toHaveLength(
      4,
    );
    expect(await withShards).toMatchObject({ name: 'ValidationException' });
  });

  it('It should encrypt a stream with StartStreamEncryption and address it by StreamARN', async () => {
    // Prepare
    const { StreamDescriptionSummary } = await fx.kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: 'ticks' }),
    );
    const before = StreamDescriptionSummary?.EncryptionType;

    // Act
    await fx.kinesis.send(
      new StartStreamEncryptionCommand({
        StreamName: 'ticks',
        EncryptionType: 'KMS',
        KeyId: 'alias/aws/kinesis',
      }),
    );
    const after = await fx.kinesis.send(
      new DescribeStreamSummaryCommand({ StreamARN: StreamDescriptionSummary?.StreamARN as string }),
    );
    const missing = failure(
      fx.kinesis.send(
        new StartStreamEncryptionCommand({ StreamName: 'nope', EncryptionType: 'KMS', KeyId: 'k' }),
      ),
    );

    // Assess
    expect(before).toBe('NONE');
    expect(after.StreamDescriptionSummary).toMatchObject({
      StreamName: 'ticks',
      EncryptionType: 'KMS',
      KeyId: 'alias/aws/kinesis',
    });
    expect(await missing).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('It should refuse a second stream of the same name with ResourceInUseException', async () => {
    // Act
    const again = failure(fx.kinesis.send(new CreateStreamCommand({ StreamName: 'ticks', ShardCount: 1 })));

    // Assess
    expect(await again).toMatchObject({ name: 'ResourceInUseException' });
  });
});
