/**
 * Each provisioning task's handler module, by task: written out (not built from the task's name) so that
 * a reader, the type checker and the bundlers can follow every import. `lambdaFolderName(task)` names the
 * same folders for the deployed functions (infra/task-function.ts); the workflow tests run each task
 * through this table with its real handler.
 */
import type { Context } from 'aws-lambda';
import { ProvisionState, type ProvisionLambdaTask } from '../../workflow/contract';

/** A handler module as the local runner uses it: the middy `handler` Lambda would call. */
export interface HandlerModule {
  // Each handler takes its own event type; the runner passes what the interpreter hands it.
  handler: (event: never, context: Context) => Promise<unknown>;
}

/** Loads a task's handler module; the import runs at first use, after the task's environment is set. */
export const TaskHandlerModules: Readonly<
  Record<ProvisionLambdaTask, () => Promise<Partial<HandlerModule>>>
> = {
  [ProvisionState.ValidateInput]: () => import('../../lambdas/validate-input'),
  [ProvisionState.CreateStream]: () => import('../../lambdas/create-stream'),
  [ProvisionState.CreateBucket]: () => import('../../lambdas/create-bucket'),
  [ProvisionState.UploadCode]: () => import('../../lambdas/upload-code'),
  [ProvisionState.CreateApplication]: () => import('../../lambdas/create-application'),
  [ProvisionState.StartApplication]: () => import('../../lambdas/start-application'),
  [ProvisionState.DescribeApplication]: () => import('../../lambdas/describe-application'),
  [ProvisionState.ForceStopApplication]: () => import('../../lambdas/force-stop-application'),
  [ProvisionState.CheckApplicationHealth]: () => import('../../lambdas/check-application-health'),
  [ProvisionState.StopUnhealthyApplication]: () => import('../../lambdas/stop-unhealthy-application'),
  [ProvisionState.CreateCrawler]: () => import('../../lambdas/create-crawler'),
  [ProvisionState.CreateValidationSchedule]: () => import('../../lambdas/create-validation-schedule'),
  [ProvisionState.DescribeFailure]: () => import('../../lambdas/describe-failure'),
};
