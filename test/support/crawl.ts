/** Sample crawl-and-query documents shared by the crawl task tests. */
import { resolveCrawlRequest } from '../../lambdas/validate-crawl-input';
import type { CrawlConfig, CrawlExecutionState, CrawlInput } from '../../workflow/crawl-contract';

export const crawlSettings = {
  glueDatabase: 'flinkflow',
  athenaWorkGroup: 'flinkflow',
  verdictTopicArn: 'arn:aws:sns:eu-west-1:123456789012:verdicts',
  account: '123456789012',
  region: 'eu-west-1',
};

export const AS_OF = '2026-12-01T16:10:00.000Z';
export const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:crawl-and-query:run-1';

/** The configuration ValidateCrawlInput makes of `input` for an execution started at AS_OF. */
export function crawlConfig(input: CrawlInput = { pipelineName: 'ticks-demo' }): CrawlConfig {
  return resolveCrawlRequest({ input, executionId: EXECUTION, startTime: AS_OF }, crawlSettings).config;
}

export function crawlState(
  overrides: Partial<CrawlExecutionState> = {},
  input: CrawlInput = { pipelineName: 'ticks-demo' },
): CrawlExecutionState {
  return { input, config: crawlConfig(input), ...overrides };
}

/** A clock fixed at `iso`. */
export const at = (iso: string) => ({ now: () => new Date(iso) });
