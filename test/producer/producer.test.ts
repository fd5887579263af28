import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ProducerInputError,
  RecordsNotDeliveredError,
  TICKERS,
  produceTicks,
  type DeliveredTick,
} from '../../producer';
import { FakeClock, acceptAll, decodeEntries } from './fakes';

const kinesisMock = mockClient(KinesisClient);
const kinesis = new KinesisClient({ region: 'us-east-1' });

const requestsSent = (): PutRecordsCommandInput[] =>
  kinesisMock.commandCalls(PutRecordsCommand).map((call) => call.args[0].input);

beforeEach(() => {
  kinesisMock.reset();
});

describe('produceTicks batching', () => {
  it('It should send 1234 events as PutRecords requests of 500, 500 and 234 to the named stream', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake(acceptAll);

    // Act
    const result = await produceTicks(
      { streamName: 'ticks', count: 1234, seed: 1 },
      { kinesis, clock: new FakeClock() },
    );

    // Assess
    expect(requestsSent().map((r) => r.Records?.length)).toEqual([500, 500, 234]);
    expect(requestsSent().every((r) => r.StreamName === 'ticks')).toBe(true);
    expect(result).toMatchObject({
      delivered: 1234,
      requests: 3,
      retriedRecords: 0,
      stoppedBy: 'count',
      seed: 1,
    });
  });

  it('It should honour a smaller batch size', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake(acceptAll);

    // Act
    await produceTicks(
      { streamArn: 'arn:aws:kinesis:us-east-1:1:stream/t', count: 25, maxBatchRecords: 10 },
      { kinesis },
    );

    // Assess
    expect(requestsSent().map((r) => r.Records?.length)).toEqual([10, 10, 5]);
    expect(requestsSent()[0]?.StreamARN).toBe('arn:aws:kinesis:us-east-1:1:stream/t');
  });
});

describe('produceTicks partition keys', () => {
  it('It should key every record by its ticker, so all five tickers spread over the shards', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake(acceptAll);

    // Act
    const result = await produceTicks(
      { streamName: 'ticks', count: 5000, seed: 99 },
      { kinesis, clock: new FakeClock() },
    );

    // Assess
    const entries = requestsSent().flatMap(decodeEntries);
    expect(entries).toHaveLength(5000);
    for (const { key, tick } of entries) expect(key).toBe(tick['ticker']);
    const keys = new Set(entries.map((e) => e.key));
    expect([...keys].sort()).toEqual([...TICKERS].sort());
    for (const ticker of TICKERS) {
      // A uniform draw of 5000 over 5 keys: each near 1000, far from a pinned single key.
      expect(result.deliveredByTicker[ticker]).toBeGreaterThan(850);
      expect(result.deliveredByTicker[ticker]).toBeLessThan(1150);
    }
  });
});

describe('produceTicks partial failures', () => {
  it('It should retry exactly the entries the response reports as failed, after a backoff', async () => {
    // Prepare: the first response fails entries 1 and 3; the retry succeeds.
    kinesisMock
      .on(PutRecordsCommand)
      .callsFakeOnce((input: PutRecordsCommandInput) => ({
        FailedRecordCount: 2,
        Records: (input.Records ?? []).map((_, i) =>
          i === 1 || i === 3
            ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' }
            : { ShardId: 'shardId-000000000000', SequenceNumber: String(i) },
        ),
      }))
      .callsFake(acceptAll);
    const clock = new FakeClock();
    const delivered: DeliveredTick[] = [];

    // Act
    const result = await produceTicks(
      { streamName: 'ticks', count: 5, seed: 3, onDelivered: (records) => delivered.push(...records) },
      { kinesis, clock, jitter: () => 1 },
    );

    // Assess
    const [first, retry] = requestsSent();
    expect(first?.Records).toHaveLength(5);
    expect(retry?.Records).toEqual([first?.Records?.[1], first?.Records?.[3]]);
    expect(clock.sleeps).toEqual([100]);
    expect(result).toMatchObject({ delivered: 5, requests: 2, retriedRecords: 2 });
    expect(delivered.map((d) => d.index).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('It should give up after the allowed attempts with the error codes of the undelivered records', async () => {
    // Prepare: entry 0 always fails.
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: 1,
      Records: (input.Records ?? []).map((_, i) =>
        i === 0
          ? { ErrorCode: 'InternalFailure', ErrorMessage: 'boom' }
          : { ShardId: 's', SequenceNumber: '1' },
      ),
    }));
    const clock = new FakeClock();

    // Act
    const run = produceTicks(
      { streamName: 'ticks', count: 3, maxAttempts: 4 },
      { kinesis, clock, jitter: () => 1 },
    );

    // Assess
    await expect(run).rejects.toThrow(RecordsNotDeliveredError);
    await expect(run).rejects.toThrow('1 record(s) were not accepted after 4 attempt(s): InternalFailure x1');
    expect(requestsSent().map((r) => r.Records?.length)).toEqual([3, 1, 1, 1]);
    expect(clock.sleeps).toEqual([100, 200, 400]);
  });

  it('It should retry a throttled request as a whole and fail at once on an error that retrying cannot fix', async () => {
    // Prepare
    const throttled = Object.assign(new Error('slow down'), {
      name: 'ProvisionedThroughputExceededException',
    });
    const missing = Object.assign(new Error('Stream ticks not found'), { name: 'ResourceNotFoundException' });
    kinesisMock.on(PutRecordsCommand).rejectsOnce(throttled).callsFake(acceptAll);

    // Act
    const ok = await produceTicks(
      { streamName: 'ticks', count: 2 },
      { kinesis, clock: new FakeClock(), jitter: () => 0 },
    );
    kinesisMock.reset();
    kinesisMock.on(PutRecordsCommand).rejects(missing);
    const failing = produceTicks({ streamName: 'ticks', count: 2 }, { kinesis, clock: new FakeClock() });

    // Assess
    expect(ok).toMatchObject({ delivered: 2, requests: 2 });
    await expect(failing).rejects.toThrow('Stream ticks not found');
    expect(requestsSent()).toHaveLength(1);
  });
});

describe('produceTicks rate', () => {
  it('It should hold the target rate on a fake clock: never more than burst + rate * t records by time t', async () => {
    // Prepare
    const clock = new FakeClock();
    const start = clock.now();
    const sentAt: Array<{ at: number; n: number }> = [];
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
      sentAt.push({ at: clock.now() - start, n: input.Records?.length ?? 0 });
      return acceptAll(input);
    });

    // Act
    const result = await produceTicks(
      { streamName: 'ticks', count: 1000, ratePerSecond: 200, burst: 20, lingerMs: 100 },
      { kinesis, clock },
    );

    // Assess: 980 records after the burst at 200/s take 4.9 s.
    expect(result.delivered).toBe(1000);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(4850);
    expect(result.elapsedMs).toBeLessThanOrEqual(4950);
    let cumulative = 0;
    for (const { at, n } of sentAt) {
      cumulative += n;
      expect(cumulative).toBeLessThanOrEqual(20 + Math.ceil((200 * at) / 1000));
    }
    // Batches are bounded by the linger time: about 100 ms of records each, not one per call.
    expect(Math.max(...sentAt.map((s) => s.n))).toBeLessThanOrEqual(41);
    expect(sentAt.length).toBeLessThan(100);
  });

  it('It should stop after the duration at the rate it was given', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake(acceptAll);

    // Act
    const result = await produceTicks(
      { streamName: 'ticks', durationMs: 2000, ratePerSecond: 100 },
      { kinesis, clock: new FakeClock() },
    );

    // Assess: a burst of 10, then 100/s for 2 s.
    expect(result.stoppedBy).toBe('duration');
    expect(result.delivered).toBeGreaterThanOrEqual(205);
    expect(result.delivered).toBeLessThanOrEqual(211);
  });
});

describe('produceTicks determinism and event time', () => {
  it('It should put the same records twice for the same seed and schedule, and report each one to the recorder', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake(acceptAll);
    const eventTime = { startMs: Date.UTC(2026, 0, 1, 12, 0, 0), spacingMs: 250 };
    const recorded: DeliveredTick[] = [];

    // Act
    await produceTicks({ streamName: 'ticks', count: 40, seed: 2026, eventTime }, { kinesis });
    const firstRun = requestsSent().flatMap((r) => r.Records ?? []);
    kinesisMock.resetHistory();
    await produceTicks(
      { streamName: 'ticks', count: 40, seed: 2026, eventTime, onDelivered: (r) => recorded.push(...r) },
      { kinesis },
    );
    const secondRun = requestsSent().flatMap((r) => r.Records ?? []);

    // Assess
    expect(secondRun).toEqual(firstRun);
    expect(recorded.map((r) => r.event.event_time).slice(0, 3)).toEqual([
      '2026-01-01T12:00:00.000',
      '2026-01-01T12:00:00.250',
      '2026-01-01T12:00:00.500',
    ]);
    expect(recorded.map((r) => JSON.stringify(r.event))).toEqual(
      secondRun.map((e) => Buffer.from(e.Data ?? new Uint8Array()).toString('utf8')),
    );
  });

  it('It should stop generating when its signal aborts', async () => {
    // Prepare
    const controller = new AbortController();
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
      controller.abort();
      return acceptAll(input);
    });

    // Act
    const result = await produceTicks(
      { streamName: 'ticks', count: 100_000, maxBatchRecords: 10, signal: controller.signal },
      { kinesis },
    );

    // Assess
    expect(result).toMatchObject({ stoppedBy: 'signal', delivered: 10, requests: 1 });
  });
});

describe('produceTicks input checks', () => {
  it.each([
    [{ streamName: 'ticks' }, 'A run must be bounded'],
    [{ count: 1 }, 'Give the stream by name or by ARN'],
    [{ streamName: 'ticks', count: 0 }, 'count must be a whole number from 1'],
    [
      { streamName: 'ticks', count: 1, maxBatchRecords: 501 },
      'maxBatchRecords must be a whole number from 1 to 500',
    ],
    [{ streamName: 'ticks', count: 1, ratePerSecond: -5 }, 'ratePerSecond must be a number greater than 0'],
    [{ streamName: 'ticks', count: 1, tickers: ['GOOG'] }, 'tickers must be a non-empty subset'],
  ])(
    'It should reject %j with a message that says what to fix, before sending anything',
    async (options, message) => {
      // Act
      const run = produceTicks(options as never, { kinesis });

      // Assess
      await expect(run).rejects.toThrow(ProducerInputError);
      await expect(run).rejects.toThrow(message);
      expect(requestsSent()).toHaveLength(0);
    },
  );
});
