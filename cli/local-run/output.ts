import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { InterruptedError, OperationFailedError } from '../errors';
import type { Poller } from './query';

/** Committed output files per ticker partition. */
export type OutputFiles = Record<string, string[]>;

/**
 * Whether a key is a committed data file: the file sink writes in-progress files with a leading dot
 * (`.part-...inprogress...`) and marks committed partitions with `_SUCCESS`; neither holds rows.
 */
export function isCommittedDataFile(key: string): boolean {
  const name = key.split('/').at(-1) ?? '';
  return name !== '' && !name.startsWith('.') && !name.startsWith('_') && !name.includes('inprogress');
}

/** Groups committed data files by their `ticker=` partition folder. */
export function committedFilesByTicker(keys: readonly string[]): OutputFiles {
  const files: OutputFiles = {};
  for (const key of keys) {
    const match = key.match(/(?:^|\/)ticker=([^/]+)\//);
    if (!match || !isCommittedDataFile(key)) continue;
    const ticker = decodeURIComponent(match[1] as string);
    (files[ticker] ??= []).push(key);
  }
  return files;
}

async function listKeys(s3: Pick<S3Client, 'send'>, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** Polls the output prefix until every ticker's partition holds a committed data file. */
export async function waitForOutput(
  s3: Pick<S3Client, 'send'>,
  location: { bucket: string; prefix: string },
  tickers: readonly string[],
  poller: Poller,
  options: { pollMs?: number; timeoutMs?: number } = {},
): Promise<OutputFiles> {
  const deadline = poller.now() + (options.timeoutMs ?? 180_000);
  for (;;) {
    const files = committedFilesByTicker(await listKeys(s3, location.bucket, location.prefix));
    const waitingFor = tickers.filter((t) => !files[t]?.length);
    if (waitingFor.length === 0) return files;
    if (poller.now() >= deadline) {
      throw new OperationFailedError(
        `No committed output for ${waitingFor.join(', ')} under s3://${location.bucket}/${location.prefix} in time. The job's log says why (flinkflow local status shows where it is).`,
      );
    }
    if (poller.signal?.aborted) throw new InterruptedError('Interrupted while waiting for the output in S3.');
    await poller.sleep(options.pollMs ?? 2000);
  }
}

/** Splits `s3://bucket/prefix/` into its bucket and key prefix. */
export function parseS3Location(uri: string): { bucket: string; prefix: string } {
  const match = uri.match(/^s3a?:\/\/([^/]+)\/?(.*)$/);
  if (!match) throw new OperationFailedError(`${uri} is not an s3:// location.`);
  return { bucket: match[1] as string, prefix: match[2] as string };
}
