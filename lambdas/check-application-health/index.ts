/**
 * CheckApplicationHealth: the health gate after RUNNING. On Managed Flink an application whose job
 * fails and restarts stays RUNNING (Flink restarts the job, the service reports RUNNING), so the status
 * alone says nothing about the pipeline. Each run confirms the start operation ended SUCCESSFUL (until
 * it has), reads the job's restart and checkpoint metrics, and decides:
 *
 * - UNHEALTHY at once on any restart, a status other than RUNNING, or a FAILED start operation;
 * - HEALTHY once the settle period has passed with no restart and at least one completed checkpoint;
 * - SETTLING otherwise, with the seconds to wait before the next check;
 * - UNHEALTHY when the settle period (plus the metrics' publication allowance) ends without that.
 *
 * An UNHEALTHY reason carries the job's latest exception from its CloudWatch Logs stream.
 */
import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  DescribeApplicationOperationCommand,
  ListApplicationOperationsCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import {
  ProvisionState,
  type ApplicationHealthCheck,
  type ProvisionConfig,
  type ProvisionExecutionState,
} from '../../workflow/contract';
import { latestJobException } from '../shared/job-exception';
import { describeApplication } from '../shared/application-status';
import { isAwsError, requireExecutionState } from '../shared/aws';
import { InvalidInputError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

/**
 * The metrics the gate reads, as the page "Metrics and dimensions in Managed Service for Apache Flink"
 * lists them: namespace AWS/KinesisAnalytics, dimension Application, reported once a minute. `numRestarts`
 * and the checkpoint counters are published by current runtimes; Flink 2.2 removed `fullRestarts` and
 * deprecated `uptime`/`downtime`, so the gate uses neither.
 */
export const HealthMetrics = {
  namespace: 'AWS/KinesisAnalytics',
  restarts: 'numRestarts',
  completedCheckpoints: 'numberOfCompletedCheckpoints',
  failedCheckpoints: 'numberOfFailedCheckpoints',
  periodSeconds: 60,
} as const;

/**
 * Beyond the settle period, how long the gate still waits for metrics (or a first checkpoint) to show.
 * Managed Flink reports its metrics once a minute and CloudWatch takes up to a couple of minutes more to
 * serve a new data point, so a job that checkpointed at the end of the settle period may only be visible
 * about three minutes later. The allowance bounds the wait: after it, missing metrics mean UNHEALTHY.
 */
export const METRICS_DELAY_ALLOWANCE_SECONDS = 180;
/** The longest single wait between checks, so that a long settle period still notices a crash loop. */
export const MAX_HEALTH_WAIT_SECONDS = 300;
/** While waiting out the allowance, checks come this often. */
export const ALLOWANCE_POLL_SECONDS = 60;

type Phase = ApplicationHealthCheck['phase'];

interface StartOperation {
  id?: string;
  status: string;
  error?: string;
}

/**
 * The latest StartApplication operation and, when it failed, the service's error for it. Undefined when
 * the service reports none (an application started by an earlier execution may have aged out of the list).
 */
async function latestStartOperation(
  deps: TaskDeps,
  applicationName: string,
): Promise<StartOperation | undefined> {
  const list = await deps.clients.kinesisAnalytics.send(
    new ListApplicationOperationsCommand({ ApplicationName: applicationName, Operation: 'StartApplication' }),
  );
  const starts = [...(list.ApplicationOperationInfoList ?? [])]
    .filter((op) => op.Operation === undefined || op.Operation === 'StartApplication')
    .sort((a, b) => (b.StartTime?.getTime() ?? 0) - (a.StartTime?.getTime() ?? 0));
  const latest = starts[0];
  if (!latest) return undefined;
  if (!latest.OperationId) return { status: latest.OperationStatus ?? 'UNKNOWN' };
  const details = await deps.clients.kinesisAnalytics.send(
    new DescribeApplicationOperationCommand({
      ApplicationName: applicationName,
      OperationId: latest.OperationId,
    }),
  );
  const info = details.ApplicationOperationInfoDetails;
  const error = info?.OperationFailureDetails?.ErrorInfo?.ErrorString;
  return {
    id: latest.OperationId,
    status: info?.OperationStatus ?? latest.OperationStatus ?? 'UNKNOWN',
    ...(error ? { error } : {}),
  };
}

interface JobMetrics {
  restarts: number | null;
  completedCheckpoints: number | null;
  failedCheckpoints: number | null;
}

/**
 * The highest value of each counter since `fromMs` (the counters only grow while the job lives), or null
 * when CloudWatch has no data point yet: unknown, never taken as zero.
 */
async function readMetrics(
  deps: TaskDeps,
  applicationName: string,
  fromMs: number,
  toMs: number,
): Promise<JobMetrics> {
  const query = (id: string, metricName: string): MetricDataQuery => ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: HealthMetrics.namespace,
        MetricName: metricName,
        Dimensions: [{ Name: 'Application', Value: applicationName }],
      },
      Period: HealthMetrics.periodSeconds,
      Stat: 'Maximum',
    },
    ReturnData: true,
  });
  const queries = [
    query('restarts', HealthMetrics.restarts),
    query('completed', HealthMetrics.completedCheckpoints),
    query('failed', HealthMetrics.failedCheckpoints),
  ];
  const values = new Map<string, number[]>();
  let nextToken: string | undefined;
  // A handful of one-minute points per metric: one page in practice; bounded all the same.
  for (let page = 0; page < 5; page += 1) {
    const out = await deps.clients.cloudWatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        // Whole minutes, one period early, so the first data point of the job is inside the window.
        StartTime: new Date(Math.floor(fromMs / 60_000) * 60_000 - 60_000),
        EndTime: new Date(Math.ceil(toMs / 60_000) * 60_000),
        ...(nextToken ? { NextToken: nextToken } : {}),
      }),
    );
    for (const result of out.MetricDataResults ?? []) {
      // Stryker disable next-line ConditionalExpression: a result without an Id would be kept under undefined, which no lookup below reads.
      if (!result.Id) continue;
      // Stryker disable next-line ArrayDeclaration: any fallback array is filtered to no finite value, as [] is.
      const finite = (result.Values ?? []).filter((v) => Number.isFinite(v));
      values.set(result.Id, [...(values.get(result.Id) ?? []), ...finite]);
    }
    nextToken = out.NextToken;
    if (!nextToken) break;
  }
  const highest = (id: string): number | null => {
    const list = values.get(id) ?? [];
    return list.length === 0 ? null : Math.max(...list);
  };
  return {
    restarts: highest('restarts'),
    completedCheckpoints: highest('completed'),
    failedCheckpoints: highest('failed'),
  };
}

/** The verdict of one check from what it saw; pure, so the rules are testable on their own. */
export function decide(input: {
  config: Pick<ProvisionConfig, 'healthSettleSeconds'>;
  observedSeconds: number;
  metrics: JobMetrics;
  startOperationPending: boolean;
}): { phase: Phase; nextWaitSeconds: number; reason: string } {
  const { observedSeconds, metrics } = input;
  const settle = input.config.healthSettleSeconds;
  const deadline = settle + METRICS_DELAY_ALLOWANCE_SECONDS;
  if ((metrics.restarts ?? 0) > 0) {
    return {
      phase: 'UNHEALTHY',
      nextWaitSeconds: 0,
      reason: `the job restarted ${metrics.restarts} time${metrics.restarts === 1 ? '' : 's'} (metric ${HealthMetrics.restarts})`,
    };
  }
  const checkpointed = (metrics.completedCheckpoints ?? 0) >= 1;
  if (observedSeconds >= settle && metrics.restarts === 0 && checkpointed && !input.startOperationPending) {
    return {
      phase: 'HEALTHY',
      nextWaitSeconds: 0,
      reason: `no restart and ${metrics.completedCheckpoints} completed checkpoint(s) in ${observedSeconds} s`,
    };
  }
  if (observedSeconds >= deadline) {
    const missing = (
      [
        [HealthMetrics.restarts, metrics.restarts],
        [HealthMetrics.completedCheckpoints, metrics.completedCheckpoints],
      ] as const
    )
      .filter(([, value]) => value === null)
      .map(([name]) => name);
    let reason: string;
    if (input.startOperationPending) {
      reason = `the start operation was still IN_PROGRESS after ${observedSeconds} s`;
    } else if (missing.length > 0) {
      reason = `no metrics: CloudWatch had no ${missing.join(' or ')} data for the application after ${observedSeconds} s (settle period ${settle} s plus ${METRICS_DELAY_ALLOWANCE_SECONDS} s for publication)`;
    } else {
      reason = `no checkpoint completed within ${observedSeconds} s (${metrics.failedCheckpoints ?? 'unknown'} failed; settle period ${settle} s plus ${METRICS_DELAY_ALLOWANCE_SECONDS} s for publication)`;
    }
    return { phase: 'UNHEALTHY', nextWaitSeconds: 0, reason };
  }
  // Settling: wait out the settle period (in steps of at most MAX_HEALTH_WAIT_SECONDS), then poll the
  // allowance once a minute, never past the deadline.
  const nextWaitSeconds =
    observedSeconds < settle
      ? Math.min(settle - observedSeconds, MAX_HEALTH_WAIT_SECONDS)
      : Math.min(ALLOWANCE_POLL_SECONDS, deadline - observedSeconds);
  const waitingFor = input.startOperationPending
    ? 'the start operation to end'
    : observedSeconds < settle
      ? `the settle period (${settle} s)`
      : metrics.restarts === null || metrics.completedCheckpoints === null
        ? 'the metrics to be published'
        : 'a first completed checkpoint';
  return {
    phase: 'SETTLING',
    nextWaitSeconds: Math.max(1, nextWaitSeconds),
    reason: `waiting for ${waitingFor}`,
  };
}

/** CheckApplicationHealth's logic: one check of the gate. */
export const run = withTransientErrors(
  async (event: ProvisionExecutionState, deps: Partial<TaskDeps> = {}): Promise<ApplicationHealthCheck> => {
    const {
      config,
      status,
      health: previous,
    } = requireExecutionState(event, ProvisionState.CheckApplicationHealth);
    if (!status) {
      throw new InvalidInputError([
        {
          field: 'status',
          message: 'CheckApplicationHealth needs $.status (the RUNNING status check of the start loop)',
        },
      ]);
    }
    const d = resolveDeps(deps);
    const name = config.applicationName;
    const nowMs = d.now().getTime();
    const since = previous?.since ?? new Date(nowMs).toISOString();
    const sinceMs = Date.parse(since);
    if (Number.isNaN(sinceMs)) {
      throw new InvalidInputError([
        {
          field: 'health.since',
          message: `must be an ISO-8601 time (written by CheckApplicationHealth), got "${since}"`,
        },
      ]);
    }
    const attempt = (previous?.attempt ?? 0) + 1;
    const observedSeconds = Math.max(0, Math.round((nowMs - sinceMs) / 1000));
    // The job started at the start operation, before the gate began: metrics and logs are read from there.
    const startedAtMs = Math.min(sinceMs, Date.parse(status.startedAt) || sinceMs);
    const base = { since, attempt, observedSeconds };

    const unhealthy = async (
      why: string,
      seen: Partial<JobMetrics> = {},
      operation: Partial<Pick<ApplicationHealthCheck, 'startOperationId' | 'startOperationStatus'>> = {},
    ): Promise<ApplicationHealthCheck> => {
      const job = await latestJobException(d, config, startedAtMs);
      return {
        ...base,
        ...operation,
        phase: 'UNHEALTHY',
        nextWaitSeconds: 0,
        restarts: seen.restarts ?? null,
        completedCheckpoints: seen.completedCheckpoints ?? null,
        failedCheckpoints: seen.failedCheckpoints ?? null,
        reason: job.found ? `${why}; the job's latest error: ${job.exception}` : `${why}; ${job.why}`,
      };
    };

    let applicationStatus: string;
    try {
      applicationStatus = (await describeApplication(d, name)).ApplicationStatus ?? 'UNKNOWN';
    } catch (error) {
      if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
      return unhealthy(`application ${name} no longer exists`);
    }
    if (applicationStatus !== 'RUNNING') {
      return unhealthy(
        `the application is ${applicationStatus}, no longer RUNNING, ${observedSeconds} s into the health gate`,
      );
    }

    // The start operation, until it is known to have ended.
    let operation: Pick<ApplicationHealthCheck, 'startOperationId' | 'startOperationStatus'> = {
      ...(previous?.startOperationId ? { startOperationId: previous.startOperationId } : {}),
      ...(previous?.startOperationStatus ? { startOperationStatus: previous.startOperationStatus } : {}),
    };
    if (!previous || previous.startOperationStatus === 'IN_PROGRESS') {
      const start = await latestStartOperation(d, name);
      operation = start
        ? { ...(start.id ? { startOperationId: start.id } : {}), startOperationStatus: start.status }
        : {};
      if (start && (start.status === 'FAILED' || start.status === 'CANCELLED')) {
        return unhealthy(
          `the start operation${start.id ? ` ${start.id}` : ''} ended ${start.status}: ${start.error ?? 'no error message given'}`,
          {},
          operation,
        );
      }
    }

    const metrics = await readMetrics(d, name, startedAtMs, nowMs);
    const verdict = decide({
      config,
      observedSeconds,
      metrics,
      startOperationPending: operation.startOperationStatus === 'IN_PROGRESS',
    });
    if (verdict.phase === 'UNHEALTHY') return unhealthy(verdict.reason, metrics, operation);
    return { ...base, ...operation, ...metrics, ...verdict };
  },
);

export const handler = taskHandler(ProvisionState.CheckApplicationHealth, (event: ProvisionExecutionState) =>
  run(event),
);
