/**
 * The periods the checks read, all derived from one instant (`asOf`, the execution's start) so that a
 * retried task measures exactly what the first attempt measured. Windows are tumbling and aligned to
 * the epoch (Flink's default offset 0), in UTC.
 */

/** The settings of the suite that fix its periods. */
export interface PeriodSettings {
  windowSeconds: number;
  /** How long after its end a window is normally queryable (watermark + checkpoint interval). */
  settleSeconds: number;
  freshnessMinutes: number;
  completenessWindows: number;
}

/** A half-open interval [from, to) of epoch milliseconds. */
export interface Period {
  from: number;
  to: number;
}

export interface SuitePeriods {
  /** The end of the newest window that should be queryable at asOf. */
  settledEnd: number;
  /** Completeness: the last K settled windows, by window end in (from, to]. */
  completeness: Period;
  /** Uniqueness and sanity: the same windows plus those still settling, up to asOf. */
  recent: Period;
  /** Freshness: windows that ended within the bound (and one window before it), by window end. */
  freshness: Period;
  /**
   * Volume: whole minutes inside the settled windows (CloudWatch's IncomingRecords has one datapoint per
   * minute); windows by window_start >= from and window_end <= to.
   */
  volume: Period;
}

const MINUTE = 60_000;

/**
 * The periods at `asOf`. With `notBefore` (a re-deploy canary's: when the new version began running),
 * only windows that started at or after it are read, so that no window the previous version wrote counts.
 */
export function suitePeriods(settings: PeriodSettings, asOf: Date, notBefore?: Date): SuitePeriods {
  const window = settings.windowSeconds * 1000;
  const now = asOf.getTime();
  const settledEnd = Math.floor((now - settings.settleSeconds * 1000) / window) * window;
  const completeness = { from: settledEnd - settings.completenessWindows * window, to: settledEnd };
  const volumeTo = Math.floor(settledEnd / MINUTE) * MINUTE;
  const volumeMinutes = Math.max(1, Math.ceil((settings.completenessWindows * window) / MINUTE));
  // Window ends are exclusive of `from`: a window starting at the first boundary >= notBefore ends one later.
  const floor = notBefore === undefined ? -Infinity : Math.ceil(notBefore.getTime() / window) * window;
  return {
    settledEnd,
    completeness: { from: Math.max(completeness.from, floor), to: completeness.to },
    // A canary reads every window since the update, however many settled since.
    recent: { from: notBefore === undefined ? completeness.from : floor, to: now },
    freshness: { from: Math.max(now - settings.freshnessMinutes * MINUTE - window, floor), to: now },
    volume: { from: volumeTo - volumeMinutes * MINUTE, to: volumeTo },
  };
}

/** The ends of the windows whose end lies in (from, to], oldest first. */
export function windowEnds(period: Period, windowSeconds: number): number[] {
  const window = windowSeconds * 1000;
  const ends: number[] = [];
  // Stryker disable next-line ArithmeticOperator: starting a window earlier yields ends <= from, which the check below drops.
  for (let end = Math.floor(period.from / window) * window + window; end <= period.to; end += window) {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: the loop starts at the first end after from; the check guards a change to it.
    if (end > period.from) ends.push(end);
  }
  return ends;
}

/**
 * The `dt` (yyyy-MM-dd) and `hr` (HH) partition values that hold the windows ending in (from, to]: the
 * sink partitions by the window's start, so the hours run from the first window's start.
 */
export function timePartitions(period: Period, windowSeconds: number): { dt: string[]; hr: string[] } {
  const hour = 3_600_000;
  const first = Math.floor((period.from - windowSeconds * 1000 + 1) / hour) * hour;
  const dt = new Set<string>();
  const hr = new Set<string>();
  for (let t = Math.max(first, 0); t < period.to; t += hour) {
    const iso = new Date(t).toISOString();
    dt.add(iso.slice(0, 10));
    hr.add(iso.slice(11, 13));
  }
  return { dt: [...dt].sort(), hr: [...hr].sort() };
}

/** A timestamp as SQL writes it and Athena prints it: `yyyy-MM-dd HH:mm:ss.SSS` (UTC). */
export function sqlTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * Reads a timestamp as Athena (`2026-12-01 16:09:10.000`) or DuckDB (`2026-12-01 16:09:10`) prints it,
 * as UTC; undefined for anything else.
 */
export function parseSqlTimestamp(text: string | null | undefined): number | undefined {
  // Stryker disable next-line StringLiteral: any fallback text without a timestamp reads as none, as '' does.
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d{1,9})?/.exec(text?.trim() ?? '');
  if (!match) return undefined;
  // Stryker disable next-line MethodExpression,StringLiteral: Node's Date.parse reads 1 to 9 fraction digits alike; the cut to milliseconds is for other engines.
  const fraction = (match[3] ?? '.0').slice(0, 4).padEnd(4, '0');
  const parsed = Date.parse(`${match[1]}T${match[2]}${fraction}Z`);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** `16:09:10` of an instant, for details. */
export function clock(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(11, 19);
}
