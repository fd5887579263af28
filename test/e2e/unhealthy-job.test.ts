/**
 * The health gate on the local cloud, end to end: a code zip whose job starts, reads its first records
 * and then throws after every (re)start. The local Managed Flink endpoint keeps the application RUNNING
 * while Flink restarts the job, as the service does; provisioning must still fail with
 * ApplicationUnhealthyError naming the job's exception, within the settle period plus 30 s of the gate's
 * first check, and leave the application stopped.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeStreamSummaryCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DescribeApplicationCommand } from '@aws-sdk/client-kinesis-analytics-v2';
import { deployLocally } from '../../cli/local-run/deploy';
import { createAwsClients } from '../../lambdas/shared/clients';
import { sdkEnvironment, startLocalCloud, stopLocalCloud } from '../../local/cloud';
import { runProvisioningLocally, type ProvisioningEvent } from '../../local/stepfunctions/run-provisioning';
import { ProvisionState } from '../../workflow/contract';
import { zipFailingAfterRecords } from '../support/flink-jobs';

jest.setTimeout(10 * 60_000);

const PIPELINE = 'e2e-unhealthy';
const MESSAGE = 'flinkflow-e2e: this job fails after its first records, every time';
const SETTLE_SECONDS = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Provisioning a job that crash-loops after RUNNING, on the local cloud', () => {
  const home = path.join(tmpdir(), `flinkflow-e2e-unhealthy-${process.pid}`);

  afterAll(async () => {
    await stopLocalCloud({ home });
  });

  it("It should fail with ApplicationUnhealthyError naming the job's exception and stop the application", async () => {
    // Prepare
    await mkdir(home, { recursive: true });
    const state = await startLocalCloud({ home, fresh: true });
    const environment = sdkEnvironment(state);
    Object.assign(process.env, environment);
    const clients = createAwsClients(process.env);
    const zip = path.join(await mkdtemp(path.join(tmpdir(), 'flinkflow-unhealthy-')), 'unhealthy.zip');
    zipFailingAfterRecords(zip, MESSAGE, 3, null);
    const deployment = await deployLocally(clients, { ...state, codeZip: zip });
    const events: ProvisioningEvent[] = [];

    // Ticks flow for as long as the provisioning runs, as soon as its stream exists.
    let provisioning = true;
    const producer = (async () => {
      let sent = 0;
      while (provisioning) {
        try {
          await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: `${PIPELINE}-ticks` }));
        } catch {
          await sleep(500);
          continue;
        }
        const now = new Date().toISOString();
        await clients.kinesis.send(
          new PutRecordsCommand({
            StreamName: `${PIPELINE}-ticks`,
            Records: ['AAPL', 'MSFT'].map((ticker) => ({
              PartitionKey: ticker,
              Data: Buffer.from(JSON.stringify({ ticker, price: 50 + (sent % 5), event_time: now })),
            })),
          }),
        );
        sent += 2;
        await sleep(250);
      }
      return sent;
    })();

    // Act
    const result = await runProvisioningLocally({
      input: {
        pipelineName: PIPELINE,
        windowSeconds: 10,
        watermarkSeconds: 2,
        initialPosition: 'TRIM_HORIZON',
        healthSettleSeconds: SETTLE_SECONDS,
      },
      env: { ...environment, ...deployment.environment },
      onEvent: (event) => events.push(event),
    });
    provisioning = false;
    const sent = await producer;

    // Assess
    expect(sent).toBeGreaterThan(0);
    expect(result.status).toBe('FAILED');
    if (result.status === 'SUCCEEDED') return;
    expect(result.error).toBe('ApplicationUnhealthyError');
    expect(result.failure?.failedStep).toBe(ProvisionState.StopUnhealthyApplication);
    expect(result.cause).toContain(MESSAGE);
    const gateStarted = events.find(
      (e) => e.type === 'StateEntered' && e.state === ProvisionState.CheckApplicationHealth,
    );
    const ended = events.find((e) => e.type === 'ExecutionFailed');
    expect(gateStarted).toBeDefined();
    expect(ended).toBeDefined();
    expect(ended!.timestamp - gateStarted!.timestamp).toBeLessThan((SETTLE_SECONDS + 30) * 1000);
    const described = await clients.kinesisAnalytics.send(
      new DescribeApplicationCommand({ ApplicationName: `${PIPELINE}-app` }),
    );
    expect(['READY', 'FORCE_STOPPING', 'STOPPING']).toContain(described.ApplicationDetail?.ApplicationStatus);
  });
});
