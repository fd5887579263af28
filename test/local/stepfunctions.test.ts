/**
 * The local cloud's Step Functions API and its edge endpoint, as clients use them: the real SFN client of
 * the JS SDK, the AWS CLI and boto3 (both from the project venv), all through one AWS_ENDPOINT_URL (the
 * edge). The provisioning machine runs to success on the local cloud (real Flink), and the other services
 * answer through the same port.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AthenaClient, ListWorkGroupsCommand } from '@aws-sdk/client-athena';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetDatabasesCommand, GlueClient } from '@aws-sdk/client-glue';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { KinesisAnalyticsV2Client, ListApplicationsCommand } from '@aws-sdk/client-kinesis-analytics-v2';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { deployLocally } from '../../cli/local-run/deploy';
import { createAwsClients } from '../../lambdas/shared/clients';
import { sdkEnvironment, startLocalCloud, stopLocalCloud, type LocalCloudState } from '../../local/cloud';
import { failure } from './local-cloud-fixture';

jest.setTimeout(5 * 60_000);

const run = promisify(execFile);
const venvBin = path.resolve(__dirname, '..', '..', '.venv', 'bin');
const home = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-sfn-'));
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let state: LocalCloudState;
let machineArn: string;
let sfn: SFNClient;
/** Only the edge: what a user exports to point the AWS CLI or boto3 at the whole local cloud. */
let edgeEnv: NodeJS.ProcessEnv;

const input = { pipelineName: 'sfn-api', windowSeconds: 10, watermarkSeconds: 2 };

async function aws(...args: string[]): Promise<unknown> {
  const { stdout } = await run(path.join(venvBin, 'aws'), [...args, '--output', 'json'], { env: edgeEnv });
  return JSON.parse(stdout) as unknown;
}

async function boto3(script: string): Promise<unknown> {
  const { stdout } = await run(
    path.join(venvBin, 'python'),
    ['-c', `import boto3, json, sys\nsfn = boto3.client("stepfunctions")\n${script}`],
    { env: edgeEnv },
  );
  return JSON.parse(stdout) as unknown;
}

async function untilDone(
  executionArn: string,
  timeoutMs = 4 * 60_000,
): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING' || Date.now() > deadline) return described;
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  state = await startLocalCloud({ home, fresh: true });
  machineArn = state.stateMachines['flinkflow-provisioning'] as string;
  sfn = new SFNClient({ endpoint: state.edge, region: state.region, credentials });
  edgeEnv = {
    PATH: process.env['PATH'],
    HOME: home,
    AWS_ENDPOINT_URL: state.edge,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_DEFAULT_REGION: state.region,
    AWS_REGION: state.region,
  };
  // What `cdk deploy` does on AWS: the code asset, the Glue database, the tasks' settings.
  // The SDK reads endpoints, region and credentials from process.env, as the handlers do.
  Object.assign(process.env, sdkEnvironment(state));
  await deployLocally(createAwsClients(process.env), state);
}, 120_000);

afterAll(async () => {
  sfn?.destroy();
  await stopLocalCloud({ home });
  rmSync(home, { recursive: true, force: true });
});

describe('the local Step Functions API', () => {
  let executionArn: string;

  it('It should list every machine (provisioning, crawl-and-query, teardown, redeploy), with the provisioning definition', async () => {
    // Act
    const listed = await sfn.send(new ListStateMachinesCommand({}));
    const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn }));

    // Assess
    expect(machineArn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:flinkflow-provisioning');
    expect(listed.stateMachines?.map((m) => [m.name, m.stateMachineArn, m.type])).toEqual([
      ['flinkflow-provisioning', machineArn, 'STANDARD'],
      [
        'flinkflow-crawl-and-query',
        'arn:aws:states:us-east-1:000000000000:stateMachine:flinkflow-crawl-and-query',
        'STANDARD',
      ],
      ['flinkflow-teardown', machineArn.replace('provisioning', 'teardown'), 'STANDARD'],
      ['flinkflow-redeploy', machineArn.replace('provisioning', 'redeploy'), 'STANDARD'],
    ]);
    expect(JSON.parse(described.definition ?? '{}')).toMatchObject({
      StartAt: 'ValidateInput',
      States: { ValidateInput: { Type: 'Task' } },
    });
  });

  it('It should start an execution, answer the same name and input with the same execution while it runs, and refuse other input', async () => {
    // Act
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn,
        name: 'sfn-api-1',
        input: JSON.stringify(input),
      }),
    );
    executionArn = started.executionArn as string;
    // The AWS CLI and boto3 start the same request: idempotent while the execution is open.
    const again = (await aws(
      'stepfunctions',
      'start-execution',
      '--state-machine-arn',
      machineArn,
      '--name',
      'sfn-api-1',
      '--input',
      JSON.stringify(input),
    )) as { executionArn: string; startDate: number };
    const conflict = (await boto3(
      `try:\n  sfn.start_execution(stateMachineArn=${JSON.stringify(machineArn)}, name="sfn-api-1", input='{"pipelineName": "other"}')\n  print(json.dumps({"code": None}))\n` +
        `except sfn.exceptions.ExecutionAlreadyExists as e:\n  print(json.dumps({"code": e.response["Error"]["Code"]}))`,
    )) as { code: string | null };

    // Assess
    expect(executionArn).toBe(
      'arn:aws:states:us-east-1:000000000000:execution:flinkflow-provisioning:sfn-api-1',
    );
    expect(again.executionArn).toBe(executionArn);
    expect(again.startDate * 1000).toBeCloseTo(started.startDate?.getTime() ?? 0, -1);
    expect(conflict.code).toBe('ExecutionAlreadyExists');
  });

  it('It should run the provisioning machine to success, with the history the CLI and the AWS CLI read', async () => {
    // Act
    const done = await untilDone(executionArn);
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const cliDescribe = (await aws(
      'stepfunctions',
      'describe-execution',
      '--execution-arn',
      executionArn,
    )) as {
      status: string;
      output: string;
    };
    const cliHistory = (await aws(
      'stepfunctions',
      'get-execution-history',
      '--execution-arn',
      executionArn,
    )) as {
      events: { type: string; stateEnteredEventDetails?: { name: string } }[];
    };
    const botoDescribe = (await boto3(
      `d = sfn.describe_execution(executionArn=${JSON.stringify(executionArn)})\nprint(json.dumps({"status": d["status"], "name": d["name"], "stopped": d["stopDate"] >= d["startDate"]}))`,
    )) as { status: string; name: string; stopped: boolean };

    // Assess
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '{}')).toMatchObject({
      pipelineName: 'sfn-api',
      applicationName: 'sfn-api-app',
      applicationStatus: 'RUNNING',
    });
    const events = history.events ?? [];
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({
      type: 'ExecutionStarted',
      executionStartedEventDetails: { input: JSON.stringify(input) },
    });
    expect(events[1]).toMatchObject({
      type: 'TaskStateEntered',
      stateEnteredEventDetails: { name: 'ValidateInput' },
    });
    expect(events[2]).toMatchObject({
      type: 'LambdaFunctionScheduled',
      lambdaFunctionScheduledEventDetails: {
        resource: expect.stringContaining(':function:flinkflow-validate-input'),
      },
    });
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'LambdaFunctionSucceeded',
        'TaskStateExited',
        'ChoiceStateEntered',
        'WaitStateEntered',
      ]),
    );
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionSucceeded' });
    const timestamps = events.map((e) => e.timestamp?.getTime() ?? 0);
    expect([...timestamps].sort((a, b) => a - b)).toEqual(timestamps);
    expect(cliDescribe.status).toBe('SUCCEEDED');
    expect(JSON.parse(cliDescribe.output)).toEqual(JSON.parse(done.output ?? '{}'));
    expect(cliHistory.events.length).toBe(events.length);
    expect(cliHistory.events.find((e) => e.type === 'TaskStateEntered')?.stateEnteredEventDetails?.name).toBe(
      'ValidateInput',
    );
    expect(botoDescribe).toEqual({ status: 'SUCCEEDED', name: 'sfn-api-1', stopped: true });
  });

  it('It should refuse to start a closed execution again under its name, whatever the input', async () => {
    // Act
    const error = await failure(
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: machineArn,
          name: 'sfn-api-1',
          input: JSON.stringify(input),
        }),
      ),
    );

    // Assess
    expect(error.name).toBe('ExecutionAlreadyExists');
  });

  it('It should fail an execution with the task error and the failure document, as on AWS', async () => {
    // Act
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn,
        name: 'sfn-api-bad',
        input: JSON.stringify({ pipelineName: 'Not Valid!' }),
      }),
    );
    const done = await untilDone(started.executionArn as string);
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn }));

    // Assess
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('InvalidInputError');
    expect(JSON.parse(done.cause ?? '{}')).toMatchObject({ failedStep: 'ValidateInput' });
    expect(history.events?.find((e) => e.type === 'LambdaFunctionFailed')).toMatchObject({
      lambdaFunctionFailedEventDetails: { error: 'InvalidInputError' },
    });
    expect(history.events?.at(-1)).toMatchObject({
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: 'InvalidInputError' },
    });
  });

  it('It should stop a running execution at once, with the error and cause given', async () => {
    // Prepare
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn,
        name: 'sfn-api-stopped',
        input: JSON.stringify({ pipelineName: 'sfn-stop' }),
      }),
    );

    // Act
    const stopped = await sfn.send(
      new StopExecutionCommand({
        executionArn: started.executionArn,
        error: 'UserStop',
        cause: 'not needed',
      }),
    );
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn }));
    const aborted = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: machineArn, statusFilter: 'ABORTED' }),
    );

    // Assess
    expect(described).toMatchObject({ status: 'ABORTED', error: 'UserStop', cause: 'not needed' });
    expect(described.stopDate?.getTime()).toBe(stopped.stopDate?.getTime());
    expect(history.events?.at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'UserStop', cause: 'not needed' },
    });
    expect(aborted.executions?.map((e) => e.name)).toEqual(['sfn-api-stopped']);
  });

  it('It should list executions newest first and say which execution or machine does not exist', async () => {
    // Act
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn }));
    const missing = await failure(
      sfn.send(new DescribeExecutionCommand({ executionArn: `${executionArn.slice(0, -1)}9` })),
    );
    const noMachine = await failure(
      sfn.send(new StartExecutionCommand({ stateMachineArn: `${machineArn}-nope`, input: '{}' })),
    );
    const badName = await failure(
      sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: 'has space', input: '{}' })),
    );

    // Assess
    expect(listed.executions?.map((e) => e.name)).toEqual(['sfn-api-stopped', 'sfn-api-bad', 'sfn-api-1']);
    expect(missing.name).toBe('ExecutionDoesNotExist');
    expect(noMachine.name).toBe('StateMachineDoesNotExist');
    expect(badName.name).toBe('InvalidName');
  });
});

describe('the edge endpoint', () => {
  it('It should take every service the local cloud serves through one endpoint', async () => {
    // Prepare: every client gets only the edge as its endpoint.
    const common = { endpoint: state.edge, region: state.region, credentials };
    const s3 = new S3Client({ ...common, forcePathStyle: true });
    const kinesis = new KinesisClient({ ...common, requestHandler: new NodeHttpHandler() });
    const clients = {
      glue: new GlueClient(common),
      athena: new AthenaClient(common),
      flink: new KinesisAnalyticsV2Client(common),
      logs: new CloudWatchLogsClient(common),
      sts: new STSClient(common),
    };

    // Act
    await s3.send(new CreateBucketCommand({ Bucket: 'edge-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'edge-bucket', Key: 'a/b.txt', Body: 'through the edge' }));
    const object = await s3.send(new GetObjectCommand({ Bucket: 'edge-bucket', Key: 'a/b.txt' }));
    const text = await object.Body?.transformToString();
    const streams = await kinesis.send(new ListStreamsCommand({}));
    const databases = await clients.glue.send(new GetDatabasesCommand({}));
    const workGroups = await clients.athena.send(new ListWorkGroupsCommand({}));
    const applications = await clients.flink.send(new ListApplicationsCommand({}));
    const groups = await clients.logs.send(new DescribeLogGroupsCommand({}));
    const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
    for (const client of [s3, kinesis, ...Object.values(clients)]) client.destroy();

    // Assess
    expect(text).toBe('through the edge');
    expect(streams.StreamNames).toContain('sfn-api-ticks');
    expect(databases.DatabaseList?.map((d) => d.Name)).toContain('flinkflow');
    expect(workGroups.WorkGroups?.map((w) => w.Name)).toContain('primary');
    expect(applications.ApplicationSummaries?.map((a) => a.ApplicationName)).toContain('sfn-api-app');
    expect(groups.logGroups).toBeDefined();
    expect(identity.Account).toBe('000000000000');
  });

  it("It should take the AWS CLI's S3 upload and listing (path-style on 127.0.0.1)", async () => {
    // Prepare
    const file = path.join(home, 'upload.bin');
    await run('python3', ['-c', `open(${JSON.stringify(file)}, "wb").write(bytes(range(256)) * 40000)`]);

    // Act
    await run(path.join(venvBin, 'aws'), ['s3', 'cp', file, 's3://edge-bucket/big/upload.bin'], {
      env: edgeEnv,
    });
    const listed = (await aws('s3api', 'list-objects-v2', '--bucket', 'edge-bucket', '--prefix', 'big/')) as {
      Contents: { Key: string; Size: number }[];
    };

    // Assess
    expect(listed.Contents.map((o) => [o.Key, o.Size])).toEqual([['big/upload.bin', 256 * 40000]]);
  });

  it('It should answer a service it does not serve with a clear error naming it', async () => {
    // Act
    const answer = (await boto3(
      'import botocore\ntry:\n  boto3.client("dynamodb").list_tables()\n  print(json.dumps({}))\n' +
        'except botocore.exceptions.ClientError as e:\n  print(json.dumps(e.response["Error"]))',
    )) as { Code: string; Message: string };

    // Assess
    expect(answer.Code).toBe('UnknownServiceException');
    expect(answer.Message).toContain("The local cloud does not serve 'dynamodb'");
    expect(answer.Message).toContain('states');
  });
});
