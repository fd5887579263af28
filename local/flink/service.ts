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
import type * as FlinkApi from '@aws-sdk/client-kinesis-analytics-v2';
import type { InputTypedProviderOf } from '../common/provider';
import { isInside } from '../common/paths';
import { membersOf, pageOf } from '../common/validation';
import { FlinkRuntimes } from '../../workflow/contract';
import {
  applicationDetail,
  currentVersion,
  operationDetails,
  operationInfo,
  snapshotDetails,
} from './describe';
import { AwsServiceError, flinkErrors } from '../common/errors';

import type {
  ApplicationConfig,
  ApplicationRecord,
  ApplicationStatus,
  OperationRecord,
  OperationStatus,
  SnapshotRecord,
  VersionRecord,
} from './model';
import {
  AbortedError,
  JobSupervisor,
  applicationPaths,
  errorText,
  newestState,
  type SupervisorOptions,
} from './supervisor';
import { planResume, type ResumeAction } from './resume';
import {
  applyUpdate,
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
import { finish, FlinkApplicationStore } from './store';

const { concurrentModification, inUse, invalidArgument, invalidConfiguration, invalidRequest, notFound } =
  flinkErrors;

type Json = Record<string, unknown>;

export interface FlinkServiceOptions extends SupervisorOptions {
  account: string;
  /** The runtimes the local runner can run. Default: the contract's FlinkRuntimes. */
  supportedRuntimes?: readonly string[];
}

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

export { applicationPaths };

/** The Managed Flink operations the local endpoint implements, named and typed by the SDK's inputs. */
export type FlinkProvider = InputTypedProviderOf<typeof FlinkApi>;

export class FlinkService {
  private readonly store: FlinkApplicationStore;
  private readonly apps: Map<string, ApplicationRecord>;
  private readonly activities = new Map<string, Activity>();
  private readonly jobs: JobSupervisor;
  private readonly runtimes: readonly string[];
  private closed = false;

  constructor(private readonly options: FlinkServiceOptions) {
    this.store = new FlinkApplicationStore(options.dataDir);
    this.apps = this.store.applications;
    this.runtimes = options.supportedRuntimes ?? FlinkRuntimes;
    this.jobs = new JobSupervisor(options, {
      application: (name) => this.apps.get(name),
      setStatus: (app, status) => this.setStatus(app, status),
      save: () => this.save(),
      background: (app, work) => this.background(app, work),
      closed: () => this.closed,
    });
  }

  /**
   * Loads the store and brings each application back to what the service would show after its control
   * plane restarted (resume.ts): a RUNNING one stays RUNNING and its job restarts from its newest state.
   */
  load(): void {
    this.store.load();
    for (const app of [...this.apps.values()]) this.resume(app, planResume(app));
  }

  private resume(app: ApplicationRecord, action: ResumeAction): void {
    switch (action.kind) {
      case 'none':
        return;
      case 'ready':
        app.lastRunError = action.reason;
        this.setStatus(app, 'READY');
        this.options.log(`flink: ${app.name}: ${action.reason}`);
        return;
      case 'delete':
        this.apps.delete(app.name);
        fs.rmSync(applicationPaths(this.options.dataDir, app.name).root, { recursive: true, force: true });
        this.save();
        this.options.log(
          `flink: deleted application ${app.name} (its DeleteApplication began before the stop)`,
        );
        return;
      case 'restart': {
        const when = action.run.stoppedAt
          ? `at ${new Date(action.run.stoppedAt).toISOString()}`
          : 'without shutting the endpoint down (nothing saved the time)';
        this.setStatus(app, 'RUNNING');
        this.jobs.resume(
          app,
          action.version,
          action.run,
          `the local cloud stopped ${when} and the job's process with it; on AWS the application would have kept running`,
        );
        return;
      }
      case 'start': {
        const op = this.newOperation(app, action.operation, action.interrupted?.versionChange);
        if (action.interrupted) {
          action.interrupted.errorString = `${action.interrupted.errorString ?? 'Interrupted.'} The endpoint started it again as operation ${op.operationId}.`;
        }
        const version = currentVersion(app);
        let fromSavepoint: string | undefined;
        try {
          fromSavepoint =
            action.operation === 'RollbackApplication'
              ? app.run?.versionId === app.versionId
                ? newestState(app.run)
                : this.latestSnapshot(app)?.savepointPath
              : this.restorePoint(app, version.config);
        } catch (e) {
          // The custom snapshot the start named was deleted meanwhile: the start fails as it would now.
          this.setStatus(app, 'READY');
          finish(op, 'FAILED', Date.now(), errorText(e));
          return;
        }
        this.setStatus(app, action.operation === 'RollbackApplication' ? 'ROLLING_BACK' : 'STARTING');
        this.jobs.resetTelemetry(app);
        this.launchInBackground(app, version, fromSavepoint, op);
        return;
      }
      case 'rollback': {
        const run = app.run;
        // The state of the version that ran: its run's newest checkpoint or the savepoint the update
        // took of it, or, once the new version's run had begun, the savepoint that run started from.
        const savepoint = run?.versionId === action.target.versionId ? newestState(run) : run?.restoredFrom;
        this.background(app, (signal) =>
          this.systemRollback(
            app,
            action.failed,
            'The local cloud stopped before the update ended.',
            action.target,
            savepoint,
            signal,
          ),
        );
        return;
      }
    }
  }

  /** The provider the JSON 1.1 server mounts: one method per API operation. */
  provider(): FlinkProvider {
    return {
      CreateApplication: (i) => this.createApplication(membersOf(i)),
      DescribeApplication: (i) => this.describeApplication(membersOf(i)),
      ListApplications: (i) => this.listApplications(membersOf(i)),
      StartApplication: (i) => this.startApplication(membersOf(i)),
      StopApplication: (i) => this.stopApplication(membersOf(i)),
      UpdateApplication: (i) => this.updateApplication(membersOf(i)),
      DeleteApplication: (i) => this.deleteApplication(membersOf(i)),
      RollbackApplication: (i) => this.rollbackApplication(membersOf(i)),
      DescribeApplicationOperation: (i) => this.describeApplicationOperation(membersOf(i)),
      ListApplicationOperations: (i) => this.listApplicationOperations(membersOf(i)),
      DescribeApplicationVersion: (i) => this.describeApplicationVersion(membersOf(i)),
      ListApplicationVersions: (i) => this.listApplicationVersions(membersOf(i)),
      CreateApplicationSnapshot: (i) => this.createApplicationSnapshot(membersOf(i)),
      DescribeApplicationSnapshot: (i) => this.describeApplicationSnapshot(membersOf(i)),
      ListApplicationSnapshots: (i) => this.listApplicationSnapshots(membersOf(i)),
      DeleteApplicationSnapshot: (i) => this.deleteApplicationSnapshot(membersOf(i)),
      ListTagsForResource: (i) => this.listTagsForResource(membersOf(i)),
    };
  }

  /**
   * Kills every job (no savepoint: the next load restarts it from its newest checkpoint, see
   * docs/local-flink.md), ends background work and saves the store. Statuses are saved as they are, for
   * the next load to resume from; operations still in progress end FAILED.
   */
  async shutdown(): Promise<void> {
    this.closed = true;
    for (const activity of this.activities.values()) abortActivity(activity);
    await Promise.allSettled([...this.activities.values()].map((a) => a.done));
    await this.jobs.killEverything();
    const now = Date.now();
    for (const app of this.apps.values()) {
      for (const op of app.operations) {
        if (op.status === 'IN_PROGRESS')
          finish(op, 'FAILED', now, 'The local cloud stopped before the operation ended.');
      }
    }
    this.save();
    await this.jobs.close();
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
    this.jobs.resetTelemetry(app);
    this.launchInBackground(app, version, fromSavepoint, op);
    return { OperationId: op.operationId };
  }

  /** Launches the version in the background: RUNNING and the operation SUCCESSFUL, or READY and FAILED. */
  private launchInBackground(
    app: ApplicationRecord,
    version: VersionRecord,
    fromSavepoint: string | undefined,
    op: OperationRecord,
  ): void {
    this.background(app, async (signal) => {
      try {
        await this.jobs.launch(app, version, fromSavepoint, signal);
        version.ranSuccessfully = true;
        this.setStatus(app, 'RUNNING');
        finish(op, 'SUCCESSFUL');
      } catch (e) {
        if (e instanceof AbortedError) return;
        this.setStatus(app, 'READY');
        finish(op, 'FAILED', Date.now(), errorText(e));
      }
    });
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
        this.jobs.expectExit(app.name);
        await this.jobs.killAll(app.name);
        await previous?.done;
        await this.jobs.stopRun(app, 'kill');
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
      const outcome = await this.jobs.stopRun(
        app,
        currentVersion(app).config.snapshotsEnabled ? 'savepoint' : 'cancel',
      );
      this.setStatus(app, 'READY');
      if (outcome.killed) {
        finish(
          op,
          'FAILED',
          Date.now(),
          `The job did not stop within ${this.jobs.stopTimeoutMs / 1000} s and was killed without a snapshot.`,
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
      const stopped = await this.jobs.stopRun(app, previous.config.snapshotsEnabled ? 'savepoint' : 'cancel');
      if (signal.aborted) return;
      const restoreFrom = this.restorePointAfter(app, config, stopped.savepoint);
      try {
        await this.jobs.launch(app, next, restoreFrom, signal);
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
      await this.jobs.launch(app, restored, savepoint, signal);
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
      await this.jobs.stopRun(app, 'cancel');
      try {
        await this.jobs.launch(app, restored, latest.savepointPath, signal);
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
    this.jobs.expectExit(app.name);
    await this.jobs.killAll(app.name);
    await activity?.done;
    await this.jobs.stopRun(app, 'kill');
    this.apps.delete(app.name);
    await this.jobs.forget(app.name);
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
      const stopped = await this.jobs.stopRun(app, 'savepoint', snapshot);
      if (!stopped.savepoint) {
        snapshot.status = 'FAILED';
      }
      if (signal.aborted) return;
      try {
        await this.jobs.launch(app, version, stopped.savepoint, signal);
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
      if (isInside(this.options.dataDir, local)) fs.rmSync(local, { recursive: true, force: true });
    }
    this.save();
    return {};
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
    } catch (e) {
      // The custom snapshot was deleted while the update stopped the job: start from none, and say so.
      if (!(e instanceof AwsServiceError) || e.code !== 'ResourceNotFoundException') throw e;
      this.options.log(`flink: ${app.name}: ${e.message} The updated job starts without a snapshot.`);
      return undefined;
    }
  }

  private latestSnapshot(app: ApplicationRecord): SnapshotRecord | undefined {
    return [...app.snapshots]
      .filter((s) => s.status === 'READY' && s.savepointPath)
      .sort((a, b) => b.createdAt - a.createdAt)[0];
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
    // After shutdown, a store that never held an application is not created just to be empty.
    if (this.closed && !this.apps.size && !fs.existsSync(this.store.file)) return;
    this.store.save();
  }
}

function newToken(): string {
  return createHash('sha256').update(randomBytes(16)).digest('base64url').slice(0, 32);
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

/** Limit/NextToken paging (Limit at most `max`), through the local services' one paginator. */
function paginate<T>(all: T[], input: Json, max: number): { items: T[]; nextToken?: string } {
  const limit = optionalInteger(input, 'Limit', '', 1, max) ?? max;
  const token = optionalString(input, 'NextToken', '', 1, 128);
  return pageOf(all, token, limit, () =>
    invalidArgument('NextToken is not valid; pass the NextToken of the previous response.'),
  );
}
