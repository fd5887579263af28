/**
 * The local runner's own duties: binding each task to its real Lambda handler (middy, a Lambda context),
 * live progress events, the environment rule, and reporting failures as Step Functions does on AWS.
 * AWS is faked with aws-sdk-client-mock; the local-cloud tests run the same runner against real servers.
 */
import '../support/quiet-logs';
import { setTimeout as delay } from 'node:timers/promises';
import { run as createBucket } from '../../lambdas/create-bucket';
import { runProvisioningLocally, type ProvisioningEvent } from '../../local/stepfunctions/run-provisioning';
import { ErrorName, ProvisionState } from '../../workflow/contract';
import { SimulatedAws, simulatedEnvironment } from './support/simulated-aws';

const aws = new SimulatedAws();

/**
 * The real handlers run on the real clock, and the runner shortens only the start loop's Wait: the
 * health gate waits its (shortest allowed) settle period for real, with a job that has checkpointed.
 */
const realClockRun = {
  input: { pipelineName: 'ticks-demo', healthSettleSeconds: 10 },
  script: { application: { startSeconds: 0 }, health: { completedCheckpoints: 1 } },
  // The settle period is 10 s; rendering the ASL (a CDK synth) takes seconds more on a loaded machine.
  timeoutMs: 90_000,
} as const;

describe('runProvisioningLocally', () => {
  it(
    'It should run every task through its real Lambda handler when none is replaced',
    async () => {
      // Prepare
      aws.reset(realClockRun.script);

      // Act
      const result = await runProvisioningLocally({
        input: realClockRun.input,
        env: simulatedEnvironment,
        waitSeconds: 0,
      });

      // Assess
      expect(result.status).toBe('SUCCEEDED');
      expect(aws.count('glue:CreateCrawler')).toBe(1);
      expect(aws.count('kinesisanalytics:StartApplication')).toBe(1);
      expect(aws.count('cloudwatch:GetMetricData')).toBe(2);
    },
    realClockRun.timeoutMs,
  );

  it(
    'It should report each state as it starts and ends, in order, while the execution runs',
    async () => {
      // Prepare
      aws.reset(realClockRun.script);
      const seen: ProvisioningEvent[] = [];

      // Act
      const result = await runProvisioningLocally({
        input: realClockRun.input,
        env: simulatedEnvironment,
        waitSeconds: 0,
        onEvent: (event) => seen.push(event),
      });

      // Assess
      expect(seen).toEqual(result.events);
      expect(seen[0]?.type).toBe('ExecutionStarted');
      expect(seen.at(-1)?.type).toBe('ExecutionSucceeded');
      const stateEvents = seen.filter((e) => e.type === 'StateEntered' || e.type === 'StateExited');
      for (let i = 0; i < stateEvents.length; i += 2) {
        expect([stateEvents[i]?.type, stateEvents[i + 1]?.type]).toEqual(['StateEntered', 'StateExited']);
        expect(stateEvents[i + 1]?.state).toBe(stateEvents[i]?.state);
      }
      expect(stateEvents.filter((e) => e.type === 'StateEntered').map((e) => e.state)).toContain(
        ProvisionState.CreateCrawler,
      );
      const timestamps = seen.map((e) => e.timestamp);
      expect([...timestamps].sort((a, b) => a - b)).toEqual(timestamps);
    },
    realClockRun.timeoutMs,
  );

  it('It should report a failure as Step Functions does: the original error, the failure document as cause', async () => {
    // Prepare
    aws.reset();

    // Act
    const result = await runProvisioningLocally({
      input: { pipelineName: 'Has "quotes" and \\backslashes\\' },
      env: simulatedEnvironment,
      waitSeconds: 0,
    });

    // Assess
    expect(result.status).toBe('FAILED');
    if (result.status === 'SUCCEEDED') return;
    expect(result.error).toBe(ErrorName.InvalidInput);
    const document = JSON.parse(result.cause) as { failedStep: string; cause: string };
    expect(document.failedStep).toBe(ProvisionState.ValidateInput);
    // The quotes and backslashes survive intact: the cause is the document serialised as AWS does.
    expect(document.cause).toContain('Has "quotes" and \\backslashes\\');
    expect(result.failure).toEqual(document);
    const failedEvent = result.events.find((e) => e.type === 'StateFailed');
    // Between task and machine the error travels as Lambda reports it: {errorType, errorMessage, trace}.
    expect(JSON.parse(failedEvent?.cause ?? '{}')).toMatchObject({ errorType: ErrorName.InvalidInput });
  });

  it('It should stop between states when aborted and say so', async () => {
    // Prepare
    aws.reset();
    const controller = new AbortController();
    const tasks = aws.bind({
      CreateBucket: async (event: never, deps?: never) => {
        const result = await createBucket(event, deps);
        controller.abort();
        return result;
      },
    });

    // Act
    const result = await runProvisioningLocally({
      input: { pipelineName: 'ticks-demo' },
      env: simulatedEnvironment,
      waitSeconds: 0,
      tasks,
      signal: controller.signal,
    });
    await delay(50);

    // Assess
    expect(result.status).toBe('ABORTED');
    expect(aws.count('s3:CreateBucket')).toBe(1);
    expect(aws.count('s3:CopyObject')).toBe(0);
    expect(aws.count('kinesisanalytics:CreateApplication')).toBe(0);
  });

  it('It should refuse to point the handlers at other endpoints later in the same process', async () => {
    // Prepare
    aws.reset();
    const elsewhere = { ...simulatedEnvironment, AWS_REGION: 'ap-southeast-2' };

    // Act
    const run = runProvisioningLocally({
      input: { pipelineName: 'ticks-demo' },
      env: elsewhere,
      waitSeconds: 0,
    });

    // Assess
    await expect(run).rejects.toThrow(/AWS_REGION was eu-west-1 in an earlier run of this process/);
    expect(aws.calls).toEqual([]);
  });
});
