/** The validation suite: a pure library (see checks.ts) used by the crawl-and-query tasks and a canary. */
export {
  Checks,
  evaluateSuite,
  suiteQueries,
  verdictMessage,
  volumePeriod,
  type Observations,
  type QueryOutcome,
  type SuiteContext,
  type SuiteQuery,
  type SuiteSettings,
} from './checks';
export { parseSqlTimestamp, sqlTimestamp, suitePeriods, type Period, type SuitePeriods } from './periods';
