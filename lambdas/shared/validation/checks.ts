/**
 * The validation suite: each check a name, the SQL it runs (reading only the partitions it needs), its
 * threshold and an evaluation of the result rows. Pure: no AWS call, no clock (the instant measured
 * against is an argument), so the crawl-and-query tasks and a re-deploy canary call it alike, with all
 * checks or a subset (`suiteQueries(context, ['freshness', 'sanity', 'uniqueness'])`).
 *
 * The SQL keeps to what Athena (Trino) and the local Athena (DuckDB) both run: one table per query, no
 * CTE, `CAST(x AS TIMESTAMP)` (a no-op on a timestamp column, a parse of the sink's
 * `yyyy-MM-dd HH:mm:ss.SSS` on a string one), `TIMESTAMP '...'` literals, and partition filters as
 * top-level `key IN (...)` terms, the form both engines prune partitions by.
 */
import { OutputColumns, OutputPartitionColumns } from '../../../workflow/contract';
import type { CheckVerdict, ValidationCheckName, ValidationVerdict } from '../../../workflow/crawl-contract';
import {
  clock,
  parseSqlTimestamp,
  sqlTimestamp,
  suitePeriods,
  timePartitions,
  windowEnds,
  type Period,
  type PeriodSettings,
  type SuitePeriods,
} from './periods';

/** Everything the suite needs to know about the pipeline and its thresholds. */
export interface SuiteSettings extends PeriodSettings {
  pipelineName: string;
  database: string;
  table: string;
  partitionByTime: boolean;
  tickers: readonly string[];
  minPrice: number;
  maxPrice: number;
  volumeTolerance: number;
  /** A difference of at most this many records passes whatever the tolerance (boundary records). */
  volumeSlackRecords: number;
  maxBytesScannedPerQuery: number;
}

export interface SuiteContext {
  settings: SuiteSettings;
  /** The instant the checks measure against. */
  asOf: Date;
  /** Read only windows that started at or after this instant (a re-deploy canary's update time). */
  notBefore?: Date;
}

/** One query's outcome, as the evaluation reads it (rows without the header row). */
export interface QueryOutcome {
  queryExecutionId: string;
  /** Athena's DataScannedInBytes; null when Athena reported none. */
  bytesScanned: number | null;
  rows: ReadonlyArray<ReadonlyArray<string | null>>;
}

/** Measurements from outside Athena: the stream's IncomingRecords over the volume period. */
export interface Observations {
  /** Sum of IncomingRecords over `periods.volume`; null when CloudWatch returned no datapoint. */
  incomingRecords?: number | null;
}

export interface SuiteQuery {
  check: ValidationCheckName;
  sql: string;
}

interface CheckDefinition {
  /** The SQL the check runs; none for checks over the other queries' statistics. */
  sql?: (context: SuiteContext, periods: SuitePeriods) => string;
  threshold: (settings: SuiteSettings) => number;
  evaluate: (input: {
    context: SuiteContext;
    periods: SuitePeriods;
    outcome: QueryOutcome | undefined;
    outcomes: ReadonlyMap<ValidationCheckName, QueryOutcome>;
    observations: Observations;
    threshold: number;
  }) => Pick<CheckVerdict, 'passed' | 'value' | 'detail'>;
}

const [windowEnd, windowStart, avgPrice, eventCount] = OutputColumns.map((c) => c.name) as [
  string,
  string,
  string,
  string,
];
const [tickerColumn, dtColumn, hrColumn] = OutputPartitionColumns;

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;
const ts = (column: string) => `CAST(${quote(column)} AS TIMESTAMP)`;
const tsLiteral = (epochMs: number) => `TIMESTAMP ${literal(sqlTimestamp(epochMs))}`;

function from(settings: SuiteSettings): string {
  return `FROM ${quote(settings.database)}.${quote(settings.table)}`;
}

/** The partition terms that limit a query to the hours (and tickers) it needs. */
function partitionTerms(settings: SuiteSettings, period: Period, tickers?: readonly string[]): string[] {
  const terms: string[] = [];
  if (tickers) terms.push(`${quote(tickerColumn)} IN (${tickers.map(literal).join(', ')})`);
  if (settings.partitionByTime) {
    const { dt, hr } = timePartitions(period, settings.windowSeconds);
    terms.push(`${quote(dtColumn)} IN (${dt.map(literal).join(', ')})`);
    // All 24 hours: the hour term would prune nothing.
    if (hr.length < 24) terms.push(`${quote(hrColumn)} IN (${hr.map(literal).join(', ')})`);
  }
  return terms;
}

/** Windows whose end lies in (from, to], plus the partition terms of that period. */
function windowsEndingIn(settings: SuiteSettings, period: Period, tickers?: readonly string[]): string {
  return [
    ...partitionTerms(settings, period, tickers),
    `${ts(windowEnd)} > ${tsLiteral(period.from)}`,
    `${ts(windowEnd)} <= ${tsLiteral(period.to)}`,
  ].join('\n  AND ');
}

const count = (value: string | null | undefined): number => {
  const parsed = Number(value ?? 0);
  return Number.isFinite(parsed) ? parsed : 0;
};

const round = (value: number, digits: number) => Number(value.toFixed(digits));

function listed<T>(items: readonly T[], show: (item: T) => string, max = 5): string {
  const shown = items.slice(0, max).map(show).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

const window = (end: number, seconds: number) => `${clock(end - seconds * 1000)}-${clock(end)}`;

export const Checks: Readonly<Record<ValidationCheckName, CheckDefinition>> = {
  freshness: {
    sql: ({ settings }, periods) =>
      [
        `SELECT CAST(MAX(${ts(windowEnd)}) AS VARCHAR) AS newest_window_end`,
        from(settings),
        `WHERE ${windowsEndingIn(settings, periods.freshness)}`,
      ].join('\n'),
    threshold: (s) => s.freshnessMinutes,
    evaluate: ({ context, outcome, threshold }) => {
      const newest = parseSqlTimestamp(outcome?.rows[0]?.[0]);
      if (newest === undefined) {
        return {
          passed: false,
          value: null,
          detail: `no window ended in the last ${threshold} minutes (only that period's partitions were read)`,
        };
      }
      const minutes = round((context.asOf.getTime() - newest) / 60_000, 1);
      return {
        passed: minutes <= threshold,
        value: minutes,
        detail: `the newest window ended at ${sqlTimestamp(newest)} UTC, ${minutes} minutes before ${sqlTimestamp(context.asOf.getTime())}`,
      };
    },
  },

  completeness: {
    sql: ({ settings }, periods) =>
      [
        `SELECT CAST(${quote(tickerColumn)} AS VARCHAR) AS ticker, CAST(${ts(windowEnd)} AS VARCHAR) AS window_end, COUNT(*) AS copies`,
        from(settings),
        `WHERE ${windowsEndingIn(settings, periods.completeness, settings.tickers)}`,
        'GROUP BY 1, 2',
      ].join('\n'),
    threshold: () => 0,
    evaluate: ({ context, periods, outcome }) => {
      const { settings } = context;
      const ends = windowEnds(periods.completeness, settings.windowSeconds);
      const found = new Map<string, number>();
      for (const row of outcome?.rows ?? []) {
        const end = parseSqlTimestamp(row[1]);
        // Stryker disable next-line ConditionalExpression: a key with an unreadable end is never looked up.
        if (end !== undefined) found.set(`${row[0]}|${end}`, count(row[2]));
      }
      const missing: Array<{ ticker: string; end: number }> = [];
      const repeated: Array<{ ticker: string; end: number; copies: number }> = [];
      for (const ticker of settings.tickers) {
        for (const end of ends) {
          const copies = found.get(`${ticker}|${end}`) ?? 0;
          if (copies === 0) missing.push({ ticker, end });
          else if (copies > 1) repeated.push({ ticker, end, copies });
        }
      }
      const expected = ends.length * settings.tickers.length;
      const problems = missing.length + repeated.length;
      const range = `${ends.length} windows ${window(ends[0] ?? periods.completeness.to, settings.windowSeconds)} to ${window(ends.at(-1) ?? periods.completeness.to, settings.windowSeconds)} UTC`;
      if (problems === 0) {
        return {
          passed: true,
          value: 0,
          detail: `${expected} of ${expected} rows present (${settings.tickers.length} tickers x ${range})`,
        };
      }
      const parts = [
        missing.length > 0
          ? `missing ${missing.length} of ${expected} rows: ${listed(missing, (m) => `${m.ticker} ${window(m.end, settings.windowSeconds)}`)}`
          : '',
        repeated.length > 0
          ? `${repeated.length} rows more than once: ${listed(repeated, (r) => `${r.ticker} ${window(r.end, settings.windowSeconds)} x${r.copies}`)}`
          : '',
      ].filter(Boolean);
      return { passed: false, value: problems, detail: `${parts.join('; ')} (${range})` };
    },
  },

  uniqueness: {
    sql: ({ settings }, periods) =>
      [
        `SELECT CAST(${quote(tickerColumn)} AS VARCHAR) AS ticker, CAST(${ts(windowEnd)} AS VARCHAR) AS window_end, COUNT(*) AS copies`,
        from(settings),
        `WHERE ${windowsEndingIn(settings, periods.recent)}`,
        'GROUP BY 1, 2',
        'HAVING COUNT(*) > 1',
      ].join('\n'),
    threshold: () => 0,
    evaluate: ({ context, outcome }) => {
      const rows = outcome?.rows ?? [];
      if (rows.length === 0) {
        return { passed: true, value: 0, detail: 'no (ticker, window) appears twice' };
      }
      const seconds = context.settings.windowSeconds;
      return {
        passed: false,
        value: rows.length,
        detail: `${rows.length} (ticker, window) pairs appear more than once: ${listed(rows, (r) => {
          const end = parseSqlTimestamp(r[1]);
          return `${r[0]} ${end === undefined ? r[1] : window(end, seconds)} x${count(r[2])}`;
        })}`,
      };
    },
  },

  sanity: {
    sql: ({ settings }, periods) =>
      [
        'SELECT COUNT(*) AS row_count,',
        `  SUM(CASE WHEN ${quote(avgPrice)} IS NULL OR ${quote(avgPrice)} < ${settings.minPrice} OR ${quote(avgPrice)} > ${settings.maxPrice} THEN 1 ELSE 0 END) AS bad_prices,`,
        `  SUM(CASE WHEN ${quote(eventCount)} IS NULL OR ${quote(eventCount)} <= 0 THEN 1 ELSE 0 END) AS bad_counts,`,
        `  MIN(${quote(avgPrice)}) AS min_price, MAX(${quote(avgPrice)}) AS max_price, MIN(${quote(eventCount)}) AS min_count`,
        from(settings),
        `WHERE ${windowsEndingIn(settings, periods.recent)}`,
      ].join('\n'),
    threshold: () => 0,
    evaluate: ({ context, outcome }) => {
      const row = outcome?.rows[0] ?? [];
      const rows = count(row[0]);
      const badPrices = count(row[1]);
      const badCounts = count(row[2]);
      const { minPrice, maxPrice } = context.settings;
      if (rows === 0) {
        return {
          passed: true,
          value: 0,
          detail: 'no rows in the period to check (completeness and freshness report absence)',
        };
      }
      const range = `averages ${row[3]}..${row[4]} (allowed ${minPrice}..${maxPrice}), smallest count ${row[5]}`;
      return {
        passed: badPrices + badCounts === 0,
        value: badPrices + badCounts,
        detail:
          badPrices + badCounts === 0
            ? `${rows} rows sane: ${range}`
            : `${badPrices} of ${rows} rows with an average outside ${minPrice}..${maxPrice} or none, ${badCounts} with a count not above 0: ${range}`,
      };
    },
  },

  volume: {
    sql: ({ settings }, periods) =>
      [
        `SELECT SUM(${quote(eventCount)}) AS events, COUNT(*) AS windows`,
        from(settings),
        `WHERE ${[
          // Stryker disable next-line ArithmeticOperator: the +1 adds the hour partition that starts at `to`, in which no window ends by `to`: the rows are the same.
          ...partitionTerms(settings, { from: periods.volume.from, to: periods.volume.to + 1 }),
          `${ts(windowStart)} >= ${tsLiteral(periods.volume.from)}`,
          `${ts(windowEnd)} <= ${tsLiteral(periods.volume.to)}`,
        ].join('\n  AND ')}`,
      ].join('\n'),
    threshold: (s) => s.volumeTolerance,
    evaluate: ({ context, periods, outcome, observations, threshold }) => {
      const events = count(outcome?.rows[0]?.[0]);
      const incoming = observations.incomingRecords ?? null;
      const period = `${clock(periods.volume.from)}-${clock(periods.volume.to)} UTC`;
      // A window counts a record by its event time, IncomingRecords by its arrival: the records produced
      // just before a minute boundary and put just after it are on both sides, a handful whatever the volume.
      const slack = context.settings.volumeSlackRecords;
      if (incoming === null || incoming === 0) {
        return {
          passed: events <= slack,
          value: events === 0 ? 0 : null,
          detail:
            events === 0
              ? `no events in ${period}, and the stream reported none`
              : `${events} events in the windows of ${period}, but the stream reported no IncomingRecords for it (${slack} records allowed)`,
        };
      }
      const apart = Math.abs(events - incoming);
      const difference = apart / incoming;
      return {
        passed: difference <= threshold || apart <= slack,
        value: round(difference, 4),
        detail: `${events} events in the windows of ${period} against ${incoming} IncomingRecords (${round(difference * 100, 2)}% apart, ${round(threshold * 100, 2)}% or ${slack} records allowed)`,
      };
    },
  },

  scanCost: {
    threshold: (s) => s.maxBytesScannedPerQuery,
    evaluate: ({ outcomes, threshold }) => {
      const scanned = [...outcomes.entries()];
      if (scanned.length === 0) {
        return { passed: true, value: 0, detail: 'no query ran' };
      }
      const unknown = scanned.filter(([, o]) => o.bytesScanned === null).map(([name]) => name);
      if (unknown.length > 0) {
        return {
          passed: false,
          value: null,
          detail: `Athena reported no DataScannedInBytes for ${unknown.join(', ')}`,
        };
      }
      const [largestName, largest] = scanned.reduce((a, b) =>
        (b[1].bytesScanned ?? 0) > (a[1].bytesScanned ?? 0) ? b : a,
      );
      const bytes = largest.bytesScanned ?? 0;
      const total = scanned.reduce((sum, [, o]) => sum + (o.bytesScanned ?? 0), 0);
      return {
        passed: bytes <= threshold,
        value: bytes,
        detail: `the largest query (${largestName}) scanned ${bytes} bytes; ${scanned.length} queries ${total} bytes in all`,
      };
    },
  },
};

/** The queries of the chosen checks, in the suite's order. */
export function suiteQueries(context: SuiteContext, checks: readonly ValidationCheckName[]): SuiteQuery[] {
  const periods = suitePeriods(context.settings, context.asOf, context.notBefore);
  return checks.flatMap((check) => {
    const sql = Checks[check].sql;
    return sql ? [{ check, sql: sql(context, periods) }] : [];
  });
}

/** The period whose IncomingRecords the volume check compares with. */
export function volumePeriod(context: SuiteContext): Period {
  return suitePeriods(context.settings, context.asOf, context.notBefore).volume;
}

/** Evaluates the chosen checks over their queries' outcomes; the verdict lists them in the suite's order. */
export function evaluateSuite(
  context: SuiteContext,
  checks: readonly ValidationCheckName[],
  outcomes: ReadonlyMap<ValidationCheckName, QueryOutcome>,
  observations: Observations = {},
): ValidationVerdict {
  const periods = suitePeriods(context.settings, context.asOf, context.notBefore);
  const verdicts = checks.map((check): CheckVerdict => {
    const definition = Checks[check];
    const outcome = outcomes.get(check);
    if (definition.sql && !outcome) {
      throw new Error(
        `The ${check} check has no query outcome: run suiteQueries() and pass each result by check name.`,
      );
    }
    const threshold = definition.threshold(context.settings);
    const result = definition.evaluate({ context, periods, outcome, outcomes, observations, threshold });
    return {
      check,
      ...result,
      threshold,
      ...(outcome === undefined
        ? {}
        : {
            queryExecutionId: outcome.queryExecutionId,
            ...(outcome.bytesScanned === null ? {} : { bytesScanned: outcome.bytesScanned }),
          }),
    };
  });
  const failed = verdicts.filter((v) => !v.passed).map((v) => v.check);
  return {
    pipelineName: context.settings.pipelineName,
    passed: failed.length === 0,
    failed,
    asOf: context.asOf.toISOString(),
    table: `${context.settings.database}.${context.settings.table}`,
    checks: verdicts,
    queries: outcomes.size,
    bytesScanned: [...outcomes.values()].reduce((sum, o) => sum + (o.bytesScanned ?? 0), 0),
  };
}

/** The SNS message of a failing verdict: one line per failing check with its value and threshold. */
export function verdictMessage(verdict: ValidationVerdict): { subject: string; body: string } {
  const failing = verdict.checks.filter((c) => !c.passed);
  const subject = `flinkflow ${verdict.pipelineName}: ${failing.length} validation check${failing.length === 1 ? '' : 's'} failed (${failing.map((c) => c.check).join(', ')})`;
  const lines = failing.map(
    (c) =>
      `- ${c.check}: value ${c.value === null ? 'none' : c.value}, threshold ${c.threshold}: ${c.detail}`,
  );
  return {
    // SNS subjects: at most 100 printable ASCII characters.
    subject: subject.length > 100 ? `${subject.slice(0, 97)}...` : subject,
    body: [
      `Validation of pipeline ${verdict.pipelineName} (table ${verdict.table}) as of ${verdict.asOf}:`,
      ...lines,
      '',
      `Verdict: ${JSON.stringify(verdict)}`,
    ].join('\n'),
  };
}
