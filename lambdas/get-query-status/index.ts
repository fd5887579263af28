/**
 * GetQueryStatus: one poll of the suite's queries. All SUCCEEDED ends the loop; a query that FAILED or
 * was CANCELLED fails the execution with Athena's StateChangeReason; queries still running past the
 * input's queryTimeoutSeconds are stopped and fail it too.
 */
import { GetQueryExecutionCommand, StopQueryExecutionCommand } from '@aws-sdk/client-athena';
import { CrawlState, type CrawlExecutionState, type QueryStatus } from '../../workflow/crawl-contract';
import { requireCrawlState } from '../shared/crawl-state';
import { QueryFailedError, QueryTimeoutError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

export const run = withTransientErrors(
  async (event: CrawlExecutionState, deps: Partial<TaskDeps> = {}): Promise<QueryStatus> => {
    const { config, started, queryStatus } = requireCrawlState(event, CrawlState.GetQueryStatus, 'started');
    const d = resolveDeps(deps);
    const queries = [];
    for (const query of started.queries) {
      const execution = (
        await d.clients.athena.send(
          new GetQueryExecutionCommand({ QueryExecutionId: query.queryExecutionId }),
        )
      ).QueryExecution;
      const state = execution?.Status?.State ?? 'UNKNOWN';
      if (state === 'FAILED' || state === 'CANCELLED') {
        const reason = execution?.Status?.StateChangeReason ?? execution?.Status?.AthenaError?.ErrorMessage;
        throw new QueryFailedError(
          `The ${query.name} query ${query.queryExecutionId} ${state}: ${reason ?? 'Athena gave no reason'}`,
        );
      }
      queries.push({
        ...query,
        state,
        bytesScanned: execution?.Statistics?.DataScannedInBytes ?? null,
      });
    }
    const attempt = (queryStatus?.attempt ?? 0) + 1;
    if (queries.every((q) => q.state === 'SUCCEEDED')) {
      return { phase: 'DONE', attempt, queries };
    }
    const elapsedSeconds = (d.now().getTime() - Date.parse(started.startedAt)) / 1000;
    if (elapsedSeconds >= config.queryTimeoutSeconds) {
      const running = queries.filter((q) => q.state !== 'SUCCEEDED');
      // Stopped so that they do not keep scanning (and billing) after the execution gave up on them.
      for (const q of running) {
        await d.clients.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: q.queryExecutionId }));
      }
      throw new QueryTimeoutError(
        `${running.map((q) => `${q.name} (${q.queryExecutionId}, ${q.state})`).join(', ')} still running after ${Math.round(elapsedSeconds)} s (queryTimeoutSeconds ${config.queryTimeoutSeconds}); they were stopped`,
      );
    }
    return { phase: 'WAITING', attempt, queries };
  },
);

export const handler = taskHandler(CrawlState.GetQueryStatus, (event: CrawlExecutionState) => run(event));
