import { parseEventTime, type TickEvent } from '../../producer';

/** One tumbling window of one ticker. Times are epoch milliseconds (UTC). */
export interface WindowKey {
  ticker: string;
  windowStart: number;
  windowEnd: number;
}

/** What the producer put in a window, computed from the delivered events alone. */
export interface ExpectedWindow extends WindowKey {
  count: number;
  avgPrice: number;
}

/** A window row as the Athena query returned it. */
export interface ObservedWindow extends WindowKey {
  count: number;
  avgPrice: number;
}

/**
 * The windows the job must have emitted for these events: every (ticker, window) with at least one event
 * whose end the watermark has passed. With `WATERMARK FOR event_time AS event_time - INTERVAL w`, the
 * watermark is the largest event time seen minus w; a window [start, end) fires once the watermark
 * reaches end - 1 ms. Windows still open when production stopped are left out: nothing closes them.
 */
export function expectedWindows(
  events: readonly TickEvent[],
  windowSeconds: number,
  watermarkSeconds: number,
): ExpectedWindow[] {
  const windowMs = windowSeconds * 1000;
  let maxEventTime = -Infinity;
  const sums = new Map<string, { key: WindowKey; count: number; sumCents: number }>();
  for (const event of events) {
    const at = parseEventTime(event.event_time);
    maxEventTime = Math.max(maxEventTime, at);
    const windowStart = Math.floor(at / windowMs) * windowMs;
    const id = `${event.ticker}|${windowStart}`;
    const entry = sums.get(id) ?? {
      key: { ticker: event.ticker, windowStart, windowEnd: windowStart + windowMs },
      count: 0,
      sumCents: 0,
    };
    entry.count += 1;
    // Whole cents keep the sum exact; the average is divided once at the end.
    entry.sumCents += Math.round(event.price * 100);
    sums.set(id, entry);
  }
  const watermark = maxEventTime - watermarkSeconds * 1000;
  return [...sums.values()]
    .filter(({ key }) => key.windowEnd - 1 <= watermark)
    .map(({ key, count, sumCents }) => ({ ...key, count, avgPrice: sumCents / count / 100 }))
    .sort(compareWindows);
}

export function compareWindows(a: WindowKey, b: WindowKey): number {
  return a.ticker < b.ticker ? -1 : a.ticker > b.ticker ? 1 : a.windowStart - b.windowStart;
}

/**
 * How far an average may differ from the expected one: both are sums of the same cents divided by the
 * same count in double precision (Flink's AVG over DOUBLE, here over whole cents), so only float noise.
 */
export const AVERAGE_TOLERANCE = 1e-6;

/** Per-ticker result of comparing what arrived with what was expected. */
export interface TickerCompleteness {
  ticker: string;
  expected: number;
  arrived: number;
  /** Expected windows with no row (ISO start times). */
  missing: string[];
  /** Rows whose count or average differs from the expected (ISO start times). */
  mismatched: string[];
  /** The same window more than once. */
  duplicated: string[];
}

export interface Completeness {
  /** Every expected window of every ticker arrived once, with the expected count and average. */
  complete: boolean;
  perTicker: TickerCompleteness[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Checks the observed windows against the expected ones: every expected window present exactly once
 * with the same count and the same average (to the cent's rounding), per ticker. Rows for windows that
 * were not expected (still open when production stopped) are ignored.
 */
export function checkCompleteness(
  expected: readonly ExpectedWindow[],
  observed: readonly ObservedWindow[],
  tickers: readonly string[],
  tolerance = AVERAGE_TOLERANCE,
): Completeness {
  const observedById = new Map<string, ObservedWindow[]>();
  for (const row of observed) {
    const id = `${row.ticker}|${row.windowStart}`;
    observedById.set(id, [...(observedById.get(id) ?? []), row]);
  }
  const perTicker = tickers.map((ticker): TickerCompleteness => {
    const mine = expected.filter((w) => w.ticker === ticker);
    const result: TickerCompleteness = {
      ticker,
      expected: mine.length,
      arrived: 0,
      missing: [],
      mismatched: [],
      duplicated: [],
    };
    for (const window of mine) {
      const rows = observedById.get(`${ticker}|${window.windowStart}`) ?? [];
      if (rows.length === 0) {
        result.missing.push(iso(window.windowStart));
        continue;
      }
      result.arrived += 1;
      if (rows.length > 1) result.duplicated.push(iso(window.windowStart));
      const row = rows[0] as ObservedWindow;
      if (row.count !== window.count || Math.abs(row.avgPrice - window.avgPrice) > tolerance) {
        result.mismatched.push(iso(window.windowStart));
      }
    }
    return result;
  });
  const complete = perTicker.every(
    (t) => t.expected > 0 && t.missing.length === 0 && t.mismatched.length === 0 && t.duplicated.length === 0,
  );
  return { complete, perTicker };
}

/**
 * Reads a timestamp as Athena/DuckDB or Flink's CSV writes it (`2026-11-25 12:00:10`, with or without
 * milliseconds, with `T` or a space, with or without a zone) as UTC epoch milliseconds.
 */
export function parseWindowTime(text: string): number {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const normalised = trimmed.replace(' ', 'T');
  const withZone = /(Z|[+-]\d\d:?\d\d)$/.test(normalised) ? normalised : `${normalised}Z`;
  const ms = Date.parse(withZone);
  if (Number.isNaN(ms)) throw new Error(`Cannot read "${text}" as a timestamp.`);
  return ms;
}
