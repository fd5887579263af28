/**
 * DeleteStream: deletes the tick stream once the application no longer reads it. Registered consumers
 * would make DeleteStream fail, so EnforceConsumerDeletion deletes them with it (Kinesis DeleteStream API
 * reference). The deletion is asynchronous: a stream found DELETING is recorded as removed.
 */
import { DeleteStreamCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import {
  TeardownState,
  type TeardownExecutionState,
  type TeardownStepResult,
} from '../../workflow/teardown-contract';
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

export const run = withTransientErrors(
  async (event: TeardownExecutionState, deps: Partial<TeardownDeps> = {}): Promise<TeardownStepResult> => {
    const { config } = requireTeardownState(event, TeardownState.DeleteStream);
    const d = resolveTeardownDeps(deps);
    const StreamName = config.streamName;
    let status: string | undefined;
    try {
      const out = await d.clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName }));
      status = out.StreamDescriptionSummary?.StreamStatus;
    } catch (error) {
      if (isNotFound(error)) return { resources: [resource('stream', StreamName, 'alreadyGone')] };
      throw error;
    }
    if (status === 'DELETING') {
      return { resources: [resource('stream', StreamName, 'removed', 'its deletion was already under way')] };
    }
    try {
      await d.clients.kinesis.send(new DeleteStreamCommand({ StreamName, EnforceConsumerDeletion: true }));
    } catch (error) {
      if (isNotFound(error)) return { resources: [resource('stream', StreamName, 'alreadyGone')] };
      // CREATING or UPDATING (a resharding): deletable once that ends.
      if (isAwsError(error, 'ResourceInUseException')) {
        throw new TransientError(`Stream ${StreamName} is ${status ?? 'busy'}; its deletion is retried`, {
          cause: error,
        });
      }
      throw error;
    }
    return { resources: [resource('stream', StreamName, 'removed', `was ${status ?? 'UNKNOWN'}`)] };
  },
);

export const handler = taskHandler(TeardownState.DeleteStream, (event: TeardownExecutionState) => run(event));
