/**
 * The pipeline the validation suite's tests measure: two tickers, 10 s windows, a time-partitioned table,
 * and the instant they measure at. Shared by the suite's library and edge tests.
 */
import type { SuiteContext, SuiteSettings } from '../../../lambdas/shared/validation';

export const settings: SuiteSettings = {
  pipelineName: 'ticks-demo',
  database: 'flinkflow',
  table: 'ticks_demo_output',
  partitionByTime: true,
  windowSeconds: 10,
  settleSeconds: 12,
  freshnessMinutes: 2,
  completenessWindows: 3,
  tickers: ['AAPL', 'MSFT'],
  minPrice: 0,
  maxPrice: 100,
  volumeTolerance: 0.05,
  volumeSlackRecords: 0,
  maxBytesScannedPerQuery: 1000,
};
export const asOf = new Date('2026-12-01T16:10:00Z');
export const context: SuiteContext = { settings, asOf };
export const t = (iso: string) => Date.parse(iso);
