/** The Kinesis stream metrics' counting (what a put put) and publishing (per minute, kept on failure). */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { Encoder } from 'cbor';
import { successfulPut } from '../../local/kinesis/kinesis-gateway';
import { startKinesisMetrics } from '../../local/kinesis/metrics';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('what a put put', () => {
  it('It should count the PutRecords entries without an ErrorCode and their data bytes', () => {
    // Prepare
    const input = {
      StreamName: 'ticks',
      Records: [
        { Data: Buffer.from('aaaa').toString('base64'), PartitionKey: 'a' },
        { Data: Buffer.from('bb').toString('base64'), PartitionKey: 'b' },
        { Data: Buffer.from('c').toString('base64'), PartitionKey: 'c' },
      ],
    };
    const answer = {
      status: 200,
      body: json({
        FailedRecordCount: 1,
        Records: [
          { SequenceNumber: '1', ShardId: 'shardId-0' },
          { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' },
          { SequenceNumber: '2', ShardId: 'shardId-0' },
        ],
      }),
    };

    // Act
    const put = successfulPut('PutRecords', input, answer, false);

    // Assess
    expect(put).toEqual({ stream: 'ticks', records: 2, bytes: 5 });
  });

  it('It should read CBOR puts (the Java SDK) and streams named by ARN', async () => {
    // Prepare
    const input = {
      StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/ticks',
      Records: [{ Data: Buffer.from('xyz'), PartitionKey: 'k' }],
    };
    const body = await Encoder.encodeAsync({ Records: [{ SequenceNumber: '1', ShardId: 'shardId-0' }] });

    // Act
    const put = successfulPut('PutRecords', input, { status: 200, body }, true);

    // Assess
    expect(put).toEqual({ stream: 'ticks', records: 1, bytes: 3 });
  });

  it('It should count nothing for a put that failed', () => {
    expect(
      successfulPut(
        'PutRecord',
        { StreamName: 'ticks', Data: 'eA==' },
        { status: 400, body: json({}) },
        false,
      ),
    ).toBeUndefined();
  });
});

describe('publishing the stream metrics', () => {
  const cloudWatch = mockClient(CloudWatchClient);
  beforeEach(() => cloudWatch.reset());

  it('It should publish IncomingRecords and IncomingBytes per stream and minute, stamped with the minute', async () => {
    // Prepare
    let now = Date.parse('2030-01-01T10:00:10Z');
    const metrics = startKinesisMetrics({
      cloudWatchEndpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      periodMs: 0,
      now: () => new Date(now),
    });
    cloudWatch.on(PutMetricDataCommand).resolves({});

    // Act
    metrics.recordPut('ticks', 3, 30);
    metrics.recordPut('ticks', 2, 20);
    now = Date.parse('2030-01-01T10:01:05Z');
    metrics.recordPut('ticks', 1, 10);
    await metrics.flush();
    await metrics.stop();

    // Assess
    const data = cloudWatch
      .commandCalls(PutMetricDataCommand)
      .flatMap((c) => c.args[0].input.MetricData ?? []);
    const records = data.filter((d) => d.MetricName === 'IncomingRecords');
    expect(records.map((d) => [d.Timestamp?.toISOString(), d.Value, d.Unit])).toEqual([
      ['2030-01-01T10:00:00.000Z', 5, 'Count'],
      ['2030-01-01T10:01:00.000Z', 1, 'Count'],
    ]);
    expect(data.filter((d) => d.MetricName === 'IncomingBytes').map((d) => [d.Value, d.Unit])).toEqual([
      [50, 'Bytes'],
      [10, 'Bytes'],
    ]);
    expect(records[0]?.Dimensions).toEqual([{ Name: 'StreamName', Value: 'ticks' }]);
    expect(cloudWatch.commandCalls(PutMetricDataCommand)[0]?.args[0].input.Namespace).toBe('AWS/Kinesis');
  });

  it('It should keep the counts when publishing fails and publish them with the next flush', async () => {
    // Prepare
    const lines: string[] = [];
    const metrics = startKinesisMetrics({
      cloudWatchEndpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      periodMs: 0,
      now: () => new Date('2030-01-01T10:00:10Z'),
      log: (line) => lines.push(line),
    });
    cloudWatch.on(PutMetricDataCommand).rejectsOnce(new Error('moto is busy')).resolves({});

    // Act
    metrics.recordPut('ticks', 4, 40);
    await metrics.flush();
    metrics.recordPut('ticks', 1, 10);
    await metrics.flush();
    await metrics.stop();

    // Assess
    const calls = cloudWatch.commandCalls(PutMetricDataCommand);
    const lastRecords = calls[1]?.args[0].input.MetricData?.find((d) => d.MetricName === 'IncomingRecords');
    expect(calls).toHaveLength(2);
    expect(lastRecords?.Value).toBe(5);
    expect(lines).toEqual([expect.stringContaining('moto is busy')]);
  });
});
