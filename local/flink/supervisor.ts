/**
 * Job supervision of the local Managed Flink endpoint: launching a version of an application (code from
 * S3, properties, the runner), watching its run, restarting the job when its process dies while the
 * application is RUNNING (as the service does: from the newest checkpoint, here with a backoff), stopping
 * it, and its telemetry (metrics, log stream). The API operations, and the decisions of which status
 * comes next, live in service.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { resourceFolder } from '../common/paths';
import { currentVersion } from './describe';
import { flinkConfPairs } from './flink-conf';
import type {
  ApplicationConfig,
  ApplicationRecord,
  ApplicationStatus,
  RunRecord,
  SnapshotRecord,
  VersionRecord,
} from './model';
import { JobFailedError, JobRun, delay } from './runner';
import { ApplicationTelemetry, type JobMetrics } from './telemetry';
import { bucketOf } from './validate';
import { isErrno } from '../common/errors';

/** What the supervisor needs from its options; FlinkServiceOptions extends it. */
export interface SupervisorOptions {
  /** Where applications, code, savepoints and logs live. */
  dataDir: string;
  /** The local S3 endpoint the code zip is read from (path-style). */
  s3Endpoint: string;
  /** The local Kinesis endpoint, handed to the job. */
  kinesisEndpoint: string;
  region: string;
  log: (line: string) => void;
  /** The runner's argv head; default: the project venv's Python running flink-app/local_runner.py. */
  runnerCommand?: readonly string[];
  /** How long a run may take from launch to RUNNING before the start fails. Default 300 s. */
  startTimeoutMs?: number;
  /** How long a graceful stop (savepoint) may take before the job is killed. Default 120 s. */
  stopTimeoutMs?: number;
  /** CloudWatch endpoint the jobs' metrics are published to; none: no metrics. */
  cloudWatchEndpoint?: string;
  /** CloudWatch Logs endpoint the jobs' log events go to; none: no application log stream. */
  logsEndpoint?: string;
  /** How often a RUNNING application's metrics are published. Default 5 s. */
  metricsIntervalMs?: number;
  /** How often queued log events are sent. Default 1 s. */
  logFlushIntervalMs?: number;
  /** Backoff of the restarts after a job's process died while RUNNING. */
  restartPolicy?: RestartPolicy;
}

/** What the supervisor asks of the service it works for. */
export interface SupervisorHost {
  application(name: string): ApplicationRecord | undefined;
  setStatus(app: ApplicationRecord, status: ApplicationStatus): void;
  save(): void;
  /** Queues work behind the application's unfinished work (service.ts `background`). */
  background(app: ApplicationRecord, work: (signal: AbortSignal) => Promise<void>): void;
  closed(): boolean;
}

/** The work was aborted (a force stop, a delete, shutdown); not a failure of the job. */
export class AbortedError extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortedError';
  }
}

/**
 * Paths of one application's files under dataDir. Exported for the CLI and docs. The folder is the
 * name escaped (resourceFolder): `..` is a valid application name and must not be the parent folder.
 */
export function applicationPaths(dataDir: string, name: string) {
  const root = resourceFolder(path.join(dataDir, 'apps'), name);
  return {
    root,
    logs: path.join(root, 'logs'),
    runs: path.join(root, 'runs'),
    savepoints: path.join(root, 'savepoints'),
    code: path.join(root, 'code'),
  };
}

/** What a restart resumes from: the state a run left (checkpoints, savepoints) or what it started from. */
interface RestartSource {
  /** The run's state.checkpoints.dir, where a restart looks for the newest checkpoint. */
  checkpointsDir: string;
  /** Where the run wrote savepoints (a stop for a snapshot or an update), if anywhere. */
  savepointDir?: string;
  /** The savepoint or checkpoint this run started from; a restart with no newer state uses it. */
  restoredFrom?: string;
  /** When the job reached RUNNING. */
  runningSince?: number;
}

interface ActiveRun extends RestartSource {
  job: JobRun;
  versionId: number;
  /** Set before we stop the job ourselves, so its exit is not taken for a crash. */
  expectedExit: boolean;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const DEFAULT_RUNNER = [
  path.join(REPO_ROOT, '.venv', 'bin', 'python'),
  path.join(REPO_ROOT, 'flink-app', 'local_runner.py'),
];

/** The jobs of every application of one endpoint: their runs, restarts and telemetry. */
export class JobSupervisor {
  /** How long a graceful stop may take; the service quotes it. */
  readonly stopTimeoutMs: number;
  private readonly runs = new Map<string, ActiveRun>();
  /** Every runner process not yet exited, per application, including ones being stopped. */
  private readonly liveJobs = new Map<string, Set<JobRun>>();
  private readonly telemetry = new Map<string, ApplicationTelemetry>();
  private readonly streaks = new Map<string, RestartStreak>();
  private readonly s3: S3Client;
  private readonly cloudWatch: CloudWatchClient | undefined;
  private readonly logs: CloudWatchLogsClient | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly runnerCommand: readonly string[];
  private readonly startTimeoutMs: number;
  private readonly restartPolicy: RestartPolicy;

  constructor(
    private readonly options: SupervisorOptions,
    private readonly host: SupervisorHost,
  ) {
    this.runnerCommand = options.runnerCommand ?? DEFAULT_RUNNER;
    this.startTimeoutMs = options.startTimeoutMs ?? 300_000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 120_000;
    this.restartPolicy = options.restartPolicy ?? DEFAULT_RESTART_POLICY;
    const clientConfig = {
      region: options.region,
      credentials: {
        accessKeyId: process.env['AWS_ACCESS_KEY_ID'] ?? 'test',
        secretAccessKey: process.env['AWS_SECRET_ACCESS_KEY'] ?? 'test',
      },
    };
    this.s3 = new S3Client({ ...clientConfig, endpoint: options.s3Endpoint, forcePathStyle: true });
    this.cloudWatch = options.cloudWatchEndpoint
      ? new CloudWatchClient({ ...clientConfig, endpoint: options.cloudWatchEndpoint })
      : undefined;
    this.logs = options.logsEndpoint
      ? new CloudWatchLogsClient({ ...clientConfig, endpoint: options.logsEndpoint })
      : undefined;
    // Metrics only while an application RUNS, as the service reports them; log events as they come.
    const metricsTimer = setInterval(() => {
      for (const [name, telemetry] of this.telemetry) {
        if (this.host.application(name)?.status === 'RUNNING') void telemetry.publishMetrics();
      }
    }, options.metricsIntervalMs ?? 5_000);
    const logTimer = setInterval(() => {
      for (const telemetry of this.telemetry.values()) void telemetry.flush();
    }, options.logFlushIntervalMs ?? 1_000);
    for (const timer of [metricsTimer, logTimer]) {
      timer.unref();
      this.timers.push(timer);
    }
  }

  /** Marks the application's current run as ended on purpose, so its exit is not taken for a crash. */
  expectExit(name: string): void {
    const run = this.runs.get(name);
    if (run) run.expectedExit = true;
  }

  /**
   * Kills every job (no savepoint); the endpoint is shutting down. Each application's metric totals and
   * the time are kept on its run record first, so a restart after the next load counts on from them.
   */
  async killEverything(): Promise<void> {
    const now = Date.now();
    for (const run of this.runs.values()) run.expectedExit = true;
    // Also an application whose restart was pending: its job is down, its counts are not.
    for (const [name, telemetry] of this.telemetry) {
      const app = this.host.application(name);
      if (app?.run) {
        app.run.metrics = telemetry.totals();
        app.run.stoppedAt = now;
      }
    }
    await Promise.allSettled([...this.liveJobs.keys()].map((name) => this.killAll(name)));
    this.runs.clear();
  }

  /** Sends what is queued and releases the clients; after killEverything. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await Promise.allSettled([...this.telemetry.values()].map((t) => t.flush()));
    this.s3.destroy();
    this.cloudWatch?.destroy();
    this.logs?.destroy();
  }

  /** The application is deleted: send its last log events and forget it. */
  async forget(name: string): Promise<void> {
    await this.telemetry.get(name)?.flush();
    this.telemetry.delete(name);
    this.streaks.delete(name);
  }

  /**
   * Runs `version` of the application: fetches its code, writes its properties and starts the runner,
   * resolving once the Flink job is RUNNING. Throws JobFailedError with the job's message otherwise.
   */
  async launch(
    app: ApplicationRecord,
    version: VersionRecord,
    fromSavepoint: string | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    const paths = applicationPaths(this.options.dataDir, app.name);
    const runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-v${version.versionId}`;
    const runDir = path.join(paths.runs, runId);
    fs.mkdirSync(path.join(runDir, 'work'), { recursive: true });
    fs.mkdirSync(paths.logs, { recursive: true });
    const logPath = path.join(paths.logs, `${runId}.log`);
    fs.writeFileSync(logPath, '');
    app.lastLogPath = logPath;
    const unlinked = linkLatest(paths.logs, logPath);
    if (unlinked) this.options.log(`flink: ${app.name}: logs/latest.log not updated (${unlinked})`);
    this.host.save();
    const withLog = (message: string) => `${message} (log: ${logPath})`;

    const zipPath = path.join(runDir, 'code.zip');
    try {
      await this.fetchCode(version.config, zipPath, signal);
    } catch (e) {
      if (signal.aborted) throw new AbortedError();
      fs.appendFileSync(logPath, `${errorText(e)}\n`);
      throw new JobFailedError(withLog(errorText(e)));
    }
    const propertiesPath = path.join(runDir, 'application_properties.json');
    fs.writeFileSync(propertiesPath, `${JSON.stringify(version.config.propertyGroups, null, 2)}\n`);
    const savepointDir = version.config.snapshotsEnabled ? path.join(paths.savepoints, runId) : undefined;
    if (savepointDir) fs.mkdirSync(savepointDir, { recursive: true });
    if (signal.aborted) throw new AbortedError();
    const checkpointsDir = path.join(runDir, 'work', 'checkpoints');
    // Stored before the job starts: what a restart needs if the endpoint stops while this run lives.
    app.run = {
      versionId: version.versionId,
      checkpointsDir,
      ...(savepointDir ? { savepointDir } : {}),
      ...(fromSavepoint ? { restoredFrom: fromSavepoint } : {}),
      launchedAt: Date.now(),
    };
    this.host.save();

    const job = new JobRun({
      command: this.runnerCommand,
      zipPath,
      propertiesPath,
      workDir: path.join(runDir, 'work'),
      ...(savepointDir ? { savepointDir } : {}),
      ...(fromSavepoint ? { fromSavepoint } : {}),
      // What the service would configure from this version's FlinkApplicationConfiguration.
      flinkConf: flinkConfPairs(version.config),
      env: this.runnerEnv(),
      logPath,
      onMetrics: (metrics) => this.telemetryOf(app).runMetrics(metrics),
      onException: (exception) => {
        this.options.log(`flink: ${app.name} the job failed and Flink restarts it: ${exception.error}`);
        this.telemetryOf(app).event({
          timestamp: exception.timestamp,
          messageType: 'ERROR',
          logger: 'org.apache.flink.runtime.executiongraph.ExecutionGraph',
          message: `The job failed${exception.taskName ? ` in ${exception.taskName}` : ''} and Flink restarts it: ${exception.error}`,
          throwableInformation: exception.stacktrace,
        });
      },
    });
    const tail = this.telemetryOf(app).follow(path.join(runDir, 'work', 'flink.log'));
    void job.exited.then(() => tail.stop());
    const jobsOfApp = this.liveJobs.get(app.name) ?? new Set<JobRun>();
    this.liveJobs.set(app.name, jobsOfApp);
    jobsOfApp.add(job);
    void job.exited.then(() => jobsOfApp.delete(job));
    const run: ActiveRun = {
      job,
      versionId: version.versionId,
      expectedExit: false,
      ...(savepointDir ? { savepointDir } : {}),
      ...(fromSavepoint ? { restoredFrom: fromSavepoint } : {}),
      checkpointsDir,
    };
    this.runs.set(app.name, run);
    this.options.log(`flink: ${app.name} v${version.versionId} runner pid ${job.pid}, log ${logPath}`);

    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () => reject(new AbortedError());
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    // Both are raced below; marked handled so that the one that loses the race is no unhandled rejection.
    aborted.catch(() => undefined);
    const timedOut = delay(this.startTimeoutMs).then(() => {
      throw new JobFailedError(`The Flink job did not reach RUNNING within ${this.startTimeoutMs / 1000} s.`);
    });
    timedOut.catch(() => undefined);
    try {
      const jobId = await Promise.race([job.running, aborted, timedOut]);
      this.options.log(`flink: ${app.name} v${version.versionId} RUNNING (Flink job ${jobId || 'unknown'})`);
      run.runningSince = Date.now();
      delete app.lastRunError;
    } catch (e) {
      run.expectedExit = true;
      // A runner that reported FAILED is on its way out; anything else (abort, timeout) is killed now.
      if (job.reportedFailure && !(e instanceof AbortedError)) await job.settle(5_000);
      else await job.kill();
      if (this.runs.get(app.name) === run) this.runs.delete(app.name);
      if (e instanceof AbortedError) throw e;
      throw new JobFailedError(withLog(errorText(e)));
    }
    void job.exited.then((outcome) => {
      if (run.expectedExit || this.runs.get(app.name) !== run || this.host.closed()) return;
      this.runs.delete(app.name);
      const live = this.host.application(app.name);
      if (!live) return;
      if (!outcome.finished && live.status === 'RUNNING') {
        // The job's process died (a crash, kill -9, a failure Flink gave up on): the service keeps the
        // application RUNNING and restarts the job from its newest checkpoint.
        const cause = withLog(outcome.error ?? 'The Flink job stopped without a reason.');
        this.telemetryOf(live).endRun(true);
        this.scheduleRestart(live, version, run, cause);
        return;
      }
      // A job that ended by itself (bounded input): the service puts such an application back to READY.
      this.telemetryOf(live).endRun(false);
      live.lastRunError = withLog(
        outcome.error ?? (outcome.finished ? 'The Flink job finished.' : 'The Flink job stopped.'),
      );
      if (live.status === 'RUNNING') this.host.setStatus(live, 'READY');
      this.options.log(`flink: ${app.name} job ended while RUNNING: ${live.lastRunError}`);
      this.host.save();
    });
  }

  /**
   * Ends the application's current run: `savepoint` asks the runner for a savepoint (SIGTERM with a
   * savepoint dir), `cancel` stops it without one, `kill` kills the process group at once.
   */
  async stopRun(
    app: ApplicationRecord,
    mode: 'savepoint' | 'cancel' | 'kill',
    snapshot?: SnapshotRecord,
  ): Promise<{ savepoint?: string; killed: boolean }> {
    const run = this.runs.get(app.name);
    if (!run) return { killed: false };
    run.expectedExit = true;
    this.runs.delete(app.name);
    void run.job.exited.then(() => this.telemetry.get(app.name)?.endRun(false));
    if (mode === 'kill') {
      await run.job.kill();
      return { killed: false };
    }
    // Without a savepoint dir the runner cancels the job on SIGTERM; with one it takes a savepoint.
    const outcome = await run.job.stop(this.stopTimeoutMs);
    if (outcome.savepoint && mode === 'savepoint') {
      const version = app.versions.find((v) => v.versionId === run.versionId) ?? currentVersion(app);
      const record: SnapshotRecord = snapshot ?? {
        snapshotName: `flinkflow-auto-${Date.now()}`,
        status: 'CREATING',
        versionId: run.versionId,
        createdAt: Date.now(),
        runtimeEnvironment: version.config.runtimeEnvironment,
      };
      record.status = 'READY';
      record.savepointPath = outcome.savepoint;
      if (!app.snapshots.includes(record)) app.snapshots.push(record);
      this.host.save();
    }
    return outcome;
  }

  /** Kills every runner process of the application and waits for them to exit. */
  async killAll(name: string): Promise<void> {
    await Promise.allSettled([...(this.liveJobs.get(name) ?? [])].map((job) => job.kill()));
  }

  private async fetchCode(config: ApplicationConfig, target: string, signal: AbortSignal): Promise<void> {
    const code = config.code;
    if (!code) throw new JobFailedError('The application has no code.');
    if (code.kind === 'inline') {
      fs.copyFileSync(code.path, target);
      return;
    }
    const bucket = bucketOf(code.bucketArn);
    const where = `s3://${bucket}/${code.fileKey}${code.objectVersion ? ` (version ${code.objectVersion})` : ''}`;
    try {
      const object = await this.s3.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: code.fileKey,
          ...(code.objectVersion ? { VersionId: code.objectVersion } : {}),
        }),
        { abortSignal: signal },
      );
      if (!object.Body) throw new Error('the object has no body');
      fs.writeFileSync(target, await object.Body.transformToByteArray());
    } catch (e) {
      const name = e instanceof Error ? e.name : 'Error';
      const message = e instanceof Error ? e.message : String(e);
      throw new JobFailedError(`Could not read the application code ${where} from S3: ${name}: ${message}`);
    }
  }

  private runnerEnv(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      AWS_ENDPOINT_URL_KINESIS: this.options.kinesisEndpoint,
      AWS_ENDPOINT_URL_S3: this.options.s3Endpoint,
      AWS_ACCESS_KEY_ID: process.env['AWS_ACCESS_KEY_ID'] ?? 'test',
      AWS_SECRET_ACCESS_KEY: process.env['AWS_SECRET_ACCESS_KEY'] ?? 'test',
      AWS_REGION: this.options.region,
    };
  }

  /**
   * Restarts the job of an application that was RUNNING when the endpoint stopped, now that it is loaded
   * again: the same restart as after a process death (one more restart counted, on top of the totals
   * saved at the stop; the reason in the log stream), from the stored run's newest state.
   */
  resume(app: ApplicationRecord, version: VersionRecord, run: RunRecord, cause: string): void {
    this.resetTelemetry(app, run.metrics).endRun(true);
    this.scheduleRestart(app, version, run, cause);
  }

  /**
   * Restarts the job of a RUNNING application whose process died: after the streak's backoff, from the
   * dead run's newest checkpoint, else from what that run started from (a savepoint, or nothing). The
   * reason goes to the endpoint's log and the application's log stream; a restart that fails before the
   * job runs is itself restarted, so the application stays RUNNING as on the service.
   */
  private scheduleRestart(
    app: ApplicationRecord,
    version: VersionRecord,
    dead: RestartSource,
    cause: string,
  ): void {
    const streak = this.streaks.get(app.name) ?? new RestartStreak(this.restartPolicy);
    this.streaks.set(app.name, streak);
    if (dead.runningSince !== undefined) streak.ranFor(Date.now() - dead.runningSince);
    const { attempt, delayMs } = streak.next();
    const restoreFrom = newestState(dead);
    const from = restoreFrom ? `from ${restoreFrom}` : 'from the start (no checkpoint yet)';
    const message = `The job's process ended while RUNNING: ${cause}. Restart ${attempt} of this streak in ${delayMs} ms, ${from}.`;
    this.options.log(`flink: ${app.name} ${message}`);
    this.telemetryOf(app).event({
      timestamp: Date.now(),
      messageType: 'ERROR',
      logger: 'flinkflow.local.supervisor',
      message,
    });
    this.host.background(app, async (signal) => {
      await abortableDelay(delayMs, signal);
      // A stop, update or delete that came meanwhile wins: nothing to restart then.
      if (signal.aborted || app.status !== 'RUNNING' || this.runs.has(app.name) || this.host.closed()) return;
      try {
        await this.launch(app, version, restoreFrom, signal);
        this.options.log(`flink: ${app.name} restarted ${from}`);
        this.telemetryOf(app).event({
          timestamp: Date.now(),
          messageType: 'INFO',
          logger: 'flinkflow.local.supervisor',
          message: `The job runs again after restart ${attempt}, ${from}.`,
        });
      } catch (e) {
        if (e instanceof AbortedError || app.status !== 'RUNNING' || this.host.closed()) return;
        this.telemetryOf(app).failedRestart();
        // The failed attempt never ran, so the next one resumes from the same point.
        const next: RestartSource = { ...dead };
        delete next.runningSince;
        if (restoreFrom) next.restoredFrom = restoreFrom;
        this.scheduleRestart(app, version, next, errorText(e));
      }
    });
  }

  private telemetryOf(app: ApplicationRecord): ApplicationTelemetry {
    return this.telemetry.get(app.name) ?? this.resetTelemetry(app);
  }

  /**
   * Starts the application's metric totals (from `totals`, those saved before the endpoint stopped, else
   * zero), restart streak and log queue afresh (StartApplication, a resume).
   */
  resetTelemetry(app: ApplicationRecord, totals?: JobMetrics): ApplicationTelemetry {
    const previous = this.telemetry.get(app.name);
    if (previous) void previous.flush();
    this.streaks.delete(app.name);
    const telemetry = new ApplicationTelemetry({
      applicationName: app.name,
      applicationArn: app.arn,
      versionId: () => app.versionId,
      logStreamArns: () => currentVersion(app).config.cloudWatchLogStreamArns,
      ...(this.cloudWatch ? { cloudWatch: this.cloudWatch } : {}),
      ...(this.logs ? { logs: this.logs } : {}),
      ...(totals ? { initialTotals: totals } : {}),
      log: this.options.log,
    });
    this.telemetry.set(app.name, telemetry);
    return telemetry;
  }
}

/** Waits `ms`, or less when the signal aborts. */
function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * logs/latest.log names the newest run's log, so humans find it without a listing. A link that cannot be
 * made is not worth failing a start for: the reason is returned for the log instead.
 */
function linkLatest(dir: string, target: string): string | undefined {
  const link = path.join(dir, 'latest.log');
  try {
    fs.rmSync(link, { force: true });
    fs.symlinkSync(path.basename(target), link);
    return undefined;
  } catch (e) {
    return errorText(e);
  }
}

export interface RestartPolicy {
  /** The first restart's delay; each further one in a row doubles it. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A run that stayed up this long resets the doubling. */
  stableAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
};

/** The delay before restart number `attempt` (1-based) of a streak. */
export function restartDelayMs(policy: RestartPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * The newest completed checkpoint under a run's `state.checkpoints.dir` (`<dir>/<job id>/chk-<n>`): the
 * highest n whose `_metadata` exists (Flink writes it last, so a checkpoint without it never completed),
 * as a `file:` URI the runner's --from-savepoint takes. Undefined when there is none.
 */
export function latestCheckpoint(checkpointsDir: string): string | undefined {
  return newestCheckpoint(checkpointsDir)?.uri;
}

function newestCheckpoint(checkpointsDir: string): { uri: string; mtime: number } | undefined {
  let best: { n: number; mtime: number; dir: string } | undefined;
  let jobs: string[];
  try {
    jobs = fs.readdirSync(checkpointsDir);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
  for (const job of jobs) {
    let entries: string[];
    try {
      entries = fs.readdirSync(path.join(checkpointsDir, job));
    } catch (e) {
      // Flink removed a job's folder (or a stray file sits there): no checkpoint in it.
      if (isErrno(e, 'ENOENT', 'ENOTDIR')) continue;
      throw e;
    }
    for (const entry of entries) {
      const match = /^chk-(\d+)$/.exec(entry);
      if (!match) continue;
      const dir = path.join(checkpointsDir, job, entry);
      let mtime: number;
      try {
        mtime = fs.statSync(path.join(dir, '_metadata')).mtimeMs;
      } catch (e) {
        // A checkpoint Flink has not completed (or already subsumed) has no metadata.
        if (isErrno(e, 'ENOENT')) continue;
        throw e;
      }
      const n = Number(match[1]);
      if (!best || mtime > best.mtime || (mtime === best.mtime && n > best.n)) best = { n, mtime, dir };
    }
  }
  return best ? { uri: `file:${path.resolve(best.dir)}`, mtime: best.mtime } : undefined;
}

/**
 * The newest savepoint under a run's savepoint folder (`<dir>/savepoint-*` with a `_metadata`, the
 * runner's layout), as a `file:` URI with its metadata's time. Undefined when there is none.
 */
function latestSavepoint(savepointDir: string): { uri: string; mtime: number } | undefined {
  let entries: string[];
  try {
    entries = fs.readdirSync(savepointDir);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
  let best: { uri: string; mtime: number } | undefined;
  for (const entry of entries) {
    if (!entry.startsWith('savepoint-')) continue;
    const dir = path.join(savepointDir, entry);
    let mtime: number;
    try {
      mtime = fs.statSync(path.join(dir, '_metadata')).mtimeMs;
    } catch (e) {
      if (isErrno(e, 'ENOENT', 'ENOTDIR')) continue;
      throw e;
    }
    if (!best || mtime > best.mtime) best = { uri: `file:${path.resolve(dir)}`, mtime };
  }
  return best;
}

/**
 * Where a restart of a run's job resumes: its newest completed checkpoint, or a savepoint it took after
 * that (a stop for a snapshot or an update that the endpoint's own stop cut short), whichever is newer;
 * else what the run started from (a savepoint, or nothing: the start as configured).
 */
export function newestState(run: {
  checkpointsDir: string;
  savepointDir?: string;
  restoredFrom?: string;
}): string | undefined {
  const checkpoint = newestCheckpoint(run.checkpointsDir);
  const savepoint = run.savepointDir ? latestSavepoint(run.savepointDir) : undefined;
  const newer =
    checkpoint && savepoint ? (savepoint.mtime > checkpoint.mtime ? savepoint : checkpoint) : undefined;
  return (newer ?? checkpoint ?? savepoint)?.uri ?? run.restoredFrom;
}

/** One application's restart streak, kept while it is RUNNING. */
export class RestartStreak {
  private attempts = 0;
  constructor(private readonly policy: RestartPolicy) {}

  /** The delay before the next restart; counts it. */
  next(): { attempt: number; delayMs: number } {
    this.attempts += 1;
    return { attempt: this.attempts, delayMs: restartDelayMs(this.policy, this.attempts) };
  }

  /** A run ended after `upMs` of RUNNING; a long one ends the streak. */
  ranFor(upMs: number): void {
    if (upMs >= this.policy.stableAfterMs) this.attempts = 0;
  }
}
