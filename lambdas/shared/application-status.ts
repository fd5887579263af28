/**
 * The start-polling loop's rules, shared by StartApplication, DescribeApplication and
 * ForceStopApplication: which application statuses mean "wait", "done" or "failed", how long to wait
 * between polls, and how to find out why a start failed.
 */
import {
  DescribeApplicationCommand,
  DescribeApplicationOperationCommand,
  ListApplicationOperationsCommand,
  type ApplicationDetail,
} from '@aws-sdk/client-kinesis-analytics-v2';
import type { TaskDeps } from './runtime';

/**
 * Seconds to wait before status check number `attempt + 1` (attempt 0 = just after StartApplication).
 *
 * Why this schedule: we assume (from AWS's guidance, not a measurement of ours) that a Managed Flink
 * application takes one to three minutes to start and hardly ever under one, so polling in the first
 * minute only spends invocations. After 60 s we check every 40 s through that window: a start of up to
 * ~180 s is seen by the 4th DescribeApplication (at 60, 100, 140, 180 s), at most 40 s late, which makes
 * 11 Lambda invocations and 22 state transitions for the whole happy path (measured, with the
 * comparison against fixed intervals, in docs/benchmarks.md). A longer start is unusual (a large state
 * restore, a capacity shortage), so the waits then grow by half each time up to 2 minutes, bounding the
 * longest allowed start (3600 s) to 34 polls.
 */
export function pollDelaySeconds(attempt: number): number {
  if (attempt <= 0) return 60;
  // Stryker disable next-line EqualityOperator: at attempt 3 the growth below also gives 40 (40 * 1.5 ** 0).
  if (attempt <= 3) return 40;
  return Math.min(120, Math.round(40 * 1.5 ** (attempt - 3)));
}

/** Statuses on the way to RUNNING (or that settle back to it by themselves): keep polling. */
export const WAITING_STATUSES = ['STARTING', 'UPDATING', 'AUTOSCALING', 'MAINTENANCE'] as const;

/**
 * Statuses from which a start will not reach RUNNING: the job failed and the service stopped or rolled
 * the application back, or someone is stopping or deleting it.
 */
export const FAILED_STATUSES = [
  'READY',
  'STOPPING',
  'FORCE_STOPPING',
  'ROLLING_BACK',
  'ROLLED_BACK',
  'DELETING',
] as const;

export type StatusKind = 'RUNNING' | 'WAITING' | 'FAILED';

/** What a status means for a start in progress. Unknown statuses wait: the timeout still bounds them. */
export function statusKind(status: string | undefined): StatusKind {
  if (status === 'RUNNING') return 'RUNNING';
  if ((FAILED_STATUSES as readonly string[]).includes(status ?? '')) return 'FAILED';
  return 'WAITING';
}

/** DescribeApplication of the pipeline's application. */
export async function describeApplication(
  deps: TaskDeps,
  applicationName: string,
): Promise<ApplicationDetail> {
  const out = await deps.clients.kinesisAnalytics.send(
    new DescribeApplicationCommand({ ApplicationName: applicationName }),
  );
  if (!out.ApplicationDetail) throw new Error(`DescribeApplication of ${applicationName} returned no detail`);
  return out.ApplicationDetail;
}

/**
 * The reason the service gives for the application's latest failed operation (usually the start), e.g.
 * the job's exception. Best effort: a failure to look it up yields a sentence saying so, never an error,
 * because the status alone must still fail the execution.
 */
export async function failureReason(deps: TaskDeps, applicationName: string): Promise<string> {
  try {
    const list = await deps.clients.kinesisAnalytics.send(
      new ListApplicationOperationsCommand({ ApplicationName: applicationName, Limit: 10 }),
    );
    const operations = [...(list.ApplicationOperationInfoList ?? [])].sort(
      (a, b) => (b.StartTime?.getTime() ?? 0) - (a.StartTime?.getTime() ?? 0),
    );
    const failed = operations.find((op) => op.OperationStatus === 'FAILED');
    if (!failed?.OperationId) {
      const latest = operations[0];
      return latest
        ? `the latest operation (${latest.Operation ?? 'unknown'}) is ${latest.OperationStatus ?? 'unknown'}; no failed operation reported`
        : 'the service reports no operations for the application';
    }
    const details = await deps.clients.kinesisAnalytics.send(
      new DescribeApplicationOperationCommand({
        ApplicationName: applicationName,
        OperationId: failed.OperationId,
      }),
    );
    const info = details.ApplicationOperationInfoDetails;
    const error = info?.OperationFailureDetails?.ErrorInfo?.ErrorString;
    const rollback = info?.OperationFailureDetails?.RollbackOperationId;
    return (
      `${failed.Operation ?? 'operation'} ${failed.OperationId} failed: ${error ?? 'no error message given'}` +
      (rollback ? ` (rolled back by operation ${rollback})` : '')
    );
  } catch (error) {
    return `no reason available (${error instanceof Error ? error.name : 'lookup failed'} when listing the application's operations)`;
  }
}
