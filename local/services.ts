/**
 * Starts every local endpoint in this process (the daemon, or a test): kinesalite and moto's S3 as child
 * processes, and the Glue, Athena and Managed Flink endpoints on HTTP servers of their own, all on free
 * ports of 127.0.0.1.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startJsonService, type RunningService } from './common/aws-json-server';
import { createAthenaService } from './athena/provider';
import { createFlinkService, FLINK_MAX_REQUEST_BYTES } from './flink';
import { createGlueService } from './glue/provider';
import { startKinesisGateway } from './kinesis/kinesis-gateway';
import { startLocalKinesis } from './kinesis/kinesis-server';
import { startLocalS3 } from './s3/moto-server';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';

export interface LocalEndpoints {
  kinesis: string;
  s3: string;
  /**
   * CloudWatch (metrics), CloudWatch Logs and STS are moto's (its server answers every service it
   * emulates on one port).
   */
  cloudwatch: string;
  logs: string;
  sts: string;
  kinesisanalyticsv2: string;
  glue: string;
  athena: string;
}

export interface LocalServices {
  endpoints: LocalEndpoints;
  /** The child processes the services run in (the Flink jobs are children of the Flink endpoint). */
  pids: { kinesis: number; s3: number };
  stop(): Promise<void>;
}

export interface LocalServicesOptions {
  /** Everything the services keep on disk goes under here. */
  dataDir: string;
  log?: (service: string, line: string) => void;
  /** Shorter crawler and query phases for tests; see the Glue and Athena options. */
  crawlerMinRunningMs?: number;
  crawlerStoppingMs?: number;
  queryQueuedMs?: number;
  queryMinRunningMs?: number;
}

/** Starts all local endpoints; stop() ends them and everything they started. */
export async function startServices(options: LocalServicesOptions): Promise<LocalServices> {
  const log = options.log ?? (() => undefined);
  await mkdir(options.dataDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse())
      await stop().catch((e: unknown) => log('cloud', `stop failed: ${String(e)}`));
  };
  try {
    const [kinesis, s3] = await Promise.all([
      startLocalKinesis({ log: (l) => log('kinesis', l) }),
      startLocalS3({ log: (l) => log('s3', l) }),
    ]);
    stops.push(kinesis.stop, s3.stop);
    const kinesisGateway = await startKinesisGateway(kinesis.url, (l) => log('kinesis', l));
    stops.push(kinesisGateway.close);

    const glue = createGlueService({
      s3Endpoint: s3.url,
      region: LOCAL_REGION,
      account: LOCAL_ACCOUNT,
      dataDir: options.dataDir,
      log: (l) => log('glue', l),
      ...(options.crawlerMinRunningMs !== undefined
        ? { crawlerMinRunningMs: options.crawlerMinRunningMs }
        : {}),
      ...(options.crawlerStoppingMs !== undefined ? { crawlerStoppingMs: options.crawlerStoppingMs } : {}),
    });
    stops.push(glue.shutdown);
    const athena = createAthenaService({
      s3Endpoint: s3.url,
      region: LOCAL_REGION,
      account: LOCAL_ACCOUNT,
      glue: glue.store,
      dataDir: options.dataDir,
      log: (l) => log('athena', l),
      ...(options.queryQueuedMs !== undefined ? { queuedMs: options.queryQueuedMs } : {}),
      ...(options.queryMinRunningMs !== undefined ? { minRunningMs: options.queryMinRunningMs } : {}),
    });
    stops.push(athena.shutdown);

    const flink = await createFlinkService({
      dataDir: path.join(options.dataDir, 'flink'),
      s3Endpoint: s3.url,
      kinesisEndpoint: kinesisGateway.url,
      region: LOCAL_REGION,
      account: LOCAL_ACCOUNT,
      // The jobs' metrics and log events go to moto's CloudWatch and CloudWatch Logs.
      cloudWatchEndpoint: s3.url,
      logsEndpoint: s3.url,
      log: (l) => log('flink', l),
    });
    stops.push(flink.shutdown);

    const servers: RunningService[] = [];
    for (const [targetPrefix, provider, name, maxBodyBytes] of [
      ['AWSGlue', glue.provider, 'glue', undefined],
      ['AmazonAthena', athena.provider, 'athena', undefined],
      ['KinesisAnalytics_20180523', flink.provider, 'kinesisanalyticsv2', FLINK_MAX_REQUEST_BYTES],
    ] as const) {
      const server = await startJsonService({
        targetPrefix,
        provider,
        log: (l) => log(name, l),
        ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}),
      });
      servers.push(server);
      // Servers close first (stops run in reverse), so no request reaches a provider being shut down.
      stops.push(server.close);
    }
    const [glueServer, athenaServer, flinkServer] = servers as [
      RunningService,
      RunningService,
      RunningService,
    ];
    return {
      endpoints: {
        kinesis: kinesisGateway.url,
        s3: s3.url,
        cloudwatch: s3.url,
        logs: s3.url,
        sts: s3.url,
        kinesisanalyticsv2: flinkServer.url,
        glue: glueServer.url,
        athena: athenaServer.url,
      },
      pids: { kinesis: kinesis.pid, s3: s3.pid },
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
