/**
 * StartApplication: starts the application and opens the status-polling loop. An application that is
 * already RUNNING (a repeated execution) or STARTING is taken as it is; the result tells the machine's
 * Choice whether to wait and how long.
 */
import { StartApplicationCommand } from '@aws-sdk/client-kinesis-analytics-v2';
import {
  ProvisionState,
  type ApplicationStatusCheck,
  type ProvisionConfig,
  type ProvisionExecutionState,
} from '../../workflow/contract';
import { describeApplication, failureReason, pollDelaySeconds } from '../shared/application-status';
import { isAwsError, requireExecutionState } from '../shared/aws';
import { ApplicationStartFailedError, ResourceConflictError, TransientError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { logger } from '../shared/logger';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

/**
 * Statuses from which StartApplication is accepted. Not ROLLED_BACK: the service rolls an application
 * back to its previous running version after an update or scaling operation failed (Managed Flink guide,
 * "System rollback best practices"), so starting it would run that version, not the code this execution
 * uploaded; the failed operation is what needs fixing.
 */
const STARTABLE = ['READY'];

function busy(config: ProvisionConfig, status: string | undefined, cause?: unknown): Error {
  if (status === 'DELETING') {
    return new ResourceConflictError(
      `Application ${config.applicationName} is being deleted; run provisioning again once it is gone`,
      { cause },
    );
  }
  return new TransientError(
    `Application ${config.applicationName} is ${status ?? 'in an unknown status'}; it can be started once that ends`,
    { cause },
  );
}

/** StartApplication's logic: start (unless running or starting already) and return the first status check. */
export const run = withTransientErrors(
  async (event: ProvisionExecutionState, deps: Partial<TaskDeps> = {}): Promise<ApplicationStatusCheck> => {
    const { config } = requireExecutionState(event, ProvisionState.StartApplication);
    const d = resolveDeps(deps);
    const ApplicationName = config.applicationName;
    const startedAt = d.now().toISOString();

    let detail = await describeApplication(d, ApplicationName);
    if (detail.ApplicationStatus === 'RUNNING') {
      logger.info('application already running', { applicationName: ApplicationName });
      return {
        phase: 'RUNNING',
        startedAt,
        applicationStatus: 'RUNNING',
        applicationVersionId: detail.ApplicationVersionId ?? 0,
        attempt: 0,
        nextWaitSeconds: 0,
      };
    }
    if (detail.ApplicationStatus === 'ROLLED_BACK') {
      const reason = await failureReason(d, ApplicationName);
      throw new ApplicationStartFailedError(
        `Application ${ApplicationName} is ROLLED_BACK: the service reverted it to an earlier version after an operation failed (${reason}). ` +
          'It was not started, since that would run the earlier version; fix the cause, delete the application, and run provisioning again',
      );
    }
    if (detail.ApplicationStatus !== 'STARTING') {
      // Stryker disable next-line StringLiteral: no status is startable; any fallback string other than READY says so, as '' does.
      if (!STARTABLE.includes(detail.ApplicationStatus ?? '')) throw busy(config, detail.ApplicationStatus);
      try {
        await d.clients.kinesisAnalytics.send(new StartApplicationCommand({ ApplicationName }));
      } catch (error) {
        // The status changed since our describe (another execution started it, or an update began).
        if (!isAwsError(error, 'ResourceInUseException')) throw error;
        detail = await describeApplication(d, ApplicationName);
        if (detail.ApplicationStatus !== 'STARTING' && detail.ApplicationStatus !== 'RUNNING') {
          throw busy(config, detail.ApplicationStatus, error);
        }
      }
    }
    return {
      phase: 'WAITING',
      startedAt,
      applicationStatus: 'STARTING',
      applicationVersionId: detail.ApplicationVersionId ?? 0,
      attempt: 0,
      nextWaitSeconds: pollDelaySeconds(0),
    };
  },
);

export const handler = taskHandler(ProvisionState.StartApplication, (event: ProvisionExecutionState) =>
  run(event),
);
