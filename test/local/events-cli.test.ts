/**
 * SNS, SQS, EventBridge Scheduler and the Kinesis metrics on a started local cloud (`flinkflow local up`'s
 * daemon), reached as a user reaches them: the AWS CLI with nothing but the edge in its environment, and
 * the JS SDK through the per-service variables the local cloud hands to handlers. The daemon's own
 * timers run here: a schedule created with the CLI fires on the real clock, and IncomingRecords appears
 * in CloudWatch without anyone flushing it.
 */
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sdkEnvironment, startLocalCloud, stopLocalCloud, type LocalCloudState } from '../../local/cloud';

jest.setTimeout(120_000);

const run = promisify(execFile);
const venvBin = path.resolve(__dirname, '..', '..', '.venv', 'bin');
const home = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-events-'));
const account = '000000000000';
let state: LocalCloudState;
/** Only the edge: what a user exports to point the AWS CLI at the whole local cloud. */
let edgeEnv: NodeJS.ProcessEnv;

async function aws(...args: string[]): Promise<Record<string, unknown>> {
  // AWS CLI v1 pins `aws sqs` to its legacy host (queue.amazonaws.com in us-east-1) unless the command
  // line names an endpoint, AWS_ENDPOINT_URL notwithstanding (awscli/customizations/overridesslcommonname.py).
  const endpoint = args[0] === 'sqs' ? ['--endpoint-url', String(edgeEnv['AWS_ENDPOINT_URL'])] : [];
  const { stdout } = await run(path.join(venvBin, 'aws'), [...args, ...endpoint, '--output', 'json'], {
    env: edgeEnv,
  });
  return (stdout.trim() ? JSON.parse(stdout) : {}) as Record<string, unknown>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Receives from a queue with the CLI until a message arrives or the time is up. */
async function receiveOne(queueUrl: string, timeoutMs: number): Promise<{ Body: string } | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const answer = await aws('sqs', 'receive-message', '--queue-url', queueUrl, '--wait-time-seconds', '1');
    const messages = answer['Messages'] as { Body: string }[] | undefined;
    if (messages?.length) return messages[0];
  }
  return undefined;
}

beforeAll(async () => {
  state = await startLocalCloud({ home, fresh: true });
  edgeEnv = {
    PATH: process.env['PATH'],
    HOME: home,
    AWS_ENDPOINT_URL: state.edge,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_DEFAULT_REGION: state.region,
  };
}, 120_000);

afterAll(async () => {
  await stopLocalCloud({ home });
  rmSync(home, { recursive: true, force: true });
});

describe('SNS and SQS on the local cloud', () => {
  it('It should deliver an `aws sns publish` to a subscribed queue that `aws sqs receive-message` reads', async () => {
    // Prepare
    const { QueueUrl } = await aws('sqs', 'create-queue', '--queue-name', 'cli-alerts');
    const { TopicArn } = await aws('sns', 'create-topic', '--name', 'cli-verdicts');
    await aws(
      'sns',
      'subscribe',
      '--topic-arn',
      String(TopicArn),
      '--protocol',
      'sqs',
      '--notification-endpoint',
      `arn:aws:sqs:${state.region}:${account}:cli-alerts`,
    );

    // Act
    const published = await aws(
      'sns',
      'publish',
      '--topic-arn',
      String(TopicArn),
      '--message',
      'freshness failed',
    );
    const received = await receiveOne(String(QueueUrl), 10_000);

    // Assess: SNS wraps the message in its notification envelope.
    expect(published['MessageId']).toEqual(expect.any(String));
    expect(JSON.parse(received?.Body ?? '{}')).toMatchObject({
      Type: 'Notification',
      TopicArn,
      Message: 'freshness failed',
    });
  });

  it('It should hand handlers per-service endpoints for SNS, SQS, Scheduler and EventBridge', async () => {
    // Prepare
    const environment = sdkEnvironment(state);
    const sns = new SNSClient({
      endpoint: environment['AWS_ENDPOINT_URL_SNS'],
      region: state.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });

    // Act
    const { Topics = [] } = await sns.send(new ListTopicsCommand({}));
    sns.destroy();

    // Assess
    expect(environment).toMatchObject({
      AWS_ENDPOINT_URL_SNS: state.endpoints.sns,
      AWS_ENDPOINT_URL_SQS: state.endpoints.sqs,
      AWS_ENDPOINT_URL_SCHEDULER: state.endpoints.scheduler,
      AWS_ENDPOINT_URL_EVENTBRIDGE: state.endpoints.events,
    });
    expect(Topics.map((t) => t.TopicArn)).toContain(`arn:aws:sns:${state.region}:${account}:cli-verdicts`);
  });
});

describe('EventBridge on the local cloud', () => {
  it('It should keep rules made with `aws events put-rule` through the edge', async () => {
    // Act
    const put = await aws(
      'events',
      'put-rule',
      '--name',
      'cli-redeploy',
      '--event-pattern',
      '{"source":["aws.s3"]}',
    );
    const listed = await aws('events', 'list-rules', '--name-prefix', 'cli-');

    // Assess
    expect(put['RuleArn']).toBe(`arn:aws:events:${state.region}:${account}:rule/cli-redeploy`);
    expect((listed['Rules'] as { Name: string }[]).map((r) => r.Name)).toEqual(['cli-redeploy']);
  });
});

describe('EventBridge Scheduler on the local cloud', () => {
  it('It should create a schedule with `aws scheduler create-schedule` that the daemon fires on the real clock', async () => {
    // Prepare
    const { QueueUrl } = await aws('sqs', 'create-queue', '--queue-name', 'cli-scheduled');
    const target = {
      Arn: `arn:aws:sqs:${state.region}:${account}:cli-scheduled`,
      RoleArn: `arn:aws:iam::${account}:role/flinkflow-scheduler`,
      Input: '{"from":"scheduler"}',
    };

    // Act: a rate schedule without StartDate fires at once, at the daemon's next tick (every 5 s).
    const created = await aws(
      'scheduler',
      'create-schedule',
      '--name',
      'cli-validation',
      '--schedule-expression',
      'rate(1 minute)',
      '--flexible-time-window',
      'Mode=OFF',
      '--target',
      JSON.stringify(target),
    );
    const fired = await receiveOne(String(QueueUrl), 20_000);
    const described = await aws('scheduler', 'get-schedule', '--name', 'cli-validation');
    await aws('scheduler', 'delete-schedule', '--name', 'cli-validation');

    // Assess
    expect(created['ScheduleArn']).toBe(
      `arn:aws:scheduler:${state.region}:${account}:schedule/default/cli-validation`,
    );
    expect(fired?.Body).toBe('{"from":"scheduler"}');
    expect(described).toMatchObject({ State: 'ENABLED', ScheduleExpression: 'rate(1 minute)' });
  });

  it('It should refuse `aws scheduler create-schedule` with a bad expression, saying what is wrong', async () => {
    // Act
    const error = (await aws(
      'scheduler',
      'create-schedule',
      '--name',
      'cli-bad',
      '--schedule-expression',
      'rate(30 seconds)',
      '--flexible-time-window',
      'Mode=OFF',
      '--target',
      JSON.stringify({
        Arn: 'arn:aws:sqs:us-east-1:000000000000:x',
        RoleArn: `arn:aws:iam::${account}:role/r`,
      }),
    ).then(
      () => new Error('create-schedule succeeded'),
      (e: Error & { stderr?: string }) => e,
    )) as Error & { stderr?: string };

    // Assess
    expect(error.stderr).toMatch(/ValidationException/);
    expect(error.stderr).toMatch(/none of rate\(value unit\), cron\(fields\) or at\(yyyy-mm-ddThh:mm:ss\)/);
  });
});

describe('Kinesis metrics on the local cloud', () => {
  it('It should publish IncomingRecords for a stream within the daemon period, without a flush', async () => {
    // Prepare
    const environment = sdkEnvironment(state);
    const common = { region: state.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
    const kinesis = new KinesisClient({
      ...common,
      endpoint: environment['AWS_ENDPOINT_URL_KINESIS'],
      requestHandler: new NodeHttpHandler(),
    });
    const cloudWatch = new CloudWatchClient({
      ...common,
      endpoint: environment['AWS_ENDPOINT_URL_CLOUDWATCH'],
    });
    await kinesis.send(new CreateStreamCommand({ StreamName: 'daemon-ticks', ShardCount: 1 }));
    while (
      (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'daemon-ticks' })))
        .StreamDescriptionSummary?.StreamStatus !== 'ACTIVE'
    ) {
      await sleep(100);
    }
    const started = Math.floor(Date.now() / 60_000) * 60_000;

    // Act
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'daemon-ticks',
        Records: Array.from({ length: 12 }, (_, i) => ({
          PartitionKey: `p${i}`,
          Data: Buffer.from(`tick ${i}`),
        })),
      }),
    );
    let total = 0;
    const deadline = Date.now() + 20_000;
    while (total < 12 && Date.now() < deadline) {
      await sleep(1000);
      const { Datapoints = [] } = await cloudWatch.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/Kinesis',
          MetricName: 'IncomingRecords',
          Dimensions: [{ Name: 'StreamName', Value: 'daemon-ticks' }],
          StartTime: new Date(started - 60_000),
          EndTime: new Date(started + 180_000),
          Period: 60,
          Statistics: ['Sum'],
        }),
      );
      total = Datapoints.reduce((sum, d) => sum + (d.Sum ?? 0), 0);
    }
    kinesis.destroy();
    cloudWatch.destroy();

    // Assess
    expect(total).toBe(12);
  });
});
