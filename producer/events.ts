import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from 'pure-rand';

/** The walkthrough's tickers. */
export const TICKERS = ['AAPL', 'AMZN', 'MSFT', 'INTC', 'TBV'] as const;
export type Ticker = (typeof TICKERS)[number];

/** One stock tick as it is put on the stream (the JSON the Flink job's source table reads). */
export interface TickEvent {
  /** ISO-8601 UTC with milliseconds and no offset, e.g. `2026-11-25T12:00:00.000`; see formatEventTime. */
  event_time: string;
  ticker: Ticker;
  /** 0..100 with at most 2 decimals. */
  price: number;
}

/**
 * Formats an instant as the job's source table reads it. Flink's JSON format parses a TIMESTAMP(3)
 * column with the ISO-8601 standard as a local date-time, so a trailing `Z` would be unparsed text;
 * the value is therefore UTC without the offset, as the walkthrough's `datetime.isoformat()` had none.
 */
export function formatEventTime(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 23);
}

/** Reads an event_time written by formatEventTime back as epoch milliseconds (UTC). */
export function parseEventTime(eventTime: string): number {
  return Date.parse(`${eventTime}Z`);
}

/** The bytes put on the stream for one event. */
export function encodeTick(event: TickEvent): Uint8Array {
  return Buffer.from(JSON.stringify(event), 'utf8');
}

/**
 * Draws random ticks. With the same seed, the same sequence of tickers and prices comes out, so a test
 * can compute the expected window averages from the seed alone.
 */
export class TickGenerator {
  private rng: RandomGenerator;

  constructor(
    readonly seed: number,
    private readonly tickers: readonly Ticker[] = TICKERS,
  ) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    if (tickers.length === 0) throw new RangeError('tickers must not be empty');
    // xoroshiro128plus takes a 32-bit seed; `| 0` keeps larger seeds usable instead of rejecting them.
    this.rng = xoroshiro128plus(seed | 0);
  }

  /** The next tick, stamped with `epochMs`. */
  next(epochMs: number): TickEvent {
    const tickerIndex = unsafeUniformIntDistribution(0, this.tickers.length - 1, this.rng);
    // Drawing whole cents keeps the price at exactly two decimals without float rounding.
    const cents = unsafeUniformIntDistribution(0, 10_000, this.rng);
    return {
      event_time: formatEventTime(epochMs),
      ticker: this.tickers[tickerIndex] as Ticker,
      price: cents / 100,
    };
  }
}

/** A fresh seed for runs that did not ask for one; reported back so the run can be repeated. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}
