/**
 * What becomes of a stored application when the endpoint starts again (`local down`, then `up` on the
 * same data folder). On AWS the control plane restarting does not stop an application: a RUNNING one
 * keeps running and its job continues from its state. Locally the jobs die with the endpoint, so each
 * application is brought back to what the service would show, per the status it had at the stop. The
 * nearest thing the service does itself is maintenance, which restarts a running application and
 * resumes it from its newest checkpoint or snapshot ("Manage maintenance tasks for Managed Service for
 * Apache Flink": 10 to 30 s of downtime, depending on how recent the checkpoint is). The rules are
 * decided here, from the stored record alone; service.ts carries them out (docs/local-flink.md, "Across
 * local down and up").
 */
import type { ApplicationRecord, OperationRecord, RunRecord, VersionRecord } from './model';

export type ResumeAction =
  /** Nothing was going on: the application stays as it is (READY, ROLLED_BACK). */
  | { kind: 'none' }
  /**
   * The job ran (RUNNING; AUTOSCALING and MAINTENANCE are RUNNING applications being changed by the
   * service): the application stays RUNNING and its job restarts from the run's newest state, as after
   * a process death.
   */
  | { kind: 'restart'; run: RunRecord; version: VersionRecord }
  /**
   * A start (or a rollback's start) had not finished: the interrupted operation has FAILED, and the
   * same operation starts again, so the application gets where it was asked to go.
   */
  | { kind: 'start'; operation: 'StartApplication' | 'RollbackApplication'; interrupted?: OperationRecord }
  /**
   * An update had not finished: it FAILED, and the version that ran before it runs again, as the
   * service's system rollback does for an update that fails (rollback on).
   */
  | { kind: 'rollback'; failed: OperationRecord; target: VersionRecord }
  /** The application goes READY, saying why (a stop in progress; an update with rollback off...). */
  | { kind: 'ready'; reason: string }
  /** A DeleteApplication had begun: it is completed. */
  | { kind: 'delete' };

/** The newest operation of a kind, if any. */
function newest(app: ApplicationRecord, operation: string): OperationRecord | undefined {
  return [...app.operations].reverse().find((op) => op.operation === operation);
}

/** Decides what a stored application becomes at load, from the status it had when the endpoint stopped. */
export function planResume(app: ApplicationRecord): ResumeAction {
  switch (app.status) {
    case 'READY':
    case 'ROLLED_BACK':
      return { kind: 'none' };
    case 'RUNNING':
    case 'AUTOSCALING':
    case 'MAINTENANCE': {
      const run = app.run;
      const version = run && app.versions.find((v) => v.versionId === run.versionId);
      if (!run || !version) {
        // A store written before runs were recorded: nothing says where the job's state is.
        return {
          kind: 'ready',
          reason: `The local cloud stopped while the application was ${app.status}, and the store does not say where its job's state is; start it again.`,
        };
      }
      return { kind: 'restart', run, version };
    }
    case 'STARTING': {
      const interrupted = newest(app, 'StartApplication');
      return { kind: 'start', operation: 'StartApplication', ...(interrupted ? { interrupted } : {}) };
    }
    case 'ROLLING_BACK': {
      const interrupted = newest(app, 'RollbackApplication');
      return { kind: 'start', operation: 'RollbackApplication', ...(interrupted ? { interrupted } : {}) };
    }
    case 'UPDATING': {
      const failed = newest(app, 'UpdateApplication');
      const targetId = failed?.versionChange?.from ?? app.versionUpdatedFrom;
      const target = app.versions.find((v) => v.versionId === targetId);
      const current = app.versions.find((v) => v.versionId === app.versionId);
      // "Enable system rollbacks": a failed update is rolled back when rollback is on, and the
      // application is put READY when it is off (or the rollback fails too).
      if (failed && target && current?.config.rollbackEnabled) return { kind: 'rollback', failed, target };
      return {
        kind: 'ready',
        reason:
          'The local cloud stopped while the application was UPDATING; system rollback is off, so, as for an update that fails, it is READY. Start it again.',
      };
    }
    case 'STOPPING':
    case 'FORCE_STOPPING':
      return {
        kind: 'ready',
        reason: `The local cloud stopped while the application was ${app.status}; its job was ended without a snapshot.`,
      };
    case 'DELETING':
      return { kind: 'delete' };
  }
}
