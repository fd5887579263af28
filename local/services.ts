/**
 * Starts every local endpoint in this process (the daemon, or a test): kinesalite and moto's S3 as child
 * processes, and the Glue, Athena and Managed Flink endpoints on HTTP servers of their own, all on free
 * ports of 127.0.0.1.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startJsonService, type Provider, type RunningService } from './common/aws-json-server';
import { createAthenaService } from './athena/provider';
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
  /** Whether the Managed Flink endpoint is the real one (false: the module is not there yet). */
  flinkAvailable: boolean;
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

/** The Managed Flink endpoint's factory, as local/flink exports it. */
type FlinkServiceFactory = (options: {
  dataDir: string;
  s3Endpoint: string;
  kinesisEndpoint: string;
  region: string;
  account: string;
  cloudWatchEndpoint: string;
  logsEndpoint: string;
  log: (line: string) => void;
}) => Promise<{ provider: Provider; shutdown(): Promise<void> }>;

/** Loads local/flink's factory; absent while that module is being built, so the rest still runs. */
function loadFlinkFactory(): FlinkServiceFactory | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(path.join(__dirname, 'flink')) as { createFlinkService?: FlinkServiceFactory };
    return typeof module.createFlinkService === 'function' ? module.createFlinkService : undefined;
  } catch {
    return undefined;
  }
}

/** Answers every kinesisanalyticsv2 call with a clear error while the real endpoint is missing. */
const missingFlinkProvider: Provider = new Proxy(
  {},
  {
    get: () => () => {
      throw new Error('The local Managed Flink endpoint (local/flink) is not available in this build.');
    },
    has: () => true,
  },
) as Provider;

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

    const flinkFactory = loadFlinkFactory();
    const flink = flinkFactory
      ? await flinkFactory({
          dataDir: path.join(options.dataDir, 'flink'),
          s3Endpoint: s3.url,
          kinesisEndpoint: kinesisGateway.url,
          region: LOCAL_REGION,
          account: LOCAL_ACCOUNT,
          // The jobs' metrics and log events go to moto's CloudWatch and CloudWatch Logs.
          cloudWatchEndpoint: s3.url,
          logsEndpoint: s3.url,
          log: (l) => log('flink', l),
        })
      : undefined;
    if (flink) stops.push(flink.shutdown);
    else log('cloud', 'local/flink is not available: the kinesisanalyticsv2 endpoint answers with an error');

    const servers: RunningService[] = [];
    for (const [targetPrefix, provider, name] of [
      ['AWSGlue', glue.provider, 'glue'],
      ['AmazonAthena', athena.provider, 'athena'],
      ['KinesisAnalytics_20180523', flink?.provider ?? missingFlinkProvider, 'kinesisanalyticsv2'],
    ] as const) {
      const server = await startJsonService({ targetPrefix, provider, log: (l) => log(name, l) });
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
      flinkAvailable: flink !== undefined,
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
