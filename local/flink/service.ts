/**
 * flinkflow's local Managed Service for Apache Flink: the kinesisanalyticsv2 API (JSON 1.1, target
 * prefix `KinesisAnalytics_20180523`) backed by real Flink runs. StartApplication downloads the code zip
 * from local S3 at its pinned object version, writes `application_properties.json` from the property
 * groups, and runs the flink-app local runner (PyFlink's mini cluster) in its own process group. The
 * application is RUNNING only once the runner says the Flink job runs; a job that fails or exits puts
 * the application back to READY with the failed operation's error, never leaving it STARTING.
 *
 * Calls answer at once, as the service does; the work (download, start, savepoint, restart) runs in the
 * background and is followed with DescribeApplication and DescribeApplicationOperation.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { Provider } from '../common/aws-json-server';
import { FlinkRuntimes } from '../../workflow/contract';
import {
  applicationDetail,
  currentVersion,
  operationDetails,
  operationInfo,
  snapshotDetails,
} from './describe';
import {
  concurrentModification,
  inUse,
  invalidArgument,
  invalidConfiguration,
  invalidRequest,
  notFound,
} from './errors';
import type {
  ApplicationConfig,
  ApplicationRecord,
  ApplicationStatus,
  OperationRecord,
  OperationStatus,
  SnapshotRecord,
  StoreFile,
  VersionRecord,
} from './model';
import { flinkConfPairs } from './flink-conf';
import { JobFailedError, JobRun, delay } from './runner';
import { DEFAULT_RESTART_POLICY, RestartStreak, latestCheckpoint, type RestartPolicy } from './supervisor';
import { ApplicationTelemetry } from './telemetry';
import {
  applyUpdate,
  bucketOf,
  md5Hex,
  optionalBoolean,
  optionalEnum,
  optionalInteger,
  optionalObject,
  optionalString,
  parseCreateApplication,
  parseRestore,
  requiredTimestamp,
  validName,
} from './validate';

type Json = Record<string, unknown>;

export interface FlinkServiceOptions {
  /** Where applications, code, savepoints and logs live. */
  dataDir: string;
  /** The local S3 endpoint the code zip is read from (path-style). */
  s3Endpoint: string;
  /** The local Kinesis endpoint, handed to the job. */
  kinesisEndpoint: string;
  region: string;
  account: string;
  log: (line: string) => void;
  /** The runner's argv head; default: the project venv's Python running flink-app/local_runner.py. */
  runnerCommand?: readonly string[];
  /** How long a run may take from launch to RUNNING before the start fails. Default 300 s. */
  startTimeoutMs?: number;
  /** How long a graceful stop (savepoint) may take before the job is killed. Default 120 s. */
  stopTimeoutMs?: number;
  /** The runtimes the local runner can run. Default: the contract's FlinkRuntimes. */
  supportedRuntimes?: readonly string[];
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

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const DEFAULT_RUNNER = [
  path.join(REPO_ROOT, '.venv', 'bin', 'python'),
  path.join(REPO_ROOT, 'flink-app', 'local_runner.py'),
];
const MAX_OPERATIONS_KEPT = 200;
const TRANSITIONAL: readonly ApplicationStatus[] = [
  'STARTING',
  'STOPPING',
  'UPDATING',
  'FORCE_STOPPING',
  'ROLLING_BACK',
  'DELETING',
  'AUTOSCALING',
  'MAINTENANCE',
];

interface ActiveRun {
  job: JobRun;
  versionId: number;
  /** Set before we stop the job ourselves, so its exit is not taken for a crash. */
  expectedExit: boolean;
  savepointDir?: string;
  /** The savepoint or checkpoint this run started from; a restart with no newer checkpoint uses it. */
  restoredFrom?: string;
  /** The run's state.checkpoints.dir, where a restart looks for the newest checkpoint. */
  checkpointsDir: string;
  /** When the job reached RUNNING. */
  runningSince?: number;
}

interface Activity {
  controller: AbortController;
  done: Promise<void>;
  /** The work this one queued behind; aborting an activity aborts what it waits for too. */
  previous?: Activity;
}

function abortActivity(activity: Activity | undefined): void {
  if (!activity) return;
  activity.controller.abort();
  abortActivity(activity.previous);
}

class AbortedError extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortedError';
  }
}

/** Paths of one application's files under dataDir. Exported for the CLI and docs. */
export function applicationPaths(dataDir: string, name: string) {
  const root = path.join(dataDir, 'apps', name);
  return {
    root,
    logs: path.join(root, 'logs'),
    runs: path.join(root, 'runs'),
    savepoints: path.join(root, 'savepoints'),
    code: path.join(root, 'code'),
  };
}

export class FlinkService {
  private readonly apps = new Map<string, ApplicationRecord>();
  private readonly runs = new Map<string, ActiveRun>();
  private readonly activities = new Map<string, Activity>();
  /** Every runner process not yet exited, per application, including ones being stopped. */
  private readonly liveJobs = new Map<string, Set<JobRun>>();
  private readonly s3: S3Client;
  private readonly storePath: string;
  private readonly runnerCommand: readonly string[];
  private readonly startTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly runtimes: readonly string[];
  private readonly telemetry = new Map<string, ApplicationTelemetry>();
  private readonly streaks = new Map<string, RestartStreak>();
  private readonly cloudWatch: CloudWatchClient | undefined;
  private readonly logs: CloudWatchLogsClient | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly restartPolicy: RestartPolicy;
  private closed = false;

  constructor(private readonly options: FlinkServiceOptions) {
    this.storePath = path.join(options.dataDir, 'applications.json');
    this.runnerCommand = options.runnerCommand ?? DEFAULT_RUNNER;
    this.startTimeoutMs = options.startTimeoutMs ?? 300_000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 120_000;
    this.runtimes = options.supportedRuntimes ?? FlinkRuntimes;
    this.restartPolicy = options.restartPolicy ?? DEFAULT_RESTART_POLICY;
    const clientConfig = {
      region: options.region,
      credentials: {
        accessKeyId: process.env['AWS_ACCESS_KEY_ID'] ?? 'test',
        secretAccessKey: process.env['AWS_SECRET_ACCESS_KEY'] ?? 'test',
      },
    };
    this.cloudWatch = options.cloudWatchEndpoint
      ? new CloudWatchClient({ ...clientConfig, endpoint: options.cloudWatchEndpoint })
      : undefined;
    this.logs = options.logsEndpoint
      ? new CloudWatchLogsClient({ ...clientConfig, endpoint: options.logsEndpoint })
      : undefined;
    // Metrics only while an application RUNS, as the service reports them; log events as they come.
    const metricsTimer = setInterval(() => {
      for (const [name, telemetry] of this.telemetry) {
        if (this.apps.get(name)?.status === 'RUNNING') void telemetry.publishMetrics();
      }
    }, options.metricsIntervalMs ?? 5_000);
    const logTimer = setInterval(() => {
      for (const telemetry of this.telemetry.values()) void telemetry.flush();
    }, options.logFlushIntervalMs ?? 1_000);
    for (const timer of [metricsTimer, logTimer]) {
      timer.unref();
      this.timers.push(timer);
    }
    this.s3 = new S3Client({
      endpoint: options.s3Endpoint,
      region: options.region,
      forcePathStyle: true,
      credentials: {
        accessKeyId: process.env['AWS_ACCESS_KEY_ID'] ?? 'test',
        secretAccessKey: process.env['AWS_SECRET_ACCESS_KEY'] ?? 'test',
      },
    });
  }

  /** Loads the store; runs did not survive the restart, so anything that was running is READY now. */
  load(): void {
    fs.mkdirSync(this.options.dataDir, { recursive: true });
    if (!fs.existsSync(this.storePath)) return;
    let file: StoreFile;
    try {
      file = JSON.parse(fs.readFileSync(this.storePath, 'utf8')) as StoreFile;
    } catch (e) {
      throw new Error(
        `The Managed Flink application store ${this.storePath} cannot be read (${errorText(e)}); ` +
          'move it away to start with no applications.',
        { cause: e },
      );
    }
    if (file.formatVersion !== 1 || !Array.isArray(file.applications)) {
      throw new Error(
        `The Managed Flink application store ${this.storePath} has an unknown format; move it away to start with no applications.`,
      );
    }
    const now = Date.now();
    for (const app of file.applications) {
      if (app.status !== 'READY') {
        app.lastRunError = `The local cloud stopped while the application was ${app.status}; the job no longer runs.`;
        app.status = 'READY';
      }
      for (const op of app.operations) {
        if (op.status === 'IN_PROGRESS')
          finish(op, 'FAILED', now, 'The local cloud stopped before the operation ended.');
      }
      this.apps.set(app.name, app);
    }
  }

  /** The provider the JSON 1.1 server mounts: one method per API operation. */
  provider(): Provider {
    return {
      CreateApplication: (i) => this.createApplication(i),
      DescribeApplication: (i) => this.describeApplication(i),
      ListApplications: (i) => this.listApplications(i),
      StartApplication: (i) => this.startApplication(i),
      StopApplication: (i) => this.stopApplication(i),
      UpdateApplication: (i) => this.updateApplication(i),
      DeleteApplication: (i) => this.deleteApplication(i),
      RollbackApplication: (i) => this.rollbackApplication(i),
      DescribeApplicationOperation: (i) => this.describeApplicationOperation(i),
      ListApplicationOperations: (i) => this.listApplicationOperations(i),
      DescribeApplicationVersion: (i) => this.describeApplicationVersion(i),
      ListApplicationVersions: (i) => this.listApplicationVersions(i),
      CreateApplicationSnapshot: (i) => this.createApplicationSnapshot(i),
      DescribeApplicationSnapshot: (i) => this.describeApplicationSnapshot(i),
      ListApplicationSnapshots: (i) => this.listApplicationSnapshots(i),
      DeleteApplicationSnapshot: (i) => this.deleteApplicationSnapshot(i),
      ListTagsForResource: (i) => this.listTagsForResource(i),
    };
  }

  /** Stops every job (no savepoint), ends background work and saves the store. */
  async shutdown(): Promise<void> {
    this.closed = true;
    for (const activity of this.activities.values()) abortActivity(activity);
    await Promise.allSettled([...this.activities.values()].map((a) => a.done));
    for (const run of this.runs.values()) run.expectedExit = true;
    await Promise.allSettled([...this.apps.keys()].map((name) => this.killAll(name)));
    this.runs.clear();
    const now = Date.now();
    for (const app of this.apps.values()) {
      if (app.status !== 'READY') app.status = 'READY';
      for (const op of app.operations) {
        if (op.status === 'IN_PROGRESS')
          finish(op, 'FAILED', now, 'The local cloud stopped before the operation ended.');
      }
    }
    this.save();
    for (const timer of this.timers) clearInterval(timer);
    await Promise.allSettled([...this.telemetry.values()].map((t) => t.flush()));
    this.s3.destroy();
    this.cloudWatch?.destroy();
    this.logs?.destroy();
  }

  // ---- applications ----------------------------------------------------------------------------

  private createApplication(input: Json): Json {
    const name = validName(input, 'ApplicationName');
    if (this.apps.has(name)) throw inUse(`Application ${name} already exists.`);
    const tags = parseTags(input['Tags']);
    const config = parseCreateApplication(input, this.runtimes, (zip) => this.saveInlineZip(name, zip));
    const now = Date.now();
    const app: ApplicationRecord = {
      name,
      arn: `arn:aws:kinesisanalytics:${this.options.region}:${this.options.account}:application/${name}`,
      createTimestamp: now,
      lastUpdateTimestamp: now,
      status: 'READY',
      versionId: 1,
      conditionalToken: newToken(),
      versions: [{ versionId: 1, createdAt: now, config, ranSuccessfully: false }],
      operations: [],
      snapshots: [],
      tags,
    };
    this.apps.set(name, app);
    this.save();
    this.options.log(`flink: created application ${name}`);
    return { ApplicationDetail: applicationDetail(app) };
  }

  private describeApplication(input: Json): Json {
    return { ApplicationDetail: applicationDetail(this.app(input)) };
  }

  private listApplications(input: Json): Json {
    const all = [...this.apps.values()].sort((a, b) => a.name.localeCompare(b.name));
    const { items, nextToken } = paginate(all, input, 50);
    return {
      ApplicationSummaries: items.map((app) => ({
        ApplicationName: app.name,
        ApplicationARN: app.arn,
        ApplicationStatus: app.status,
        ApplicationVersionId: app.versionId,
        RuntimeEnvironment: currentVersion(app).config.runtimeEnvironment,
        ApplicationMode: 'STREAMING',
      })),
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
  }

  private startApplication(input: Json): Json {
    const app = this.app(input);
    if (app.status !== 'READY') {
      throw inUse(`Application ${app.name} is ${app.status}; it can be started only when it is READY.`);
    }
    const version = currentVersion(app);
    // The run configuration is checked whole before it changes the stored one.
    const config = structuredClone(version.config);
    const run = optionalObject(input, 'RunConfiguration', '');
    if (run) {
      if (run['SqlRunConfigurations'] !== undefined)
        throw invalidArgument('RunConfiguration.SqlRunConfigurations is for SQL applications.');
      const flinkRun = optionalObject(run, 'FlinkRunConfiguration', 'RunConfiguration.');
      if (flinkRun) {
        config.allowNonRestoredState =
          optionalBoolean(flinkRun, 'AllowNonRestoredState', 'RunConfiguration.FlinkRunConfiguration.') ??
          false;
      }
      const restore = parseRestore(
        optionalObject(run, 'ApplicationRestoreConfiguration', 'RunConfiguration.'),
        'RunConfiguration.ApplicationRestoreConfiguration.',
      );
      if (restore) config.restore = restore;
    }
    if (!config.code) {
      throw invalidConfiguration(
        `Application ${app.name} has no code; set ApplicationCodeConfiguration (S3ContentLocation) with UpdateApplication first.`,
      );
    }
    const fromSavepoint = this.restorePoint(app, config);
    version.config = config;
    const op = this.newOperation(app, 'StartApplication');
    this.setStatus(app, 'STARTING');
    // A start begins the metrics afresh (numRestarts counts the restarts of this start's job).
    this.resetTelemetry(app);
    this.background(app, async (signal) => {
      try {
        await this.launch(app, version, fromSavepoint, signal);
        version.ranSuccessfully = true;
        this.setStatus(app, 'RUNNING');
        finish(op, 'SUCCESSFUL');
      } catch (e) {
        if (e instanceof AbortedError) return;
        this.setStatus(app, 'READY');
        finish(op, 'FAILED', Date.now(), errorText(e));
      }
    });
    return { OperationId: op.operationId };
  }

  private stopApplication(input: Json): Json {
    const app = this.app(input);
    const force = optionalBoolean(input, 'Force', '') ?? false;
    if (force) {
      const stoppable: readonly ApplicationStatus[] = [
        'STARTING',
        'UPDATING',
        'STOPPING',
        'AUTOSCALING',
        'RUNNING',
        'ROLLING_BACK',
      ];
      if (!stoppable.includes(app.status)) {
        throw inUse(
          `Application ${app.name} is ${app.status}; a forced stop needs it STARTING, UPDATING, STOPPING, AUTOSCALING or RUNNING.`,
        );
      }
      const op = this.newOperation(app, 'StopApplication');
      this.setStatus(app, 'FORCE_STOPPING');
      const previous = this.activities.get(app.name);
      abortActivity(previous);
      const cancelled = Date.now();
      for (const other of app.operations) {
        if (other !== op && other.status === 'IN_PROGRESS')
          finish(other, 'CANCELLED', cancelled, 'Cancelled by StopApplication with Force.');
      }
      void (async () => {
        // Kill first (a savepoint in progress included), then let the aborted work unwind.
        const run = this.runs.get(app.name);
        if (run) run.expectedExit = true;
        await this.killAll(app.name);
        await previous?.done;
        await this.stopRun(app, 'kill');
        this.setStatus(app, 'READY');
        finish(op, 'SUCCESSFUL');
        this.save();
      })();
      return { OperationId: op.operationId };
    }
    if (app.status !== 'RUNNING') {
      throw inUse(
        `Application ${app.name} is ${app.status}; it can be stopped only when it is RUNNING (or use Force).`,
      );
    }
    const op = this.newOperation(app, 'StopApplication');
    this.setStatus(app, 'STOPPING');
    this.background(app, async () => {
      const outcome = await this.stopRun(
        app,
        currentVersion(app).config.snapshotsEnabled ? 'savepoint' : 'cancel',
      );
      this.setStatus(app, 'READY');
      if (outcome.killed) {
        finish(
          op,
          'FAILED',
          Date.now(),
          `The job did not stop within ${this.stopTimeoutMs / 1000} s and was killed without a snapshot.`,
        );
      } else {
        finish(op, 'SUCCESSFUL');
      }
    });
    return { OperationId: op.operationId };
  }

  private updateApplication(input: Json): Json {
    const app = this.app(input);
    this.checkConcurrencyToken(app, input, true);
    if (app.status !== 'READY' && app.status !== 'RUNNING') {
      throw inUse(
        `Application ${app.name} is ${app.status}; it can be updated only when it is READY or RUNNING.`,
      );
    }
    const previous = currentVersion(app);
    const { config, changed } = applyUpdate(previous.config, input, this.runtimes, (zip) =>
      this.saveInlineZip(app.name, zip),
    );
    if (!changed) {
      throw invalidArgument(
        'UpdateApplication needs at least one update (ApplicationConfigurationUpdate, ServiceExecutionRoleUpdate, RunConfigurationUpdate or RuntimeEnvironmentUpdate).',
      );
    }
    const next = this.addVersion(app, config);
    app.versionUpdatedFrom = previous.versionId;
    const op = this.newOperation(app, 'UpdateApplication', { from: previous.versionId, to: next.versionId });
    if (app.status === 'READY') {
      finish(op, 'SUCCESSFUL');
      this.save();
      return { ApplicationDetail: applicationDetail(app), OperationId: op.operationId };
    }
    this.setStatus(app, 'UPDATING');
    this.background(app, async (signal) => {
      // The service snapshots a running application before it applies an update, when snapshots are on.
      const stopped = await this.stopRun(app, previous.config.snapshotsEnabled ? 'savepoint' : 'cancel');
      if (signal.aborted) return;
      const restoreFrom = this.restorePointAfter(app, config, stopped.savepoint);
      try {
        await this.launch(app, next, restoreFrom, signal);
        next.ranSuccessfully = true;
        this.setStatus(app, 'RUNNING');
        finish(op, 'SUCCESSFUL');
      } catch (e) {
        if (e instanceof AbortedError) return;
        const error = errorText(e);
        if (config.rollbackEnabled) {
          await this.systemRollback(app, op, error, previous, stopped.savepoint, signal);
        } else {
          this.setStatus(app, 'READY');
          finish(op, 'FAILED', Date.now(), error);
        }
      }
    });
    return { ApplicationDetail: applicationDetail(app), OperationId: op.operationId };
  }

  /** What the service does when an update fails and system rollback is on: back to the version that ran. */
  private async systemRollback(
    app: ApplicationRecord,
    failed: OperationRecord,
    error: string,
    target: VersionRecord,
    savepoint: string | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    const rollback = this.newOperation(app, 'RollbackApplication');
    failed.rollbackOperationId = rollback.operationId;
    finish(failed, 'FAILED', Date.now(), error);
    this.setStatus(app, 'ROLLING_BACK');
    const fromVersion = app.versionId;
    const restored = this.addVersion(app, structuredClone(target.config), {
      from: fromVersion,
      to: target.versionId,
    });
    rollback.versionChange = { from: fromVersion, to: restored.versionId };
    try {
      await this.launch(app, restored, savepoint, signal);
      restored.ranSuccessfully = true;
      this.setStatus(app, 'RUNNING');
      finish(rollback, 'SUCCESSFUL');
      this.options.log(
        `flink: ${app.name} rolled back to version ${target.versionId} (now ${restored.versionId})`,
      );
    } catch (e) {
      if (e instanceof AbortedError) return;
      this.setStatus(app, 'READY');
      finish(rollback, 'FAILED', Date.now(), errorText(e));
    }
  }

  private rollbackApplication(input: Json): Json {
    const app = this.app(input);
    const current = optionalInteger(input, 'CurrentApplicationVersionId', '', 1, 999_999_999);
    if (current === undefined)
      throw invalidRequest('CurrentApplicationVersionId is required; read it with DescribeApplication.');
    if (current !== app.versionId) {
      throw concurrentModification(
        `CurrentApplicationVersionId ${current} is not the current version of application ${app.name} (${app.versionId}); describe the application again.`,
      );
    }
    if (app.status !== 'RUNNING' && app.status !== 'UPDATING' && app.status !== 'AUTOSCALING') {
      throw inUse(
        `Application ${app.name} is ${app.status}; it can be rolled back only when UPDATING, AUTOSCALING or RUNNING.`,
      );
    }
    const targetId = app.versionUpdatedFrom;
    const target = targetId !== undefined ? app.versions.find((v) => v.versionId === targetId) : undefined;
    if (!target) throw invalidRequest(`Application ${app.name} has no previous version to roll back to.`);
    const latest = this.latestSnapshot(app);
    if (!latest) {
      throw invalidRequest(
        `Application ${app.name} has no snapshots; a rollback restores the last snapshot, so take one first.`,
      );
    }
    const previousActivity = this.activities.get(app.name);
    abortActivity(previousActivity);
    const cancelledAt = Date.now();
    for (const other of app.operations) {
      if (other.status === 'IN_PROGRESS')
        finish(other, 'CANCELLED', cancelledAt, 'Cancelled by RollbackApplication.');
    }
    const fromVersion = app.versionId;
    const restored = this.addVersion(app, structuredClone(target.config), {
      from: fromVersion,
      to: target.versionId,
    });
    const op = this.newOperation(app, 'RollbackApplication', { from: fromVersion, to: restored.versionId });
    this.setStatus(app, 'ROLLING_BACK');
    this.background(app, async (signal) => {
      await previousActivity?.done;
      await this.stopRun(app, 'cancel');
      try {
        await this.launch(app, restored, latest.savepointPath, signal);
        restored.ranSuccessfully = true;
        this.setStatus(app, 'RUNNING');
        finish(op, 'SUCCESSFUL');
      } catch (e) {
        if (e instanceof AbortedError) return;
        this.setStatus(app, 'READY');
        finish(op, 'FAILED', Date.now(), errorText(e));
      }
    });
    return { ApplicationDetail: applicationDetail(app), OperationId: op.operationId };
  }

  private async deleteApplication(input: Json): Promise<Json> {
    const app = this.app(input);
    const createTimestamp = requiredTimestamp(input, 'CreateTimestamp');
    if (createTimestamp !== app.createTimestamp) {
      throw invalidArgument(
        `CreateTimestamp does not match application ${app.name}'s creation time; read it with DescribeApplication.`,
      );
    }
    if (TRANSITIONAL.includes(app.status)) {
      throw inUse(
        `Application ${app.name} is ${app.status}; wait until it is READY or RUNNING, or stop it with Force.`,
      );
    }
    this.setStatus(app, 'DELETING');
    // The service stops a running application before it deletes it.
    const activity = this.activities.get(app.name);
    abortActivity(activity);
    const run = this.runs.get(app.name);
    if (run) run.expectedExit = true;
    await this.killAll(app.name);
    await activity?.done;
    await this.stopRun(app, 'kill');
    this.apps.delete(app.name);
    await this.telemetry.get(app.name)?.flush();
    this.telemetry.delete(app.name);
    fs.rmSync(applicationPaths(this.options.dataDir, app.name).root, { recursive: true, force: true });
    this.save();
    this.options.log(`flink: deleted application ${app.name}`);
    return {};
  }

  private listTagsForResource(input: Json): Json {
    const arn = optionalString(input, 'ResourceARN', '', 1, 2048);
    if (!arn) throw invalidRequest('ResourceARN is required.');
    const app = [...this.apps.values()].find((a) => a.arn === arn);
    if (!app) throw notFound(`Resource ${arn} does not exist.`);
    return { Tags: app.tags };
  }

  // ---- operations and versions ----------------------------------------------------------------

  private describeApplicationOperation(input: Json): Json {
    const app = this.app(input);
    const id = optionalString(input, 'OperationId', '', 1, 64);
    if (!id) throw invalidRequest('OperationId is required.');
    const op = app.operations.find((o) => o.operationId === id);
    if (!op) throw notFound(`Operation ${id} does not exist for application ${app.name}.`);
    return { ApplicationOperationInfoDetails: operationDetails(op) };
  }

  private listApplicationOperations(input: Json): Json {
    const app = this.app(input);
    const operation = optionalString(input, 'Operation', '', 1, 64);
    const status = optionalEnum<OperationStatus>(input, 'OperationStatus', '', [
      'IN_PROGRESS',
      'CANCELLED',
      'SUCCESSFUL',
      'FAILED',
    ]);
    const matching = [...app.operations]
      .reverse()
      .filter(
        (op) =>
          (operation === undefined || op.operation === operation) &&
          (status === undefined || op.status === status),
      );
    const { items, nextToken } = paginate(matching, input, 50);
    return {
      ApplicationOperationInfoList: items.map(operationInfo),
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
  }

  private describeApplicationVersion(input: Json): Json {
    const app = this.app(input);
    const id = optionalInteger(input, 'ApplicationVersionId', '', 1, 999_999_999);
    if (id === undefined) throw invalidRequest('ApplicationVersionId is required.');
    const version = app.versions.find((v) => v.versionId === id);
    if (!version) throw notFound(`Application ${app.name} has no version ${id}.`);
    return { ApplicationVersionDetail: applicationDetail(app, version) };
  }

  private listApplicationVersions(input: Json): Json {
    const app = this.app(input);
    const versions = [...app.versions].reverse();
    const { items, nextToken } = paginate(versions, input, 50);
    return {
      ApplicationVersionSummaries: items.map((v) => ({
        ApplicationVersionId: v.versionId,
        ApplicationStatus: v.versionId === app.versionId ? app.status : 'READY',
      })),
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
  }

  // ---- snapshots --------------------------------------------------------------------------------

  private createApplicationSnapshot(input: Json): Json {
    const app = this.app(input);
    const name = validName(input, 'SnapshotName', 256);
    if (app.snapshots.some((s) => s.snapshotName === name)) {
      throw inUse(`Snapshot ${name} already exists for application ${app.name}; pick another SnapshotName.`);
    }
    const version = currentVersion(app);
    if (!version.config.snapshotsEnabled) {
      throw invalidRequest(
        `Snapshots are disabled for application ${app.name}; enable them with ApplicationSnapshotConfigurationUpdate.`,
      );
    }
    if (app.status !== 'RUNNING' || this.activities.has(app.name)) {
      throw inUse(
        `Application ${app.name} is ${app.status}; a snapshot can be taken only while it is RUNNING.`,
      );
    }
    const snapshot: SnapshotRecord = {
      snapshotName: name,
      status: 'CREATING',
      versionId: version.versionId,
      createdAt: Date.now(),
      runtimeEnvironment: version.config.runtimeEnvironment,
    };
    app.snapshots.push(snapshot);
    this.save();
    // The runner takes savepoints when it stops; so a snapshot of a running job is a stop with savepoint
    // followed by a restart from it. The application stays RUNNING in the API, as on the service.
    this.background(app, async (signal) => {
      const stopped = await this.stopRun(app, 'savepoint', snapshot);
      if (!stopped.savepoint) {
        snapshot.status = 'FAILED';
      }
      if (signal.aborted) return;
      try {
        await this.launch(app, version, stopped.savepoint, signal);
      } catch (e) {
        if (e instanceof AbortedError) return;
        app.lastRunError = `The job did not restart after snapshot ${name}: ${errorText(e)}`;
        this.setStatus(app, 'READY');
      }
    });
    return {};
  }

  private describeApplicationSnapshot(input: Json): Json {
    const app = this.app(input);
    return { SnapshotDetails: snapshotDetails(this.snapshot(app, input)) };
  }

  private listApplicationSnapshots(input: Json): Json {
    const app = this.app(input);
    const snapshots = [...app.snapshots].sort((a, b) => b.createdAt - a.createdAt);
    const { items, nextToken } = paginate(snapshots, input, 50);
    return { SnapshotSummaries: items.map(snapshotDetails), ...(nextToken ? { NextToken: nextToken } : {}) };
  }

  private deleteApplicationSnapshot(input: Json): Json {
    const app = this.app(input);
    const snapshot = this.snapshot(app, input);
    const createdAt = requiredTimestamp(input, 'SnapshotCreationTimestamp');
    if (createdAt !== snapshot.createdAt) {
      throw invalidArgument(
        `SnapshotCreationTimestamp does not match snapshot ${snapshot.snapshotName}; read it with ListApplicationSnapshots.`,
      );
    }
    if (snapshot.status === 'CREATING')
      throw inUse(`Snapshot ${snapshot.snapshotName} is still being created.`);
    app.snapshots = app.snapshots.filter((s) => s !== snapshot);
    if (snapshot.savepointPath) {
      const local = snapshot.savepointPath.replace(/^file:(\/\/)?/, '');
      if (path.resolve(local).startsWith(path.resolve(this.options.dataDir)))
        fs.rmSync(local, { recursive: true, force: true });
    }
    this.save();
    return {};
  }

  // ---- running the job --------------------------------------------------------------------------

  /**
   * Runs `version` of the application: fetches its code, writes its properties and starts the runner,
   * resolving once the Flink job is RUNNING. Throws JobFailedError with the job's message otherwise.
   */
  private async launch(
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
    linkLatest(paths.logs, logPath);
    this.save();
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
      checkpointsDir: path.join(runDir, 'work', 'checkpoints'),
    };
    this.runs.set(app.name, run);
    this.options.log(`flink: ${app.name} v${version.versionId} runner pid ${job.pid}, log ${logPath}`);

    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () => reject(new AbortedError());
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
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
      if (run.expectedExit || this.runs.get(app.name) !== run || this.closed) return;
      this.runs.delete(app.name);
      const live = this.apps.get(app.name);
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
      if (live.status === 'RUNNING') this.setStatus(live, 'READY');
      this.options.log(`flink: ${app.name} job ended while RUNNING: ${live.lastRunError}`);
      this.save();
    });
  }

  /**
   * Ends the application's current run: `savepoint` asks the runner for a savepoint (SIGTERM with a
   * savepoint dir), `cancel` stops it without one, `kill` kills the process group at once.
   */
  private async stopRun(
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
      this.save();
    }
    return outcome;
  }

  /** Kills every runner process of the application and waits for them to exit. */
  private async killAll(name: string): Promise<void> {
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

  /** The savepoint a start restores from, per the run configuration (checked before anything starts). */
  private restorePoint(app: ApplicationRecord, config: ApplicationConfig): string | undefined {
    const restore = config.restore;
    if (restore.restoreType === 'SKIP_RESTORE_FROM_SNAPSHOT') return undefined;
    if (restore.restoreType === 'RESTORE_FROM_CUSTOM_SNAPSHOT') {
      const snapshot = app.snapshots.find(
        (s) => s.snapshotName === restore.snapshotName && s.status === 'READY',
      );
      if (!snapshot)
        throw notFound(`Snapshot ${restore.snapshotName ?? ''} does not exist for application ${app.name}.`);
      return snapshot.savepointPath;
    }
    return config.snapshotsEnabled ? this.latestSnapshot(app)?.savepointPath : undefined;
  }

  private restorePointAfter(
    app: ApplicationRecord,
    config: ApplicationConfig,
    justTaken: string | undefined,
  ): string | undefined {
    if (config.restore.restoreType === 'RESTORE_FROM_LATEST_SNAPSHOT')
      return justTaken ?? this.restorePoint(app, config);
    try {
      return this.restorePoint(app, config);
    } catch {
      return undefined;
    }
  }

  private latestSnapshot(app: ApplicationRecord): SnapshotRecord | undefined {
    return [...app.snapshots]
      .filter((s) => s.status === 'READY' && s.savepointPath)
      .sort((a, b) => b.createdAt - a.createdAt)[0];
  }

  // ---- supervision ------------------------------------------------------------------------------

  /**
   * Restarts the job of a RUNNING application whose process died: after the streak's backoff, from the
   * dead run's newest checkpoint, else from what that run started from (a savepoint, or nothing). The
   * reason goes to the endpoint's log and the application's log stream; a restart that fails before the
   * job runs is itself restarted, so the application stays RUNNING as on the service.
   */
  private scheduleRestart(
    app: ApplicationRecord,
    version: VersionRecord,
    dead: ActiveRun,
    cause: string,
  ): void {
    const streak = this.streaks.get(app.name) ?? new RestartStreak(this.restartPolicy);
    this.streaks.set(app.name, streak);
    if (dead.runningSince !== undefined) streak.ranFor(Date.now() - dead.runningSince);
    const { attempt, delayMs } = streak.next();
    const restoreFrom = latestCheckpoint(dead.checkpointsDir) ?? dead.restoredFrom;
    const from = restoreFrom ? `from ${restoreFrom}` : 'from the start (no checkpoint yet)';
    const message = `The job's process ended while RUNNING: ${cause}. Restart ${attempt} of this streak in ${delayMs} ms, ${from}.`;
    this.options.log(`flink: ${app.name} ${message}`);
    this.telemetryOf(app).event({
      timestamp: Date.now(),
      messageType: 'ERROR',
      logger: 'flinkflow.local.supervisor',
      message,
    });
    this.background(app, async (signal) => {
      await abortableDelay(delayMs, signal);
      // A stop, update or delete that came meanwhile wins: nothing to restart then.
      if (signal.aborted || app.status !== 'RUNNING' || this.runs.has(app.name) || this.closed) return;
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
        if (e instanceof AbortedError || app.status !== 'RUNNING' || this.closed) return;
        this.telemetryOf(app).failedRestart();
        // The failed attempt never ran, so the next one resumes from the same point.
        const next: ActiveRun = { ...dead };
        delete next.runningSince;
        if (restoreFrom) next.restoredFrom = restoreFrom;
        this.scheduleRestart(app, version, next, errorText(e));
      }
    });
  }

  private telemetryOf(app: ApplicationRecord): ApplicationTelemetry {
    return this.telemetry.get(app.name) ?? this.resetTelemetry(app);
  }

  private resetTelemetry(app: ApplicationRecord): ApplicationTelemetry {
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
      log: this.options.log,
    });
    this.telemetry.set(app.name, telemetry);
    return telemetry;
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private app(input: Json): ApplicationRecord {
    const name = validName(input, 'ApplicationName');
    const app = this.apps.get(name);
    if (!app) throw notFound(`Application ${name} is not found.`);
    return app;
  }

  private snapshot(app: ApplicationRecord, input: Json): SnapshotRecord {
    const name = validName(input, 'SnapshotName', 256);
    const snapshot = app.snapshots.find((s) => s.snapshotName === name);
    if (!snapshot) throw notFound(`Snapshot ${name} does not exist for application ${app.name}.`);
    return snapshot;
  }

  private checkConcurrencyToken(app: ApplicationRecord, input: Json, required: boolean): void {
    const versionId = optionalInteger(input, 'CurrentApplicationVersionId', '', 1, 999_999_999);
    const token = optionalString(input, 'ConditionalToken', '', 1, 512);
    if (versionId === undefined && token === undefined && required) {
      throw invalidArgument(
        `Provide CurrentApplicationVersionId or ConditionalToken of application ${app.name}; read them with DescribeApplication.`,
      );
    }
    if (versionId !== undefined && versionId !== app.versionId) {
      throw concurrentModification(
        `CurrentApplicationVersionId ${versionId} is not the current version of application ${app.name} (${app.versionId}); describe the application again.`,
      );
    }
    if (token !== undefined && token !== app.conditionalToken) {
      throw concurrentModification(
        `ConditionalToken does not match application ${app.name}; it changed since you read it. Describe the application again.`,
      );
    }
  }

  private addVersion(
    app: ApplicationRecord,
    config: ApplicationConfig,
    rolledBack?: { from: number; to: number },
  ): VersionRecord {
    const now = Date.now();
    const version: VersionRecord = {
      versionId: app.versionId + 1,
      createdAt: now,
      config,
      ranSuccessfully: false,
      ...(rolledBack ? { rolledBackFrom: rolledBack.from, rolledBackTo: rolledBack.to } : {}),
    };
    app.versions.push(version);
    app.versionId = version.versionId;
    app.conditionalToken = newToken();
    app.lastUpdateTimestamp = now;
    return version;
  }

  private newOperation(
    app: ApplicationRecord,
    operation: string,
    versionChange?: { from: number; to: number },
  ): OperationRecord {
    const op: OperationRecord = {
      operationId: randomBytes(9).toString('base64url').slice(0, 12),
      operation,
      status: 'IN_PROGRESS',
      startTime: Date.now(),
      ...(versionChange ? { versionChange } : {}),
    };
    app.operations.push(op);
    if (app.operations.length > MAX_OPERATIONS_KEPT)
      app.operations.splice(0, app.operations.length - MAX_OPERATIONS_KEPT);
    return op;
  }

  private setStatus(app: ApplicationRecord, status: ApplicationStatus): void {
    if (app.status !== status) this.options.log(`flink: ${app.name} ${app.status} -> ${status}`);
    app.status = status;
    this.save();
  }

  /** Runs the application's background work, one piece after another, and saves the store when it ends. */
  private background(app: ApplicationRecord, work: (signal: AbortSignal) => Promise<void>): void {
    const controller = new AbortController();
    // Work queues behind the application's unfinished work (a snapshot's restart, say), as one at a time.
    const previous = this.activities.get(app.name);
    const done = (previous?.done ?? Promise.resolve())
      .then(() => (controller.signal.aborted ? undefined : work(controller.signal)))
      .catch((e: unknown) => {
        this.options.log(`flink: ${app.name} background work failed: ${errorText(e)}`);
        if (TRANSITIONAL.includes(app.status)) app.status = 'READY';
      })
      .finally(() => {
        if (this.activities.get(app.name)?.controller === controller) this.activities.delete(app.name);
        if (this.apps.has(app.name)) this.save();
      });
    this.activities.set(app.name, { controller, done, ...(previous ? { previous } : {}) });
  }

  private saveInlineZip(name: string, zip: Buffer): { path: string; size: number; md5: string } {
    const dir = applicationPaths(this.options.dataDir, name).code;
    fs.mkdirSync(dir, { recursive: true });
    const md5 = md5Hex(zip);
    const file = path.join(dir, `${md5}.zip`);
    fs.writeFileSync(file, zip);
    return { path: file, size: zip.length, md5 };
  }

  private save(): void {
    if (this.closed && !this.apps.size && !fs.existsSync(this.storePath)) return;
    fs.mkdirSync(this.options.dataDir, { recursive: true });
    const file: StoreFile = { formatVersion: 1, applications: [...this.apps.values()] };
    const tmp = `${this.storePath}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(file, null, 1));
    fs.renameSync(tmp, this.storePath);
  }
}

function finish(op: OperationRecord, status: OperationStatus, at = Date.now(), error?: string): void {
  if (op.status !== 'IN_PROGRESS') return;
  op.status = status;
  op.endTime = at;
  if (error !== undefined) op.errorString = error;
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

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function newToken(): string {
  return createHash('sha256').update(randomBytes(16)).digest('base64url').slice(0, 32);
}

/** logs/latest.log always names the newest run's log, so humans find it without a listing. */
function linkLatest(dir: string, target: string): void {
  const link = path.join(dir, 'latest.log');
  try {
    fs.rmSync(link, { force: true });
    fs.symlinkSync(path.basename(target), link);
  } catch {
    // A missing convenience link is not worth failing a start for.
  }
}

function parseTags(input: unknown): { Key: string; Value?: string }[] {
  if (input === undefined || input === null) return [];
  if (!Array.isArray(input)) throw invalidRequest('Tags must be a list of {Key, Value}.');
  if (input.length > 50) throw invalidArgument(`Tags has ${input.length} tags; at most 50 are allowed.`);
  return input.map((tag: unknown, i) => {
    if (typeof tag !== 'object' || tag === null) throw invalidRequest(`Tags[${i}] must be a JSON object.`);
    const t = tag as Json;
    const key = optionalString(t, 'Key', `Tags[${i}].`, 1, 128);
    if (key === undefined) throw invalidRequest(`Tags[${i}].Key is required.`);
    const value = optionalString(t, 'Value', `Tags[${i}].`, 0, 256);
    return { Key: key, ...(value !== undefined ? { Value: value } : {}) };
  });
}

/** Limit/NextToken paging; the token is the offset, opaque to callers. */
function paginate<T>(all: T[], input: Json, max: number): { items: T[]; nextToken?: string } {
  const limit = optionalInteger(input, 'Limit', '', 1, max) ?? max;
  const token = optionalString(input, 'NextToken', '', 1, 128);
  let offset = 0;
  if (token !== undefined) {
    offset = Number.parseInt(Buffer.from(token, 'base64url').toString('utf8'), 10);
    if (!Number.isInteger(offset) || offset < 0)
      throw invalidArgument('NextToken is not valid; pass the NextToken of the previous response.');
  }
  const items = all.slice(offset, offset + limit);
  const next = offset + limit;
  return {
    items,
    ...(next < all.length ? { nextToken: Buffer.from(String(next)).toString('base64url') } : {}),
  };
}
