/**
 * The local Managed Flink endpoint across its own restart (`local down`, then `up` on the same data
 * folder): which status each stored application comes back in (resume.ts), what the store does at load,
 * and where a restarted job resumes from. No job runs here: test/local/flink-endpoint.test.ts runs the
 * same rules with a fake runner, test/e2e/flink-resume.test.ts with real Flink.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFlinkService } from '../../local/flink';
import type {
  ApplicationConfig,
  ApplicationRecord,
  ApplicationStatus,
  OperationRecord,
} from '../../local/flink/model';
import { planResume } from '../../local/flink/resume';
import { FlinkApplicationStore, storeFileOf } from '../../local/flink/store';
import { applicationPaths, newestState } from '../../local/flink/supervisor';

const CONFIG: ApplicationConfig = {
  runtimeEnvironment: 'FLINK-1_20',
  serviceExecutionRole: 'arn:aws:iam::000000000000:role/app',
  propertyGroups: [],
  checkpoint: { configurationType: 'DEFAULT' },
  monitoring: { configurationType: 'DEFAULT' },
  parallelism: { configurationType: 'DEFAULT' },
  snapshotsEnabled: true,
  rollbackEnabled: true,
  cloudWatchLogStreamArns: [],
  allowNonRestoredState: false,
  restore: { restoreType: 'RESTORE_FROM_LATEST_SNAPSHOT' },
};

function application(status: ApplicationStatus, extra: Partial<ApplicationRecord> = {}): ApplicationRecord {
  return {
    name: `app-${status.toLowerCase()}`,
    arn: `arn:aws:kinesisanalytics:us-east-1:000000000000:application/app-${status.toLowerCase()}`,
    createTimestamp: 1,
    lastUpdateTimestamp: 1,
    status,
    versionId: 1,
    conditionalToken: 'token',
    versions: [{ versionId: 1, createdAt: 1, config: CONFIG, ranSuccessfully: true }],
    operations: [],
    snapshots: [],
    tags: [],
    ...extra,
  };
}

const RUN = { versionId: 1, checkpointsDir: '/nowhere/checkpoints', launchedAt: 1 };

function operation(name: string, status: OperationRecord['status'] = 'IN_PROGRESS'): OperationRecord {
  return { operationId: `${name}-id`, operation: name, status, startTime: 1 };
}

/** An application that was updated from version 1 to 2 and was UPDATING at the stop. */
function updating(rollbackEnabled: boolean): ApplicationRecord {
  const update = { ...operation('UpdateApplication'), versionChange: { from: 1, to: 2 } };
  return application('UPDATING', {
    versionId: 2,
    versionUpdatedFrom: 1,
    versions: [
      { versionId: 1, createdAt: 1, config: CONFIG, ranSuccessfully: true },
      { versionId: 2, createdAt: 2, config: { ...CONFIG, rollbackEnabled }, ranSuccessfully: false },
    ],
    operations: [operation('StartApplication', 'SUCCESSFUL'), update],
    run: RUN,
  });
}

describe('planResume: what each status at the stop becomes', () => {
  it.each(['RUNNING', 'AUTOSCALING', 'MAINTENANCE'] as const)(
    'It should restart the job of an application that was %s from its stored run',
    (status) => {
      // Prepare
      const app = application(status, { run: RUN });

      // Act
      const action = planResume(app);

      // Assess
      expect(action).toEqual({ kind: 'restart', run: RUN, version: app.versions[0] });
    },
  );

  it('It should put a RUNNING application without a stored run (an older store) READY, saying why', () => {
    // Act
    const action = planResume(application('RUNNING'));

    // Assess
    expect(action).toEqual({ kind: 'ready', reason: expect.stringContaining('start it again') });
  });

  it.each([
    ['STARTING', 'StartApplication'],
    ['ROLLING_BACK', 'RollbackApplication'],
  ] as const)('It should start again an application that was %s with the same operation', (status, name) => {
    // Prepare
    const interrupted = operation(name);
    const app = application(status, {
      operations: [operation('StartApplication', 'SUCCESSFUL'), interrupted],
    });

    // Act
    const action = planResume(app);

    // Assess
    expect(action).toEqual({ kind: 'start', operation: name, interrupted });
  });

  it('It should roll an UPDATING application back to the version before the update when rollback is on', () => {
    // Prepare
    const app = updating(true);

    // Act
    const action = planResume(app);

    // Assess
    expect(action).toEqual({ kind: 'rollback', failed: app.operations[1], target: app.versions[0] });
  });

  it('It should put an UPDATING application READY when system rollback is off', () => {
    // Act
    const action = planResume(updating(false));

    // Assess
    expect(action).toEqual({ kind: 'ready', reason: expect.stringContaining('system rollback is off') });
  });

  it.each(['STOPPING', 'FORCE_STOPPING'] as const)(
    'It should put an application that was %s READY, saying its job ended without a snapshot',
    (status) => {
      // Act
      const action = planResume(application(status, { run: RUN }));

      // Assess
      expect(action).toEqual({ kind: 'ready', reason: expect.stringContaining('without a snapshot') });
    },
  );

  it.each(['READY', 'ROLLED_BACK'] as const)('It should leave a %s application as it is', (status) => {
    expect(planResume(application(status, { run: RUN }))).toEqual({ kind: 'none' });
  });

  it('It should complete a delete that had begun', () => {
    expect(planResume(application('DELETING'))).toEqual({ kind: 'delete' });
  });
});

describe('The store at load', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flinkflow-resume-store-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('It should keep statuses as stored, end operations in progress FAILED and snapshots being taken FAILED', () => {
    // Prepare
    const app = application('RUNNING', {
      run: RUN,
      operations: [operation('StartApplication', 'SUCCESSFUL'), operation('CreateApplicationSnapshot')],
      snapshots: [
        {
          snapshotName: 'done',
          status: 'READY',
          versionId: 1,
          createdAt: 1,
          runtimeEnvironment: 'FLINK-1_20',
        },
        {
          snapshotName: 'half',
          status: 'CREATING',
          versionId: 1,
          createdAt: 2,
          runtimeEnvironment: 'FLINK-1_20',
        },
      ],
    });
    fs.writeFileSync(storeFileOf(dataDir), JSON.stringify({ formatVersion: 1, applications: [app] }));
    const store = new FlinkApplicationStore(dataDir);

    // Act
    store.load();

    // Assess
    const loaded = store.applications.get(app.name);
    expect(loaded?.status).toBe('RUNNING');
    expect(loaded?.run).toEqual(RUN);
    expect(loaded?.operations.map((op) => [op.status, op.errorString])).toEqual([
      ['SUCCESSFUL', undefined],
      ['FAILED', 'The local cloud stopped before the operation ended.'],
    ]);
    expect(loaded?.snapshots.map((s) => s.status)).toEqual(['READY', 'FAILED']);
  });
});

describe('newestState: where a restarted job resumes', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flinkflow-resume-state-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Makes `<dir>/<relative>/_metadata` written at `seconds` (epoch). */
  function completed(relative: string, seconds: number): string {
    const folder = path.join(dir, relative);
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, '_metadata'), 'x');
    fs.utimesSync(path.join(folder, '_metadata'), seconds, seconds);
    return `file:${folder}`;
  }

  const run = () => ({
    checkpointsDir: path.join(dir, 'checkpoints'),
    savepointDir: path.join(dir, 'savepoints'),
    restoredFrom: 'file:/the/start',
  });

  it('It should take the newest completed checkpoint, not one without metadata', () => {
    // Prepare
    const chk2 = completed('checkpoints/job/chk-2', 2_000);
    fs.mkdirSync(path.join(dir, 'checkpoints/job/chk-3'), { recursive: true });

    // Act / Assess
    expect(newestState(run())).toBe(chk2);
  });

  it('It should take a savepoint the run took after its newest checkpoint, and the checkpoint when it is newer', () => {
    // Prepare
    completed('checkpoints/job/chk-2', 2_000);
    const savepoint = completed('savepoints/savepoint-abc', 3_000);

    // Act
    const afterSavepoint = newestState(run());
    const chk4 = completed('checkpoints/job/chk-4', 4_000);
    const afterCheckpoint = newestState(run());

    // Assess
    expect(afterSavepoint).toBe(savepoint);
    expect(afterCheckpoint).toBe(chk4);
  });

  it('It should fall back on what the run started from when it left no state', () => {
    expect(newestState(run())).toBe('file:/the/start');
    expect(newestState({ checkpointsDir: path.join(dir, 'none') })).toBeUndefined();
  });
});

describe('The service at load, for statuses that start no job', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flinkflow-resume-service-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('It should put STOPPING and RUNNING-without-a-run READY with the reason, and finish a delete with its files', async () => {
    // Prepare
    const stopping = application('STOPPING', { run: RUN, operations: [operation('StopApplication')] });
    const older = application('RUNNING');
    const deleting = application('DELETING');
    const deletingFiles = applicationPaths(dataDir, deleting.name).root;
    fs.mkdirSync(path.join(deletingFiles, 'logs'), { recursive: true });
    fs.writeFileSync(
      storeFileOf(dataDir),
      JSON.stringify({ formatVersion: 1, applications: [stopping, older, deleting] }),
    );

    // Act
    const flink = await createFlinkService({
      dataDir,
      s3Endpoint: 'http://127.0.0.1:9',
      kinesisEndpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      account: '000000000000',
      log: () => undefined,
    });
    await flink.shutdown();
    const stored = JSON.parse(fs.readFileSync(storeFileOf(dataDir), 'utf8')) as {
      applications: ApplicationRecord[];
    };

    // Assess
    const byName = new Map(stored.applications.map((a) => [a.name, a]));
    expect(byName.get(stopping.name)).toMatchObject({
      status: 'READY',
      lastRunError: expect.stringContaining('was STOPPING'),
    });
    expect(byName.get(stopping.name)?.operations[0]?.status).toBe('FAILED');
    expect(byName.get(older.name)).toMatchObject({
      status: 'READY',
      lastRunError: expect.stringContaining('does not say where'),
    });
    expect(byName.has(deleting.name)).toBe(false);
    expect(fs.existsSync(deletingFiles)).toBe(false);
  });
});
