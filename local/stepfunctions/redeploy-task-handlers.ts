/**
 * Each redeploy task's handler module, by task, written out like task-handlers.ts. CheckApplicationHealth
 * is the provisioning machine's handler: the redeploy machine reuses the health gate as it is.
 */
import { RedeployState, type RedeployLambdaTask } from '../../workflow/redeploy-contract';
import type { HandlerModule } from './task-handlers';

export const RedeployTaskHandlerModules: Readonly<
  Record<RedeployLambdaTask, () => Promise<Partial<HandlerModule>>>
> = {
  [RedeployState.ValidateRedeploy]: () => import('../../lambdas/validate-redeploy'),
  [RedeployState.PreflightCode]: () => import('../../lambdas/preflight-code'),
  [RedeployState.SnapshotApplication]: () => import('../../lambdas/snapshot-application'),
  [RedeployState.UpdateApplicationCode]: () => import('../../lambdas/update-application-code'),
  [RedeployState.DescribeUpdate]: () => import('../../lambdas/describe-update'),
  [RedeployState.CheckApplicationHealth]: () => import('../../lambdas/check-application-health'),
  [RedeployState.RunCanary]: () => import('../../lambdas/run-canary'),
  [RedeployState.RollbackApplication]: () => import('../../lambdas/rollback-application'),
  [RedeployState.DescribeRollback]: () => import('../../lambdas/describe-rollback'),
  [RedeployState.DescribeRedeployFailure]: () => import('../../lambdas/describe-redeploy-failure'),
};
