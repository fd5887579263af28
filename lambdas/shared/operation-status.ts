/** Following one Managed Flink operation (an update, a rollback) with DescribeApplicationOperation. */
import { DescribeApplicationOperationCommand } from '@aws-sdk/client-kinesis-analytics-v2';
import type { TaskDeps } from './runtime';

export interface OperationState {
  status: string;
  error?: string;
  rollbackOperationId?: string;
}

/** The operation's status, its error and, for a failed update the service rolled back, the rollback's id. */
export async function operationState(
  deps: TaskDeps,
  applicationName: string,
  operationId: string,
): Promise<OperationState> {
  const out = await deps.clients.kinesisAnalytics.send(
    new DescribeApplicationOperationCommand({ ApplicationName: applicationName, OperationId: operationId }),
  );
  const info = out.ApplicationOperationInfoDetails;
  const error = info?.OperationFailureDetails?.ErrorInfo?.ErrorString;
  const rollback = info?.OperationFailureDetails?.RollbackOperationId;
  return {
    status: info?.OperationStatus ?? 'UNKNOWN',
    ...(error ? { error } : {}),
    ...(rollback ? { rollbackOperationId: rollback } : {}),
  };
}

/**
 * Seconds before the next look at an update or a rollback. On AWS an update restarts the job from a
 * snapshot in one to a few minutes; a look every 20 s (after a first one at 30 s) sees the end at most
 * 20 s late for a handful of invocations.
 */
export function operationPollDelaySeconds(attempt: number): number {
  return attempt <= 0 ? 30 : 20;
}
