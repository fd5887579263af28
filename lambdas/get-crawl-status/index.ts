/**
 * GetCrawlStatus: one poll of the crawler. READY with a last crawl that SUCCEEDED ends the loop; a last
 * crawl that FAILED or was CANCELLED fails the execution with Glue's message; a crawl still running
 * past the input's crawlTimeoutSeconds fails it too (the Choice's poll count is only a backstop).
 */
import { GetCrawlerCommand } from '@aws-sdk/client-glue';
import { CrawlState, type CrawlExecutionState, type CrawlStatus } from '../../workflow/crawl-contract';
import { CRAWL_POLL_SECONDS, requireCrawlState } from '../shared/crawl-state';
import { CrawlFailedError, CrawlTimeoutError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

/** How far Glue's clock and the task's may disagree when comparing the last crawl's start with ours. */
const CLOCK_SKEW_MS = 60_000;

export const run = withTransientErrors(
  async (event: CrawlExecutionState, deps: Partial<TaskDeps> = {}): Promise<CrawlStatus> => {
    const { config, crawl } = requireCrawlState(event, CrawlState.GetCrawlStatus, 'crawl');
    const d = resolveDeps(deps);
    const response = await d.clients.glue.send(new GetCrawlerCommand({ Name: config.crawlerName }));
    const crawler = response.Crawler;
    const crawlerState = crawler?.State ?? 'UNKNOWN';
    const attempt = crawl.attempt + 1;
    const last = crawler?.LastCrawl;
    // A READY crawler whose last crawl began well before this execution started one has not begun ours
    // yet (Glue may report READY for a moment after StartCrawler); a crawl found running is ours to take.
    const stale =
      !crawl.alreadyRunning &&
      last?.StartTime !== undefined &&
      last.StartTime.getTime() < Date.parse(crawl.startedAt) - CLOCK_SKEW_MS;
    if (crawlerState === 'READY' && !stale) {
      const status = last?.Status ?? 'UNKNOWN';
      if (status !== 'SUCCEEDED') {
        const where = last?.LogGroup
          ? ` (log group ${last.LogGroup}, stream ${last.LogStream ?? 'unknown'})`
          : '';
        throw new CrawlFailedError(
          `The crawl of ${config.crawlerName} ended ${status}: ${last?.ErrorMessage ?? 'Glue gave no message'}${where}`,
        );
      }
      return {
        ...crawl,
        phase: 'READY',
        crawlerState,
        attempt,
        lastCrawl: {
          status,
          // Stryker disable next-line OptionalChaining: a READY crawler without a last crawl failed above (status UNKNOWN).
          ...(last?.StartTime ? { startTime: last.StartTime.toISOString() } : {}),
        },
      };
    }
    const elapsedSeconds = (d.now().getTime() - Date.parse(crawl.startedAt)) / 1000;
    if (elapsedSeconds >= config.crawlTimeoutSeconds) {
      throw new CrawlTimeoutError(
        `Crawler ${config.crawlerName} is still ${crawlerState} after ${Math.round(elapsedSeconds)} s (crawlTimeoutSeconds ${config.crawlTimeoutSeconds}); raise crawlTimeoutSeconds or look at the crawler's logs in /aws-glue/crawlers`,
      );
    }
    return { ...crawl, phase: 'WAITING', crawlerState, attempt, nextWaitSeconds: CRAWL_POLL_SECONDS };
  },
);

export const handler = taskHandler(CrawlState.GetCrawlStatus, (event: CrawlExecutionState) => run(event));
