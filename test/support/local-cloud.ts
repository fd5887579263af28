/**
 * What the end-to-end suites on the local cloud share: a fresh FLINKFLOW_HOME per suite, the CLI io
 * their runs print through, a producer that records what it delivered, SDK clients for the running
 * local cloud, and the application metrics the local Managed Flink endpoint publishes.
 */
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GlueClient } from '@aws-sdk/client-glue';
import type { CliIo } from '../../cli/io';
import type { LocalRunDeps } from '../../cli/local-run/run';
import type { TickEvent } from '../../producer';
import { readState, sdkEnvironment, stopLocalCloud, type LocalCloudState } from '../../local/cloud';

/**
 * A FLINKFLOW_HOME of its own for the suite (`<tmp>/flinkflow-<prefix>-<pid>`), made before the suite's
 * tests and the local cloud started in it stopped after them; and an io that prints progress to stderr.
 */
export function useLocalCloudHome(prefix: string): { home: string; io: CliIo } {
  const home = path.join(tmpdir(), `flinkflow-${prefix}-${process.pid}`);
  beforeAll(async () => {
    await mkdir(home, { recursive: true });
    process.env['FLINKFLOW_HOME'] = home;
  });
  afterAll(async () => {
    await stopLocalCloud();
  });
  const io: CliIo = {
    out: () => undefined,
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    now: () => Date.now(),
    signal: new AbortController().signal,
  };
  return { home, io };
}

/**
 * The local run's dependencies with a producer that also appends every delivered event to `produced`;
 * `onStart` runs as production begins.
 */
export function recordingProducer(
  deps: LocalRunDeps,
  produced: TickEvent[],
  onStart?: () => void,
): LocalRunDeps {
  return {
    ...deps,
    produce: (options, clients) => {
      onStart?.();
      return deps.produce(
        {
          ...options,
          onDelivered: (records) => {
            produced.push(...records.map((r) => r.event));
            options.onDelivered?.(records);
          },
        },
        clients,
      );
    },
  };
}

/** SDK clients for the running local cloud, read from its state file. */
export interface LocalCloudClients {
  state: LocalCloudState;
  glue: GlueClient;
  athena: AthenaClient;
  cloudWatch: CloudWatchClient;
  destroy(): void;
}

export async function localCloudClients(): Promise<LocalCloudClients> {
  const state = await readState();
  if (!state) throw new Error('the local cloud left no state file');
  const env = sdkEnvironment(state);
  const base = { region: state.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const glue = new GlueClient({ ...base, endpoint: env['AWS_ENDPOINT_URL_GLUE'] ?? '' });
  const athena = new AthenaClient({ ...base, endpoint: env['AWS_ENDPOINT_URL_ATHENA'] ?? '' });
  const cloudWatch = new CloudWatchClient({ ...base, endpoint: env['AWS_ENDPOINT_URL_CLOUDWATCH'] ?? '' });
  return {
    state,
    glue,
    athena,
    cloudWatch,
    destroy: () => [glue, athena, cloudWatch].forEach((client) => client.destroy()),
  };
}

/**
 * The highest value of an application metric (namespace AWS/KinesisAnalytics, dimension Application)
 * since `since` (default: 30 minutes ago), per-minute Maximum; -1 when there is no datapoint.
 */
export async function maxApplicationMetric(
  cloudWatch: Pick<CloudWatchClient, 'send'>,
  applicationName: string,
  metricName: string,
  since = new Date(Date.now() - 30 * 60_000),
): Promise<number> {
  const out = await cloudWatch.send(
    new GetMetricDataCommand({
      StartTime: since,
      EndTime: new Date(Date.now() + 60_000),
      MetricDataQueries: [
        {
          Id: 'metric',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/KinesisAnalytics',
              MetricName: metricName,
              Dimensions: [{ Name: 'Application', Value: applicationName }],
            },
            Period: 60,
            Stat: 'Maximum',
          },
        },
      ],
    }),
  );
  return Math.max(-1, ...(out.MetricDataResults?.[0]?.Values ?? []));
}
