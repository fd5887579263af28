import type { AthenaClient } from '@aws-sdk/client-athena';
import type { GlueClient } from '@aws-sdk/client-glue';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  DescribeApplicationCommand,
  StopApplicationCommand,
  type KinesisAnalyticsV2Client,
} from '@aws-sdk/client-kinesis-analytics-v2';
import type { S3Client } from '@aws-sdk/client-s3';
import { TICKERS, type ProduceOptions, type ProduceResult, type TickEvent } from '../../producer';
import { DeploymentVariables, type ProvisionOutput } from '../../workflow/contract';
import type { ValidationVerdict } from '../../workflow/crawl-contract';
import { CrawlDefaults, settleSecondsOf, type CrawlInput } from '../../workflow/crawl-input';
import { CliError, InterruptedError, OperationFailedError } from '../errors';
import { describeCause, formatDuration, type ProgressEvent } from '../progress';
import { parseS3Location, waitForOutput } from './output';
import {
  findOutputTable,
  parseWindowRows,
  resolveWindowColumns,
  runAthenaQuery,
  runCrawl,
  tickerTotalsQuery,
  windowsQuery,
  type Poller,
} from './query';
import { annotateWindows, type LocalRunSummary, type StepRecord } from './summary';
import { checkCompleteness, expectedWindows, type Completeness, type ObservedWindow } from './windows';

/** What `local run` does, with its defaults set by the command. */
export interface LocalRunOptions {
  /** The provisioning document (pipelineName, windowSeconds, watermarkSeconds, ...), already validated. */
  input: Record<string, unknown> & { pipelineName: string; windowSeconds: number; watermarkSeconds: number };
  seed: number;
  ratePerSecond: number;
  produceSeconds: number;
  /** How long to wait for every ticker's output files, then for complete windows. */
  outputTimeoutMs: number;
  /** Leave the local cloud (and the application) running at the end. */
  keep: boolean;
  /** The application the input derives (ValidateInput's naming), for its status when provisioning fails. */
  applicationName?: string;
}

/** How the provisioning execution on the local cloud ended. */
export interface LocalProvisionResult {
  status: string;
  output?: ProvisionOutput;
  error?: string;
  cause?: string;
}

/** How the crawl-and-query execution on the local cloud ended. */
export interface LocalValidationResult {
  status: string;
  output?: ValidationVerdict;
  error?: string;
  cause?: string;
}

/** The running local cloud, as `local run` uses it. */
export interface LocalCloud {
  environment: Record<string, string>;
  account: string;
  region: string;
  dataDir: string;
}

/** The AWS clients the steps use, pointed at the local cloud. */
export interface LocalClients {
  kinesis: Pick<KinesisClient, 'send'>;
  s3: Pick<S3Client, 'send'>;
  glue: Pick<GlueClient, 'send'>;
  athena: Pick<AthenaClient, 'send'>;
  kinesisAnalytics: Pick<KinesisAnalyticsV2Client, 'send'>;
}

export interface LocalRunDeps {
  cloud: {
    isRunning(): Promise<boolean>;
    /** Starts the local cloud (or returns the running one): the SDK environment that points at it, its account, region and data folder. */
    start(): Promise<LocalCloud>;
    stop(): Promise<void>;
  };
  /** Makes the SDK environment current for the clients (process.env in the CLI). */
  applyEnvironment(environment: Record<string, string>): void;
  /** Built after applyEnvironment, so they read the local endpoints. */
  clients(): LocalClients;
  /** What `cdk deploy` does on AWS: the code asset, the Glue database, the tasks' settings; returns those settings. */
  deploy(clients: LocalClients, cloud: LocalCloud): Promise<Record<string, string>>;
  /**
   * Runs the provisioning machine through the local cloud's Step Functions API (a new execution each
   * run), following it as `flinkflow provision` does.
   */
  provision(
    input: Record<string, unknown>,
    onProgress: (event: ProgressEvent) => void,
    signal: AbortSignal,
  ): Promise<LocalProvisionResult>;
  /**
   * Runs the crawl-and-query machine through the local cloud's Step Functions API, as the pipeline's
   * validation schedule (or `flinkflow validate --local`) does.
   */
  validate(
    input: CrawlInput,
    onProgress: (event: ProgressEvent) => void,
    signal: AbortSignal,
  ): Promise<LocalValidationResult>;
  produce(options: ProduceOptions, clients: LocalClients): Promise<ProduceResult>;
  poller: Poller & { signal: AbortSignal };
  /** Progress lines (stderr). */
  log(line: string): void;
  /** Provisioning progress events, rendered by the caller. */
  onProgress(event: ProgressEvent): void;
}

/**
 * `flinkflow local run`: start the local cloud, provision, produce seeded ticks, wait for the windows in
 * S3, crawl, query with Athena and compare every window with what the produced events say it must hold.
 * Stops what it started, also when a step fails or the user interrupts. Never throws: the outcome, error
 * included, is in the summary.
 */
export async function localRun(
  options: LocalRunOptions,
  deps: LocalRunDeps,
): Promise<LocalRunSummary & { exitCode: number }> {
  const startedAt = deps.poller.now();
  const { windowSeconds, watermarkSeconds, pipelineName } = options.input;
  const summary: LocalRunSummary = {
    ok: false,
    pipelineName,
    seed: options.seed,
    windowSeconds,
    watermarkSeconds,
    steps: [],
    totalMs: 0,
    windows: [],
    expectedWindows: 0,
    queries: [],
  };
  const step = async <T>(
    name: string,
    run: () => Promise<T>,
    detail?: (result: T) => string | undefined,
    /** Clean-up steps run even after an interruption. */
    cleanup = false,
  ): Promise<T> => {
    const began = deps.poller.now();
    deps.log(`==> ${name}`);
    try {
      if (deps.poller.signal.aborted && !cleanup) throw new InterruptedError();
      const result = await run();
      const record: StepRecord = { name, status: 'ok', durationMs: deps.poller.now() - began };
      const text = detail?.(result);
      if (text) record.detail = text;
      summary.steps.push(record);
      deps.log(`    done in ${formatDuration(record.durationMs)}${text ? `: ${text}` : ''}`);
      return result;
    } catch (error) {
      summary.steps.push({
        name,
        status: 'failed',
        durationMs: deps.poller.now() - began,
        detail: (error as Error).message.split('\n')[0] ?? '',
      });
      throw error;
    }
  };

  let cloudStartedHere = false;
  let applicationName: string | undefined;
  // Known before provisioning ends, so a failed start still shows the application's status (READY, ...).
  const expectedApplicationName = options.applicationName;
  let clients: LocalClients | undefined;
  let exitCode = 0;
  try {
    const wasRunning = await deps.cloud.isRunning();
    const cloud = await step(
      'start local cloud',
      () => deps.cloud.start(),
      () => (wasRunning ? 'already running: reused, left running' : 'started'),
    );
    cloudStartedHere = !wasRunning;
    deps.applyEnvironment(cloud.environment);
    clients = deps.clients();
    const activeClients = clients;
    await step(
      'deploy code and catalog',
      () => deps.deploy(activeClients, cloud),
      (env) =>
        `s3://${env[DeploymentVariables.codeAssetBucket] ?? '?'}/${env[DeploymentVariables.codeAssetKey] ?? '?'}`,
    );

    const provisioned = await step(
      'provision',
      async () => {
        const result = await untilAborted(
          deps.provision(options.input, deps.onProgress, deps.poller.signal),
          deps.poller.signal,
        );
        if (result.status !== 'SUCCEEDED' || !result.output) {
          const cause = result.cause ? describeCause(result.cause).join('; ') : '';
          throw new OperationFailedError(
            `Provisioning ${result.status}: ${result.error ?? ''}${cause ? ` (${cause})` : ''}`,
          );
        }
        return result.output;
      },
      (output) =>
        `${output.applicationName} ${output.applicationStatus}, stream ${output.streamName}` +
        (output.health
          ? `, healthy after ${output.health.settleSeconds} s (${output.health.completedCheckpoints} checkpoints, ${output.health.restarts} restarts)`
          : ''),
    );
    applicationName = provisioned.applicationName;
    summary.health = provisioned.health;

    const events: TickEvent[] = [];
    const produced = await step(
      'produce ticks',
      () =>
        deps.produce(
          {
            streamName: provisioned.streamName,
            durationMs: options.produceSeconds * 1000,
            ratePerSecond: options.ratePerSecond,
            seed: options.seed,
            signal: deps.poller.signal,
            onDelivered: (records) => events.push(...records.map((r) => r.event)),
          },
          activeClients,
        ),
      (result) => `${result.delivered} events, seed ${result.seed}`,
    );
    summary.produced = {
      delivered: produced.delivered,
      requests: produced.requests,
      recordsPerSecond: produced.recordsPerSecond,
      byTicker: produced.deliveredByTicker,
    };
    if (deps.poller.signal.aborted) throw new InterruptedError();

    const expected = expectedWindows(events, windowSeconds, watermarkSeconds);
    summary.expectedWindows = expected.length;
    const tickers = TICKERS.filter((t) => expected.some((w) => w.ticker === t));
    if (expected.length === 0) {
      throw new OperationFailedError(
        `The produced events close no ${windowSeconds} s window; produce for longer (--produce-seconds > ${windowSeconds + watermarkSeconds}).`,
      );
    }
    const deadline = deps.poller.now() + options.outputTimeoutMs;
    const location = parseS3Location(provisioned.outputLocation);
    await step(
      'wait for windows in S3',
      () =>
        waitForOutput(activeClients.s3, location, tickers, deps.poller, {
          timeoutMs: options.outputTimeoutMs,
        }),
      (files) => `${Object.values(files).reduce((n, f) => n + f.length, 0)} committed files`,
    );

    // Windows land over several checkpoints: crawl and query until all are there or time is up.
    let completeness: Completeness | undefined;
    let observed: ObservedWindow[] = [];
    for (let round = 1; ; round++) {
      await step(`crawl (${provisioned.crawlerName})`, () =>
        runCrawl(activeClients.glue, provisioned.crawlerName, deps.poller),
      );
      const database = provisioned.glueDatabase;
      const resultsLocation = `s3://${location.bucket}/athena-results/`;
      observed = await step(
        'Athena queries',
        async () => {
          const table = await findOutputTable(
            activeClients.glue,
            database,
            provisioned.outputLocation,
            `${pipelineName.replace(/-/g, '_')}_`,
          );
          const columns = resolveWindowColumns(table);
          const target = { database, outputLocation: resultsLocation };
          const rows = await runAthenaQuery(
            activeClients.athena,
            windowsQuery(database, table.Name ?? '', columns),
            target,
            deps.poller,
          );
          const totals = await runAthenaQuery(
            activeClients.athena,
            tickerTotalsQuery(database, table.Name ?? '', columns),
            target,
            deps.poller,
          );
          summary.queries = [
            {
              name: 'windows per ticker',
              queryExecutionId: rows.queryExecutionId,
              dataScannedBytes: rows.dataScannedBytes,
              rows: rows.rows.length,
            },
            {
              name: 'totals per ticker',
              queryExecutionId: totals.queryExecutionId,
              dataScannedBytes: totals.dataScannedBytes,
              rows: totals.rows.length,
            },
          ];
          return parseWindowRows(rows.rows);
        },
        (rows) => `${rows.length} window rows`,
      );
      completeness = checkCompleteness(expected, observed, tickers);
      if (completeness.complete || deps.poller.now() >= deadline) break;
      deps.log(`    round ${round}: not every window is there yet; waiting for the next checkpoint`);
      await deps.poller.sleep(Math.min(5000, windowSeconds * 1000));
      if (deps.poller.signal.aborted) throw new InterruptedError();
    }
    summary.windows = annotateWindows(observed, expected);
    summary.completeness = completeness;

    // The pipeline's own validation suite, as its schedule runs it: the machine crawls and queries. It
    // measures as of the moment the newest window the run closed has settled (its end + watermark +
    // checkpoint interval), not of now: production has stopped, so the window holding the last events
    // never closes (the watermark stands still) and the windows after it never exist, which a check
    // against the wall clock would count as missing. The suite's periods then end at that window.
    const windowStarts = [...new Set(expected.map((w) => w.windowStart))].sort((a, b) => a - b);
    const asOf =
      (windowStarts.at(-1) ?? 0) + (windowSeconds + settleSecondsOf(windowSeconds, watermarkSeconds)) * 1000;
    if (asOf > deps.poller.now()) await deps.poller.sleep(asOf - deps.poller.now() + 1000);
    const verdict = await step(
      'validate (crawl-and-query machine)',
      async () => {
        const result = await untilAborted(
          deps.validate(
            crawlInputFor(options.input, windowStarts.length, asOf),
            deps.onProgress,
            deps.poller.signal,
          ),
          deps.poller.signal,
        );
        if (result.status !== 'SUCCEEDED' || !result.output) {
          const cause = result.cause ? describeCause(result.cause).join('; ') : '';
          throw new OperationFailedError(
            `The validation could not run: ${result.status} ${result.error ?? ''}${cause ? ` (${cause})` : ''}`,
          );
        }
        return result.output;
      },
      (v) =>
        v.passed
          ? `all ${v.checks.length} checks passed`
          : `FAILED: ${v.failed.join(', ')} (${v.checks.length} checks)`,
    );
    summary.verdict = verdict;
    summary.ok = completeness.complete && verdict.passed;
    if (!completeness.complete) {
      exitCode = 1;
      summary.error = 'Not every expected window arrived with the expected values; see the table.';
    } else if (!verdict.passed) {
      exitCode = 1;
      summary.error = `The validation suite failed: ${verdict.failed.join(', ')}; see its verdict.`;
    }
  } catch (error) {
    exitCode = error instanceof CliError ? error.exitCode : 1;
    if (deps.poller.signal.aborted) exitCode = 130;
    summary.error = (error as Error).message;
  } finally {
    const status = await applicationStatus(clients, applicationName ?? expectedApplicationName);
    if (status) summary.applicationStatus = status;
    if (!options.keep) {
      if (cloudStartedHere) {
        await step('stop local cloud', () => deps.cloud.stop(), undefined, true).catch((e: unknown) => {
          summary.error ??= `Stopping the local cloud failed: ${(e as Error).message}`;
        });
      } else if (clients && applicationName) {
        const app = applicationName;
        const running = clients;
        await step(
          'stop application (cloud left running)',
          () =>
            running.kinesisAnalytics.send(new StopApplicationCommand({ ApplicationName: app, Force: true })),
          undefined,
          true,
        ).catch(() => undefined);
      }
    }
    summary.totalMs = deps.poller.now() - startedAt;
  }
  return { ...summary, exitCode };
}

/**
 * The crawl-and-query input for the provisioned pipeline: its own window settings (crawlInputOf), the
 * completeness check over no more windows than the run produced for (`closedWindows`, at most the
 * default 3), measured as of `asOf` (see the validate step: when the last closed window has settled).
 */
function crawlInputFor(input: LocalRunOptions['input'], closedWindows: number, asOf: number): CrawlInput {
  const pick = <K extends 'outputFormat' | 'partitionByTime'>(key: K) =>
    input[key] !== undefined ? { [key]: input[key] } : {};
  return {
    pipelineName: input.pipelineName,
    windowSeconds: input.windowSeconds,
    watermarkSeconds: input.watermarkSeconds,
    ...pick('outputFormat'),
    ...pick('partitionByTime'),
    asOf: new Date(asOf).toISOString(),
    validation: {
      completenessWindows: Math.max(1, Math.min(CrawlDefaults.completenessWindows, closedWindows)),
    },
  } as CrawlInput;
}

/**
 * Resolves as `work` does, or rejects with InterruptedError as soon as the signal aborts: the clean-up
 * (stopping the cloud stops the execution and what it drives) must not wait for the work to notice.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new InterruptedError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new InterruptedError());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

async function applicationStatus(
  clients: LocalClients | undefined,
  applicationName: string | undefined,
): Promise<string | undefined> {
  if (!clients || !applicationName) return undefined;
  try {
    const described = await clients.kinesisAnalytics.send(
      new DescribeApplicationCommand({ ApplicationName: applicationName }),
    );
    return described.ApplicationDetail?.ApplicationStatus;
  } catch (error) {
    return `unknown (${(error as Error).name})`;
  }
}
