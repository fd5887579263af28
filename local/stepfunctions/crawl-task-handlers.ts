/**
 * Each crawl-and-query task's handler module, by task, written out like task-handlers.ts so that a
 * reader, the type checker and the bundlers can follow every import.
 */
import { CrawlState, type CrawlLambdaTask } from '../../workflow/crawl-contract';
import type { HandlerModule } from './task-handlers';

export const CrawlTaskHandlerModules: Readonly<
  Record<CrawlLambdaTask, () => Promise<Partial<HandlerModule>>>
> = {
  [CrawlState.ValidateCrawlInput]: () => import('../../lambdas/validate-crawl-input'),
  [CrawlState.StartCrawl]: () => import('../../lambdas/start-crawl'),
  [CrawlState.GetCrawlStatus]: () => import('../../lambdas/get-crawl-status'),
  [CrawlState.CheckTable]: () => import('../../lambdas/check-table'),
  [CrawlState.StartQueries]: () => import('../../lambdas/start-queries'),
  [CrawlState.GetQueryStatus]: () => import('../../lambdas/get-query-status'),
  [CrawlState.EvaluateChecks]: () => import('../../lambdas/evaluate-checks'),
  [CrawlState.PublishVerdict]: () => import('../../lambdas/publish-verdict'),
};
