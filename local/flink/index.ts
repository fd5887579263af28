/**
 * The local Managed Service for Apache Flink endpoint. The local-cloud daemon mounts the provider with
 * `startJsonService({ targetPrefix: 'KinesisAnalytics_20180523', provider })`.
 */
import type { Provider } from '../common/aws-json-server';
import { FlinkService, type FlinkServiceOptions } from './service';

export { applicationPaths, FlinkService, type FlinkServiceOptions } from './service';

/** The X-Amz-Target prefix of the kinesisanalyticsv2 API. */
export const FLINK_TARGET_PREFIX = 'KinesisAnalytics_20180523';

/**
 * Creates the service: loads the application store under `dataDir` (applications that were running
 * before a restart come back READY) and returns the provider and a shutdown that stops every job.
 */
export async function createFlinkService(
  options: FlinkServiceOptions,
): Promise<{ provider: Provider; shutdown(): Promise<void>; service: FlinkService }> {
  const service = new FlinkService(options);
  service.load();
  return { provider: service.provider(), shutdown: () => service.shutdown(), service };
}
