/**
 * The local Managed Service for Apache Flink endpoint. The local-cloud daemon mounts the provider with
 * `startJsonService({ targetPrefix: 'KinesisAnalytics_20180523', provider })`.
 */
import type { LocalJsonService } from '../common/provider';
import { readStoreFile, storeFileOf } from './store';
import { FlinkService, type FlinkProvider, type FlinkServiceOptions } from './service';

export { applicationPaths, FlinkService, type FlinkProvider, type FlinkServiceOptions } from './service';

/** The X-Amz-Target prefix of the kinesisanalyticsv2 API. */
export const FLINK_TARGET_PREFIX = 'KinesisAnalytics_20180523';

/**
 * Creates the service: loads the application store under `dataDir` (an application that was RUNNING
 * before the endpoint stopped stays RUNNING and its job restarts from its newest checkpoint; resume.ts
 * decides the other statuses) and returns the provider and a shutdown that stops every job.
 */
export async function createFlinkService(
  options: FlinkServiceOptions,
): Promise<LocalJsonService<FlinkProvider> & { service: FlinkService }> {
  const service = new FlinkService(options);
  service.load();
  return { provider: service.provider(), shutdown: () => service.shutdown(), service };
}

/** What `local status` shows of one application, read from the store without a running endpoint. */
export interface StoredApplicationSummary {
  name: string;
  status: string;
  versionId: number;
  /** The newest run's log (runner and Flink output). */
  logPath?: string;
  /** Why the job last ended by itself, if it did. */
  lastRunError?: string;
}

/** Reads the application store under the endpoint's dataDir; empty when there is none yet. */
export function readStoredApplications(dataDir: string): StoredApplicationSummary[] {
  const store = readStoreFile(storeFileOf(dataDir));
  if (!store) return [];
  return store.applications.map((app) => ({
    name: app.name,
    status: app.status,
    versionId: app.versionId,
    ...(app.lastLogPath !== undefined ? { logPath: app.lastLogPath } : {}),
    ...(app.lastRunError !== undefined ? { lastRunError: app.lastRunError } : {}),
  }));
}

/**
 * The largest request the endpoint reads: ZipFileContent may hold 52,428,800 bytes (API reference,
 * CodeContent), which JSON carries as base64 (4/3 larger), plus the rest of the request.
 */
export const FLINK_MAX_REQUEST_BYTES = 72 * 1024 * 1024;
