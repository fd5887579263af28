/**
 * GetShardIterator of type AT_TIMESTAMP through the Kinesis gateway, as the Flink Kinesis connector sends it
 * for `flink.stream.initpos = LATEST`: a CBOR request whose Timestamp is tag 1 over epoch milliseconds
 * (the Java SDK's encoding), usually on a shard with no record after the timestamp yet. Also the JSON
 * form the JavaScript SDK sends (epoch seconds).
 */
import http from 'node:http';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Decoder, Encoder, Tagged } from 'cbor';
import { startKinesisGateway, type KinesisGateway } from '../../local/kinesis/kinesis-gateway';
import { startLocalKinesis, type LocalKinesis } from '../../local/kinesis/kinesis-server';

jest.setTimeout(30_000);

const CBOR_TYPE = 'application/x-amz-cbor-1.1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let kinesalite: LocalKinesis;
let gateway: KinesisGateway;
let kinesis: KinesisClient;

/** Sends one CBOR request as the Java SDK does and decodes the answer. */
function cborCall(
  operation: string,
  input: Record<string, unknown>,
): Promise<{ status: number; contentType: string; output: Record<string, unknown> }> {
  const body = Encoder.encodeOne(input);
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${gateway.url}/`,
      {
        method: 'POST',
        headers: {
          'content-type': CBOR_TYPE,
          'content-length': String(body.length),
          'x-amz-target': `Kinesis_20131202.${operation}`,
          'x-amz-date': '20261125T120000Z',
          authorization:
            'AWS4-HMAC-SHA256 Credential=local/20261125/us-east-1/kinesis/aws4_request, ' +
            'SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=00',
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => {
          const answer = Buffer.concat(chunks);
          resolve({
            status: response.statusCode ?? 0,
            contentType: String(response.headers['content-type']),
            output: answer.length ? (Decoder.decodeFirstSync(answer) as Record<string, unknown>) : {},
          });
        });
      },
    );
    // An unanswered request (kinesalite's own AT_TIMESTAMP on a shard with no later record) fails the
    // test instead of hanging it.
    request.setTimeout(10_000, () => request.destroy(new Error(`${operation} got no answer in 10 s`)));
    request.on('error', reject);
    request.end(body);
  });
}

async function createStream(name: string) {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  for (;;) {
    const { StreamDescriptionSummary } = await kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: name }),
    );
    if (StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await sleep(50);
  }
}

async function put(stream: string, data: string) {
  await kinesis.send(
    new PutRecordCommand({ StreamName: stream, PartitionKey: 'AAPL', Data: Buffer.from(data) }),
  );
}

async function readAll(shardIterator: string): Promise<string[]> {
  const { Records = [] } = await kinesis.send(new GetRecordsCommand({ ShardIterator: shardIterator }));
  return Records.map((r) => Buffer.from(r.Data ?? []).toString('utf8'));
}

/** A timestamp strictly between the records put before and after it (arrival times are in ms). */
async function timestampBetweenPuts(): Promise<number> {
  await sleep(20);
  const millis = Date.now();
  await sleep(20);
  return millis;
}

beforeAll(async () => {
  kinesalite = await startLocalKinesis({ transitionMs: 50 });
  gateway = await startKinesisGateway(kinesalite.url);
  // kinesalite speaks HTTP/1.1 only; the Kinesis client would otherwise try HTTP/2.
  kinesis = new KinesisClient({
    endpoint: gateway.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
}, 60_000);

afterAll(async () => {
  kinesis?.destroy();
  await gateway?.close();
  await kinesalite?.stop();
});

describe('GetShardIterator AT_TIMESTAMP through the Kinesis gateway', () => {
  it('It should read, from a CBOR request with a millisecond timestamp, the records put after it', async () => {
    // Prepare
    await createStream('cbor-ticks');
    await put('cbor-ticks', 'before');
    const millis = await timestampBetweenPuts();
    await put('cbor-ticks', 'after-1');
    await put('cbor-ticks', 'after-2');

    // Act
    const answer = await cborCall('GetShardIterator', {
      StreamName: 'cbor-ticks',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'AT_TIMESTAMP',
      Timestamp: new Tagged(1, millis),
      StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/cbor-ticks',
    });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe(CBOR_TYPE);
    expect(await readAll(answer.output['ShardIterator'] as string)).toEqual(['after-1', 'after-2']);
  });

  it('It should start a CBOR request on a shard with no later record at the records put afterwards', async () => {
    // Prepare: a stream read from LATEST at a job's start: earlier records only, none after the timestamp.
    await createStream('empty-ticks');
    await put('empty-ticks', 'old');
    const millis = await timestampBetweenPuts();

    // Act
    const answer = await cborCall('GetShardIterator', {
      StreamName: 'empty-ticks',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'AT_TIMESTAMP',
      Timestamp: new Tagged(1, millis),
    });
    await put('empty-ticks', 'new');

    // Assess
    expect(answer.status).toBe(200);
    expect(await readAll(answer.output['ShardIterator'] as string)).toEqual(['new']);
  });

  it('It should read, from a JSON request with a seconds timestamp, the records put after it', async () => {
    // Prepare
    await createStream('json-ticks');
    await put('json-ticks', 'before');
    const millis = await timestampBetweenPuts();
    await put('json-ticks', 'after');

    // Act
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: 'json-ticks',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'AT_TIMESTAMP',
        Timestamp: new Date(millis),
      }),
    );

    // Assess
    expect(await readAll(ShardIterator as string)).toEqual(['after']);
  });

  it('It should start a JSON request on a shard with no later record at the records put afterwards', async () => {
    // Prepare
    await createStream('quiet-json-ticks');
    await put('quiet-json-ticks', 'old');
    const millis = await timestampBetweenPuts();

    // Act: kinesalite alone never answers this request; the signal turns that into a failure.
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: 'quiet-json-ticks',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'AT_TIMESTAMP',
        Timestamp: new Date(millis),
      }),
      { abortSignal: AbortSignal.timeout(10_000) },
    );
    await put('quiet-json-ticks', 'new');

    // Assess
    expect(await readAll(ShardIterator as string)).toEqual(['new']);
  });

  it('It should answer a CBOR request for a missing stream with ResourceNotFoundException in CBOR', async () => {
    // Act
    const answer = await cborCall('GetShardIterator', {
      StreamName: 'no-such-stream',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'AT_TIMESTAMP',
      Timestamp: new Tagged(1, Date.now()),
    });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.contentType).toBe(CBOR_TYPE);
    expect(answer.output['__type']).toBe('ResourceNotFoundException');
  });

  it('It should refuse a CBOR request without a Timestamp with InvalidArgumentException', async () => {
    // Prepare
    await createStream('no-timestamp-ticks');

    // Act
    const answer = await cborCall('GetShardIterator', {
      StreamName: 'no-timestamp-ticks',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'AT_TIMESTAMP',
    });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.output['__type']).toBe('InvalidArgumentException');
    expect(String(answer.output['message'])).toContain('no timestamp parameter');
  });
});

describe('GetRecords over CBOR through the Kinesis gateway', () => {
  it('It should answer a page larger than 64 KiB whole, Data as bytes (kinesalite cuts it off)', async () => {
    // Prepare: 1000 records of about 100 bytes, a backlog such as a restarted job reads.
    await createStream('backlog-ticks');
    for (let batch = 0; batch < 10; batch++) {
      await kinesis.send(
        new PutRecordsCommand({
          StreamName: 'backlog-ticks',
          Records: Array.from({ length: 100 }, (_, i) => ({
            PartitionKey: 'AAPL',
            Data: Buffer.from(
              JSON.stringify({ ticker: 'AAPL', price: 10.5, n: batch * 100 + i, pad: 'x'.repeat(50) }),
            ),
          })),
        }),
      );
    }
    const iterator = await cborCall('GetShardIterator', {
      StreamName: 'backlog-ticks',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    });

    // Act
    const page = await cborCall('GetRecords', { ShardIterator: iterator.output['ShardIterator'] });

    // Assess
    expect(page.status).toBe(200);
    expect(page.contentType).toBe(CBOR_TYPE);
    const records = page.output['Records'] as {
      Data: Buffer;
      SequenceNumber: string;
      ApproximateArrivalTimestamp: number;
    }[];
    expect(records).toHaveLength(1000);
    expect(Buffer.isBuffer(records[999]!.Data)).toBe(true);
    expect((JSON.parse(records[999]!.Data.toString('utf8')) as { n: number }).n).toBe(999);
    expect(typeof records[0]!.ApproximateArrivalTimestamp).toBe('number');
    expect(typeof page.output['NextShardIterator']).toBe('string');
  });
});
