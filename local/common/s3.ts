/**
 * The local endpoints' own S3 client: Glue's crawler and Athena's engine read (and Athena writes) the
 * local S3 with the real SDK, as the managed services read and write S3.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface S3Location {
  bucket: string;
  /** Key prefix without a leading slash; '' for the bucket's root. */
  prefix: string;
}

/** Parses `s3://bucket/prefix` (s3a:// too, as Flink writes it); throws a message that says the expected form. */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`"${uri}" is not an S3 URI; expected s3://<bucket>/<prefix>`);
  return { bucket: match[1] as string, prefix: match[2] as string };
}

/** A path-style client with dummy credentials; moto answers any. */
export function localS3Client(endpoint: string, region: string): S3Client {
  return new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export interface S3ObjectSummary {
  key: string;
  size: number;
  lastModified: Date;
}

/** Every object under a prefix (all pages). */
export async function listAllObjects(s3: S3Client, location: S3Location): Promise<S3ObjectSummary[]> {
  const objects: S3ObjectSummary[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: location.bucket,
        Prefix: location.prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      objects.push({
        key: object.Key,
        size: object.Size ?? 0,
        lastModified: object.LastModified ?? new Date(0),
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

/** Reads an object (or its first `maxBytes`) into memory. */
export async function readObject(
  s3: S3Client,
  bucket: string,
  key: string,
  maxBytes?: number,
): Promise<Buffer> {
  const response = await s3.send(
    new GetObjectCommand({
      Bucket: bucket,
      Key: key,
      ...(maxBytes ? { Range: `bytes=0-${maxBytes - 1}` } : {}),
    }),
  );
  const bytes = await response.Body?.transformToByteArray();
  return Buffer.from(bytes ?? new Uint8Array());
}

/** Downloads an object to a file, making its folder. */
export async function downloadObject(
  s3: S3Client,
  bucket: string,
  key: string,
  file: string,
): Promise<number> {
  const body = await readObject(s3, bucket, key);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, body);
  return body.length;
}

export async function putObject(
  s3: S3Client,
  bucket: string,
  key: string,
  body: string | Buffer,
  contentType: string,
) {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}
