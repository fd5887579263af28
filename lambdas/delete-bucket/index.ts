/**
 * DeleteBucket: deletes the pipeline's bucket once EmptyBucket has emptied it. Something that wrote into
 * it in between (BucketNotEmpty) fails the task with that reason; a re-run empties it again.
 */
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import {
  TeardownState,
  type TeardownExecutionState,
  type TeardownStepResult,
} from '../../workflow/teardown-contract';
import { isAwsError } from '../shared/aws';
import { taskHandler } from '../shared/handler';
import {
  isNotFound,
  requireTeardownState,
  resolveTeardownDeps,
  resource,
  type TeardownDeps,
} from '../shared/teardown';
import { withTransientErrors } from '../shared/transient';

export class BucketNotEmptyError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BucketNotEmptyError';
  }
}

export const run = withTransientErrors(
  async (event: TeardownExecutionState, deps: Partial<TeardownDeps> = {}): Promise<TeardownStepResult> => {
    const { config, emptyBucket } = requireTeardownState(event, TeardownState.DeleteBucket);
    const d = resolveTeardownDeps(deps);
    const Bucket = config.bucketName;
    const deleted = emptyBucket?.deleted ?? 0;
    const objects = resource(
      'objects',
      Bucket,
      deleted > 0 ? 'removed' : 'alreadyGone',
      `${deleted} object version(s) and delete marker(s)`,
    );
    try {
      await d.clients.s3.send(new DeleteBucketCommand({ Bucket, ExpectedBucketOwner: config.account }));
    } catch (error) {
      if (isNotFound(error)) return { resources: [objects, resource('bucket', Bucket, 'alreadyGone')] };
      if (isAwsError(error, 'BucketNotEmpty')) {
        throw new BucketNotEmptyError(
          `Bucket ${Bucket} received new objects after it was emptied (is something still writing to it?); run the teardown again to empty and delete it`,
          { cause: error },
        );
      }
      throw error;
    }
    return { resources: [objects, resource('bucket', Bucket, 'removed')] };
  },
);

export const handler = taskHandler(TeardownState.DeleteBucket, (event: TeardownExecutionState) => run(event));
