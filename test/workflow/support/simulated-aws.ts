/**
 * A scripted AWS for running the provisioning machine with the handlers' real `run` functions: every
 * client the tasks use is replaced by aws-sdk-client-mock, answering from a little in-memory state, and
 * time is simulated, so a three-minute application start takes milliseconds and is deterministic.
 *
 * The Wait states are overridden to 0 ms; the simulated clock advances by the seconds the Wait would have
 * paused (`$.status.nextWaitSeconds`, `$.health.nextWaitSeconds`) when DescribeApplication or
 * CheckApplicationHealth runs after it.
 */
import { createHash } from 'node:crypto';
import {
  CloudWatchClient,
  GetMetricDataCommand as GetMetricData,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand as CreateLogGroup,
  CreateLogStreamCommand as CreateLogStream,
  FilterLogEventsCommand as FilterLogEvents,
  PutRetentionPolicyCommand as PutRetentionPolicy,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateClassifierCommand as CreateClassifier,
  CreateCrawlerCommand as CreateCrawler,
  GetCrawlerCommand as GetCrawler,
  GlueClient,
} from '@aws-sdk/client-glue';
import { CreateScheduleCommand as CreateSchedule, SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  CreateStreamCommand as CreateStream,
  DescribeStreamSummaryCommand as DescribeStreamSummary,
  KinesisClient,
  StartStreamEncryptionCommand as StartStreamEncryption,
} from '@aws-sdk/client-kinesis';
import {
  CreateApplicationCommand as CreateApplication,
  DescribeApplicationCommand as DescribeApplication,
  DescribeApplicationOperationCommand as DescribeApplicationOperation,
  KinesisAnalyticsV2Client,
  ListApplicationOperationsCommand as ListApplicationOperations,
  StartApplicationCommand as StartApplication,
  StopApplicationCommand as StopApplication,
} from '@aws-sdk/client-kinesis-analytics-v2';
import {
  CopyObjectCommand as CopyObject,
  CreateBucketCommand as CreateBucket,
  HeadBucketCommand as HeadBucket,
  HeadObjectCommand as HeadObject,
  PutBucketEncryptionCommand as PutBucketEncryption,
  PutBucketPolicyCommand as PutBucketPolicy,
  PutBucketVersioningCommand as PutBucketVersioning,
  PutBucketNotificationConfigurationCommand as PutBucketNotificationConfiguration,
  PutPublicAccessBlockCommand as PutPublicAccessBlock,
  S3Client,
} from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type {
  ApplicationHealthCheck,
  ProvisionExecutionState,
  ProvisionLambdaTask,
} from '../../../workflow/contract';

/** How the scripted application behaves after StartApplication. */
export interface ApplicationScript {
  /** Simulated seconds from StartApplication until the application leaves STARTING. */
  startSeconds: number;
  /** The status it then reaches. RUNNING by default; READY models a job that failed to start. */
  outcome?: 'RUNNING' | 'READY' | 'ROLLED_BACK';
  /** The start operation's error, reported through ListApplicationOperations when the start fails. */
  failureMessage?: string;
}

/** How the scripted job behaves once the application is RUNNING (the health gate's view). */
export interface HealthScript {
  /** The job's `numRestarts` (default 0). */
  restarts?: number;
  /** False: no checkpoint ever completes. Default: one every 60 s of RUNNING. */
  checkpoints?: boolean;
  /** A fixed number of completed checkpoints, whatever the clock (for runs on the real clock). */
  completedCheckpoints?: number;
  /** False: CloudWatch has no data points for the application at all. Default true. */
  metrics?: boolean;
  /** The latest StartApplication operation's status while RUNNING (default SUCCESSFUL). */
  startOperation?: 'SUCCESSFUL' | 'FAILED' | 'IN_PROGRESS';
  /** The job's exception, logged as a Managed Flink JSON ERROR event (with restarts). */
  exception?: string;
}

export interface SimulatedAwsOptions {
  application?: ApplicationScript;
  health?: HealthScript;
  /** Each call named here first fails this many times with a throttling error (e.g. 'kinesis:CreateStream'). */
  throttleFirst?: Record<string, number>;
  /** CreateApplication first fails this many times as AWS does right after a delete of the same name. */
  tagsPendingFirst?: number;
}

/** A task's `run` as the handlers export it. */
type Run = (event: never, deps?: never) => Promise<unknown>;

const START = Date.parse('2026-11-25T12:00:00.000Z');
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const CODE = Buffer.from('PK flinkflow code zip');

/** The environment the stack would set on the functions, for this simulated account. */
export const simulatedEnvironment: Record<string, string> = {
  CODE_ASSET_BUCKET: `cdk-hnb659fds-assets-${ACCOUNT}-${REGION}`,
  CODE_ASSET_KEY: 'assets/0123abcd.zip',
  APPLICATION_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/flinkflow-application`,
  CRAWLER_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/flinkflow-crawler`,
  GLUE_DATABASE: 'flinkflow',
  AWS_ACCOUNT_ID: ACCOUNT,
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  CRAWL_STATE_MACHINE_ARN: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:flinkflow-crawl-and-query`,
  SCHEDULER_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/flinkflow-scheduler`,
  VALIDATION_DLQ_ARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:flinkflow-validation-dlq`,
};

function awsError(name: string, statusCode = 400, throttling = false): Error {
  const error = new Error(`${name} (simulated)`) as Error & Record<string, unknown>;
  error.name = name;
  error['$fault'] = statusCode >= 500 ? 'server' : 'client';
  error['$metadata'] = { httpStatusCode: statusCode, attempts: 1, totalRetryDelay: 0 };
  if (throttling) error['$retryable'] = { throttling: true };
  return error;
}

/** The scripted cloud; see the module comment. Create one per test file, `reset()` before each test. */
export class SimulatedAws {
  /** Every AWS call the tasks made, as `service:Operation`, in order. */
  readonly calls: string[] = [];
  /** Simulated milliseconds since the epoch. */
  private nowMs = START;
  private options: SimulatedAwsOptions = {};
  private throttlesLeft = new Map<string, number>();
  private tagsPendingLeft = 0;
  private applicationStatus: string | undefined;
  private startedAtMs = 0;
  private runningSinceMs: number | undefined;
  private pendingHealthWaitMs = 0;
  /** The waits (s) each health check asked for, in order. */
  readonly healthWaits: number[] = [];
  private stream = false;
  private bucket = false;
  private crawler = false;

  private readonly kinesis = mockClient(KinesisClient);
  private readonly s3 = mockClient(S3Client);
  private readonly kda = mockClient(KinesisAnalyticsV2Client);
  private readonly logs = mockClient(CloudWatchLogsClient);
  private readonly cloudWatch = mockClient(CloudWatchClient);
  private readonly glue = mockClient(GlueClient);
  private readonly sts = mockClient(STSClient);
  private readonly scheduler = mockClient(SchedulerClient);

  /** Starts a fresh cloud: no resources, the clock at its start, the given script. */
  reset(options: SimulatedAwsOptions = {}): this {
    this.options = options;
    this.calls.length = 0;
    this.nowMs = START;
    this.throttlesLeft = new Map(Object.entries(options.throttleFirst ?? {}));
    this.tagsPendingLeft = options.tagsPendingFirst ?? 0;
    this.applicationStatus = undefined;
    this.runningSinceMs = undefined;
    this.pendingHealthWaitMs = 0;
    this.healthWaits.length = 0;
    this.stream = false;
    this.bucket = false;
    this.crawler = false;
    for (const stub of this.stubs()) stub.reset();
    this.script();
    return this;
  }

  /** The clock and sleep the tasks get: sleeping advances simulated time instantly. */
  deps() {
    return {
      now: () => new Date(this.nowMs),
      sleep: async (ms: number) => {
        this.nowMs += ms;
      },
    };
  }

  /** Simulated seconds since the cloud started. */
  elapsedSeconds(): number {
    return (this.nowMs - START) / 1000;
  }

  /** How many times `service:Operation` was called. */
  count(call: string): number {
    return this.calls.filter((c) => c === call).length;
  }

  /**
   * The handlers' `run` functions bound to this cloud's clock, keyed by state name, with
   * DescribeApplication first advancing the clock by the Wait that preceded it.
   */
  bind(
    runs: Partial<Record<ProvisionLambdaTask, Run>>,
  ): Partial<Record<ProvisionLambdaTask, (input: unknown) => Promise<unknown>>> {
    const bound: Partial<Record<ProvisionLambdaTask, (input: unknown) => Promise<unknown>>> = {};
    for (const [task, run] of Object.entries(runs) as Array<[ProvisionLambdaTask, Run]>) {
      bound[task] = async (input) => {
        if (task === 'DescribeApplication') {
          const waited = (input as ProvisionExecutionState).status?.nextWaitSeconds ?? 0;
          this.nowMs += waited * 1000;
        }
        if (task === 'CheckApplicationHealth') {
          // The local runner overrides only WaitBeforeStatusCheck (on the local cloud the health gate
          // must wait for real, for the job to checkpoint), so here the check's wait is taken over by the
          // simulated clock and the machine's Wait is handed 0 s.
          this.nowMs += this.pendingHealthWaitMs;
          const check = (await run(input as never, this.deps() as never)) as ApplicationHealthCheck;
          this.pendingHealthWaitMs = check.nextWaitSeconds * 1000;
          this.healthWaits.push(check.nextWaitSeconds);
          return { ...check, nextWaitSeconds: 0 };
        }
        return run(input as never, this.deps() as never);
      };
    }
    return bound;
  }

  private stubs(): Array<{ reset(): unknown; onAnyCommand(): { rejects(error: Error): unknown } }> {
    return [this.kinesis, this.s3, this.kda, this.logs, this.cloudWatch, this.glue, this.sts, this.scheduler];
  }

  /** Records a call that answers `{}`. */
  private accepts(call: string) {
    return async () => {
      this.record(call);
      return {};
    };
  }

  private record(call: string): void {
    this.calls.push(call);
    const left = this.throttlesLeft.get(call) ?? 0;
    if (left > 0) {
      this.throttlesLeft.set(call, left - 1);
      throw awsError('ThrottlingException', 400, true);
    }
    if (call === 'kinesisanalytics:CreateApplication' && this.tagsPendingLeft > 0) {
      this.tagsPendingLeft -= 1;
      throw Object.assign(awsError('ConcurrentModificationException', 400, false), {
        message: 'Tags are already registered for this resource ARN, please retry later.',
      });
    }
  }

  private script(): void {
    const iso = () => new Date(this.nowMs);
    const streamSummary = (input: { StreamName?: string }) => ({
      StreamDescriptionSummary: {
        StreamName: input.StreamName,
        StreamARN: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${input.StreamName}`,
        StreamStatus: 'ACTIVE',
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
        OpenShardCount: 1,
        EncryptionType: 'KMS',
        KeyId: 'alias/aws/kinesis',
        RetentionPeriodHours: 24,
        StreamCreationTimestamp: iso(),
        EnhancedMonitoring: [],
      },
    });

    // A call the script does not know fails loudly rather than answering undefined.
    for (const stub of this.stubs()) {
      stub.onAnyCommand().rejects(new Error('SimulatedAws has no script for this call; add one'));
    }
    this.kinesis.on(CreateStream).callsFake(async () => {
      this.record('kinesis:CreateStream');
      if (this.stream) throw awsError('ResourceInUseException');
      this.stream = true;
      return {};
    });
    this.kinesis.on(DescribeStreamSummary).callsFake(async (input: { StreamName?: string }) => {
      this.record('kinesis:DescribeStreamSummary');
      if (!this.stream) throw awsError('ResourceNotFoundException');
      return streamSummary(input);
    });
    this.kinesis.on(StartStreamEncryption).callsFake(async () => {
      this.record('kinesis:StartStreamEncryption');
      return {};
    });

    this.s3.on(HeadBucket).callsFake(async () => {
      this.record('s3:HeadBucket');
      if (!this.bucket) throw awsError('NotFound', 404);
      return {};
    });
    this.s3.on(CreateBucket).callsFake(async () => {
      this.record('s3:CreateBucket');
      this.bucket = true;
      return {};
    });
    this.s3.on(PutPublicAccessBlock).callsFake(this.accepts('s3:PutPublicAccessBlock'));
    this.s3.on(PutBucketEncryption).callsFake(this.accepts('s3:PutBucketEncryption'));
    this.s3.on(PutBucketPolicy).callsFake(this.accepts('s3:PutBucketPolicy'));
    this.s3.on(PutBucketVersioning).callsFake(this.accepts('s3:PutBucketVersioning'));
    this.s3
      .on(PutBucketNotificationConfiguration)
      .callsFake(this.accepts('s3:PutBucketNotificationConfiguration'));
    const sha256 = createHash('sha256').update(CODE).digest('base64');
    this.s3.on(HeadObject).callsFake(async (input: { Bucket?: string }) => {
      this.record('s3:HeadObject');
      if (input.Bucket !== simulatedEnvironment['CODE_ASSET_BUCKET']) throw awsError('NotFound', 404);
      return {
        ContentLength: CODE.length,
        ChecksumSHA256: sha256,
        ChecksumType: 'FULL_OBJECT',
        ETag: '"etag-1"',
      };
    });
    this.s3.on(CopyObject).callsFake(async () => {
      this.record('s3:CopyObject');
      return { VersionId: 'code-version-1' };
    });

    this.logs.on(CreateLogGroup).callsFake(this.accepts('logs:CreateLogGroup'));
    this.logs.on(PutRetentionPolicy).callsFake(this.accepts('logs:PutRetentionPolicy'));
    this.logs.on(CreateLogStream).callsFake(this.accepts('logs:CreateLogStream'));
    const health = this.options.health ?? {};
    this.logs.on(FilterLogEvents).callsFake(async () => {
      this.record('logs:FilterLogEvents');
      const event = (messageType: string, message: string, throwable?: string) => ({
        timestamp: this.nowMs,
        message: JSON.stringify({
          applicationARN: `arn:aws:kinesisanalytics:${REGION}:${ACCOUNT}:application/ticks-demo-app`,
          applicationVersionId: '1',
          locationInformation: 'org.apache.flink.runtime.executiongraph.ExecutionGraph',
          logger: 'org.apache.flink.runtime.executiongraph.ExecutionGraph',
          message,
          messageType,
          threadName: 'flink-akka.actor.default-dispatcher-2',
          ...(throwable === undefined ? {} : { throwableInformation: throwable }),
        }),
      });
      return {
        events: [
          event('INFO', 'Job flinkflow switched from state CREATED to RUNNING.'),
          ...(health.exception === undefined
            ? []
            : [event('ERROR', 'Job flinkflow switched from state RUNNING to RESTARTING.', health.exception)]),
        ],
      };
    });

    this.cloudWatch.on(GetMetricData).callsFake(async (input: { MetricDataQueries?: MetricDataQuery[] }) => {
      this.record('cloudwatch:GetMetricData');
      const runningSeconds =
        this.runningSinceMs === undefined ? 0 : Math.floor((this.nowMs - this.runningSinceMs) / 1000);
      const value = (metric: string | undefined): number | undefined => {
        if (health.metrics === false || this.runningSinceMs === undefined) return undefined;
        if (metric === 'numRestarts') return health.restarts ?? 0;
        if (metric === 'numberOfCompletedCheckpoints') {
          if (health.completedCheckpoints !== undefined) return health.completedCheckpoints;
          return health.checkpoints === false ? 0 : Math.floor(runningSeconds / 60);
        }
        if (metric === 'numberOfFailedCheckpoints') return 0;
        return undefined;
      };
      return {
        MetricDataResults: (input.MetricDataQueries ?? []).map((query) => {
          const v = value(query.MetricStat?.Metric?.MetricName);
          return {
            Id: query.Id,
            StatusCode: 'Complete',
            Timestamps: v === undefined ? [] : [iso()],
            Values: v === undefined ? [] : [v],
          };
        }),
      };
    });

    const application = (name: string | undefined) => ({
      ApplicationDetail: {
        ApplicationARN: `arn:aws:kinesisanalytics:${REGION}:${ACCOUNT}:application/${name}`,
        ApplicationName: name,
        RuntimeEnvironment: 'FLINK-1_20',
        ApplicationStatus: this.applicationStatus,
        ApplicationVersionId: 1,
      },
    });
    this.kda.on(CreateApplication).callsFake(async (input: { ApplicationName?: string }) => {
      this.record('kinesisanalytics:CreateApplication');
      this.applicationStatus = 'READY';
      return application(input.ApplicationName);
    });
    this.kda.on(DescribeApplication).callsFake(async (input: { ApplicationName?: string }) => {
      this.record('kinesisanalytics:DescribeApplication');
      if (this.applicationStatus === undefined) throw awsError('ResourceNotFoundException');
      const script = this.options.application ?? { startSeconds: 0 };
      if (
        this.applicationStatus === 'STARTING' &&
        this.nowMs - this.startedAtMs >= script.startSeconds * 1000
      ) {
        this.applicationStatus = script.outcome ?? 'RUNNING';
        if (this.applicationStatus === 'RUNNING') this.runningSinceMs = this.nowMs;
      }
      return application(input.ApplicationName);
    });
    this.kda.on(StartApplication).callsFake(async () => {
      this.record('kinesisanalytics:StartApplication');
      this.applicationStatus = 'STARTING';
      this.startedAtMs = this.nowMs;
      return { OperationId: 'op-start-1' };
    });
    this.kda.on(StopApplication).callsFake(async () => {
      this.record('kinesisanalytics:StopApplication');
      this.applicationStatus = 'FORCE_STOPPING';
      return { OperationId: 'op-stop-1' };
    });
    const startOperationStatus = () =>
      this.applicationStatus === 'RUNNING' ? (health.startOperation ?? 'SUCCESSFUL') : 'FAILED';
    this.kda.on(ListApplicationOperations).callsFake(async () => {
      this.record('kinesisanalytics:ListApplicationOperations');
      return {
        ApplicationOperationInfoList: [
          {
            Operation: 'StartApplication',
            OperationId: 'op-start-1',
            OperationStatus: startOperationStatus(),
            StartTime: new Date(this.startedAtMs),
            EndTime: iso(),
          },
        ],
      };
    });
    this.kda.on(DescribeApplicationOperation).callsFake(async () => {
      this.record('kinesisanalytics:DescribeApplicationOperation');
      const status = startOperationStatus();
      return {
        ApplicationOperationInfoDetails: {
          Operation: 'StartApplication',
          OperationStatus: status,
          StartTime: new Date(this.startedAtMs),
          EndTime: iso(),
          ...(status === 'FAILED'
            ? {
                OperationFailureDetails: {
                  ErrorInfo: { ErrorString: this.options.application?.failureMessage ?? 'the job failed' },
                },
              }
            : {}),
        },
      };
    });

    this.glue.on(CreateCrawler).callsFake(async () => {
      this.record('glue:CreateCrawler');
      this.crawler = true;
      return {};
    });
    this.glue.on(CreateClassifier).callsFake(this.accepts('glue:CreateClassifier'));
    this.scheduler.on(CreateSchedule).callsFake(async (input: { Name?: string }) => {
      this.record('scheduler:CreateSchedule');
      return { ScheduleArn: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/${input.Name}` };
    });
    this.glue.on(GetCrawler).callsFake(async (input: { Name?: string }) => {
      this.record('glue:GetCrawler');
      if (!this.crawler) throw awsError('EntityNotFoundException');
      return { Crawler: { Name: input.Name, State: 'READY' } };
    });
  }
}
