/**
 * RunCanary: one step of the re-deploy canary per call (workflow/canary-contract.ts). The first call
 * plans: only windows that started after the new version began running count, and the first of them is
 * queryable one window + watermark + checkpoint interval (+ a margin) later. Later calls crawl (the
 * table, a new hour or a new ticker partition exist only once a crawl saw them), start the suite's freshness,
 * uniqueness and sanity queries on those windows, poll them and evaluate. A failing check is a FAILED
 * verdict, not an error: the machine's Choice rolls back; an error (a query that fails) rolls back too.
 */
import { GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { GetCrawlerCommand, StartCrawlerCommand } from '@aws-sdk/client-glue';
import {
  CanaryChecks,
  CanaryCrawlPollSeconds,
  CanaryCrawlTimeoutSeconds,
  CanaryMarginSeconds,
  CanaryQueryPollSeconds,
  CanaryQueryTimeoutSeconds,
  type CanaryStatus,
} from '../../workflow/canary-contract';
import { PipelineNames } from '../../workflow/contract';
import { CrawlDeploymentVariables, type ValidationCheckName } from '../../workflow/crawl-contract';
import {
  DefaultPriceRange,
  DefaultTickers,
  CrawlDefaults,
  freshnessDefaultMinutes,
  settleSecondsOf,
} from '../../workflow/crawl-input';
import { RedeployState, type RedeployExecutionState } from '../../workflow/redeploy-contract';
import { describeApplication } from '../shared/application-status';
import { isAwsError } from '../shared/aws';
import {
  ConfigurationError,
  CrawlFailedError,
  CrawlTimeoutError,
  InvalidInputError,
  QueryFailedError,
  QueryTimeoutError,
} from '../shared/errors';
import { PropertyGroupIds } from '../shared/flink-app';
import { taskHandler } from '../shared/handler';
import { propertyMap, requireRedeployState } from '../shared/redeploy-state';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';
import { evaluateSuite, suiteQueries, type QueryOutcome, type SuiteContext } from '../shared/validation';
import { resultRows } from '../shared/athena-results';
import { outputTableName } from '../validate-crawl-input';
import { queryToken } from '../start-queries';

/** The deployment's Glue database and Athena workgroup, which the stack sets on the function. */
function canaryDeployment(env: NodeJS.ProcessEnv): { database: string; workGroup: string } {
  const read = (name: string) => {
    const value = env[name]?.trim();
    if (!value) {
      throw new ConfigurationError(
        `Environment variable ${name} is not set. The stack (infra/redeploy.ts) sets it on RunCanary; set it yourself when running the task elsewhere.`,
      );
    }
    return value;
  };
  return {
    database: read(CrawlDeploymentVariables.glueDatabase),
    workGroup: read(CrawlDeploymentVariables.athenaWorkGroup),
  };
}

const wholeSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** The first call: reads the job's window settings from the application and plans the wait. */
async function plan(
  state: RedeployExecutionState,
  d: TaskDeps,
  env: NodeJS.ProcessEnv,
): Promise<CanaryStatus> {
  if (!state.health?.since) {
    throw new InvalidInputError([
      {
        field: 'health',
        message: `${RedeployState.RunCanary} runs after the health gate and reads $.health.since (when the new version began running); check the machine's wiring`,
      },
    ]);
  }
  const { database, workGroup } = canaryDeployment(env);
  const detail = await describeApplication(d, state.config.applicationName);
  const job = propertyMap(detail, PropertyGroupIds.job);
  const sink = propertyMap(detail, PropertyGroupIds.sink);
  const windowSeconds = Number(job['window.seconds']);
  const watermarkSeconds = Number(job['watermark.seconds'] ?? 0);
  if (!Number.isInteger(windowSeconds) || windowSeconds <= 0 || !Number.isFinite(watermarkSeconds)) {
    throw new ConfigurationError(
      `Application ${state.config.applicationName} has no valid window.seconds/watermark.seconds in property group ${PropertyGroupIds.job} (got ${JSON.stringify(job)}); it was not made by flinkflow provision, so the canary cannot tell which windows to read`,
    );
  }
  const settleSeconds = settleSecondsOf(windowSeconds, watermarkSeconds);
  const notBefore = Date.parse(state.health.since);
  const window = windowSeconds * 1000;
  // The first window that starts at or after notBefore ends one window after that boundary.
  const firstEnd = Math.ceil(notBefore / window) * window + window;
  const readyAt = firstEnd + (settleSeconds + CanaryMarginSeconds) * 1000;
  return {
    phase: 'WAITING',
    attempt: 1,
    nextWaitSeconds: wholeSeconds(readyAt - d.now().getTime()),
    notBefore: new Date(notBefore).toISOString(),
    readyAt: new Date(readyAt).toISOString(),
    windowSeconds,
    settleSeconds,
    freshnessMinutes: freshnessDefaultMinutes(windowSeconds, watermarkSeconds),
    partitionByTime: sink['partition.by.time'] === 'true',
    database,
    table: outputTableName(state.config.pipelineName),
    workGroup,
    crawlerName: PipelineNames.crawler(state.config.pipelineName),
  };
}

function suiteContext(state: RedeployExecutionState, canary: CanaryStatus, asOf: string): SuiteContext {
  return {
    asOf: new Date(asOf),
    notBefore: new Date(canary.notBefore),
    settings: {
      pipelineName: state.config.pipelineName,
      database: canary.database,
      table: canary.table,
      partitionByTime: canary.partitionByTime,
      windowSeconds: canary.windowSeconds,
      settleSeconds: canary.settleSeconds,
      freshnessMinutes: canary.freshnessMinutes,
      completenessWindows: CrawlDefaults.completenessWindows,
      tickers: DefaultTickers,
      minPrice: DefaultPriceRange.min,
      maxPrice: DefaultPriceRange.max,
      volumeTolerance: CrawlDefaults.volumeTolerance,
      volumeSlackRecords: CrawlDefaults.volumeSlackRecords,
      maxBytesScannedPerQuery: CrawlDefaults.maxBytesScannedPerQuery,
    },
  };
}

async function startCrawl(canary: CanaryStatus, d: TaskDeps): Promise<CanaryStatus> {
  try {
    await d.clients.glue.send(new StartCrawlerCommand({ Name: canary.crawlerName }));
  } catch (error) {
    // A crawl already running (the validation schedule's) is waited for: it lists the same folders.
    if (!isAwsError(error, 'CrawlerRunningException')) throw error;
  }
  return {
    ...canary,
    phase: 'CRAWLING',
    crawlStartedAt: d.now().toISOString(),
    nextWaitSeconds: CanaryCrawlPollSeconds,
  };
}

async function startQueries(
  state: RedeployExecutionState,
  canary: CanaryStatus,
  d: TaskDeps,
): Promise<CanaryStatus> {
  // Measured as of readyAt, not the clock: a retried call builds the same SQL, so the same token is honest.
  const asOf = canary.readyAt;
  const queries: NonNullable<CanaryStatus['queries']> = [];
  for (const query of suiteQueries(suiteContext(state, canary, asOf), CanaryChecks)) {
    const response = await d.clients.athena.send(
      new StartQueryExecutionCommand({
        QueryString: query.sql,
        ClientRequestToken: queryToken(`${state.config.snapshotName}\n${canary.notBefore}`, query.check),
        QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: canary.database },
        WorkGroup: canary.workGroup,
      }),
    );
    if (!response.QueryExecutionId)
      throw new QueryFailedError(`Athena returned no QueryExecutionId for the canary's ${query.check} query`);
    queries.push({ name: query.check, queryExecutionId: response.QueryExecutionId });
  }
  return {
    ...canary,
    phase: 'QUERYING',
    asOf,
    queriesStartedAt: d.now().toISOString(),
    queries,
    nextWaitSeconds: CanaryQueryPollSeconds,
  };
}

async function pollQueries(
  state: RedeployExecutionState,
  canary: CanaryStatus & { asOf: string; queries: NonNullable<CanaryStatus['queries']> },
  d: TaskDeps,
): Promise<CanaryStatus> {
  const outcomes = new Map<ValidationCheckName, QueryOutcome>();
  const running: string[] = [];
  for (const query of canary.queries) {
    const execution = (
      await d.clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: query.queryExecutionId }))
    ).QueryExecution;
    const status = execution?.Status?.State ?? 'UNKNOWN';
    if (status === 'FAILED' || status === 'CANCELLED') {
      const reason = execution?.Status?.StateChangeReason ?? execution?.Status?.AthenaError?.ErrorMessage;
      throw new QueryFailedError(
        `The canary's ${query.name} query ${query.queryExecutionId} ${status}: ${reason ?? 'Athena gave no reason'}`,
      );
    }
    if (status !== 'SUCCEEDED') {
      running.push(`${query.name} (${query.queryExecutionId}, ${status})`);
      continue;
    }
    outcomes.set(query.name, {
      queryExecutionId: query.queryExecutionId,
      bytesScanned: execution?.Statistics?.DataScannedInBytes ?? null,
      rows: await resultRows(d, query.queryExecutionId),
    });
  }
  if (running.length > 0) {
    const elapsed = (d.now().getTime() - Date.parse(canary.queriesStartedAt ?? canary.asOf)) / 1000;
    if (elapsed >= CanaryQueryTimeoutSeconds) {
      throw new QueryTimeoutError(
        `The canary's ${running.join(', ')} still running after ${Math.round(elapsed)} s (${CanaryQueryTimeoutSeconds} s allowed)`,
      );
    }
    return { ...canary, nextWaitSeconds: CanaryQueryPollSeconds };
  }
  const verdict = evaluateSuite(suiteContext(state, canary, canary.asOf), CanaryChecks, outcomes);
  const failing = verdict.checks.filter((c) => !c.passed);
  return {
    ...canary,
    phase: verdict.passed ? 'PASSED' : 'FAILED',
    nextWaitSeconds: 0,
    verdict,
    ...(verdict.passed
      ? {}
      : {
          reason: `the canary found the new version's windows since ${canary.notBefore} wrong: ${failing
            .map((c) => `${c.check}: ${c.detail}`)
            .join('; ')}`,
        }),
  };
}

export const run = withTransientErrors(
  async (
    event: RedeployExecutionState,
    deps: Partial<TaskDeps> = {},
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<CanaryStatus> => {
    const state = requireRedeployState(event, RedeployState.RunCanary);
    const d = resolveDeps(deps);
    const previous = state.canary;
    if (!previous) return plan(state, d, env);
    const canary = { ...previous, attempt: previous.attempt + 1 };
    const now = d.now().getTime();
    if (canary.phase === 'WAITING') {
      const readyAt = Date.parse(canary.readyAt);
      if (now < readyAt) return { ...canary, nextWaitSeconds: wholeSeconds(readyAt - now) };
      return startCrawl(canary, d);
    }
    if (canary.phase === 'CRAWLING') {
      const crawler = (await d.clients.glue.send(new GetCrawlerCommand({ Name: canary.crawlerName })))
        .Crawler;
      if (crawler?.State !== 'READY') {
        const elapsed = (now - Date.parse(canary.crawlStartedAt ?? canary.readyAt)) / 1000;
        if (elapsed >= CanaryCrawlTimeoutSeconds) {
          throw new CrawlTimeoutError(
            `Crawler ${canary.crawlerName} still ${crawler?.State ?? 'unknown'} after ${Math.round(elapsed)} s (${CanaryCrawlTimeoutSeconds} s allowed for the canary's crawl)`,
          );
        }
        return canary;
      }
      const last = crawler.LastCrawl;
      if (last?.Status === 'FAILED' || last?.Status === 'CANCELLED') {
        throw new CrawlFailedError(
          `The canary's crawl by ${canary.crawlerName} ended ${last.Status}: ${last.ErrorMessage ?? 'Glue gave no message'}`,
        );
      }
      return startQueries(state, canary, d);
    }
    if (canary.phase === 'QUERYING' && canary.asOf && canary.queries) {
      return pollQueries(state, { ...canary, asOf: canary.asOf, queries: canary.queries }, d);
    }
    throw new InvalidInputError([
      {
        field: 'canary',
        message: `${RedeployState.RunCanary} was called again with phase ${canary.phase}; the machine goes on after PASSED or FAILED, so check IsCanaryDone`,
      },
    ]);
  },
);

export const handler = taskHandler(RedeployState.RunCanary, (event: RedeployExecutionState) => run(event));
