/**
 * StartCrawl: starts the pipeline's crawler. A crawl already running (CrawlerRunningException, e.g. one
 * started by hand) is not an error: the machine waits for it and checks what it made.
 */
import { StartCrawlerCommand } from '@aws-sdk/client-glue';
import { CrawlState, type CrawlExecutionState, type CrawlStatus } from '../../workflow/crawl-contract';
import { isAwsError } from '../shared/aws';
import { CRAWL_POLL_SECONDS, requireCrawlState } from '../shared/crawl-state';
import { CrawlFailedError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { logger } from '../shared/logger';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

export const run = withTransientErrors(
  async (event: CrawlExecutionState, deps: Partial<TaskDeps> = {}): Promise<CrawlStatus> => {
    const { config } = requireCrawlState(event, CrawlState.StartCrawl);
    const d = resolveDeps(deps);
    let alreadyRunning = false;
    try {
      await d.clients.glue.send(new StartCrawlerCommand({ Name: config.crawlerName }));
    } catch (error) {
      if (isAwsError(error, 'EntityNotFoundException')) {
        throw new CrawlFailedError(
          `Crawler ${config.crawlerName} does not exist: provision pipeline ${config.pipelineName} first (its provisioning creates the crawler)`,
          { cause: error },
        );
      }
      if (!isAwsError(error, 'CrawlerRunningException')) throw error;
      alreadyRunning = true;
      logger.info('the crawler is already running; waiting for that crawl', {
        crawlerName: config.crawlerName,
      });
    }
    return {
      phase: 'WAITING',
      crawlerName: config.crawlerName,
      startedAt: d.now().toISOString(),
      alreadyRunning,
      crawlerState: 'RUNNING',
      attempt: 0,
      nextWaitSeconds: CRAWL_POLL_SECONDS,
    };
  },
);

export const handler = taskHandler(CrawlState.StartCrawl, (event: CrawlExecutionState) => run(event));
