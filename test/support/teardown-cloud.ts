/**
 * A small in-memory AWS holding one provisioned pipeline, for the teardown tasks' unit tests and the
 * teardown machine on aws-local-stepfunctions: every client a teardown task uses is an SDK client whose
 * `send` aws-sdk-client-mock answers from this state, so deletes really remove things and a second run
 * really finds them gone. Time is simulated (the stop wait advances the clock, never sleeps).
 */
import {
  CloudWatchLogsClient,
  DeleteLogGroupCommand as DeleteLogGroup,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DeleteRuleCommand as DeleteRule,
  EventBridgeClient,
  ListTargetsByRuleCommand as ListTargetsByRule,
  RemoveTargetsCommand as RemoveTargets,
} from '@aws-sdk/client-eventbridge';
import {
  BatchDeleteTableCommand as BatchDeleteTable,
  DeleteClassifierCommand as DeleteClassifier,
  DeleteCrawlerCommand as DeleteCrawler,
  GetCrawlerCommand as GetCrawler,
  GetTablesCommand as GetTables,
  GlueClient,
  StopCrawlerCommand as StopCrawler,
} from '@aws-sdk/client-glue';
import {
  DeleteStreamCommand as DeleteStream,
  DescribeStreamSummaryCommand as DescribeStreamSummary,
  KinesisClient,
} from '@aws-sdk/client-kinesis';
import {
  DeleteApplicationCommand as DeleteApplication,
  DescribeApplicationCommand as DescribeApplication,
  KinesisAnalyticsV2Client,
  StopApplicationCommand as StopApplication,
} from '@aws-sdk/client-kinesis-analytics-v2';
import {
  AbortMultipartUploadCommand as AbortMultipartUpload,
  DeleteBucketCommand as DeleteBucket,
  DeleteObjectsCommand as DeleteObjects,
  ListMultipartUploadsCommand as ListMultipartUploads,
  ListObjectVersionsCommand as ListObjectVersions,
  S3Client,
} from '@aws-sdk/client-s3';
import { DeleteScheduleCommand as DeleteSchedule, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { awsError } from './aws-errors';
import { PipelineNames } from '../../workflow/contract';
import type { TeardownDeps } from '../../lambdas/shared/teardown';
import type { AwsClients } from '../../lambdas/shared/clients';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const PIPELINE = 'ticks-demo';
export const DATABASE = 'flinkflow';

/** What the teardown tasks read from their environment. */
export const teardownEnvironment: Record<string, string> = {
  GLUE_DATABASE: DATABASE,
  AWS_ACCOUNT_ID: ACCOUNT,
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
};

export interface PipelineState {
  schedule: boolean;
  rule: { targets: string[] } | undefined;
  application: { status: string; createTimestamp: Date } | undefined;
  logGroup: boolean;
  stream: string | undefined;
  crawler: string | undefined;
  tables: string[];
  classifier: boolean;
  /** Object versions and delete markers (`key@version`); undefined: no bucket. */
  bucket: string[] | undefined;
  uploads: string[];
}

/** A pipeline as provisioning leaves it (the application RUNNING), with `versions` object versions. */
export function provisionedPipeline(versions = 5): PipelineState {
  return {
    schedule: true,
    rule: { targets: ['redeploy-machine'] },
    application: { status: 'RUNNING', createTimestamp: new Date('2026-12-01T10:00:00Z') },
    logGroup: true,
    stream: 'ACTIVE',
    crawler: 'READY',
    tables: [`${PipelineNames.tablePrefix(PIPELINE)}output`, 'other_pipeline_output'],
    classifier: true,
    bucket: Array.from({ length: versions }, (_, i) => `output/part-${i}@v${i}`),
    uploads: ['output/in-progress'],
  };
}

/** Every resource of the pipeline gone (what a second teardown finds). */
export function nothingLeft(state: PipelineState): string[] {
  const left: string[] = [];
  if (state.schedule) left.push('schedule');
  if (state.rule) left.push('rule');
  if (state.application) left.push('application');
  if (state.logGroup) left.push('logGroup');
  if (state.stream) left.push('stream');
  if (state.crawler) left.push('crawler');
  if (state.tables.some((t) => t.startsWith(PipelineNames.tablePrefix(PIPELINE)))) left.push('tables');
  if (state.classifier) left.push('classifier');
  if (state.bucket) left.push('bucket');
  return left;
}

export class TeardownCloud {
  state: PipelineState = provisionedPipeline();
  nowMs = Date.parse('2026-12-01T12:00:00Z');
  /** Every call, as `service:Operation`. */
  calls: string[] = [];
  /** Stop calls and their Force flag. */
  stops: boolean[] = [];
  /** Seconds a (normal or forced) stop stays STOPPING before READY, measured on the simulated clock. */
  stopSeconds = 30;
  /** Errors to throw on the next call of an operation (each used once). */
  failures = new Map<string, Error>();
  private stoppedAt: number | undefined;
  readonly clients: AwsClients;
  readonly scheduler = new SchedulerClient({ region: REGION });
  readonly eventBridge = new EventBridgeClient({ region: REGION });

  constructor() {
    this.clients = {
      kinesis: new KinesisClient({ region: REGION }),
      s3: new S3Client({ region: REGION }),
      kinesisAnalytics: new KinesisAnalyticsV2Client({ region: REGION }),
      glue: new GlueClient({ region: REGION }),
      logs: new CloudWatchLogsClient({ region: REGION }),
    } as AwsClients;
    this.wire();
  }

  reset(state: PipelineState = provisionedPipeline()): void {
    this.state = state;
    this.calls = [];
    this.stops = [];
    this.failures.clear();
    this.stoppedAt = undefined;
  }

  /** The dependencies every teardown task's `run` takes. */
  deps(): TeardownDeps {
    return {
      clients: this.clients,
      scheduler: this.scheduler,
      eventBridge: this.eventBridge,
      now: () => new Date(this.nowMs),
      sleep: async (ms) => {
        this.nowMs += ms;
      },
    };
  }

  private call<T>(name: string, answer: () => T): T {
    this.calls.push(name);
    const failure = this.failures.get(name);
    if (failure) {
      this.failures.delete(name);
      throw failure;
    }
    this.settle();
    return answer();
  }

  /** A stopping application becomes READY once its stop time has passed on the simulated clock. */
  private settle(): void {
    const app = this.state.application;
    if (app && this.stoppedAt !== undefined && this.nowMs - this.stoppedAt >= this.stopSeconds * 1000) {
      if (app.status === 'STOPPING' || app.status === 'FORCE_STOPPING') app.status = 'READY';
      this.stoppedAt = undefined;
    }
  }

  private wire(): void {
    const s = () => this.state;
    const notFound = (code = 'ResourceNotFoundException') => {
      throw awsError(code, { statusCode: 400 });
    };
    mockClient(this.scheduler)
      .on(DeleteSchedule)
      .callsFake(() =>
        this.call('scheduler:DeleteSchedule', () => {
          if (!s().schedule) notFound();
          s().schedule = false;
          return {};
        }),
      );
    const events = mockClient(this.eventBridge);
    events.on(ListTargetsByRule).callsFake(() =>
      this.call('events:ListTargetsByRule', () => {
        const rule = s().rule ?? notFound();
        return { Targets: rule.targets.map((Id) => ({ Id, Arn: `arn:${Id}` })) };
      }),
    );
    events.on(RemoveTargets).callsFake((input: { Ids: string[] }) =>
      this.call('events:RemoveTargets', () => {
        const rule = s().rule ?? notFound();
        rule.targets = rule.targets.filter((t) => !input.Ids.includes(t));
        return { FailedEntryCount: 0, FailedEntries: [] };
      }),
    );
    events.on(DeleteRule).callsFake(() =>
      this.call('events:DeleteRule', () => {
        const rule = s().rule;
        if (!rule) return {};
        if (rule.targets.length > 0)
          throw awsError('ValidationException', { message: 'Rule can not be deleted since it has targets.' });
        s().rule = undefined;
        return {};
      }),
    );
    const flink = mockClient(this.clients.kinesisAnalytics);
    flink.on(DescribeApplication).callsFake(() =>
      this.call('kinesisanalytics:DescribeApplication', () => {
        const app = s().application ?? notFound();
        return {
          ApplicationDetail: {
            ApplicationName: PipelineNames.application(PIPELINE),
            ApplicationStatus: app.status,
            CreateTimestamp: app.createTimestamp,
          },
        };
      }),
    );
    flink.on(StopApplication).callsFake((input: { Force?: boolean }) =>
      this.call('kinesisanalytics:StopApplication', () => {
        const app = s().application ?? notFound();
        const allowed = input.Force
          ? ['STARTING', 'UPDATING', 'STOPPING', 'AUTOSCALING', 'RUNNING'].includes(app.status)
          : app.status === 'RUNNING';
        if (!allowed) throw awsError('ResourceInUseException');
        this.stops.push(Boolean(input.Force));
        app.status = input.Force ? 'FORCE_STOPPING' : 'STOPPING';
        this.stoppedAt = this.nowMs;
        return {};
      }),
    );
    flink.on(DeleteApplication).callsFake((input: { CreateTimestamp?: Date }) =>
      this.call('kinesisanalytics:DeleteApplication', () => {
        const app = s().application ?? notFound();
        if (input.CreateTimestamp?.getTime() !== app.createTimestamp.getTime()) {
          throw awsError('InvalidArgumentException', { message: 'CreateTimestamp does not match' });
        }
        if (['STARTING', 'STOPPING', 'FORCE_STOPPING', 'UPDATING'].includes(app.status)) {
          throw awsError('ResourceInUseException');
        }
        s().application = undefined;
        return {};
      }),
    );
    mockClient(this.clients.logs)
      .on(DeleteLogGroup)
      .callsFake(() =>
        this.call('logs:DeleteLogGroup', () => {
          if (!s().logGroup) notFound();
          s().logGroup = false;
          return {};
        }),
      );
    const kinesis = mockClient(this.clients.kinesis);
    kinesis.on(DescribeStreamSummary).callsFake(() =>
      this.call('kinesis:DescribeStreamSummary', () => ({
        StreamDescriptionSummary: { StreamStatus: s().stream ?? notFound() },
      })),
    );
    kinesis.on(DeleteStream).callsFake((input: { EnforceConsumerDeletion?: boolean }) =>
      this.call('kinesis:DeleteStream', () => {
        if (!s().stream) notFound();
        if (input.EnforceConsumerDeletion !== true)
          throw awsError('ResourceInUseException', { message: 'consumers' });
        s().stream = undefined;
        return {};
      }),
    );
    const glue = mockClient(this.clients.glue);
    glue.on(GetCrawler).callsFake(() =>
      this.call('glue:GetCrawler', () => {
        const state = s().crawler ?? notFound('EntityNotFoundException');
        // A stopped crawl is READY at the next look.
        if (state === 'STOPPING') s().crawler = 'READY';
        return { Crawler: { State: state } };
      }),
    );
    glue.on(StopCrawler).callsFake(() =>
      this.call('glue:StopCrawler', () => {
        if (s().crawler !== 'RUNNING') throw awsError('CrawlerNotRunningException');
        s().crawler = 'STOPPING';
        return {};
      }),
    );
    glue.on(DeleteCrawler).callsFake(() =>
      this.call('glue:DeleteCrawler', () => {
        const state = s().crawler ?? notFound('EntityNotFoundException');
        if (state !== 'READY') throw awsError('CrawlerRunningException');
        s().crawler = undefined;
        return {};
      }),
    );
    glue
      .on(GetTables)
      .callsFake(() =>
        this.call('glue:GetTables', () => ({ TableList: s().tables.map((Name) => ({ Name })) })),
      );
    glue.on(BatchDeleteTable).callsFake((input: { TablesToDelete: string[] }) =>
      this.call('glue:BatchDeleteTable', () => {
        const errors = input.TablesToDelete.filter((t) => !s().tables.includes(t)).map((TableName) => ({
          TableName,
          ErrorDetail: { ErrorCode: 'EntityNotFoundException', ErrorMessage: 'not found' },
        }));
        s().tables = s().tables.filter((t) => !input.TablesToDelete.includes(t));
        return { Errors: errors };
      }),
    );
    glue.on(DeleteClassifier).callsFake(() =>
      this.call('glue:DeleteClassifier', () => {
        if (!s().classifier) notFound('EntityNotFoundException');
        s().classifier = false;
        return {};
      }),
    );
    const s3 = mockClient(this.clients.s3);
    const bucket = () => s().bucket ?? notFound('NoSuchBucket');
    s3.on(ListObjectVersions).callsFake((input: { MaxKeys?: number }) =>
      this.call('s3:ListObjectVersions', () => {
        const page = bucket().slice(0, input.MaxKeys ?? 1000);
        const split = page.map((v) => v.split('@') as [string, string]);
        return {
          Versions: split
            .filter(([k]) => !k.endsWith('.marker'))
            .map(([Key, VersionId]) => ({ Key, VersionId })),
          DeleteMarkers: split
            .filter(([k]) => k.endsWith('.marker'))
            .map(([Key, VersionId]) => ({ Key, VersionId })),
          IsTruncated: bucket().length > page.length,
        };
      }),
    );
    s3.on(DeleteObjects).callsFake(
      (input: { Delete: { Objects: Array<{ Key: string; VersionId?: string }> } }) =>
        this.call('s3:DeleteObjects', () => {
          const gone = new Set(input.Delete.Objects.map((o) => `${o.Key}@${o.VersionId ?? ''}`));
          s().bucket = bucket().filter((v) => !gone.has(v));
          return { Errors: [] };
        }),
    );
    s3.on(ListMultipartUploads).callsFake(() =>
      this.call('s3:ListMultipartUploads', () => {
        bucket();
        return { Uploads: s().uploads.map((Key) => ({ Key, UploadId: `upload-${Key}` })) };
      }),
    );
    s3.on(AbortMultipartUpload).callsFake((input: { Key: string }) =>
      this.call('s3:AbortMultipartUpload', () => {
        s().uploads = s().uploads.filter((u) => u !== input.Key);
        return {};
      }),
    );
    s3.on(DeleteBucket).callsFake(() =>
      this.call('s3:DeleteBucket', () => {
        if (bucket().length > 0 || s().uploads.length > 0)
          throw awsError('BucketNotEmpty', { statusCode: 409 });
        s().bucket = undefined;
        return {};
      }),
    );
  }
}
