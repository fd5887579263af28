/**
 * A scripted AWS for running the provisioning machine with the handlers' real `run` functions: every
 * client the tasks use is replaced by aws-sdk-client-mock, answering from a little in-memory state, and
 * time is simulated, so a three-minute application start takes milliseconds and is deterministic.
 *
 * The Wait state is overridden to 0 ms; the simulated clock advances by the seconds the Wait would have
 * paused (the state's `$.status.nextWaitSeconds`) when DescribeApplication runs after it.
 */
import { createHash } from 'node:crypto';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand as CreateLogGroup,
  CreateLogStreamCommand as CreateLogStream,
  PutRetentionPolicyCommand as PutRetentionPolicy,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateCrawlerCommand as CreateCrawler,
  GetCrawlerCommand as GetCrawler,
  GlueClient,
  StartCrawlerScheduleCommand as StartCrawlerSchedule,
} from '@aws-sdk/client-glue';
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
  PutPublicAccessBlockCommand as PutPublicAccessBlock,
  S3Client,
} from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { ProvisionExecutionState, ProvisionLambdaTask } from '../../../workflow/contract';

/** How the scripted application behaves after StartApplication. */
export interface ApplicationScript {
  /** Simulated seconds from StartApplication until the application leaves STARTING. */
  startSeconds: number;
  /** The status it then reaches. RUNNING by default; READY models a job that failed to start. */
  outcome?: 'RUNNING' | 'READY' | 'ROLLED_BACK';
  /** The start operation's error, reported through ListApplicationOperations when the start fails. */
  failureMessage?: string;
}

export interface SimulatedAwsOptions {
  application?: ApplicationScript;
  /** Each call named here first fails this many times with a throttling error (e.g. 'kinesis:CreateStream'). */
  throttleFirst?: Record<string, number>;
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
  private applicationStatus: string | undefined;
  private startedAtMs = 0;
  private stream = false;
  private bucket = false;
  private crawler = false;

  private readonly kinesis = mockClient(KinesisClient);
  private readonly s3 = mockClient(S3Client);
  private readonly kda = mockClient(KinesisAnalyticsV2Client);
  private readonly logs = mockClient(CloudWatchLogsClient);
  private readonly glue = mockClient(GlueClient);
  private readonly sts = mockClient(STSClient);

  /** Starts a fresh cloud: no resources, the clock at its start, the given script. */
  reset(options: SimulatedAwsOptions = {}): this {
    this.options = options;
    this.calls.length = 0;
    this.nowMs = START;
    this.throttlesLeft = new Map(Object.entries(options.throttleFirst ?? {}));
    this.applicationStatus = undefined;
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
        return run(input as never, this.deps() as never);
      };
    }
    return bound;
  }

  private stubs(): Array<{ reset(): unknown; onAnyCommand(): { rejects(error: Error): unknown } }> {
    return [this.kinesis, this.s3, this.kda, this.logs, this.glue, this.sts];
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
    this.kda.on(ListApplicationOperations).callsFake(async () => {
      this.record('kinesisanalytics:ListApplicationOperations');
      return {
        ApplicationOperationInfoList: [
          {
            Operation: 'StartApplication',
            OperationId: 'op-start-1',
            OperationStatus: this.applicationStatus === 'RUNNING' ? 'SUCCESSFUL' : 'FAILED',
            StartTime: new Date(this.startedAtMs),
            EndTime: iso(),
          },
        ],
      };
    });
    this.kda.on(DescribeApplicationOperation).callsFake(async () => {
      this.record('kinesisanalytics:DescribeApplicationOperation');
      return {
        ApplicationOperationInfoDetails: {
          Operation: 'StartApplication',
          OperationStatus: 'FAILED',
          StartTime: new Date(this.startedAtMs),
          EndTime: iso(),
          OperationFailureDetails: {
            ErrorInfo: { ErrorString: this.options.application?.failureMessage ?? 'the job failed' },
          },
        },
      };
    });

    this.glue.on(CreateCrawler).callsFake(async () => {
      this.record('glue:CreateCrawler');
      this.crawler = true;
      return {};
    });
    this.glue.on(StartCrawlerSchedule).callsFake(async () => {
      this.record('glue:StartCrawlerSchedule');
      return {};
    });
    this.glue.on(GetCrawler).callsFake(async (input: { Name?: string }) => {
      this.record('glue:GetCrawler');
      if (!this.crawler) throw awsError('EntityNotFoundException');
      return { Crawler: { Name: input.Name, State: 'READY' } };
    });
  }
}
