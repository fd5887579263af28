/**
 * EvaluateChecks: reads each query's result rows (GetQueryResults, every page) and, for the volume
 * check, the stream's IncomingRecords over the same minutes (CloudWatch GetMetricData), then evaluates
 * the suite (lambdas/shared/validation) into the verdict.
 */
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CrawlState,
  type CrawlExecutionState,
  type ValidationCheckName,
  type ValidationVerdict,
} from '../../workflow/crawl-contract';
import { resultRows } from '../shared/athena-results';
import { requireCrawlState, suiteContextOf } from '../shared/crawl-state';
import { taskHandler } from '../shared/handler';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';
import { evaluateSuite, volumePeriod, type Observations, type QueryOutcome } from '../shared/validation';

/** Sum of the stream's IncomingRecords (one-minute datapoints) over [from, to); null when there are none. */
async function incomingRecords(
  deps: TaskDeps,
  streamName: string,
  period: { from: number; to: number },
): Promise<number | null> {
  let total: number | null = null;
  let nextToken: string | undefined;
  do {
    const response = await deps.clients.cloudWatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(period.from),
        EndTime: new Date(period.to),
        NextToken: nextToken,
        MetricDataQueries: [
          {
            Id: 'incoming',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/Kinesis',
                MetricName: 'IncomingRecords',
                Dimensions: [{ Name: 'StreamName', Value: streamName }],
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    for (const result of response.MetricDataResults ?? []) {
      for (const value of result.Values ?? []) total = (total ?? 0) + value;
    }
    nextToken = response.NextToken;
  } while (nextToken);
  return total;
}

export const run = withTransientErrors(
  async (event: CrawlExecutionState, deps: Partial<TaskDeps> = {}): Promise<ValidationVerdict> => {
    const state = requireCrawlState(event, CrawlState.EvaluateChecks, 'queryStatus');
    const d = resolveDeps(deps);
    const context = suiteContextOf(state);
    const outcomes = new Map<ValidationCheckName, QueryOutcome>();
    for (const query of state.queryStatus.queries) {
      outcomes.set(query.name as ValidationCheckName, {
        queryExecutionId: query.queryExecutionId,
        bytesScanned: query.bytesScanned,
        rows: await resultRows(d, query.queryExecutionId),
      });
    }
    const observations: Observations = {};
    if (state.config.checks.includes('volume')) {
      observations.incomingRecords = await incomingRecords(d, state.config.streamName, volumePeriod(context));
    }
    return evaluateSuite(context, state.config.checks, outcomes, observations);
  },
);

export const handler = taskHandler(CrawlState.EvaluateChecks, (event: CrawlExecutionState) => run(event));
