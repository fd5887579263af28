/**
 * DeleteApplication: deletes the stopped application, then its CloudWatch log group.
 *
 * DeleteApplication needs the application's CreateTimestamp (API reference: "Use the DescribeApplication
 * operation to get this value"), so the task reads it first. The log group is not the service's to
 * delete: provisioning's CreateApplication made it and the service only writes into it, so it outlives
 * the application unless teardown deletes it. It is deleted with everything else, and kept with the
 * data when the input says keepData (the job's logs are what explains the data).
 */
import { DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DeleteApplicationCommand } from '@aws-sdk/client-kinesis-analytics-v2';
import {
  TeardownState,
  type TeardownExecutionState,
  type TeardownResource,
  type TeardownStepResult,
} from '../../workflow/teardown-contract';
import { describeApplication } from '../shared/application-status';
import { isAwsError } from '../shared/aws';
import { TransientError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import {
  isNotFound,
  requireTeardownState,
  resolveTeardownDeps,
  resource,
  type TeardownDeps,
} from '../shared/teardown';
import { withTransientErrors } from '../shared/transient';

async function deleteApplication(d: TeardownDeps, name: string): Promise<TeardownResource> {
  let detail;
  try {
    detail = await describeApplication(d, name);
  } catch (error) {
    if (isNotFound(error)) return resource('application', name, 'alreadyGone');
    throw error;
  }
  if (detail.ApplicationStatus === 'DELETING') {
    return resource('application', name, 'removed', 'its deletion was already under way');
  }
  try {
    await d.clients.kinesisAnalytics.send(
      new DeleteApplicationCommand({ ApplicationName: name, CreateTimestamp: detail.CreateTimestamp }),
    );
  } catch (error) {
    if (isNotFound(error)) return resource('application', name, 'alreadyGone');
    if (isAwsError(error, 'ResourceInUseException')) {
      throw new TransientError(
        `Application ${name} is ${detail.ApplicationStatus ?? 'busy'}; its deletion is retried`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  return resource('application', name, 'removed', `was ${detail.ApplicationStatus ?? 'UNKNOWN'}`);
}

export const run = withTransientErrors(
  async (event: TeardownExecutionState, deps: Partial<TeardownDeps> = {}): Promise<TeardownStepResult> => {
    const { config } = requireTeardownState(event, TeardownState.DeleteApplication);
    const d = resolveTeardownDeps(deps);
    const application = await deleteApplication(d, config.applicationName);
    const logGroupName = config.applicationLogGroup;
    if (config.keepData) {
      return { resources: [application, resource('logGroup', logGroupName, 'kept', 'keepData')] };
    }
    try {
      await d.clients.logs.send(new DeleteLogGroupCommand({ logGroupName }));
    } catch (error) {
      if (isNotFound(error))
        return { resources: [application, resource('logGroup', logGroupName, 'alreadyGone')] };
      throw error;
    }
    return { resources: [application, resource('logGroup', logGroupName, 'removed')] };
  },
);

export const handler = taskHandler(TeardownState.DeleteApplication, (event: TeardownExecutionState) =>
  run(event),
);
