import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { BatchBuilder, KINESIS_LIMITS } from './batching';
import { systemClock, type Clock } from './clock';
import { ProducerInputError, RecordsNotDeliveredError } from './errors';
import { TICKERS, TickGenerator, encodeTick, randomSeed, type TickEvent, type Ticker } from './events';
import { TokenBucket } from './token-bucket';

/** Explicit event times: event `i` (0-based) gets `startMs + i * spacingMs`. */
export interface EventTimeSchedule {
  startMs: number;
  spacingMs: number;
}

/** A tick Kinesis accepted, with where it went. */
export interface DeliveredTick {
  /** 0-based position in the generated sequence (retries do not change it). */
  index: number;
  event: TickEvent;
  shardId: string;
  sequenceNumber: string;
}

export interface ProduceOptions {
  /** The stream, by name or by ARN (one of the two). */
  streamName?: string;
  streamArn?: string;
  /** Stop after this many events. A run needs `count`, `durationMs` or both (whichever comes first). */
  count?: number;
  /** Stop generating after this many milliseconds. */
  durationMs?: number;
  /** Target records per second (token bucket). Unset: as fast as Kinesis accepts. */
  ratePerSecond?: number;
  /** Token-bucket capacity: the largest burst. Default: a tenth of a second's worth, at least 1. */
  burst?: number;
  /** Seed of the tick generator; the same seed gives the same tickers and prices. Default: random. */
  seed?: number;
  /** Explicit event times (deterministic windows). Default: the clock's time when the event is made. */
  eventTime?: EventTimeSchedule;
  /** Tickers to draw from. Default: the walkthrough's five. */
  tickers?: readonly Ticker[];
  /** Records per PutRecords request, 1..500. Default 500. */
  maxBatchRecords?: number;
  /**
   * With a rate set, how long a batch may wait for tokens before it is sent partly filled; larger
   * batches, later records. Default 100 ms.
   */
  lingerMs?: number;
  /** Attempts per batch, the first included, before RecordsNotDeliveredError. Default 8. */
  maxAttempts?: number;
  /** Backoff between attempts: full jitter over min(max, base * 2^(attempt-1)). Defaults 100 / 5000 ms. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Stops generating new events (the batch in flight is still delivered). */
  signal?: AbortSignal;
  /** Called with the records of each successful (partial) response, in request order. */
  onDelivered?: (records: readonly DeliveredTick[]) => void;
}

export interface ProduceDeps {
  kinesis: Pick<KinesisClient, 'send'>;
  clock?: Clock;
  /** 0..1 random source of the backoff jitter; tests pass a constant. */
  jitter?: () => number;
}

export interface ProduceResult {
  seed: number;
  /** Records Kinesis accepted (every generated record, unless the run failed). */
  delivered: number;
  /** PutRecords calls made, retries included. */
  requests: number;
  /** Record sends that were retries of entries a partial failure reported. */
  retriedRecords: number;
  deliveredByTicker: Record<string, number>;
  stoppedBy: 'count' | 'duration' | 'signal';
  elapsedMs: number;
  recordsPerSecond: number;
}

/** Errors of the whole PutRecords call worth another attempt (the SDK has already retried its own). */
const RETRYABLE_REQUEST_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'KMSThrottlingException',
  'InternalFailure',
  'ServiceUnavailable',
  'ThrottlingException',
]);

function checkPositiveInteger(name: string, value: number | undefined, max = Number.MAX_SAFE_INTEGER): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ProducerInputError(`${name} must be a whole number from 1 to ${max}, got ${value}.`);
  }
}

/** Checks options before anything is sent; throws ProducerInputError naming the option. */
export function validateProduceOptions(options: ProduceOptions): void {
  if (!options.streamName === !options.streamArn) {
    throw new ProducerInputError('Give the stream by name or by ARN (exactly one of streamName, streamArn).');
  }
  if (options.count === undefined && options.durationMs === undefined) {
    throw new ProducerInputError('A run must be bounded: set count, durationMs or both.');
  }
  checkPositiveInteger('count', options.count);
  checkPositiveInteger('maxBatchRecords', options.maxBatchRecords, KINESIS_LIMITS.maxRecordsPerRequest);
  checkPositiveInteger('maxAttempts', options.maxAttempts, 100);
  checkPositiveInteger('burst', options.burst);
  for (const [name, value] of [
    ['durationMs', options.durationMs],
    ['ratePerSecond', options.ratePerSecond],
  ] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new ProducerInputError(`${name} must be a number greater than 0, got ${value}.`);
    }
  }
  for (const [name, value] of [
    ['lingerMs', options.lingerMs],
    ['backoffBaseMs', options.backoffBaseMs],
    ['backoffMaxMs', options.backoffMaxMs],
  ] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      throw new ProducerInputError(`${name} must be a number of milliseconds >= 0, got ${value}.`);
    }
  }
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
    throw new ProducerInputError(`seed must be an integer, got ${options.seed}.`);
  }
  if (options.eventTime) {
    const { startMs, spacingMs } = options.eventTime;
    if (!Number.isFinite(startMs) || !Number.isFinite(spacingMs) || spacingMs < 0) {
      throw new ProducerInputError('eventTime needs a finite startMs and a spacingMs >= 0.');
    }
  }
  if (options.tickers) {
    const unknown = options.tickers.filter((t) => !(TICKERS as readonly string[]).includes(t));
    if (options.tickers.length === 0 || unknown.length > 0) {
      throw new ProducerInputError(`tickers must be a non-empty subset of ${TICKERS.join(', ')}.`);
    }
  }
}

interface PendingRecord {
  entry: PutRecordsRequestEntry;
  index: number;
  event: TickEvent;
}

/**
 * Puts generated stock ticks on a Kinesis stream: PutRecords batches within the API limits, partition
 * key = ticker (so the tickers spread over the shards), an optional target rate, and bounded retries of
 * exactly the entries a partial failure reports.
 */
export async function produceTicks(options: ProduceOptions, deps: ProduceDeps): Promise<ProduceResult> {
  validateProduceOptions(options);
  const clock = deps.clock ?? systemClock;
  const jitter = deps.jitter ?? Math.random;
  const seed = options.seed ?? randomSeed();
  const generator = new TickGenerator(seed, options.tickers ?? TICKERS);
  const maxBatchRecords = options.maxBatchRecords ?? KINESIS_LIMITS.maxRecordsPerRequest;
  const limits = { ...KINESIS_LIMITS, maxRecordsPerRequest: maxBatchRecords };
  const lingerMs = options.lingerMs ?? 100;
  const maxAttempts = options.maxAttempts ?? 8;
  const backoffBaseMs = options.backoffBaseMs ?? 100;
  const backoffMaxMs = options.backoffMaxMs ?? 5000;
  const bucket =
    options.ratePerSecond === undefined
      ? undefined
      : new TokenBucket(
          options.ratePerSecond,
          options.burst ?? Math.max(1, Math.ceil(options.ratePerSecond / 10)),
          clock,
        );

  const startedAt = clock.now();
  const deadline = options.durationMs === undefined ? undefined : startedAt + options.durationMs;
  let generated = 0;
  let delivered = 0;
  let requests = 0;
  let retriedRecords = 0;
  const deliveredByTicker: Record<string, number> = {};
  let carried: PendingRecord | undefined;

  const stopReason = (): ProduceResult['stoppedBy'] | undefined => {
    if (options.signal?.aborted) return 'signal';
    if (options.count !== undefined && generated >= options.count) return 'count';
    if (deadline !== undefined && clock.now() >= deadline) return 'duration';
    return undefined;
  };

  const makeRecord = (): PendingRecord => {
    const index = generated++;
    const epochMs = options.eventTime
      ? options.eventTime.startMs + index * options.eventTime.spacingMs
      : clock.now();
    const event = generator.next(epochMs);
    return { entry: { Data: encodeTick(event), PartitionKey: event.ticker }, index, event };
  };

  const send = async (records: PendingRecord[]): Promise<void> => {
    let pending = records;
    for (let attempt = 1; ; attempt++) {
      let response;
      try {
        requests++;
        response = await deps.kinesis.send(
          new PutRecordsCommand({
            ...(options.streamName ? { StreamName: options.streamName } : { StreamARN: options.streamArn }),
            Records: pending.map((r) => r.entry),
          }),
        );
      } catch (error) {
        const name = (error as Error).name;
        if (!RETRYABLE_REQUEST_ERRORS.has(name) || attempt >= maxAttempts) throw error;
        await clock.sleep(backoffDelay(attempt));
        continue;
      }
      const results = response.Records ?? [];
      if (results.length !== pending.length) {
        throw new Error(`PutRecords answered ${results.length} results for ${pending.length} records.`);
      }
      const failed: Array<PendingRecord & { errorCode: string }> = [];
      const accepted: DeliveredTick[] = [];
      results.forEach((result, i) => {
        const record = pending[i] as PendingRecord;
        if (result.ErrorCode) failed.push({ ...record, errorCode: result.ErrorCode });
        else {
          accepted.push({
            index: record.index,
            event: record.event,
            shardId: result.ShardId ?? '',
            sequenceNumber: result.SequenceNumber ?? '',
          });
        }
      });
      delivered += accepted.length;
      for (const a of accepted)
        deliveredByTicker[a.event.ticker] = (deliveredByTicker[a.event.ticker] ?? 0) + 1;
      if (accepted.length > 0) options.onDelivered?.(accepted);
      if (failed.length === 0) return;
      if (attempt >= maxAttempts) {
        const codes: Record<string, number> = {};
        for (const f of failed) codes[f.errorCode] = (codes[f.errorCode] ?? 0) + 1;
        throw new RecordsNotDeliveredError(failed.length, codes, attempt);
      }
      retriedRecords += failed.length;
      pending = failed.map(({ entry, index, event }) => ({ entry, index, event }));
      await clock.sleep(backoffDelay(attempt));
    }
  };

  const backoffDelay = (attempt: number): number =>
    Math.round(jitter() * Math.min(backoffMaxMs, backoffBaseMs * 2 ** (attempt - 1)));

  let stoppedBy: ProduceResult['stoppedBy'] | undefined;
  while (stoppedBy === undefined) {
    const batch = new BatchBuilder<PendingRecord>(limits);
    let openedAt: number | undefined;
    if (carried) {
      batch.tryAdd(carried.entry, carried);
      openedAt = clock.now();
      carried = undefined;
    }
    while (!batch.isFull) {
      stoppedBy = stopReason();
      if (stoppedBy) break;
      if (bucket) {
        const waitMs = bucket.msUntilAvailable(1);
        if (waitMs > 0) {
          // Send what we have rather than hold it past the linger time while tokens trickle in.
          if (openedAt !== undefined && clock.now() + waitMs - openedAt > lingerMs) break;
          await clock.sleep(waitMs, options.signal);
          stoppedBy = stopReason();
          if (stoppedBy) break;
        }
        bucket.tryTake(1);
      }
      const record = makeRecord();
      if (!batch.tryAdd(record.entry, record)) {
        carried = record;
        break;
      }
      openedAt ??= clock.now();
    }
    if (batch.size > 0) await send(batch.drain().map((x) => x.item));
    if (stoppedBy === undefined && carried === undefined) stoppedBy = stopReason();
  }

  const elapsedMs = clock.now() - startedAt;
  return {
    seed,
    delivered,
    requests,
    retriedRecords,
    deliveredByTicker,
    stoppedBy,
    elapsedMs,
    recordsPerSecond: elapsedMs > 0 ? (delivered * 1000) / elapsedMs : delivered,
  };
}
