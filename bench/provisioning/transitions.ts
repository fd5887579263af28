/**
 * Counts the state transitions and Lambda invocations of a happy-path provisioning whose application
 * takes a given time to start: the real ASL on aws-local-stepfunctions, every task the handler's real
 * `run`, AWS scripted by aws-sdk-client-mock, and simulated time (the Wait state pauses 0 ms while the
 * simulated clock advances by the seconds it would have waited). Deterministic: no network, no sleeps.
 *
 *   tsx bench/provisioning/transitions.ts            # the table for docs/benchmarks.md
 *   tsx bench/provisioning/transitions.ts --json     # the same figures as JSON
 *
 * Besides the schedule the tasks use, it runs the same machine with fixed polling intervals (by
 * rewriting the status checks' `nextWaitSeconds` between task and machine), to show the trade-off that
 * chose the schedule: fewer polls cost less and notice RUNNING later.
 */
import '../../test/support/quiet-logs';
import { run as checkApplicationHealth } from '../../lambdas/check-application-health';
import { run as createApplication } from '../../lambdas/create-application';
import { run as createBucket } from '../../lambdas/create-bucket';
import { run as createCrawler } from '../../lambdas/create-crawler';
import { run as createStream } from '../../lambdas/create-stream';
import { run as describeApplication } from '../../lambdas/describe-application';
import { run as describeFailure } from '../../lambdas/describe-failure';
import { run as forceStopApplication } from '../../lambdas/force-stop-application';
import { run as startApplication } from '../../lambdas/start-application';
import { run as stopUnhealthyApplication } from '../../lambdas/stop-unhealthy-application';
import { run as uploadCode } from '../../lambdas/upload-code';
import { run as validateInput } from '../../lambdas/validate-input';
import { runProvisioningLocally, type TaskImplementation } from '../../local/stepfunctions/run-provisioning';
import { SimulatedAws, simulatedEnvironment } from '../../test/workflow/support/simulated-aws';
import type { ApplicationStatusCheck } from '../../workflow/contract';

/** The targets for a 3-minute start, health gate included (without the gate it cost 22 and 11). */
export const Targets = { transitions: 30, lambdaInvocations: 14 } as const;

export interface Measurement {
  schedule: string;
  startSeconds: number;
  status: string;
  /** States entered plus retries: what Step Functions bills as state transitions. */
  stateTransitions: number;
  lambdaInvocations: number;
  statusPolls: number;
  /** Simulated seconds from StartApplication until the machine saw RUNNING. */
  runningSeenAfterSeconds: number;
  /** How long after the application was RUNNING the machine noticed. */
  detectionLagSeconds: number;
  /** CheckApplicationHealth runs (the health gate after RUNNING). */
  healthChecks: number;
  /** Simulated seconds from RUNNING seen until the gate declared the job healthy. */
  healthGateSeconds: number;
}

const aws = new SimulatedAws();

/** Rewrites the poll interval a status check asks for (a fixed schedule), or leaves it (the tasks' own). */
function withFixedInterval(task: TaskImplementation, seconds: number | undefined): TaskImplementation {
  if (seconds === undefined) return task;
  return async (input) => {
    const check = (await task(input)) as ApplicationStatusCheck;
    return check.phase === 'WAITING' ? { ...check, nextWaitSeconds: seconds } : check;
  };
}

/** One provisioning execution with the application starting in `startSeconds` simulated seconds. */
export async function measure(startSeconds: number, fixedIntervalSeconds?: number): Promise<Measurement> {
  aws.reset({ application: { startSeconds } });
  const bound = aws.bind({
    ValidateInput: validateInput,
    CreateStream: createStream,
    CreateBucket: createBucket,
    UploadCode: uploadCode,
    CreateApplication: createApplication,
    StartApplication: startApplication,
    DescribeApplication: describeApplication,
    ForceStopApplication: forceStopApplication,
    CheckApplicationHealth: checkApplicationHealth,
    StopUnhealthyApplication: stopUnhealthyApplication,
    CreateCrawler: createCrawler,
    DescribeFailure: describeFailure,
  });
  let startedAt = 0;
  let runningSeenAt: number | undefined;
  const start = bound.StartApplication!;
  const describe = bound.DescribeApplication!;
  const tasks = {
    ...bound,
    StartApplication: withFixedInterval(async (input) => {
      startedAt = aws.elapsedSeconds();
      return start(input);
    }, fixedIntervalSeconds),
    DescribeApplication: withFixedInterval(async (input) => {
      const check = (await describe(input)) as ApplicationStatusCheck;
      if (check.phase === 'RUNNING') runningSeenAt ??= aws.elapsedSeconds();
      return check;
    }, fixedIntervalSeconds),
  };
  const result = await runProvisioningLocally({
    input: { pipelineName: 'bench-demo', startTimeoutSeconds: 3600 },
    env: simulatedEnvironment,
    waitSeconds: 0,
    retryIntervalMs: 0,
    tasks,
  });
  const entered = result.events.filter((e) => e.type === 'StateEntered');
  const retried = result.events.filter((e) => e.type === 'StateRetried');
  const taskEntries = entered.filter((e) => e.stateType === 'Task');
  const seenAfter = (runningSeenAt ?? Number.NaN) - startedAt;
  return {
    schedule:
      fixedIntervalSeconds === undefined
        ? 'tasks (60, 40, 40, 40, x1.5 to 120 s)'
        : `fixed ${fixedIntervalSeconds} s`,
    startSeconds,
    status: result.status,
    stateTransitions: entered.length + retried.length,
    lambdaInvocations: taskEntries.length + retried.length,
    statusPolls: entered.filter((e) => e.state === 'DescribeApplication').length,
    runningSeenAfterSeconds: seenAfter,
    detectionLagSeconds: seenAfter - startSeconds,
    healthChecks: entered.filter((e) => e.state === 'CheckApplicationHealth').length,
    healthGateSeconds: aws.elapsedSeconds() - (runningSeenAt ?? Number.NaN),
  };
}

function table(rows: Measurement[]): string {
  const header =
    '| poll schedule | app start (s) | result | state transitions | Lambda invocations | status polls | RUNNING seen after (s) | late by (s) | health checks | health gate (s) |\n' +
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
  return [
    header,
    ...rows.map(
      (r) =>
        `| ${r.schedule} | ${r.startSeconds} | ${r.status} | ${r.stateTransitions} | ${r.lambdaInvocations} | ` +
        `${r.statusPolls} | ${r.runningSeenAfterSeconds} | ${r.detectionLagSeconds} | ${r.healthChecks} | ${r.healthGateSeconds} |`,
    ),
  ].join('\n');
}

async function main(): Promise<void> {
  const rows: Measurement[] = [];
  // The case first, then the schedule across start times, then the fixed-interval alternatives.
  rows.push(await measure(180));
  for (const seconds of [0, 60, 90, 120, 150, 181, 240, 300, 600]) rows.push(await measure(seconds));
  for (const interval of [10, 20, 30, 60]) rows.push(await measure(180, interval));

  const headline = rows[0]!;
  const meetsTargets =
    headline.status === 'SUCCEEDED' &&
    headline.stateTransitions <= Targets.transitions &&
    headline.lambdaInvocations <= Targets.lambdaInvocations;
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ targets: Targets, meetsTargets, rows }, null, 2));
  } else {
    console.log(table(rows));
    console.log(
      `\n3-minute start: ${headline.stateTransitions} state transitions (target <= ${Targets.transitions}), ` +
        `${headline.lambdaInvocations} Lambda invocations (target <= ${Targets.lambdaInvocations}): ` +
        `${meetsTargets ? 'within target' : 'OVER TARGET'}`,
    );
  }
  if (!meetsTargets) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
