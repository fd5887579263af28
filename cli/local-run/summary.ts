import type { ProvisionHealthSummary } from '../../workflow/contract';
import type { ValidationVerdict } from '../../workflow/crawl-contract';
import { verdictTable } from '../commands/validate';
import { formatDuration } from '../progress';
import { AVERAGE_TOLERANCE, type Completeness, type ExpectedWindow, type ObservedWindow } from './windows';

/** One step of `local run`, timed. */
export interface StepRecord {
  name: string;
  status: 'ok' | 'failed' | 'skipped';
  durationMs: number;
  detail?: string;
}

/** Everything `local run` found; printed as text, or as JSON with `--json`. */
export interface LocalRunSummary {
  ok: boolean;
  pipelineName: string;
  seed: number;
  windowSeconds: number;
  watermarkSeconds: number;
  steps: StepRecord[];
  totalMs: number;
  applicationStatus?: string;
  /** The provisioning's health gate: restarts and checkpoints seen while the job settled. */
  health?: ProvisionHealthSummary;
  produced?: {
    delivered: number;
    requests: number;
    recordsPerSecond: number;
    byTicker: Record<string, number>;
  };
  /** Rows the Athena query returned, each with what the producer's events say it should hold. */
  windows: Array<ObservedWindow & { expectedCount?: number; expectedAvgPrice?: number }>;
  expectedWindows: number;
  completeness?: Completeness;
  queries: Array<{ name: string; queryExecutionId: string; dataScannedBytes: number; rows: number }>;
  /** The crawl-and-query machine's verdict on the output (the validation suite the schedule runs). */
  verdict?: ValidationVerdict;
  error?: string;
}

/** Lays rows out under a header in aligned columns; numbers right-aligned. */
export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^-?[\d.,]+( s)?$/.test(r[i] ?? '')),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

/** `12:00:10` for a window bound (UTC), the date shown once in the header instead. */
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** The readable summary `local run` prints at the end. */
export function renderSummary(summary: LocalRunSummary): string {
  const out: string[] = [];
  out.push(`flinkflow local run: ${summary.ok ? 'OK' : 'FAILED'} in ${formatDuration(summary.totalMs)}`);
  out.push(
    `pipeline ${summary.pipelineName}, seed ${summary.seed}, ${summary.windowSeconds} s windows, ${summary.watermarkSeconds} s watermark`,
  );
  out.push('');
  out.push(
    ...renderTable(
      ['step', 'status', 'time', 'detail'],
      summary.steps.map((s) => [s.name, s.status, formatDuration(s.durationMs), s.detail ?? '']),
    ),
  );
  out.push('');
  out.push(`application status: ${summary.applicationStatus ?? 'unknown'}`);
  if (summary.produced) {
    const p = summary.produced;
    out.push(
      `produced: ${p.delivered} events in ${p.requests} PutRecords calls (${Math.round(p.recordsPerSecond)}/s); ` +
        Object.entries(p.byTicker)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([t, n]) => `${t} ${n}`)
          .join(', '),
    );
  }
  if (summary.windows.length > 0) {
    const day = new Date(summary.windows[0]?.windowStart ?? 0).toISOString().slice(0, 10);
    out.push('');
    out.push(`average price per ticker and window (UTC, ${day}), from Athena:`);
    out.push(
      ...renderTable(
        ['ticker', 'window', 'avg price', 'events', 'expected'],
        summary.windows.map((w) => [
          w.ticker,
          `${clock(w.windowStart)}-${clock(w.windowEnd)}`,
          w.avgPrice.toFixed(3),
          String(w.count),
          w.expectedCount === undefined
            ? 'not closed when production stopped'
            : w.expectedCount === w.count &&
                Math.abs((w.expectedAvgPrice ?? NaN) - w.avgPrice) <= AVERAGE_TOLERANCE
              ? 'match'
              : `MISMATCH: ${w.expectedCount} events, avg ${(w.expectedAvgPrice ?? NaN).toFixed(3)}`,
        ]),
      ),
    );
  }
  if (summary.completeness) {
    out.push('');
    out.push(
      `every ticker's windows arrived: ${summary.completeness.complete ? 'yes' : 'NO'} (${summary.expectedWindows} windows expected)`,
    );
    for (const t of summary.completeness.perTicker) {
      const problems = [
        t.missing.length ? `missing ${t.missing.map((m) => m.slice(11, 19)).join(' ')}` : '',
        t.mismatched.length ? `wrong values ${t.mismatched.map((m) => m.slice(11, 19)).join(' ')}` : '',
        t.duplicated.length ? `duplicated ${t.duplicated.map((m) => m.slice(11, 19)).join(' ')}` : '',
      ].filter(Boolean);
      out.push(
        `  ${t.ticker.padEnd(5)} ${t.arrived}/${t.expected}${problems.length ? `  ${problems.join('; ')}` : ''}`,
      );
    }
  }
  if (summary.verdict) {
    out.push('');
    out.push(verdictTable(summary.verdict));
  }
  if (summary.error) {
    out.push('');
    out.push(`error: ${summary.error}`);
  }
  return `${out.join('\n')}\n`;
}

/** Joins the observed rows with the expected windows, for the table. */
export function annotateWindows(
  observed: readonly ObservedWindow[],
  expected: readonly ExpectedWindow[],
): LocalRunSummary['windows'] {
  const byId = new Map(expected.map((w) => [`${w.ticker}|${w.windowStart}`, w]));
  return observed.map((row) => {
    const match = byId.get(`${row.ticker}|${row.windowStart}`);
    return match ? { ...row, expectedCount: match.count, expectedAvgPrice: match.avgPrice } : { ...row };
  });
}
