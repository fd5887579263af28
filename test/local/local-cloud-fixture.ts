/**
 * Starts the local endpoints in the test's process and builds real SDK v3 clients against them.
 * Crawler and query phases are shortened (by configuration) so that each state is still observable.
 */
import { AthenaClient, GetQueryExecutionCommand, type QueryExecutionState } from '@aws-sdk/client-athena';
import { GetCrawlerCommand, GlueClient } from '@aws-sdk/client-glue';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServices, type LocalServices } from '../../local/services';

export interface Fixture {
  services: LocalServices;
  dataDir: string;
  glue: GlueClient;
  athena: AthenaClient;
  s3: S3Client;
  kinesis: KinesisClient;
  stop(): Promise<void>;
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';

/** Shorter crawler and query phases than the services' defaults; see LocalServicesOptions. */
export interface FixtureTimings {
  crawlerMinRunningMs?: number;
  crawlerStoppingMs?: number;
  queryQueuedMs?: number;
  queryMinRunningMs?: number;
}

export async function startFixture(timings: FixtureTimings = {}): Promise<Fixture> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-local-test-'));
  const services = await startServices({
    dataDir,
    crawlerMinRunningMs: timings.crawlerMinRunningMs ?? 300,
    crawlerStoppingMs: timings.crawlerStoppingMs ?? 300,
    queryQueuedMs: timings.queryQueuedMs ?? 50,
    queryMinRunningMs: timings.queryMinRunningMs ?? 0,
  });
  const { endpoints } = services;
  const fixture: Fixture = {
    services,
    dataDir,
    glue: new GlueClient({ endpoint: endpoints.glue, region, credentials }),
    athena: new AthenaClient({ endpoint: endpoints.athena, region, credentials }),
    s3: new S3Client({ endpoint: endpoints.s3, region, credentials, forcePathStyle: true }),
    // kinesalite speaks HTTP/1.1 only; the Kinesis client would otherwise try HTTP/2.
    kinesis: new KinesisClient({
      endpoint: endpoints.kinesis,
      region,
      credentials,
      requestHandler: new NodeHttpHandler(),
    }),
    stop: async () => {
      for (const client of [fixture.glue, fixture.athena, fixture.s3, fixture.kinesis]) client.destroy();
      await services.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/**
 * Starts the fixture before the file's tests (then runs `prepare` on it, within the same 60 s hook) and
 * stops it after them. The returned object is filled in by that hook: read its members inside hooks and
 * tests, not when the file loads.
 */
export function useFixture(
  timings: FixtureTimings = {},
  prepare: (fixture: Fixture) => Promise<void> = async () => undefined,
): Fixture {
  const fixture = {} as Fixture;
  beforeAll(async () => {
    Object.assign(fixture, await startFixture(timings));
    await prepare(fixture);
  }, 60_000);
  afterAll(async () => {
    // Absent when the start itself failed; that failure is what the run reports.
    await fixture.stop?.();
  });
  return fixture;
}

export async function createBucketWith(
  s3: S3Client,
  bucket: string,
  objects: Record<string, string | Buffer>,
) {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const [key, body] of Object.entries(objects)) {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }),
    );
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls a crawler until READY after a run, recording each state seen (deduplicated in order). */
export async function crawlerStates(glue: GlueClient, name: string, timeoutMs = 30_000): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { Crawler } = await glue.send(new GetCrawlerCommand({ Name: name }));
    const state = Crawler?.State as string;
    if (seen.at(-1) !== state) seen.push(state);
    if (state === 'READY' && seen.length > 1) return seen;
    await sleep(25);
  }
  throw new Error(
    `crawler ${name} did not return to READY within ${timeoutMs} ms; states seen: ${seen.join(' -> ')}`,
  );
}

const TERMINAL: QueryExecutionState[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/** Polls a query until it ends, recording each state seen. */
export async function queryStates(athena: AthenaClient, id: string, timeoutMs = 30_000): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const state = QueryExecution?.Status?.State as QueryExecutionState;
    if (seen.at(-1) !== state) seen.push(state);
    if (TERMINAL.includes(state)) return seen;
    await sleep(20);
  }
  throw new Error(`query ${id} did not end within ${timeoutMs} ms; states seen: ${seen.join(' -> ')}`);
}

/**
 * Settles a call that should fail into its error, at once, so that the rejection is handled even when
 * the test looks at it later; a call that succeeds fails the test.
 */
export async function failure(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
