/**
 * EmptyBucket: deletes every object version and delete marker of the pipeline's bucket (it is versioned,
 * so deleting keys alone would leave their versions, and S3 deletes only an empty bucket), and aborts
 * the multipart uploads the file sink left open. It works in pages of at most 1,000 (ListObjectVersions
 * and DeleteObjects both stop there) and returns after a few pages or seconds with `more`, so that one
 * invocation never outlives its timeout however large the bucket; the machine calls it until `more` is
 * false. Each run lists from the start again: what it deleted is gone, what is left is listed.
 */
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
} from '@aws-sdk/client-s3';
import {
  TeardownState,
  type EmptyBucketProgress,
  type TeardownExecutionState,
} from '../../workflow/teardown-contract';
import { taskHandler } from '../shared/handler';
import { isNotFound, requireTeardownState, resolveTeardownDeps, type TeardownDeps } from '../shared/teardown';
import { withTransientErrors } from '../shared/transient';

/** Keys per ListObjectVersions page and per DeleteObjects call: S3's maximum for both. */
export const PAGE_SIZE = 1000;

export interface EmptyBucketDeps extends TeardownDeps {
  /** Pages handled per invocation before returning with `more` (default 20: 20,000 versions). */
  maxPages: number;
  /** Seconds per invocation before returning with `more` (default 40 of the task's 120). */
  budgetSeconds: number;
  pageSize: number;
}

export const run = withTransientErrors(
  async (
    event: TeardownExecutionState,
    deps: Partial<EmptyBucketDeps> = {},
  ): Promise<EmptyBucketProgress> => {
    const { config, emptyBucket: previous } = requireTeardownState(event, TeardownState.EmptyBucket);
    const d = resolveTeardownDeps(deps);
    const s3 = d.clients.s3;
    const Bucket = config.bucketName;
    const started = d.now().getTime();
    const maxPages = deps.maxPages ?? 20;
    const budgetMs = (deps.budgetSeconds ?? 40) * 1000;
    const pageSize = deps.pageSize ?? PAGE_SIZE;
    const progress: EmptyBucketProgress = {
      bucketName: Bucket,
      exists: true,
      deleted: previous?.deleted ?? 0,
      pages: previous?.pages ?? 0,
      more: true,
      invocations: (previous?.invocations ?? 0) + 1,
    };
    try {
      for (let page = 0; page < maxPages && d.now().getTime() - started < budgetMs; page++) {
        const listed = await s3.send(new ListObjectVersionsCommand({ Bucket, MaxKeys: pageSize }));
        const objects: ObjectIdentifier[] = [
          // Stryker disable next-line ArrayDeclaration: a filler string has no Key and is dropped below.
          ...(listed.Versions ?? []),
          // Stryker disable next-line ArrayDeclaration: a filler string has no Key and is dropped below.
          ...(listed.DeleteMarkers ?? []),
        ].flatMap((v) =>
          v.Key === undefined ? [] : [{ Key: v.Key, ...(v.VersionId ? { VersionId: v.VersionId } : {}) }],
        );
        progress.pages += 1;
        if (objects.length === 0) {
          progress.more = await abortUploads(d, Bucket);
          return progress;
        }
        // A listing page holds at most pageSize versions and markers together, so one call deletes it.
        const out = await s3.send(
          new DeleteObjectsCommand({ Bucket, Delete: { Objects: objects, Quiet: true } }),
        );
        const errors = out.Errors ?? [];
        if (errors.length > 0) {
          const first = errors[0]!;
          throw new Error(
            `${errors.length} of ${objects.length} object versions of ${Bucket} could not be deleted, e.g. ${first.Key ?? '?'} (${first.VersionId ?? 'no version'}): ${first.Code ?? 'no code'}: ${first.Message ?? 'no message'}`,
          );
        }
        progress.deleted += objects.length;
      }
    } catch (error) {
      if (isNotFound(error)) return { ...progress, exists: false, more: false };
      throw error;
    }
    return progress;
  },
);

/** Aborts one page of open multipart uploads; true when there may be more. */
async function abortUploads(d: TeardownDeps, Bucket: string): Promise<boolean> {
  const listed = await d.clients.s3.send(new ListMultipartUploadsCommand({ Bucket }));
  const uploads = listed.Uploads ?? [];
  for (const upload of uploads) {
    if (upload.Key && upload.UploadId) {
      await d.clients.s3.send(
        new AbortMultipartUploadCommand({ Bucket, Key: upload.Key, UploadId: upload.UploadId }),
      );
    }
  }
  return uploads.length > 0;
}

export const handler = taskHandler(TeardownState.EmptyBucket, (event: TeardownExecutionState) => run(event));
