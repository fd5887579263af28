/**
 * StartQueries: starts the suite's Athena queries in the pipeline's workgroup (whose result location
 * and scan cutoff are enforced). Each query's ClientRequestToken derives from the execution and the
 * check, so a retried task gets the same query back instead of running it twice.
 */
import { createHash } from 'node:crypto';
import { StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { CrawlState, type CrawlExecutionState, type StartedQueries } from '../../workflow/crawl-contract';
import { requireCrawlState, suiteContextOf } from '../shared/crawl-state';
import { QueryFailedError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';
import { suiteQueries } from '../shared/validation';

/** Athena's ClientRequestToken (32-128 characters): the SHA-256 of the execution and the check, in hex. */
export function queryToken(executionId: string, check: string): string {
  return createHash('sha256').update(`${executionId}\n${check}`).digest('hex');
}

export const run = withTransientErrors(
  async (event: CrawlExecutionState, deps: Partial<TaskDeps> = {}): Promise<StartedQueries> => {
    const state = requireCrawlState(event, CrawlState.StartQueries);
    const { config } = state;
    const d = resolveDeps(deps);
    const queries = suiteQueries(suiteContextOf(state), config.checks);
    const started = [];
    // One after another: five small queries, and a failure names the one that failed.
    for (const query of queries) {
      try {
        const response = await d.clients.athena.send(
          new StartQueryExecutionCommand({
            QueryString: query.sql,
            ClientRequestToken: queryToken(config.executionId, query.check),
            QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: config.glueDatabase },
            WorkGroup: config.athenaWorkGroup,
          }),
        );
        if (!response.QueryExecutionId) throw new Error('Athena returned no QueryExecutionId');
        started.push({ name: query.check, queryExecutionId: response.QueryExecutionId });
      } catch (error) {
        if (error instanceof Error && error.name === 'InvalidRequestException') {
          throw new QueryFailedError(
            `Athena refused the ${query.check} query in workgroup ${config.athenaWorkGroup}: ${error.message}`,
            { cause: error },
          );
        }
        throw error;
      }
    }
    return { queries: started, startedAt: d.now().toISOString() };
  },
);

export const handler = taskHandler(CrawlState.StartQueries, (event: CrawlExecutionState) => run(event));
