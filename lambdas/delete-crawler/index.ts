/**
 * DeleteCrawler: deletes the pipeline's crawler before its tables, so that no crawl re-creates a table
 * the next task deletes. Glue refuses to delete a crawler that is crawling (DeleteCrawler API reference:
 * CrawlerRunningException), so a running crawl is stopped first and the task waits, bounded, for the
 * crawler to be READY again; past that, a TransientError lets the machine retry the task.
 */
import { DeleteCrawlerCommand, GetCrawlerCommand, StopCrawlerCommand } from '@aws-sdk/client-glue';
import {
  TeardownState,
  type TeardownExecutionState,
  type TeardownStepResult,
} from '../../workflow/teardown-contract';
import { isAwsError } from '../shared/aws';
import { TransientError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { pollUntil, type PollOptions } from '../shared/runtime';
import {
  isNotFound,
  requireTeardownState,
  resolveTeardownDeps,
  resource,
  type TeardownDeps,
} from '../shared/teardown';
import { withTransientErrors } from '../shared/transient';

/** Well inside the task's 120 s: a stopped crawl winds down in seconds to a minute or two. */
export const CRAWL_STOP_WAIT: PollOptions = { timeoutMs: 90_000, intervalMs: 2_000, maxIntervalMs: 10_000 };

export interface DeleteCrawlerDeps extends TeardownDeps {
  wait: PollOptions;
}

export const run = withTransientErrors(
  async (
    event: TeardownExecutionState,
    deps: Partial<DeleteCrawlerDeps> = {},
  ): Promise<TeardownStepResult> => {
    const { config } = requireTeardownState(event, TeardownState.DeleteCrawler);
    const d = resolveTeardownDeps(deps);
    const glue = d.clients.glue;
    const Name = config.crawlerName;
    const state = async () => (await glue.send(new GetCrawlerCommand({ Name }))).Crawler?.State ?? 'UNKNOWN';

    let initial: string;
    try {
      initial = await state();
    } catch (error) {
      if (isNotFound(error)) return { resources: [resource('crawler', Name, 'alreadyGone')] };
      throw error;
    }
    let detail = `was ${initial}`;
    if (initial !== 'READY') {
      if (initial === 'RUNNING') {
        try {
          await glue.send(new StopCrawlerCommand({ Name }));
        } catch (error) {
          // It ended or began stopping between the two calls: the wait below covers both.
          if (!isAwsError(error, 'CrawlerNotRunningException', 'CrawlerStoppingException')) throw error;
        }
        detail = 'its crawl was stopped first';
      }
      const settled = await pollUntil(d, deps.wait ?? CRAWL_STOP_WAIT, async () => {
        const now = await state();
        return now === 'READY' ? now : undefined;
      });
      if (settled === undefined) {
        throw new TransientError(`Crawler ${Name} is still not READY after its crawl was stopped; retried`);
      }
    }
    try {
      await glue.send(new DeleteCrawlerCommand({ Name }));
    } catch (error) {
      if (isNotFound(error)) return { resources: [resource('crawler', Name, 'alreadyGone')] };
      if (isAwsError(error, 'CrawlerRunningException', 'SchedulerTransitioningException')) {
        throw new TransientError(`Crawler ${Name} started again or its schedule is changing; retried`, {
          cause: error,
        });
      }
      throw error;
    }
    return { resources: [resource('crawler', Name, 'removed', detail)] };
  },
);

export const handler = taskHandler(TeardownState.DeleteCrawler, (event: TeardownExecutionState) =>
  run(event),
);
