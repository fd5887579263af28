/**
 * Counts the state transitions and Lambda invocations of one re-deploy per path of the redeploy machine:
 * the real ASL on aws-local-stepfunctions, every task its handler's real `run`, Managed Flink, S3 and
 * CloudWatch scripted by aws-sdk-client-mock (test/workflow/support/simulated-redeploy.ts), simulated
 * time. Deterministic: no network, no sleeps, so one run is the figure.
 *
 *   tsx bench/redeploy/transitions.ts            # the table for docs/benchmarks.md
 *   tsx bench/redeploy/transitions.ts --json     # the same figures as JSON
 *
 * The scripted update ends at its second look (DescribeUpdate once right after the update, once after a
 * wait); on AWS a longer update adds 3 transitions and 1 invocation per extra look (Wait, DescribeUpdate,
 * IsUpdateRunning), the same for the rollback's loop.
 */
import '../../test/support/quiet-logs';
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
import { runRedeployLocally } from '../../local/stepfunctions/run-redeploy';
import { makeCodeZip, makeJobJar } from '../../test/support/zip-writer';
import {
  SimulatedRedeployCloud,
  simulatedRedeployEnvironment,
  type RedeployScript,
} from '../../test/workflow/support/simulated-redeploy';
import { RedeployLambdaTasks } from '../../workflow/redeploy-contract';

export interface Measurement {
  path: string;
  status: string;
  error?: string;
  stateTransitions: number;
  lambdaInvocations: number;
  updateApplicationCalls: number;
}

const cloud = new SimulatedRedeployCloud();
const lambdaStates = new Set<string>(RedeployLambdaTasks);

export async function measure(
  path: string,
  script: RedeployScript,
  again = false,
  canary = true,
): Promise<Measurement> {
  if (!again) cloud.reset(script);
  const before = cloud.count('UpdateApplication');
  const result = await runRedeployLocally({
    input: { ...cloud.input('v2'), canary },
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
      RunCanary: ((event: unknown, deps: unknown) =>
        runCanary(event as never, deps as never, simulatedRedeployEnvironment)) as never,
      RollbackApplication: rollbackApplication as never,
      DescribeRollback: describeRollback as never,
      DescribeRedeployFailure: describeRedeployFailure as never,
    }),
  });
  const entered = result.events.filter((e) => e.type === 'StateEntered');
  const retries = result.events.filter((e) => e.type === 'StateRetried').length;
  return {
    path,
    status: result.status,
    ...(result.status === 'SUCCEEDED' ? {} : { error: result.error }),
    stateTransitions: entered.length + retries,
    lambdaInvocations: entered.filter((e) => lambdaStates.has(e.state ?? '')).length + retries,
    updateApplicationCalls: cloud.count('UpdateApplication') - before,
  };
}

export async function measureAll(): Promise<Measurement[]> {
  const out: Measurement[] = [];
  out.push(await measure('success (update, health gate, canary off)', {}, false, false));
  out.push(await measure('success (update, health gate, canary)', {}));
  out.push(await measure('same event again (already deployed)', {}, true));
  out.push(
    await measure('bad zip (connector for Flink 1.18)', {
      objects: { v2: makeCodeZip(makeJobJar('4.3.0-1.18')) },
    }),
  );
  out.push(await measure('two concurrent changes, then success', { concurrentChanges: 2 }));
  out.push(await measure('job fails to start (system rollback)', { update: 'SYSTEM_ROLLBACK' }));
  out.push(await measure('job restarts (health gate, rollback)', { update: 'UNHEALTHY' }));
  out.push(await measure('wrong averages (canary sanity, rollback)', { output: 'BAD_AVERAGES' }));
  return out;
}

async function main(): Promise<void> {
  const rows = await measureAll();
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const header = ['path', 'result', 'state transitions', 'Lambda invocations', 'UpdateApplication calls'];
  const lines = rows.map((r) => [
    r.path,
    r.error ?? r.status,
    String(r.stateTransitions),
    String(r.lambdaInvocations),
    String(r.updateApplicationCalls),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(
    [row(header), row(widths.map((w) => '-'.repeat(w))), ...lines.map(row)].join('\n') + '\n',
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  });
}
