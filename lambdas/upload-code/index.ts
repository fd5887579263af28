/**
 * UploadCode: copies the Flink code zip from the deployment's asset location into the pipeline's
 * bucket and returns the copy's object version, which CreateApplication pins. A copy whose content
 * hash already matches is reused, so a re-run neither makes a new version nor changes the application.
 */
import { createHash } from 'node:crypto';
import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { DeploymentVariables, ProvisionState, type ProvisionExecutionState } from '../../workflow/contract';
import { httpStatusOf, isAwsError, requireExecutionState } from '../shared/aws';
import { InvalidCodeError, ResourceConflictError, TransientError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { logger } from '../shared/logger';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

export type UploadCodeResult = NonNullable<ProvisionExecutionState['code']>;

/** User metadata on the copy holding its SHA-256 (hex), for stores that return no checksum. */
export const SHA256_METADATA_KEY = 'flinkflow-sha256';

/** S3's full-object SHA-256 checksum is base64; the task reports hex like `sha256sum`. */
function fullObjectSha256(head: HeadObjectCommandOutput): string | undefined {
  // A multipart upload's checksum is a checksum of part checksums ("...-<parts>"), not of the content.
  if (!head.ChecksumSHA256 || head.ChecksumSHA256.includes('-') || head.ChecksumType === 'COMPOSITE')
    return undefined;
  return Buffer.from(head.ChecksumSHA256, 'base64').toString('hex');
}

async function headOrUndefined(
  deps: TaskDeps,
  Bucket: string,
  Key: string,
): Promise<HeadObjectCommandOutput | undefined> {
  try {
    return await deps.clients.s3.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
  } catch (error) {
    if (isAwsError(error, 'NotFound', 'NoSuchKey') || httpStatusOf(error) === 404) return undefined;
    throw error;
  }
}

/** Hashes an object by reading it: the fallback when S3 holds no full-object SHA-256 for it. */
async function hashObject(deps: TaskDeps, Bucket: string, Key: string, VersionId?: string): Promise<string> {
  const out = await deps.clients.s3.send(
    new GetObjectCommand({ Bucket, Key, ...(VersionId ? { VersionId } : {}) }),
  );
  if (!out.Body) throw new TransientError(`GetObject s3://${Bucket}/${Key} returned no body`);
  const hash = createHash('sha256');
  for await (const chunk of out.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest('hex');
}

function copySource(bucket: string, key: string, versionId: string | undefined): string {
  const path = `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  return versionId ? `${path}?versionId=${encodeURIComponent(versionId)}` : path;
}

/** The asset changed between hashing and copying (CopySourceIfMatch failed): a retry hashes it again. */
async function copyWithGuard<T>(copy: () => Promise<T>): Promise<T> {
  try {
    return await copy();
  } catch (error) {
    if (isAwsError(error, 'PreconditionFailed') || httpStatusOf(error) === 412) {
      throw new TransientError(
        'The code asset changed while it was being copied; retrying copies the new content',
        { cause: error },
      );
    }
    throw error;
  }
}

/** UploadCode's logic: reuse a copy with the same SHA-256, or copy the asset and return the new version. */
export const run = withTransientErrors(
  async (event: ProvisionExecutionState, deps: Partial<TaskDeps> = {}): Promise<UploadCodeResult> => {
    const { config } = requireExecutionState(event, ProvisionState.UploadCode);
    const d = resolveDeps(deps);
    const source = { bucket: config.codeAssetBucket, key: config.codeAssetKey };
    const target = { bucketName: config.bucketName, key: config.codeKey };

    const sourceHead = await headOrUndefined(d, source.bucket, source.key);
    if (!sourceHead) {
      throw new InvalidCodeError(
        `The Flink code zip s3://${source.bucket}/${source.key} does not exist; deploy the stack again (it uploads ` +
          `the asset) or point ${DeploymentVariables.codeAssetBucket}/${DeploymentVariables.codeAssetKey} at the zip`,
      );
    }
    if (!sourceHead.ContentLength) {
      throw new InvalidCodeError(
        `The Flink code zip s3://${source.bucket}/${source.key} is empty; rebuild it (flink-app/)`,
      );
    }
    const sourceVersion =
      sourceHead.VersionId && sourceHead.VersionId !== 'null' ? sourceHead.VersionId : undefined;
    const sha256 =
      fullObjectSha256(sourceHead) ?? (await hashObject(d, source.bucket, source.key, sourceVersion));

    const current = await headOrUndefined(d, target.bucketName, target.key);
    const currentSha256 = current && (fullObjectSha256(current) ?? current.Metadata?.[SHA256_METADATA_KEY]);
    if (current?.VersionId && current.VersionId !== 'null' && currentSha256 === sha256) {
      logger.info('code object already has this content; reusing its version', {
        versionId: current.VersionId,
      });
      return { ...target, versionId: current.VersionId, sha256 };
    }

    const copy = await copyWithGuard(() =>
      d.clients.s3.send(
        new CopyObjectCommand({
          Bucket: target.bucketName,
          Key: target.key,
          CopySource: copySource(source.bucket, source.key, sourceVersion),
          // Guards against the asset changing between the hash above and the copy.
          ...(sourceHead.ETag ? { CopySourceIfMatch: sourceHead.ETag } : {}),
          ChecksumAlgorithm: 'SHA256',
          MetadataDirective: 'REPLACE',
          Metadata: { [SHA256_METADATA_KEY]: sha256 },
          ContentType: 'application/zip',
        }),
      ),
    );
    if (!copy.VersionId || copy.VersionId === 'null') {
      throw new ResourceConflictError(
        `Bucket ${target.bucketName} has versioning turned off, so the copied code has no object version to pin; ` +
          'turn versioning on (CreateBucket does) and run provisioning again',
      );
    }
    return { ...target, versionId: copy.VersionId, sha256 };
  },
);

export const handler = taskHandler(ProvisionState.UploadCode, (event: ProvisionExecutionState) => run(event));
