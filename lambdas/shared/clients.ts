/**
 * The one AWS client factory of the Lambda tasks. Clients are module-level singletons (one per cold
 * start, reused across invocations), and every client setting lives here.
 *
 * Endpoints are never set in code: the SDK reads the standard `AWS_ENDPOINT_URL_<SERVICE>` variables
 * (`AWS_ENDPOINT_URL_KINESIS`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_KINESIS_ANALYTICS_V2`,
 * `AWS_ENDPOINT_URL_GLUE`, `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`, `AWS_ENDPOINT_URL_CLOUDWATCH`,
 * `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL_ATHENA`, `AWS_ENDPOINT_URL_SNS`,
 * `AWS_ENDPOINT_URL_SCHEDULER`, `AWS_ENDPOINT_URL_SFN`), which the local
 * cloud sets and AWS leaves unset. The handlers never know which cloud they talk to.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { GlueClient } from '@aws-sdk/client-glue';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { KinesisAnalyticsV2Client } from '@aws-sdk/client-kinesis-analytics-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Every AWS client a provisioning task may use. */
export interface AwsClients {
  kinesis: KinesisClient;
  s3: S3Client;
  kinesisAnalytics: KinesisAnalyticsV2Client;
  glue: GlueClient;
  logs: CloudWatchLogsClient;
  /** CloudWatch metrics (the health gate reads the application's Flink metrics). */
  cloudWatch: CloudWatchClient;
  sts: STSClient;
  /** The crawl-and-query machine's queries, its verdict topic, and the validation schedule. */
  athena: AthenaClient;
  sns: SNSClient;
  scheduler: SchedulerClient;
  /** Step Functions (the redeploy starter starts executions). */
  sfn: SFNClient;
}

/**
 * Adaptive retries add client-side rate limiting on throttling. Few attempts, because the state
 * machine retries a TransientError again with jitter and the Lambda timeout must stay predictable.
 */
const COMMON = { retryMode: 'adaptive', maxAttempts: 3, customUserAgent: 'flinkflow' } as const;

/** Builds a fresh set of clients from an environment; `awsClients()` is the shared instance. */
export function createAwsClients(env: NodeJS.ProcessEnv = process.env): AwsClients {
  return {
    // The Kinesis client talks HTTP/2 by default (for SubscribeToShard, which the tasks never call);
    // kinesalite and other local servers speak HTTP/1.1 only, and control-plane calls gain nothing from
    // HTTP/2, so the tasks use HTTP/1.1 everywhere rather than branching on the cloud.
    kinesis: new KinesisClient({
      ...COMMON,
      requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 30_000 }),
    }),
    // Local S3 servers listen on 127.0.0.1:<port>, where virtual-hosted bucket names cannot resolve.
    s3: new S3Client({
      ...COMMON,
      forcePathStyle: Boolean(env['AWS_ENDPOINT_URL_S3'] ?? env['AWS_ENDPOINT_URL']),
    }),
    kinesisAnalytics: new KinesisAnalyticsV2Client({ ...COMMON }),
    glue: new GlueClient({ ...COMMON }),
    logs: new CloudWatchLogsClient({ ...COMMON }),
    cloudWatch: new CloudWatchClient({ ...COMMON }),
    sts: new STSClient({ ...COMMON }),
    athena: new AthenaClient({ ...COMMON }),
    sns: new SNSClient({ ...COMMON }),
    scheduler: new SchedulerClient({ ...COMMON }),
    sfn: new SFNClient({ ...COMMON }),
  };
}

let shared: AwsClients | undefined;

/**
 * The process-wide clients, built on first use (after the runtime or a test has set the environment).
 * Tests replace their `send` with aws-sdk-client-mock's `mockClient(<ClientClass>)`.
 */
export function awsClients(): AwsClients {
  shared ??= createAwsClients();
  return shared;
}
