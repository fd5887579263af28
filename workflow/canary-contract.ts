/**
 * The contract of the redeploy machine's canary (RunCanary): after the health gate, it waits until the
 * new version has written and committed windows, crawls the output, runs the
 * validation suite's freshness, sanity and uniqueness checks on the windows that started after the
 * update and returns the verdict. Each RunCanary call does one step and says how long to wait before
 * the next; the machine's Wait states do the waiting (docs/redeploy.md, "The canary").
 */
import type { ValidationCheckName, ValidationVerdict } from './crawl-contract';

/** The checks a canary runs: the ones that can judge a few minutes of a new version's output. */
export const CanaryChecks = [
  'freshness',
  'uniqueness',
  'sanity',
] as const satisfies readonly ValidationCheckName[];

/** Seconds added to window + watermark + checkpoint interval before the first window is expected. */
export const CanaryMarginSeconds = 30;

/** Seconds between polls of the crawler and of the queries. */
export const CanaryCrawlPollSeconds = 20;
export const CanaryQueryPollSeconds = 3;

/** Time budgets once the windows are due: the crawl and the queries, each. */
export const CanaryCrawlTimeoutSeconds = 900;
export const CanaryQueryTimeoutSeconds = 300;

/** Backstop on the canary's loop (reached only if a step misreports its phase). */
export const MaxCanaryChecks = 200;

/** What the canary is doing: WAITING for windows, CRAWLING, QUERYING, then PASSED or FAILED. */
export type CanaryPhase = 'WAITING' | 'CRAWLING' | 'QUERYING' | 'PASSED' | 'FAILED';

/** The result of each RunCanary call, at $.canary; the Choice reads `phase`, the Wait `nextWaitSeconds`. */
export interface CanaryStatus {
  phase: CanaryPhase;
  attempt: number;
  nextWaitSeconds: number;
  /** When the new version began running (the health gate's start): only later windows are read. */
  notBefore: string;
  /** When the first window of the new version should be queryable. */
  readyAt: string;
  windowSeconds: number;
  /** Watermark + checkpoint interval: how long after its end a window's file is committed. */
  settleSeconds: number;
  freshnessMinutes: number;
  partitionByTime: boolean;
  database: string;
  table: string;
  workGroup: string;
  crawlerName: string;
  /** When the crawl was started (CRAWLING) or found running. */
  crawlStartedAt?: string;
  /** The instant the checks measure against: readyAt, so that a retried start builds the same SQL. */
  asOf?: string;
  queriesStartedAt?: string;
  queries?: Array<{ name: ValidationCheckName; queryExecutionId: string }>;
  /** Set once PASSED or FAILED. */
  verdict?: ValidationVerdict;
  /** One sentence for the failure document when FAILED. */
  reason?: string;
}
