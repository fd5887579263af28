/**
 * Teardown on the local cloud, end to end and with the real SDK clients: a pipeline provisioned by the
 * provisioning machine (its job RUNNING on real Flink), plus what the other machines add per pipeline (the
 * validation schedule, the redeploy rule with a target, the CSV classifier) and a catalog table with
 * partitions, is torn down by `flinkflow destroy --local` (the teardown machine on the local Step
 * Functions API). Every service is then listed and holds nothing of the pipeline; a second destroy
 * succeeds with nothing to do; with --keep-data the bucket and every object version stay.
 */
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  EventBridgeClient,
  ListRulesCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  BatchCreatePartitionCommand,
  CreateClassifierCommand,
  GetClassifierCommand,
  CreateCrawlerCommand,
  CreateTableCommand,
  GetClassifiersCommand,
  GetCrawlersCommand,
  GetTablesCommand,
} from '@aws-sdk/client-glue';
import { CreateStreamCommand, ListStreamsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { ListApplicationsCommand } from '@aws-sdk/client-kinesis-analytics-v2';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import {
  CreateScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import { destroyCommand } from '../../cli/commands/destroy';
import { deployLocally } from '../../cli/local-run/deploy';
import { createAwsClients } from '../../lambdas/shared/clients';
import { sdkEnvironment, startLocalCloud, stopLocalCloud, type LocalCloudState } from '../../local/cloud';
import { TeardownStateMachineName } from '../../local/stepfunctions/machines';
import { runProvisioningLocally } from '../../local/stepfunctions/run-provisioning';
import { OutputColumns, PipelineNames } from '../../workflow/contract';
import type { TeardownOutput } from '../../workflow/teardown-contract';
import { fakeIo } from '../cli/fakes';

jest.setTimeout(10 * 60_000);

const PIPELINE = 'e2e-teardown';
const KEPT = 'e2e-keep';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('flinkflow destroy on the local cloud', () => {
  const home = path.join(tmpdir(), `flinkflow-e2e-teardown-${process.pid}`);
  let state: LocalCloudState;
  let clients: ReturnType<typeof createAwsClients>;
  let scheduler: SchedulerClient;
  let events: EventBridgeClient;
  let logs: CloudWatchLogsClient;

  beforeAll(async () => {
    await mkdir(home, { recursive: true });
    state = await startLocalCloud({ home, fresh: true });
    Object.assign(process.env, sdkEnvironment(state));
    clients = createAwsClients(process.env);
    scheduler = new SchedulerClient({});
    events = new EventBridgeClient({});
    logs = new CloudWatchLogsClient({});
  });

  afterAll(async () => {
    await stopLocalCloud({ home });
  });

  /** Runs `flinkflow destroy --local` against this test's local cloud; returns the exit code and output. */
  async function destroy(pipeline: string, flags: { keepData?: boolean } = {}) {
    // A real clock: the execution name carries it, and each destroy is a new execution.
    const io = { ...fakeIo(), now: () => Date.now() };
    const local = {
      endpoint: state.edge,
      region: state.region,
      stateMachineArn: state.stateMachines![TeardownStateMachineName]!,
    };
    const code = await destroyCommand({ pipeline, local: true, json: true, pollSeconds: 1, ...flags }, io, {
      sfn: () =>
        new SFNClient({
          endpoint: local.endpoint,
          region: local.region,
          credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
        }),
      localStepFunctions: async () => local,
      sleep: (ms) => sleep(ms),
    });
    const outcome = JSON.parse(io.stdout.join('\n')) as { status: string; output: TeardownOutput };
    return { code, outcome, stderr: io.stderr.join('\n') };
  }

  /** What of the pipeline each service still lists. */
  async function leftOver(pipeline: string): Promise<Record<string, string[]>> {
    const account = state.account;
    const prefix = PipelineNames.tablePrefix(pipeline);
    const streams = (await clients.kinesis.send(new ListStreamsCommand({}))).StreamNames ?? [];
    const buckets = ((await clients.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map(
      (b) => b.Name ?? '',
    );
    const apps = (
      (await clients.kinesisAnalytics.send(new ListApplicationsCommand({}))).ApplicationSummaries ?? []
    ).map((a) => a.ApplicationName ?? '');
    const crawlers = ((await clients.glue.send(new GetCrawlersCommand({}))).Crawlers ?? []).map(
      (c) => c.Name ?? '',
    );
    const tables = (
      (await clients.glue.send(new GetTablesCommand({ DatabaseName: 'flinkflow' }))).TableList ?? []
    ).map((t) => t.Name ?? '');
    const classifiers = ((await clients.glue.send(new GetClassifiersCommand({}))).Classifiers ?? []).map(
      (c) => c.CsvClassifier?.Name ?? '',
    );
    const schedules = ((await scheduler.send(new ListSchedulesCommand({}))).Schedules ?? []).map(
      (s) => s.Name ?? '',
    );
    const rules = ((await events.send(new ListRulesCommand({}))).Rules ?? []).map((r) => r.Name ?? '');
    const logGroups = ((await logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? []).map(
      (g) => g.logGroupName ?? '',
    );
    const ours = (names: string[], match: (n: string) => boolean) => names.filter(match);
    return {
      streams: ours(streams, (n) => n === PipelineNames.stream(pipeline)),
      buckets: ours(buckets, (n) => n === PipelineNames.bucket(pipeline, account, state.region)),
      applications: ours(apps, (n) => n === PipelineNames.application(pipeline)),
      crawlers: ours(crawlers, (n) => n === PipelineNames.crawler(pipeline)),
      tables: ours(tables, (n) => n.startsWith(prefix)),
      classifiers: ours(classifiers, (n) => n === PipelineNames.csvClassifier(pipeline)),
      schedules: ours(schedules, (n) => n === PipelineNames.validationSchedule(pipeline)),
      rules: ours(rules, (n) => n === PipelineNames.redeployRule(pipeline)),
      logGroups: ours(logGroups, (n) => n === PipelineNames.applicationLogGroup(pipeline)),
    };
  }

  /**
   * Provisioning makes the CSV classifier and the validation schedule itself (checked here; a pipeline
   * made by hand gets them here); the test adds a per-pipeline redeploy rule with a target (the stack's own rule is shared, but teardown deletes
   * a pipeline's one when there is one) and a crawled table with partitions.
   */
  async function addTheOtherMachinesResources(pipeline: string, provisioned: boolean): Promise<void> {
    if (provisioned) {
      await clients.glue.send(new GetClassifierCommand({ Name: PipelineNames.csvClassifier(pipeline) }));
      await scheduler.send(new GetScheduleCommand({ Name: PipelineNames.validationSchedule(pipeline) }));
    } else {
      await clients.glue.send(
        new CreateClassifierCommand({
          CsvClassifier: {
            Name: PipelineNames.csvClassifier(pipeline),
            Delimiter: ',',
            ContainsHeader: 'ABSENT',
            Header: OutputColumns.map((c) => c.name),
          },
        }),
      );
      await scheduler.send(
        new CreateScheduleCommand({
          Name: PipelineNames.validationSchedule(pipeline),
          ScheduleExpression: 'rate(15 minutes)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: {
            Arn: `arn:aws:states:${state.region}:${state.account}:stateMachine:flinkflow-crawl-and-query`,
            RoleArn: `arn:aws:iam::${state.account}:role/scheduler`,
          },
        }),
      );
    }
    await events.send(
      new PutRuleCommand({
        Name: PipelineNames.redeployRule(pipeline),
        EventPattern: JSON.stringify({ source: ['aws.s3'], 'detail-type': ['Object Created'] }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: PipelineNames.redeployRule(pipeline),
        Targets: [
          {
            Id: 'redeploy',
            Arn: `arn:aws:states:${state.region}:${state.account}:stateMachine:flinkflow-redeploy`,
          },
        ],
      }),
    );
    const table = `${PipelineNames.tablePrefix(pipeline)}output`;
    await clients.glue.send(
      new CreateTableCommand({
        DatabaseName: 'flinkflow',
        TableInput: {
          Name: table,
          PartitionKeys: [{ Name: 'ticker', Type: 'string' }],
          StorageDescriptor: { Columns: OutputColumns.map((c) => ({ Name: c.name, Type: c.type })) },
        },
      }),
    );
    await clients.glue.send(
      new BatchCreatePartitionCommand({
        DatabaseName: 'flinkflow',
        TableName: table,
        PartitionInputList: [{ Values: ['AAPL'] }, { Values: ['MSFT'] }],
      }),
    );
  }

  it('It should leave nothing of a provisioned, running pipeline, and succeed with nothing to do the second time', async () => {
    // Prepare: provision on real Flink, with ticks flowing so the health gate sees a checkpoint.
    const deployment = await deployLocally(clients, state);
    let provisioning = true;
    const producer = (async () => {
      while (provisioning) {
        try {
          await clients.kinesis.send(
            new PutRecordsCommand({
              StreamName: PipelineNames.stream(PIPELINE),
              Records: ['AAPL', 'MSFT'].map((ticker) => ({
                PartitionKey: ticker,
                Data: Buffer.from(
                  JSON.stringify({ ticker, price: 50, event_time: new Date().toISOString() }),
                ),
              })),
            }),
          );
        } catch {
          // The stream does not exist yet.
        }
        await sleep(500);
      }
    })();
    const provisioned = await runProvisioningLocally({
      input: { pipelineName: PIPELINE, windowSeconds: 10, watermarkSeconds: 2, healthSettleSeconds: 20 },
      env: { ...sdkEnvironment(state), ...deployment.environment },
    });
    provisioning = false;
    await producer;
    expect(provisioned.status).toBe('SUCCEEDED');
    await addTheOtherMachinesResources(PIPELINE, true);
    const before = await leftOver(PIPELINE);

    // Act
    const t0 = Date.now();
    const first = await destroy(PIPELINE);
    const t1 = Date.now();
    const after = await leftOver(PIPELINE);
    const t2 = Date.now();
    const second = await destroy(PIPELINE);
    process.stderr.write(
      `teardown on the local cloud: first destroy ${((t1 - t0) / 1000).toFixed(1)} s, second ${((Date.now() - t2) / 1000).toFixed(1)} s\n`,
    );

    // Assess
    expect(Object.values(before).every((names) => names.length === 1)).toBe(true);
    expect(first.code).toBe(0);
    expect(first.outcome.output.applicationStop).toEqual({ from: 'RUNNING', how: 'snapshot' });
    expect(first.outcome.output.removed.map((r) => r.kind)).toEqual([
      'schedule',
      'rule',
      'application',
      'logGroup',
      'stream',
      'crawler',
      'table',
      'classifier',
      'objects',
      'bucket',
    ]);
    expect(first.outcome.output.deletedObjectVersions).toBeGreaterThan(0);
    expect(after).toEqual({
      streams: [],
      buckets: [],
      applications: [],
      crawlers: [],
      tables: [],
      classifiers: [],
      schedules: [],
      rules: [],
      logGroups: [],
    });
    expect(second.code).toBe(0);
    expect(second.outcome.output.removed).toEqual([]);
    expect(second.outcome.output.alreadyGone.map((r) => r.kind)).toEqual([
      'schedule',
      'rule',
      'application',
      'logGroup',
      'stream',
      'crawler',
      'classifier',
      'objects',
      'bucket',
    ]);
  });

  it('It should keep the bucket and every object version with --keep-data, and delete the rest', async () => {
    // Prepare: the resources of a pipeline whose application never ran.
    const bucket = PipelineNames.bucket(KEPT, state.account, state.region);
    await clients.kinesis.send(
      new CreateStreamCommand({ StreamName: PipelineNames.stream(KEPT), ShardCount: 1 }),
    );
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await clients.s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    for (const body of ['one', 'two']) {
      await clients.s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'output/ticker=AAPL/part-0.csv', Body: body }),
      );
    }
    await clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'output/ticker=AAPL/part-0.csv' }));
    await clients.glue.send(
      new CreateCrawlerCommand({
        Name: PipelineNames.crawler(KEPT),
        Role: `arn:aws:iam::${state.account}:role/crawler`,
        DatabaseName: 'flinkflow',
        Targets: { S3Targets: [{ Path: `s3://${bucket}/output/` }] },
      }),
    );
    await addTheOtherMachinesResources(KEPT, false);

    // Act
    const result = await destroy(KEPT, { keepData: true });
    const versions = await clients.s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const left = await leftOver(KEPT);

    // Assess
    expect(result.code).toBe(0);
    expect(versions.Versions).toHaveLength(2);
    expect(versions.DeleteMarkers).toHaveLength(1);
    expect(left).toMatchObject({
      buckets: [bucket],
      streams: [],
      crawlers: [],
      tables: [],
      classifiers: [],
      schedules: [],
      rules: [],
    });
    expect(result.outcome.output.kept.map((r) => r.kind)).toEqual(['logGroup', 'bucket']);
    expect(result.outcome.output.alreadyGone.map((r) => r.kind)).toEqual(
      ['application', 'logGroup'].slice(0, 1),
    );
  });
});
