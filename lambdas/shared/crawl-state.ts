/**
 * What the crawl-and-query tasks share: their deployment settings (read from the environment once per
 * cold start) and the check that a task received the execution state it expects.
 */
import {
  CrawlDeploymentVariables,
  type CrawlDeploymentSettings,
  type CrawlExecutionState,
} from '../../workflow/crawl-contract';
import type { SuiteContext } from './validation';
import { ConfigurationError, InvalidInputError } from './errors';

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) {
    throw new ConfigurationError(
      `Environment variable ${name} is not set. The stack (infra/crawl-and-query.ts) sets it on every ` +
        'crawl-and-query function; when running the tasks yourself (local runner, tests), set it first.',
    );
  }
  return value;
}

/** Reads the settings from `env`; the account is optional (ARNs in the tasks come from the settings). */
export function loadCrawlDeploymentSettings(env: NodeJS.ProcessEnv = process.env): CrawlDeploymentSettings {
  return {
    glueDatabase: required(env, CrawlDeploymentVariables.glueDatabase),
    athenaWorkGroup: required(env, CrawlDeploymentVariables.athenaWorkGroup),
    verdictTopicArn: required(env, CrawlDeploymentVariables.verdictTopicArn),
    account: env[CrawlDeploymentVariables.account]?.trim() ?? '',
    region: required(env, CrawlDeploymentVariables.region),
  };
}

/**
 * Checks that a task received the whole execution state with the validated configuration (and, when
 * named, the results of earlier states). A task called with anything else was wired wrongly.
 */
export function requireCrawlState<K extends keyof CrawlExecutionState>(
  event: unknown,
  task: string,
  ...fields: K[]
): CrawlExecutionState & Required<Pick<CrawlExecutionState, K>> {
  const state = event as Partial<CrawlExecutionState> | null;
  const missing = [
    ...(typeof state?.config?.pipelineName === 'string' ? [] : ['config']),
    ...fields.filter((f) => state?.[f] === undefined || state[f] === null),
  ];
  if (missing.length > 0) {
    throw new InvalidInputError(
      missing.map((field) => ({
        field,
        message: `${task} expects the execution state with $.${field} (written by an earlier state); check the state's InputPath and the previous states' ResultPath`,
      })),
      'crawl-and-query state',
    );
  }
  return event as CrawlExecutionState & Required<Pick<CrawlExecutionState, K>>;
}

/** The validation suite's context of an execution: its configuration and the instant it measures against. */
export function suiteContextOf(state: CrawlExecutionState): SuiteContext {
  const c = state.config;
  return {
    asOf: new Date(c.asOf),
    settings: {
      pipelineName: c.pipelineName,
      database: c.glueDatabase,
      table: c.tableName,
      partitionByTime: c.partitionByTime,
      windowSeconds: c.windowSeconds,
      settleSeconds: c.settleSeconds,
      freshnessMinutes: c.freshnessMinutes,
      completenessWindows: c.completenessWindows,
      tickers: c.tickers,
      minPrice: c.minPrice,
      maxPrice: c.maxPrice,
      volumeTolerance: c.volumeTolerance,
      volumeSlackRecords: c.volumeSlackRecords,
      maxBytesScannedPerQuery: c.maxBytesScannedPerQuery,
    },
  };
}

/** Seconds between crawler polls: a small crawl takes about a minute on Glue. */
export const CRAWL_POLL_SECONDS = 20;
