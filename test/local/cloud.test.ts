/**
 * The local cloud's lifecycle as `flinkflow local up|status|down` drives it: a detached daemon, the
 * state file, endpoints reachable through the SDKs' standard environment, and nothing left running
 * after stop.
 */
import { GetDatabasesCommand, GlueClient } from '@aws-sdk/client-glue';
import { ListWorkGroupsCommand, AthenaClient } from '@aws-sdk/client-athena';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  localCloudStatus,
  sdkEnvironment,
  startLocalCloud,
  stopLocalCloud,
  UncleanStopError,
  type LocalCloudState,
} from '../../local/cloud';
import { descendantsOf, isAlive } from '../../local/common/processes';

// Real servers on a shared 2-core machine: a call can wait behind other suites' work.
jest.setTimeout(30_000);

const home = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-home-'));
let state: LocalCloudState;
const savedEnv = { ...process.env };

beforeAll(async () => {
  state = await startLocalCloud({ home, fresh: true });
}, 90_000);

afterAll(async () => {
  await stopLocalCloud({ home });
  rmSync(home, { recursive: true, force: true });
});

afterEach(() => {
  process.env = { ...savedEnv };
});

describe('local cloud lifecycle', () => {
  it('It should write the state file with every endpoint on 127.0.0.1, the data folder under home, and the pids', () => {
    // Act
    const written = JSON.parse(
      readFileSync(path.join(home, 'local', 'state.json'), 'utf8'),
    ) as LocalCloudState;

    // Assess
    expect(written).toEqual(state);
    expect(written).toMatchObject({
      region: 'us-east-1',
      account: '000000000000',
      dataDir: path.join(home, 'local', 'data'),
    });
    expect(Object.keys(written.endpoints).sort()).toEqual([
      'athena',
      'cloudwatch',
      'events',
      'glue',
      'kinesis',
      'kinesisanalyticsv2',
      'logs',
      's3',
      'scheduler',
      'sns',
      'sqs',
      'states',
      'sts',
    ]);
    for (const url of [...Object.values(written.endpoints), written.edge])
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // moto serves S3, CloudWatch, Logs, STS, SNS, SQS and EventBridge on one URL; the scheduler gateway
    // is in front of it.
    expect(new Set([...Object.values(written.endpoints), written.edge]).size).toBe(8);
    expect(written.stateMachines).toEqual({
      'flinkflow-provisioning': 'arn:aws:states:us-east-1:000000000000:stateMachine:flinkflow-provisioning',
      'flinkflow-crawl-and-query':
        'arn:aws:states:us-east-1:000000000000:stateMachine:flinkflow-crawl-and-query',
      'flinkflow-teardown': 'arn:aws:states:us-east-1:000000000000:stateMachine:flinkflow-teardown',
      'flinkflow-redeploy': 'arn:aws:states:us-east-1:000000000000:stateMachine:flinkflow-redeploy',
    });
    for (const pid of Object.values(written.pids)) expect(isAlive(pid)).toBe(true);
  });

  it('It should report every service up, with the memory of the whole process tree', async () => {
    // Act
    const status = await localCloudStatus({ home });

    // Assess
    expect(status.running).toBe(true);
    expect(status.services).toEqual({
      kinesis: true,
      s3: true,
      cloudwatch: true,
      logs: true,
      sns: true,
      sqs: true,
      events: true,
      scheduler: true,
      sts: true,
      kinesisanalyticsv2: true,
      glue: true,
      athena: true,
      states: true,
      edge: true,
    });
    expect(status.processes).toBeGreaterThanOrEqual(3);
    expect(status.residentBytes).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('It should give the running cloud again when started twice for the same home', async () => {
    // Act
    const again = await startLocalCloud({ home });

    // Assess
    expect(again.pids.daemon).toBe(state.pids.daemon);
  });

  it("It should point clients built without an endpoint at the local cloud through the SDK's standard environment", async () => {
    // Prepare: clients read AWS_ENDPOINT_URL_<SERVICE> when they are built.
    Object.assign(process.env, sdkEnvironment(state));

    // Act
    const glue = new GlueClient({});
    const athena = new AthenaClient({});
    const s3 = new S3Client({ forcePathStyle: true });
    const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
    const sts = new STSClient({});
    const logs = new CloudWatchLogsClient({});
    const databases = await glue.send(new GetDatabasesCommand({}));
    const workGroups = await athena.send(new ListWorkGroupsCommand({}));
    const buckets = await s3.send(new ListBucketsCommand({}));
    const streams = await kinesis.send(new ListStreamsCommand({}));
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/flinkflow/test' }));
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/flinkflow/' }));
    for (const client of [glue, athena, s3, kinesis, sts, logs]) client.destroy();

    // Assess
    expect(sdkEnvironment(state)).toMatchObject({
      AWS_ENDPOINT_URL_KINESIS_ANALYTICS_V2: state.endpoints.kinesisanalyticsv2,
      AWS_REGION: 'us-east-1',
    });
    expect(databases.DatabaseList).toEqual([]);
    expect(workGroups.WorkGroups?.map((w) => w.Name)).toEqual(['primary']);
    expect(buckets.Buckets ?? []).toEqual([]);
    expect(streams.StreamNames).toEqual([]);
    expect(identity.Account).toBe('000000000000');
    expect(groups.logGroups?.map((g) => g.logGroupName)).toEqual(['/flinkflow/test']);
  });

  it('It should stop every process it started and remove the state file', async () => {
    // Prepare
    const tree = [state.pids.daemon, ...descendantsOf(state.pids.daemon)];
    expect(tree.length).toBeGreaterThanOrEqual(3);

    // Act
    const result = await stopLocalCloud({ home });
    const status = await localCloudStatus({ home });

    // Assess
    expect(result.wasRunning).toBe(true);
    expect(result.clean).toBe(true);
    expect(tree.filter(isAlive)).toEqual([]);
    expect(existsSync(path.join(home, 'local', 'state.json'))).toBe(false);
    expect(status.running).toBe(false);
  });

  it('It should keep the data folder across stop and start, and delete it when the start is fresh', async () => {
    // Prepare: a file a service of the previous cloud left in the data folder.
    const saved = path.join(home, 'local', 'data', 'flink', 'apps', 'kept-app', 'saved.json');
    mkdirSync(path.dirname(saved), { recursive: true });
    writeFileSync(saved, '{}');

    // Act
    const restarted = await startLocalCloud({ home });
    const keptByUp = existsSync(saved);
    const markerWhileRunning = existsSync(path.join(home, 'local', 'data', 'run-marker.json'));
    const stopped = await stopLocalCloud({ home });
    const fresh = await startLocalCloud({ home, fresh: true });
    const keptByFresh = existsSync(saved);
    await stopLocalCloud({ home });

    // Assess
    expect(restarted.dataDir).toBe(path.join(home, 'local', 'data'));
    expect(keptByUp).toBe(true);
    expect(markerWhileRunning).toBe(true);
    expect(stopped.clean).toBe(true);
    expect(fresh.dataDir).toBe(restarted.dataDir);
    expect(keptByFresh).toBe(false);
  }, 90_000);

  it('It should let its servers leave when the daemon is killed outright, then refuse its data until told --fresh or --accept-saved', async () => {
    // Prepare
    const crashed = await startLocalCloud({ home });
    const servers = [crashed.pids.kinesis, crashed.pids.s3];

    // Act
    process.kill(crashed.pids.daemon, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && servers.some(isAlive)) await new Promise((r) => setTimeout(r, 200));
    const orphans = servers.filter(isAlive);
    const refused = await startLocalCloud({ home }).catch((e: unknown) => e);
    const notStarted = await localCloudStatus({ home });
    const accepted = await startLocalCloud({ home, acceptSaved: true });
    const status = await localCloudStatus({ home });
    const stopped = await stopLocalCloud({ home });
    const again = await startLocalCloud({ home });
    await stopLocalCloud({ home });

    // Assess
    expect(orphans).toEqual([]);
    expect(refused).toBeInstanceOf(UncleanStopError);
    const message = (refused as Error).message;
    expect(message).toContain(`pid ${crashed.pids.daemon}`);
    expect(message).toContain(path.join(home, 'local', 'data'));
    expect(message).toContain('`flinkflow local up --fresh`');
    expect(message).toContain('`flinkflow local up --accept-saved`');
    expect(notStarted.running).toBe(false);
    expect(accepted.pids.daemon).not.toBe(crashed.pids.daemon);
    expect(status.running).toBe(true);
    // A clean stop after accepting leaves no marker: the next start needs no option.
    expect(stopped.clean).toBe(true);
    expect(again.pids.daemon).not.toBe(accepted.pids.daemon);
  }, 120_000);
});
