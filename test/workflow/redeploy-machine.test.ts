/**
 * The rendered redeploy ASL executed by aws-local-stepfunctions, each Lambda task bound to its handler's
 * `run`, AWS scripted (support/simulated-redeploy.ts) and time simulated: every path of the machine.
 */
import '../support/quiet-logs';
import { run as checkApplicationHealth } from '../../lambdas/check-application-health';
import { run as describeRedeployFailure } from '../../lambdas/describe-redeploy-failure';
import { run as describeRollback } from '../../lambdas/describe-rollback';
import { run as describeUpdate } from '../../lambdas/describe-update';
import { run as preflightCode } from '../../lambdas/preflight-code';
import { run as rollbackApplication } from '../../lambdas/rollback-application';
import { run as runCanary } from '../../lambdas/run-canary';
import { run as snapshotApplication } from '../../lambdas/snapshot-application';
import { run as updateApplicationCode } from '../../lambdas/update-application-code';
import { run as validateRedeploy } from '../../lambdas/validate-redeploy';
import { runRedeployLocally, type RedeployResult } from '../../local/stepfunctions/run-redeploy';
import { ErrorName } from '../../workflow/contract';
import { RedeployErrorName, redeploySnapshotName } from '../../workflow/redeploy-contract';
import { MaxCanaryChecks, type CanaryStatus } from '../../workflow/canary-contract';
import { makeCodeZip, makeJobJar } from '../support/zip-writer';
import {
  BUCKET,
  SimulatedRedeployCloud,
  simulatedRedeployEnvironment,
  type RedeployScript,
} from './support/simulated-redeploy';

// Each execution runs the whole machine with its canary on two shared cores: seconds, not milliseconds.
jest.setTimeout(30_000);

const cloud = new SimulatedRedeployCloud();

async function redeploy(
  input: unknown,
  script: RedeployScript = {},
  fresh = true,
  canary: (event: unknown, deps: unknown) => Promise<unknown> = (event, deps) =>
    runCanary(event as never, deps as never, simulatedRedeployEnvironment),
): Promise<RedeployResult> {
  if (fresh) cloud.reset(script);
  return runRedeployLocally({
    input,
    env: simulatedRedeployEnvironment,
    waitSeconds: 0,
    retryIntervalMs: 0,
    tasks: cloud.bind({
      ValidateRedeploy: ((event: unknown) =>
        validateRedeploy(event, cloud.deps() as never, simulatedRedeployEnvironment)) as never,
      PreflightCode: preflightCode as never,
      SnapshotApplication: snapshotApplication as never,
      UpdateApplicationCode: updateApplicationCode as never,
      DescribeUpdate: describeUpdate as never,
      CheckApplicationHealth: checkApplicationHealth as never,
      RunCanary: canary as never,
      RollbackApplication: rollbackApplication as never,
      DescribeRollback: describeRollback as never,
      DescribeRedeployFailure: describeRedeployFailure as never,
    }),
  });
}

const entered = (result: RedeployResult) =>
  result.events.filter((e) => e.type === 'StateEntered').map((e) => e.state);

describe('the redeploy state machine (rendered ASL, handlers run in-process)', () => {
  it('It should update the running application to the new object version, pass the health gate and report both versions', async () => {
    const result = await redeploy(cloud.input('v2'));
    expect(result.status).toBe('SUCCEEDED');
    if (result.status !== 'SUCCEEDED') return;
    expect(result.output).toMatchObject({
      pipelineName: 'ticks-demo',
      codeObject: { key: 'code/flinkflow-app.zip', versionId: 'v2' },
      applicationVersionId: 4,
      previous: { applicationVersionId: 3, objectVersion: 'v1', applicationStatus: 'RUNNING' },
      alreadyDeployed: false,
      snapshotName: redeploySnapshotName({
        bucketName: BUCKET,
        key: 'code/flinkflow-app.zip',
        versionId: 'v2',
      }),
      health: { restarts: 0 },
    });
    expect(cloud.current).toMatchObject({ versionId: 4, objectVersion: 'v2' });
    expect(cloud.count('UpdateApplication')).toBe(1);
    expect(cloud.count('CreateApplicationSnapshot')).toBe(1);
    expect(entered(result)).toEqual(
      expect.arrayContaining([
        'PreflightCode',
        'SnapshotApplication',
        'UpdateApplicationCode',
        'CheckApplicationHealth',
        'CollectRedeployOutputs',
      ]),
    );
    expect(entered(result)).not.toContain('RollbackApplication');
  });

  it('It should update once when the same event arrives twice: the second execution finds the version running', async () => {
    const first = await redeploy(cloud.input('v2'));
    expect(first.status).toBe('SUCCEEDED');
    const second = await redeploy(cloud.input('v2'), {}, false);
    expect(second.status).toBe('SUCCEEDED');
    if (second.status !== 'SUCCEEDED') return;
    expect(second.output.alreadyDeployed).toBe(true);
    expect(cloud.count('UpdateApplication')).toBe(1);
    expect(cloud.count('CreateApplicationSnapshot')).toBe(1);
    expect(entered(second)).not.toContain('PreflightCode');
  });

  it('It should fail a zip with a mismatched connector at the pre-flight, before any snapshot or UpdateApplication', async () => {
    const result = await redeploy(cloud.input('v2'), {
      objects: { v2: makeCodeZip(makeJobJar('4.3.0-1.18')) },
    });
    expect(result.status).toBe('FAILED');
    if (result.status !== 'FAILED') return;
    expect(result.error).toBe(ErrorName.InvalidCode);
    expect(result.failure).toMatchObject({
      failedStep: 'PreflightCode',
      rolledBack: false,
      running: { applicationVersionId: 3, objectVersion: 'v1', applicationStatus: 'RUNNING' },
    });
    expect(result.failure?.reason).toMatch(/flink-connector-kinesis 4.3.0-1.18 is built for Flink 1.18/);
    expect(result.failure?.summary).toMatch(/before the application was changed/);
    expect(cloud.count('UpdateApplication')).toBe(0);
    expect(cloud.count('CreateApplicationSnapshot')).toBe(0);
  });

  it('It should retry a concurrent modification on fresh state and succeed, never forcing the update', async () => {
    const result = await redeploy(cloud.input('v2'), { concurrentChanges: 2 });
    expect(result.status).toBe('SUCCEEDED');
    expect(cloud.count('UpdateApplication')).toBe(3);
    expect(cloud.current.objectVersion).toBe('v2');
    const update = result.events.find((e) => e.type === 'StateExited' && e.state === 'UpdateApplicationCode');
    expect((update?.output as { update: { conflicts: number } }).update.conflicts).toBe(2);
  });

  it('It should confirm the service rollback when the new job fails to start, and fail saying the previous version runs', async () => {
    const result = await redeploy(cloud.input('v2'), { update: 'SYSTEM_ROLLBACK' });
    expect(result.status).toBe('FAILED');
    if (result.status !== 'FAILED') return;
    expect(result.error).toBe(RedeployErrorName.RedeployRolledBack);
    expect(result.failure).toMatchObject({
      failedStep: 'DescribeUpdate',
      error: RedeployErrorName.UpdateFailed,
      rolledBack: true,
      rollbackKind: 'system',
      running: { applicationStatus: 'RUNNING', objectVersion: 'v1' },
    });
    expect(result.failure?.reason).toMatch(/the job failed to start/);
    expect(cloud.count('RollbackApplication')).toBe(0);
    expect(cloud.applicationStatus).toBe('RUNNING');
    expect(cloud.current.objectVersion).toBe('v1');
  });

  it('It should roll back a job that restarts after the update (health gate) with RollbackApplication', async () => {
    const result = await redeploy(cloud.input('v2'), { update: 'UNHEALTHY' });
    expect(result.status).toBe('FAILED');
    if (result.status !== 'FAILED') return;
    expect(result.error).toBe(RedeployErrorName.RedeployRolledBack);
    expect(result.failure).toMatchObject({
      failedStep: 'CheckApplicationHealth',
      rolledBack: true,
      rollbackKind: 'requested',
      running: { objectVersion: 'v1', applicationStatus: 'RUNNING' },
    });
    expect(result.failure?.reason).toMatch(/restarted 3 times.*ArithmeticException/);
    expect(cloud.count('RollbackApplication')).toBe(1);
    expect(cloud.current.objectVersion).toBe('v1');
  });

  it('It should refuse an application that is not RUNNING without touching it', async () => {
    const result = await redeploy(cloud.input('v2'), { initialStatus: 'READY' });
    expect(result.status).toBe('FAILED');
    if (result.status !== 'FAILED') return;
    expect(result.error).toBe(RedeployErrorName.ApplicationNotRunning);
    expect(result.failure?.reason).toMatch(/is READY, not RUNNING/);
    expect(cloud.count('UpdateApplication')).toBe(0);
  });

  it('It should reject an input that is not a redeploy document with every problem named', async () => {
    const result = await redeploy({ pipelineName: 'Bad_Name', key: 'output/x.csv' });
    expect(result.status).toBe('FAILED');
    if (result.status !== 'FAILED') return;
    expect(result.error).toBe(ErrorName.InvalidInput);
    expect(result.failure?.failedStep).toBe('ValidateRedeploy');
    expect(result.failure?.reason).toMatch(
      /pipelineName: .*key: must be a .zip object under "code\/".*versionId/,
    );
    expect(cloud.calls).toEqual([]);
  });
  it('It should run the canary after the health gate on the windows written after the update, and report its verdict', async () => {
    const result = await redeploy(cloud.input('v2'));
    expect(result.status).toBe('SUCCEEDED');
    if (result.status !== 'SUCCEEDED') return;
    const canary = result.output.canary as CanaryStatus;
    expect(canary.phase).toBe('PASSED');
    expect(canary.verdict).toMatchObject({ passed: true, failed: [] });
    expect(canary.verdict?.checks.map((c) => c.check)).toEqual(['freshness', 'uniqueness', 'sanity']);
    // Waited (Wait states, simulated time) until the first window after the update was due.
    expect(Date.parse(canary.readyAt)).toBeGreaterThan(Date.parse(canary.notBefore) + 10_000);
    expect(cloud.count('StartQueryExecution')).toBe(3);
    // Every query reads only windows that ended after the new version began running.
    const floor = Math.ceil(Date.parse(canary.notBefore) / 10_000) * 10_000;
    for (const { sql } of cloud.queries.values()) {
      expect(sql).toContain(
        `> TIMESTAMP '${new Date(floor).toISOString().replace('T', ' ').replace('Z', '')}'`,
      );
    }
    // The crawl comes first: a new hour, a new ticker, or the table itself exist only once crawled.
    expect(cloud.calls.lastIndexOf('GetCrawler')).toBeLessThan(cloud.calls.indexOf('StartQueryExecution'));
    expect(entered(result)).toEqual(
      expect.arrayContaining(['RunCanary', 'WaitBeforeCanaryCheck', 'IsCanaryDone']),
    );
    expect(entered(result)).not.toContain('RollbackApplication');
  });

  it('It should read the time partitions the crawl made when the table is partitioned by time', async () => {
    const result = await redeploy(cloud.input('v2'), { partitionByTime: true });
    expect(result.status).toBe('SUCCEEDED');
    expect(cloud.count('StartCrawler')).toBe(1);
    for (const { sql } of cloud.queries.values()) expect(sql).toContain(`"dt" IN ('2026-12-01')`);
  });

  it('It should roll back a version whose windows fail the canary (averages outside the range) and say so', async () => {
    const result = await redeploy(cloud.input('v2'), { output: 'BAD_AVERAGES' });
    expect(result.status).toBe('FAILED');
    if (result.status !== 'FAILED') return;
    expect(result.error).toBe(RedeployErrorName.RedeployRolledBack);
    expect(result.failure).toMatchObject({
      failedStep: 'RunCanary',
      error: 'CanaryFailedError',
      rolledBack: true,
    });
    expect(result.failure?.reason).toContain('sanity');
    expect(cloud.count('RollbackApplication')).toBe(1);
    expect(cloud.current).toMatchObject({ objectVersion: 'v1' });
    expect(cloud.applicationStatus).toBe('RUNNING');
    expect(entered(result)).toEqual(expect.arrayContaining(['CanaryFailed', 'RollbackApplication']));
  });

  it('It should roll back a version that wrote no window after the update (freshness)', async () => {
    const result = await redeploy(cloud.input('v2'), { output: 'NOTHING' });
    expect(result.status).toBe('FAILED');
    if (result.status !== 'FAILED') return;
    expect(result.failure?.reason).toContain('freshness');
    expect(cloud.current).toMatchObject({ objectVersion: 'v1' });
  });

  it('It should skip the canary when the input turns it off, even for a version that writes wrong values', async () => {
    const result = await redeploy({ ...cloud.input('v2'), canary: false }, { output: 'BAD_AVERAGES' });
    expect(result.status).toBe('SUCCEEDED');
    if (result.status !== 'SUCCEEDED') return;
    expect(result.output.canary).toEqual({ phase: 'SKIPPED' });
    expect(cloud.count('StartQueryExecution')).toBe(0);
    expect(entered(result)).not.toContain('RunCanary');
    expect(cloud.current).toMatchObject({ objectVersion: 'v2' });
  });

  it('It should roll back when the canary never reaches a verdict (the loop’s backstop), saying so', async () => {
    // A RunCanary that misreports: always still QUERYING.
    const stuck = async (event: unknown) => {
      const previous = (event as { canary?: { attempt: number } }).canary;
      return { phase: 'QUERYING', attempt: (previous?.attempt ?? 0) + 1, nextWaitSeconds: 0 };
    };
    const result = await redeploy(cloud.input('v2'), {}, true, stuck);
    expect(result.status).toBe('FAILED');
    if (result.status !== 'FAILED') return;
    expect(result.failure).toMatchObject({
      failedStep: 'RunCanary',
      error: 'CanaryFailedError',
      rolledBack: true,
    });
    expect(result.failure?.reason).toContain(`no verdict in ${MaxCanaryChecks} calls (last phase QUERYING)`);
    expect(cloud.current).toMatchObject({ objectVersion: 'v1' });
  });
});
