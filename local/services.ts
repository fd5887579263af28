/**
 * Starts every local endpoint in this process (the daemon, or a test): kinesalite and moto's S3 as child
 * processes, and the Glue, Athena, Managed Flink and Step Functions endpoints on HTTP servers of their
 * own, all on free ports of 127.0.0.1; then the edge, which routes to each of them from one port. Beside
 * them run the schedule runner (EventBridge Scheduler's schedules fire) and the Kinesis stream metrics.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startJsonService, type RunningService } from './common/aws-json-server';
import { createAthenaService } from './athena/provider';
import { createFlinkService, FLINK_MAX_REQUEST_BYTES } from './flink';
import { createGlueService } from './glue/provider';
import { startEdge } from './edge';
import { startKinesisGateway } from './kinesis/kinesis-gateway';
import { startKinesisMetrics, type KinesisMetrics } from './kinesis/metrics';
import { startLocalKinesis } from './kinesis/kinesis-server';
import { startLocalS3 } from './s3/moto-server';
import { startSchedulerGateway } from './scheduler/gateway';
import { startScheduleRunner, type ScheduleRunner } from './scheduler/runner';
import { startRedeployDelivery } from './redeploy-delivery';
import { readLocalDeployment } from './stepfunctions/deployment';
import { localStateMachineArns, RedeployStateMachineName, stateMachineArn } from './stepfunctions/machines';
import { createStepFunctionsService } from './stepfunctions/service';

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
  /** Step Functions (signing name `states`). */
  states: string;
  /** SNS, SQS and EventBridge (signing name `events`) are moto's. */
  sns: string;
  sqs: string;
  events: string;
  /** EventBridge Scheduler: moto's, behind a gateway that checks schedules (local/scheduler/gateway.ts). */
  scheduler: string;
}

/**
 * The standard SDK variables that point clients at the local cloud: AWS_ENDPOINT_URL_<service id in upper
 * case, spaces as underscores> per service, AWS_ENDPOINT_URL (the edge) for every other one, dummy
 * credentials and the region.
 */
export function endpointEnvironment(
  endpoints: LocalEndpoints,
  region: string,
  edge?: string,
): Record<string, string> {
  const variables: Record<string, string | undefined> = {
    ...(edge ? { AWS_ENDPOINT_URL: edge } : {}),
    AWS_ENDPOINT_URL_KINESIS: endpoints.kinesis,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    // The JS SDK's service id is "Kinesis Analytics V2".
    AWS_ENDPOINT_URL_KINESIS_ANALYTICS_V2: endpoints.kinesisanalyticsv2,
    AWS_ENDPOINT_URL_GLUE: endpoints.glue,
    AWS_ENDPOINT_URL_ATHENA: endpoints.athena,
    // Service ids "CloudWatch", "CloudWatch Logs" and "STS"; moto answers all three.
    AWS_ENDPOINT_URL_CLOUDWATCH: endpoints.cloudwatch,
    AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: endpoints.logs,
    AWS_ENDPOINT_URL_STS: endpoints.sts,
    // Step Functions' service id is "SFN".
    AWS_ENDPOINT_URL_SFN: endpoints.states,
    // Service ids "SNS", "SQS", "Scheduler" and "EventBridge".
    AWS_ENDPOINT_URL_SNS: endpoints.sns,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_SCHEDULER: endpoints.scheduler,
    AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.events,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
  };
  // A state file written by an older local cloud lacks the newer services: leave their variables unset
  // (process.env would turn undefined into the string "undefined") so those clients fall back to the edge.
  return Object.fromEntries(
    Object.entries(variables).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

export interface LocalServices {
  endpoints: LocalEndpoints;
  /** The edge: one endpoint for every service, routed by the request's signature. */
  edge: string;
  /** The ARN of each state machine the Step Functions endpoint serves, by name. */
  stateMachines: Record<string, string>;
  /** The child processes the services run in (the Flink jobs are children of the Flink endpoint). */
  pids: { kinesis: number; s3: number };
  /** Fires the due schedules now (the daemon's timer does it every `scheduleTickMs`). */
  scheduleRunner: Pick<ScheduleRunner, 'tick'>;
  /** Publishes the counted Kinesis metrics now (the timer does it every `kinesisMetricsPeriodMs`). */
  kinesisMetrics: Pick<KinesisMetrics, 'flush'>;
  /**
   * Stops every service, each saving its state; runs every stop, then rejects if any failed (a state
   * that was not saved: the daemon then keeps the data folder's run marker).
   */
  stop(): Promise<void>;
}

export interface LocalServicesOptions {
  /**
   * Everything the services keep on disk goes under here, and each loads its state from it when it
   * starts: kinesalite's LevelDB and the Kinesis gateway's stream extras in `kinesis/`, moto's backends
   * in `moto/` (saved when it stops), the other services in folders of their own.
   */
  dataDir: string;
  log?: (service: string, line: string) => void;
  /** Shorter crawler and query phases for tests; see the Glue and Athena options. */
  crawlerMinRunningMs?: number;
  crawlerStoppingMs?: number;
  queryQueuedMs?: number;
  queryMinRunningMs?: number;
  /** The edge's port; default 0 (a free one). The daemon passes the documented fixed port. */
  edgePort?: number;
  /**
   * Start each state machine's worker (modules, handlers, rendered ASL) right away rather than at the
   * first call that needs it: the daemon does; tests of other services skip the cost.
   */
  warmStateMachines?: boolean;
  /**
   * The schedule runner's clock and tick: default the system clock and a tick every 5 s (schedules fire
   * with 60 s precision on AWS too). Tests pass a clock of their own and `scheduleTickMs: 0`, then call
   * `scheduleRunner.tick()`.
   */
  scheduleClock?: () => Date;
  scheduleTickMs?: number;
  /** The first retry's wait for a failed scheduled invocation (doubling per retry); default 1000 ms. */
  scheduleRetryBaseMs?: number;
  /** How often the Kinesis stream metrics are published; default 5000 ms, 0 only on `flush()`. */
  kinesisMetricsPeriodMs?: number;
}

/** Starts all local endpoints; stop() ends them and everything they started. */
export async function startServices(options: LocalServicesOptions): Promise<LocalServices> {
  const log = options.log ?? (() => undefined);
  await mkdir(options.dataDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  /** Runs every stop, last started first; resolves with the failures, each logged. */
  const runStops = async (): Promise<unknown[]> => {
    const failures: unknown[] = [];
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (e) {
        log('cloud', `stop failed: ${String(e)}`);
        failures.push(e);
      }
    }
    return failures;
  };
  const stopAll = async () => {
    const failures = await runStops();
    if (failures.length) {
      throw new AggregateError(
        failures,
        `${failures.length} service(s) did not stop cleanly: ${failures.map((f) => String(f)).join('; ')}`,
      );
    }
  };
  try {
    const kinesisDir = path.join(options.dataDir, 'kinesis');
    const [kinesisStart, s3Start] = await Promise.allSettled([
      startLocalKinesis({ dataDir: path.join(kinesisDir, 'leveldb'), log: (l) => log('kinesis', l) }),
      startLocalS3({ stateDir: path.join(options.dataDir, 'moto'), log: (l) => log('s3', l) }),
    ]);
    // One of the two may have started when the other failed (moto refusing a saved state, say): stop it.
    if (kinesisStart.status === 'fulfilled') stops.push(kinesisStart.value.stop);
    if (s3Start.status === 'fulfilled') stops.push(s3Start.value.stop);
    if (kinesisStart.status === 'rejected') throw kinesisStart.reason;
    if (s3Start.status === 'rejected') throw s3Start.reason;
    const [kinesis, s3] = [kinesisStart.value, s3Start.value];
    // IncomingRecords/IncomingBytes go to moto's CloudWatch; stopped (and flushed) before moto.
    const kinesisMetrics = startKinesisMetrics({
      cloudWatchEndpoint: s3.url,
      region: LOCAL_REGION,
      periodMs: options.kinesisMetricsPeriodMs ?? 5000,
      log: (l) => log('kinesis', l),
    });
    stops.push(kinesisMetrics.stop);
    const kinesisGateway = await startKinesisGateway(
      kinesis.url,
      (l) => log('kinesis', l),
      kinesisMetrics.recordPut,
      path.join(kinesisDir, 'stream-extras.json'),
    );
    stops.push(kinesisGateway.close);
    const schedulerGateway = await startSchedulerGateway(s3.url, (l) => log('scheduler', l));
    stops.push(schedulerGateway.close);

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

    // The task handlers of a local execution reach the other endpoints through the SDK's standard
    // variables, with the deployment settings the CLI recorded when it deployed the code asset.
    // Known once every server listens, before the first execution can start.
    const started: { endpoints?: LocalEndpoints } = {};
    const stepFunctions = createStepFunctionsService({
      region: LOCAL_REGION,
      account: LOCAL_ACCOUNT,
      dataDir: options.dataDir,
      log: (l) => log('states', l),
      taskEnvironment: async () => {
        const deployment = await readLocalDeployment(options.dataDir);
        if (!deployment) {
          return {
            missing:
              'Nothing is deployed to this local cloud yet: the tasks need the Flink code asset, the Glue database ' +
              'and their settings. `flinkflow provision --local` and `flinkflow local run` deploy them first ' +
              '(cli/local-run/deploy.ts, as `cdk deploy` does on AWS).',
          };
        }
        const passThrough = process.env['POWERTOOLS_LOG_LEVEL'];
        return {
          ...endpointEnvironment(started.endpoints as LocalEndpoints, LOCAL_REGION),
          ...(passThrough ? { POWERTOOLS_LOG_LEVEL: passThrough } : {}),
          ...deployment,
        };
      },
    });
    stops.push(stepFunctions.shutdown);

    const servers: RunningService[] = [];
    for (const [targetPrefix, provider, name, jsonVersion, maxBodyBytes] of [
      ['AWSGlue', glue.provider, 'glue', '1.1', undefined],
      ['AmazonAthena', athena.provider, 'athena', '1.1', undefined],
      ['KinesisAnalytics_20180523', flink.provider, 'kinesisanalyticsv2', '1.1', FLINK_MAX_REQUEST_BYTES],
      ['AWSStepFunctions', stepFunctions.provider, 'states', '1.0', undefined],
    ] as const) {
      const server = await startJsonService({
        targetPrefix,
        provider,
        jsonVersion,
        log: (l) => log(name, l),
        ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}),
      });
      servers.push(server);
      // Servers close first (stops run in reverse), so no request reaches a provider being shut down.
      stops.push(server.close);
    }
    const [glueServer, athenaServer, flinkServer, statesServer] = servers as [
      RunningService,
      RunningService,
      RunningService,
      RunningService,
    ];
    const endpoints: LocalEndpoints = {
      kinesis: kinesisGateway.url,
      s3: s3.url,
      cloudwatch: s3.url,
      logs: s3.url,
      sts: s3.url,
      kinesisanalyticsv2: flinkServer.url,
      glue: glueServer.url,
      athena: athenaServer.url,
      states: statesServer.url,
      sns: s3.url,
      sqs: s3.url,
      events: s3.url,
      scheduler: schedulerGateway.url,
    };
    started.endpoints = endpoints;
    const routes = { ...endpoints };
    const edge = await startEdge({
      port: options.edgePort ?? 0,
      endpoints: () => routes,
      log: (l) => log('edge', l),
    });
    stops.push(edge.close);
    // S3 -> EventBridge -> the redeploy machine (local/redeploy-delivery.ts).
    const redeployDelivery = await startRedeployDelivery({
      motoUrl: s3.url,
      statesUrl: statesServer.url,
      region: LOCAL_REGION,
      account: LOCAL_ACCOUNT,
      redeployMachineArn: stateMachineArn(LOCAL_REGION, LOCAL_ACCOUNT, RedeployStateMachineName),
      log: (l) => log('events', l),
    });
    stops.push(redeployDelivery.stop);
    // Rendering the ASL takes seconds (a CDK synth): done now, in a worker, not at the first execution.
    if (options.warmStateMachines) stepFunctions.warmUp();
    // Stopped first (stops run in reverse): no schedule fires into endpoints being shut down.
    const scheduleRunner = startScheduleRunner({
      schedulerEndpoint: endpoints.scheduler,
      statesEndpoint: endpoints.states,
      sqsEndpoint: endpoints.sqs,
      snsEndpoint: endpoints.sns,
      region: LOCAL_REGION,
      account: LOCAL_ACCOUNT,
      tickMs: options.scheduleTickMs ?? 5000,
      ...(options.scheduleClock ? { now: options.scheduleClock } : {}),
      ...(options.scheduleRetryBaseMs !== undefined ? { retryBaseMs: options.scheduleRetryBaseMs } : {}),
      stateFile: path.join(options.dataDir, 'scheduler', 'runner.json'),
      log: (l) => log('scheduler', l),
    });
    stops.push(scheduleRunner.stop);
    return {
      endpoints,
      edge: edge.url,
      stateMachines: localStateMachineArns(LOCAL_REGION, LOCAL_ACCOUNT),
      pids: { kinesis: kinesis.pid, s3: s3.pid },
      scheduleRunner: { tick: scheduleRunner.tick },
      kinesisMetrics: { flush: kinesisMetrics.flush },
      stop: stopAll,
    };
  } catch (e) {
    // Each failure of these stops is in the log; the error that stopped the start is the one to report.
    await runStops();
    throw e;
  }
}
