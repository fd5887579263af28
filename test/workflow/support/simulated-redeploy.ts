/**
 * A scripted Managed Flink, S3 and CloudWatch for running the redeploy machine with the handlers' real
 * `run` functions (aws-sdk-client-mock) on simulated time. The application starts RUNNING on code
 * version `v1`; the script says what an update does: reach RUNNING, fail and be rolled back by the
 * service, or run a job that restarts (the health gate's UNHEALTHY). Every call is recorded.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetCrawlerCommand, GlueClient, StartCrawlerCommand } from '@aws-sdk/client-glue';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateApplicationSnapshotCommand,
  DescribeApplicationCommand,
  DescribeApplicationOperationCommand,
  DescribeApplicationSnapshotCommand,
  KinesisAnalyticsV2Client,
  ListApplicationOperationsCommand,
  RollbackApplicationCommand,
  UpdateApplicationCommand,
  type ApplicationDetail,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { PipelineNames } from '../../../workflow/contract';
import type {
  RedeployExecutionState,
  RedeployInput,
  RedeployLambdaTask,
} from '../../../workflow/redeploy-contract';
import { makeCodeZip } from '../../support/zip-writer';
import { sqlTimestamp } from '../../../lambdas/shared/validation';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const PIPELINE = 'ticks-demo';
export const BUCKET = PipelineNames.bucket(PIPELINE, ACCOUNT, REGION);
export const APPLICATION = PipelineNames.application(PIPELINE);

export const simulatedRedeployEnvironment: Record<string, string> = {
  AWS_ACCOUNT_ID: ACCOUNT,
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  GLUE_DATABASE: 'flinkflow',
  ATHENA_WORKGROUP: 'flinkflow',
};

export interface RedeployScript {
  /** What the update does: RUNNING (default), SYSTEM_ROLLBACK (the job fails to start; the service rolls back), UNHEALTHY (the job restarts). */
  update?: 'RUNNING' | 'SYSTEM_ROLLBACK' | 'UNHEALTHY';
  /** UpdateApplication first answers ConcurrentModificationException this many times (someone else changed it). */
  concurrentChanges?: number;
  /** The code objects in the bucket by version id (default: v2 is a good zip). */
  objects?: Record<string, Buffer>;
  /** The application's status before the update (default RUNNING). */
  initialStatus?: string;
  /**
   * What the new version writes, as the canary's queries find it: GOOD windows (default), BAD_AVERAGES
   * (averages outside the price range, as a job computing wrong values writes) or NOTHING.
   */
  output?: 'GOOD' | 'BAD_AVERAGES' | 'NOTHING';
  /** The sink partitions by time, so the canary crawls first. */
  partitionByTime?: boolean;
}

interface Operation {
  id: string;
  operation: string;
  status: string;
  start: number;
  error?: string;
  rollbackOperationId?: string;
}

interface Version {
  versionId: number;
  objectVersion: string;
  fileKey: string;
}

type Run = (event: never, deps?: never) => Promise<unknown>;

const START = Date.parse('2026-12-01T12:00:00.000Z');

function awsError(name: string, message = `${name} (simulated)`): Error {
  const error = new Error(message) as Error & Record<string, unknown>;
  error.name = name;
  error['$metadata'] = { httpStatusCode: 400 };
  return error;
}

export class SimulatedRedeployCloud {
  readonly calls: string[] = [];
  nowMs = START;
  private script: RedeployScript = {};
  private status = 'RUNNING';
  private versions: Version[] = [];
  private token = 'token-1';
  private operations: Operation[] = [];
  private snapshots = new Map<string, string>();
  /** Describes left until the running operation ends. */
  private pending: { op: Operation; describes: number; then: () => void } | undefined;
  private conflictsLeft = 0;
  private jobRestarts = 0;
  private pendingWaitMs = 0;
  private readonly flink = mockClient(KinesisAnalyticsV2Client);
  private readonly s3 = mockClient(S3Client);
  private readonly cloudWatch = mockClient(CloudWatchClient);
  private readonly logs = mockClient(CloudWatchLogsClient);
  private readonly athena = mockClient(AthenaClient);
  private readonly glue = mockClient(GlueClient);
  /** The canary's queries by id: the check and its SQL. */
  readonly queries = new Map<string, { check: string; sql: string }>();
  private crawlPolls = 0;

  reset(script: RedeployScript = {}): void {
    this.script = script;
    this.calls.length = 0;
    this.nowMs = START;
    this.status = script.initialStatus ?? 'RUNNING';
    this.versions = [{ versionId: 3, objectVersion: 'v1', fileKey: PipelineNames.codeKey }];
    this.token = 'token-1';
    this.operations = [];
    this.snapshots.clear();
    this.pending = undefined;
    this.conflictsLeft = script.concurrentChanges ?? 0;
    this.jobRestarts = 0;
    this.pendingWaitMs = 0;
    this.queries.clear();
    this.crawlPolls = 0;
    for (const mock of [this.flink, this.s3, this.cloudWatch, this.logs, this.athena, this.glue])
      mock.reset();
    this.install();
  }

  /** The input the starter would give for object version `versionId`. */
  input(versionId = 'v2'): RedeployInput {
    return {
      pipelineName: PIPELINE,
      bucketName: BUCKET,
      key: PipelineNames.codeKey,
      versionId,
      healthSettleSeconds: 60,
    };
  }

  get current(): Version {
    return this.versions[this.versions.length - 1] as Version;
  }

  get applicationStatus(): string {
    return this.status;
  }

  count(call: string): number {
    return this.calls.filter((c) => c === call).length;
  }

  deps() {
    return {
      now: () => new Date(this.nowMs),
      sleep: async (ms: number) => {
        this.nowMs += ms;
      },
    };
  }

  /** The handlers bound to this cloud's clock; the loops' waits advance the clock instead of the machine. */
  bind(
    runs: Partial<Record<RedeployLambdaTask, Run>>,
  ): Partial<Record<RedeployLambdaTask, (input: unknown) => Promise<unknown>>> {
    const bound: Partial<Record<RedeployLambdaTask, (input: unknown) => Promise<unknown>>> = {};
    for (const [task, run] of Object.entries(runs) as Array<[RedeployLambdaTask, Run]>) {
      bound[task] = async (input) => {
        const state = input as Partial<RedeployExecutionState>;
        if (task === 'DescribeUpdate') this.nowMs += (state.status?.nextWaitSeconds ?? 0) * 1000;
        if (task === 'DescribeRollback') this.nowMs += (state.rollback?.nextWaitSeconds ?? 0) * 1000;
        // The gate's and the canary's Waits run in no time: the clock jumps by the wait they asked for.
        if (task === 'CheckApplicationHealth' || task === 'RunCanary') {
          this.nowMs += this.pendingWaitMs;
          const check = (await run(input as never, this.deps() as never)) as { nextWaitSeconds: number };
          this.pendingWaitMs = check.nextWaitSeconds * 1000;
          return { ...check, nextWaitSeconds: 0 };
        }
        return run(input as never, this.deps() as never);
      };
    }
    return bound;
  }

  private detail(): ApplicationDetail {
    const v = this.current;
    return {
      ApplicationName: APPLICATION,
      ApplicationARN: `arn:aws:kinesisanalytics:${REGION}:${ACCOUNT}:application/${APPLICATION}`,
      ApplicationStatus: this.status as never,
      ApplicationVersionId: v.versionId,
      ConditionalToken: this.token,
      RuntimeEnvironment: 'FLINK-1_20',
      ApplicationConfigurationDescription: {
        ApplicationCodeConfigurationDescription: {
          CodeContentType: 'ZIPFILE',
          CodeContentDescription: {
            S3ApplicationCodeLocationDescription: {
              BucketARN: `arn:aws:s3:::${BUCKET}`,
              FileKey: v.fileKey,
              ObjectVersion: v.objectVersion,
            },
          },
        },
        EnvironmentPropertyDescriptions: {
          PropertyGroupDescriptions: [
            {
              PropertyGroupId: 'job.config.0',
              PropertyMap: { 'window.seconds': '10', 'watermark.seconds': '5' },
            },
            {
              PropertyGroupId: 'sink.config.0',
              PropertyMap: { 'partition.by.time': String(this.script.partitionByTime ?? false) },
            },
          ],
        },
      },
    } as ApplicationDetail;
  }

  private newOperation(operation: string, status = 'IN_PROGRESS'): Operation {
    const op = { id: `op-${this.operations.length + 1}`, operation, status, start: this.nowMs };
    this.operations.push(op);
    return op;
  }

  /** Each DescribeApplication moves a pending operation one step towards its end. */
  private advance(): void {
    if (!this.pending) return;
    this.pending.describes -= 1;
    if (this.pending.describes <= 0) {
      const { then } = this.pending;
      this.pending = undefined;
      then();
    }
  }

  private rollbackTo(fromVersion: Version, op: Operation): void {
    const previous = this.versions.find(
      (v) => v.versionId < fromVersion.versionId && v.objectVersion !== fromVersion.objectVersion,
    );
    this.status = 'ROLLING_BACK';
    this.pending = {
      op,
      describes: 2,
      then: () => {
        this.versions.push({ ...(previous as Version), versionId: this.current.versionId + 1 });
        this.token = `token-${this.current.versionId}`;
        this.status = 'RUNNING';
        this.jobRestarts = 0;
        op.status = 'SUCCESSFUL';
      },
    };
  }

  private install(): void {
    const record = (name: string) => this.calls.push(name);
    this.flink.on(DescribeApplicationCommand).callsFake(() => {
      record('DescribeApplication');
      this.advance();
      return { ApplicationDetail: this.detail() };
    });
    this.flink.on(CreateApplicationSnapshotCommand).callsFake((input: { SnapshotName: string }) => {
      record('CreateApplicationSnapshot');
      if (this.snapshots.has(input.SnapshotName)) throw awsError('ResourceInUseException', 'snapshot exists');
      this.snapshots.set(input.SnapshotName, 'READY');
      return {};
    });
    this.flink.on(DescribeApplicationSnapshotCommand).callsFake((input: { SnapshotName: string }) => {
      record('DescribeApplicationSnapshot');
      const status = this.snapshots.get(input.SnapshotName);
      if (!status) throw awsError('ResourceNotFoundException');
      return {
        SnapshotDetails: {
          SnapshotName: input.SnapshotName,
          SnapshotStatus: status,
          ApplicationVersionId: this.current.versionId,
        },
      };
    });
    this.flink.on(UpdateApplicationCommand).callsFake((input: Record<string, unknown>) => {
      record('UpdateApplication');
      if (this.conflictsLeft > 0) {
        // Someone else changed the application: its token moves on, and the stale one is refused.
        this.conflictsLeft -= 1;
        this.versions.push({ ...this.current, versionId: this.current.versionId + 1 });
        this.token = `token-other-${this.current.versionId}`;
      }
      if (input['ConditionalToken'] !== this.token)
        throw awsError('ConcurrentModificationException', 'token mismatch');
      if (this.status !== 'RUNNING') throw awsError('ResourceInUseException');
      const s3 = (
        input['ApplicationConfigurationUpdate'] as {
          ApplicationCodeConfigurationUpdate: {
            CodeContentUpdate: {
              S3ContentLocationUpdate: { FileKeyUpdate: string; ObjectVersionUpdate: string };
            };
          };
        }
      ).ApplicationCodeConfigurationUpdate.CodeContentUpdate.S3ContentLocationUpdate;
      const from = this.current;
      const next = {
        versionId: from.versionId + 1,
        objectVersion: s3.ObjectVersionUpdate,
        fileKey: s3.FileKeyUpdate,
      };
      this.versions.push(next);
      this.token = `token-${next.versionId}`;
      this.status = 'UPDATING';
      const op = this.newOperation('UpdateApplication');
      const outcome = this.script.update ?? 'RUNNING';
      this.pending = {
        op,
        describes: 2,
        then: () => {
          if (outcome === 'SYSTEM_ROLLBACK') {
            const rollback = this.newOperation('RollbackApplication');
            op.status = 'FAILED';
            op.error = 'org.apache.flink.client.program.ProgramInvocationException: the job failed to start';
            op.rollbackOperationId = rollback.id;
            this.rollbackTo(next, rollback);
            return;
          }
          op.status = 'SUCCESSFUL';
          this.status = 'RUNNING';
          if (outcome === 'UNHEALTHY') this.jobRestarts = 3;
        },
      };
      return { ApplicationDetail: this.detail(), OperationId: op.id };
    });
    this.flink.on(RollbackApplicationCommand).callsFake((input: { CurrentApplicationVersionId: number }) => {
      record('RollbackApplication');
      if (input.CurrentApplicationVersionId !== this.current.versionId)
        throw awsError('ConcurrentModificationException');
      const op = this.newOperation('RollbackApplication');
      this.rollbackTo(this.current, op);
      return { ApplicationDetail: this.detail(), OperationId: op.id };
    });
    this.flink.on(DescribeApplicationOperationCommand).callsFake((input: { OperationId: string }) => {
      record('DescribeApplicationOperation');
      const op = this.operations.find((o) => o.id === input.OperationId);
      if (!op) throw awsError('ResourceNotFoundException');
      return {
        ApplicationOperationInfoDetails: {
          Operation: op.operation,
          OperationStatus: op.status,
          StartTime: new Date(op.start),
          ...(op.error || op.rollbackOperationId
            ? {
                OperationFailureDetails: {
                  ...(op.rollbackOperationId ? { RollbackOperationId: op.rollbackOperationId } : {}),
                  ...(op.error ? { ErrorInfo: { ErrorString: op.error } } : {}),
                },
              }
            : {}),
        },
      };
    });
    this.flink.on(ListApplicationOperationsCommand).callsFake((input: { Operation?: string }) => {
      record('ListApplicationOperations');
      return {
        ApplicationOperationInfoList: this.operations
          .filter((o) => !input.Operation || o.operation === input.Operation)
          .map((o) => ({
            OperationId: o.id,
            Operation: o.operation,
            OperationStatus: o.status,
            StartTime: new Date(o.start),
          })),
      };
    });
    this.s3.on(GetObjectCommand).callsFake((input: { Key: string; VersionId?: string }) => {
      record('GetObject');
      const objects = this.script.objects ?? { v2: makeCodeZip() };
      const body = input.VersionId ? objects[input.VersionId] : undefined;
      if (!body) throw awsError('NoSuchVersion');
      return { Body: Readable.from([body]) as never, ContentLength: body.length };
    });
    // The job's metrics: restarts as scripted, a checkpoint each minute once the update runs.
    this.cloudWatch.on(GetMetricDataCommand).callsFake(() => {
      record('GetMetricData');
      return {
        MetricDataResults: [
          { Id: 'restarts', Values: [this.jobRestarts] },
          { Id: 'completed', Values: [5] },
          { Id: 'failed', Values: [0] },
        ],
      };
    });
    this.glue.on(StartCrawlerCommand).callsFake(() => {
      record('StartCrawler');
      this.crawlPolls = 2;
      return {};
    });
    this.glue.on(GetCrawlerCommand).callsFake(() => {
      record('GetCrawler');
      this.crawlPolls -= 1;
      return {
        Crawler: {
          State: this.crawlPolls > 0 ? 'RUNNING' : 'READY',
          LastCrawl: { Status: 'SUCCEEDED' },
        },
      };
    });
    this.athena.on(StartQueryExecutionCommand).callsFake((input: { QueryString: string }) => {
      record('StartQueryExecution');
      const id = `q-${this.queries.size + 1}`;
      const check = /newest_window_end/.test(input.QueryString)
        ? 'freshness'
        : /HAVING/.test(input.QueryString)
          ? 'uniqueness'
          : 'sanity';
      this.queries.set(id, { check, sql: input.QueryString });
      return { QueryExecutionId: id };
    });
    this.athena.on(GetQueryExecutionCommand).callsFake(() => {
      record('GetQueryExecution');
      return { QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 100 } } };
    });
    this.athena.on(GetQueryResultsCommand).callsFake((input: { QueryExecutionId: string }) => {
      record('GetQueryResults');
      const query = this.queries.get(input.QueryExecutionId);
      const output = this.script.output ?? 'GOOD';
      const header = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'];
      // The newest window the new version wrote: the last whole 10 s window a minute before now.
      const newest = sqlTimestamp(Math.floor((this.nowMs - 60_000) / 10_000) * 10_000);
      const rows: string[][] =
        output === 'NOTHING' || query?.check === 'uniqueness'
          ? query?.check === 'sanity'
            ? [['0', '0', '0', '', '', '']]
            : []
          : query?.check === 'freshness'
            ? [[newest]]
            : output === 'BAD_AVERAGES'
              ? [['25', '25', '0', '1250.5', '1300.2', '3']]
              : [['25', '0', '0', '12.5', '97.1', '3']];
      return {
        ResultSet: {
          Rows: [header, ...rows].map((row) => ({ Data: row.map((v) => ({ VarCharValue: v })) })),
        },
      };
    });
    this.logs.on(FilterLogEventsCommand).callsFake(() => {
      record('FilterLogEvents');
      return {
        events:
          this.jobRestarts > 0
            ? [
                {
                  timestamp: this.nowMs,
                  message: JSON.stringify({
                    messageType: 'ERROR',
                    message: 'Job failed',
                    throwableInformation: 'java.lang.ArithmeticException: / by zero',
                  }),
                },
              ]
            : [],
      };
    });
  }
}
