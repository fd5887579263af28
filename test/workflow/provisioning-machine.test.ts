/**
 * The rendered provisioning ASL executed by aws-local-stepfunctions, each Lambda task bound to its
 * handler's `run`, AWS faked by aws-sdk-client-mock (test/workflow/support/simulated-aws.ts) and time
 * simulated: a unit-level test of the machine's paths, retries and failure handling.
 */
import '../support/quiet-logs';
import { run as checkApplicationHealth } from '../../lambdas/check-application-health';
import { run as createApplication } from '../../lambdas/create-application';
import { run as createBucket } from '../../lambdas/create-bucket';
import { run as createCrawler } from '../../lambdas/create-crawler';
import { run as createValidationSchedule } from '../../lambdas/create-validation-schedule';
import { run as createStream } from '../../lambdas/create-stream';
import { run as describeApplication } from '../../lambdas/describe-application';
import { run as describeFailure } from '../../lambdas/describe-failure';
import { run as forceStopApplication } from '../../lambdas/force-stop-application';
import { run as startApplication } from '../../lambdas/start-application';
import { run as stopUnhealthyApplication } from '../../lambdas/stop-unhealthy-application';
import { run as uploadCode } from '../../lambdas/upload-code';
import { QuotaExceededError } from '../../lambdas/shared/errors';
import { run as validateInput } from '../../lambdas/validate-input';
import { runProvisioningLocally, type ProvisioningResult } from '../../local/stepfunctions/run-provisioning';
import {
  ErrorName,
  LambdaServiceErrors,
  ProvisionState,
  type ApplicationStatusCheck,
  type ProvisionInput,
  type ProvisionLambdaTask,
} from '../../workflow/contract';
import { MaxApplicationStatusPolls, MaxHealthChecks } from '../../workflow/provisioning';
import { SimulatedAws, simulatedEnvironment, type SimulatedAwsOptions } from './support/simulated-aws';

const aws = new SimulatedAws();

type DescribeRun = (event: never, deps?: never) => Promise<unknown>;

/** One execution against the simulated cloud, with waits and retry pauses cut to zero. */
async function provision(
  input: unknown,
  options: SimulatedAwsOptions = {},
  describe: DescribeRun = describeApplication as DescribeRun,
  replaced: Partial<Record<ProvisionLambdaTask, (input: unknown) => Promise<unknown>>> = {},
): Promise<ProvisioningResult> {
  aws.reset(options);
  return runProvisioningLocally({
    input,
    env: simulatedEnvironment,
    waitSeconds: 0,
    retryIntervalMs: 0,
    tasks: {
      ...aws.bind({
        ValidateInput: validateInput,
        CreateStream: createStream,
        CreateBucket: createBucket,
        UploadCode: uploadCode,
        CreateApplication: createApplication,
        StartApplication: startApplication,
        DescribeApplication: describe,
        ForceStopApplication: forceStopApplication,
        CheckApplicationHealth: checkApplicationHealth,
        StopUnhealthyApplication: stopUnhealthyApplication,
        CreateCrawler: createCrawler,
        CreateValidationSchedule: createValidationSchedule,
        DescribeFailure: describeFailure,
      }),
      ...replaced,
    },
  });
}

const entered = (result: ProvisioningResult) =>
  result.events.filter((e) => e.type === 'StateEntered').map((e) => e.state);

const CREATE_CALLS = [
  'kinesis:CreateStream',
  's3:CreateBucket',
  's3:CopyObject',
  'logs:CreateLogGroup',
  'kinesisanalytics:CreateApplication',
  'kinesisanalytics:StartApplication',
  'glue:CreateCrawler',
  'scheduler:CreateSchedule',
];

describe('the provisioning state machine (rendered ASL, handlers run in-process)', () => {
  it('It should provision every resource in order and return the outputs', async () => {
    // Prepare
    const input: ProvisionInput = { pipelineName: 'ticks-demo' };

    // Act
    const result = await provision(input, { application: { startSeconds: 90 } });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    if (result.status !== 'SUCCEEDED') return;
    expect(result.output).toEqual({
      pipelineName: 'ticks-demo',
      streamName: 'ticks-demo-ticks',
      streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/ticks-demo-ticks',
      bucketName: 'flinkflow-ticks-demo-123456789012-eu-west-1',
      codeObject: { key: 'code/flinkflow-app.zip', versionId: 'code-version-1' },
      applicationName: 'ticks-demo-app',
      applicationArn: 'arn:aws:kinesisanalytics:eu-west-1:123456789012:application/ticks-demo-app',
      applicationVersionId: 1,
      applicationStatus: 'RUNNING',
      crawlerName: 'ticks-demo-crawler',
      crawlSchedule: 'cron(0/15 * * * ? *)',
      validationScheduleName: 'ticks-demo-validation',
      validationScheduleArn:
        'arn:aws:scheduler:eu-west-1:123456789012:schedule/default/ticks-demo-validation',
      glueDatabase: 'flinkflow',
      outputLocation: 's3://flinkflow-ticks-demo-123456789012-eu-west-1/output/',
      // Two checks: at RUNNING, and once the settle period (two 60 s checkpoint intervals) has passed.
      health: { restarts: 0, completedCheckpoints: 2, settleSeconds: 120, checks: 2 },
      timings: { startedAt: expect.any(String), finishedAt: expect.any(String) },
    });
    expect(Date.parse(result.output.timings.finishedAt)).toBeGreaterThanOrEqual(
      Date.parse(result.output.timings.startedAt),
    );
    const creates = aws.calls.filter((call) => CREATE_CALLS.includes(call));
    expect(creates).toEqual(CREATE_CALLS);
    expect(entered(result)).toEqual([
      'ValidateInput',
      'CreateStream',
      'CreateBucket',
      'UploadCode',
      'CreateApplication',
      'StartApplication',
      'IsApplicationRunning',
      'WaitBeforeStatusCheck',
      'DescribeApplication',
      'IsApplicationRunning',
      'WaitBeforeStatusCheck',
      'DescribeApplication',
      'IsApplicationRunning',
      'CheckApplicationHealth',
      'IsApplicationHealthy',
      'WaitBeforeHealthCheck',
      'CheckApplicationHealth',
      'IsApplicationHealthy',
      'CreateCrawler',
      'CreateValidationSchedule',
      'CollectOutputs',
      'Provisioned',
    ]);
    expect(aws.count('cloudwatch:GetMetricData')).toBe(2);
    // A healthy job's logs are not read.
    expect(aws.count('logs:FilterLogEvents')).toBe(0);
  });

  it('It should stop a RUNNING application whose job restarts and fail with its exception', async () => {
    // Prepare
    const input: ProvisionInput = { pipelineName: 'ticks-demo' };
    const exception =
      'java.lang.ClassNotFoundException: org.apache.flink.connector.kinesis.source.KinesisStreamsSource';

    // Act
    const result = await provision(input, {
      application: { startSeconds: 60 },
      health: { restarts: 3, exception },
    });

    // Assess
    expect(result.status).toBe('FAILED');
    if (result.status === 'SUCCEEDED') return;
    expect(result.error).toBe(ErrorName.ApplicationUnhealthy);
    expect(result.failure?.failedStep).toBe(ProvisionState.StopUnhealthyApplication);
    expect(result.failure?.cause).toContain('the job restarted 3 times');
    expect(result.failure?.cause).toContain(exception);
    expect(result.failure?.cause).toContain('force-stopped');
    // Unhealthy at the first check: no settle period is waited for a job that already restarts.
    expect(entered(result).filter((s) => s === ProvisionState.CheckApplicationHealth)).toHaveLength(1);
    expect(aws.count('kinesisanalytics:StopApplication')).toBe(1);
    expect(aws.count('glue:CreateCrawler')).toBe(0);
    expect(entered(result).slice(-4)).toEqual([
      ProvisionState.StopUnhealthyApplication,
      'StopUnhealthyApplicationFailed',
      ProvisionState.DescribeFailure,
      ProvisionState.ProvisioningFailed,
    ]);
  });

  it('It should leave an unhealthy application running when keepUnhealthyRunning is set, and still fail', async () => {
    // Prepare
    const input: ProvisionInput = { pipelineName: 'ticks-demo', keepUnhealthyRunning: true };

    // Act
    const result = await provision(input, {
      application: { startSeconds: 60 },
      health: { restarts: 1, exception: 'java.lang.RuntimeException: boom' },
    });

    // Assess
    expect(result.status).toBe('FAILED');
    if (result.status === 'SUCCEEDED') return;
    expect(result.error).toBe(ErrorName.ApplicationUnhealthy);
    expect(result.failure?.cause).toContain('left running because keepUnhealthyRunning is set');
    expect(aws.count('kinesisanalytics:StopApplication')).toBe(0);
    expect(result.failure?.existingResources.find((r) => r.kind === 'application')).toMatchObject({
      status: 'RUNNING',
    });
  });

  it('It should fail when the start operation FAILED although the status says RUNNING', async () => {
    // Prepare
    const input: ProvisionInput = { pipelineName: 'ticks-demo' };
    const failureMessage =
      'Flink job did not start: org.apache.flink.runtime.client.JobInitializationException';

    // Act
    const result = await provision(input, {
      application: { startSeconds: 60, failureMessage },
      health: { startOperation: 'FAILED' },
    });

    // Assess
    expect(result.status).toBe('FAILED');
    if (result.status === 'SUCCEEDED') return;
    expect(result.error).toBe(ErrorName.ApplicationUnhealthy);
    expect(result.failure?.cause).toContain('the start operation op-start-1 ended FAILED');
    expect(result.failure?.cause).toContain(failureMessage);
    expect(aws.count('kinesisanalytics:StopApplication')).toBe(1);
    expect(aws.count('cloudwatch:GetMetricData')).toBe(0);
  });

  it('It should never call a job healthy without metrics, and give up after a bounded wait', async () => {
    // Prepare
    const input: ProvisionInput = { pipelineName: 'ticks-demo', healthSettleSeconds: 60 };

    // Act
    const result = await provision(input, { application: { startSeconds: 60 }, health: { metrics: false } });

    // Assess
    expect(result.status).toBe('FAILED');
    if (result.status === 'SUCCEEDED') return;
    expect(result.error).toBe(ErrorName.ApplicationUnhealthy);
    expect(result.failure?.cause).toMatch(
      /no metrics: CloudWatch had no numRestarts or numberOfCompletedCheckpoints data/,
    );
    // The settle period (60 s) plus the publication allowance (180 s), in waits the checks chose.
    expect(aws.healthWaits.reduce((a, b) => a + b, 0)).toBe(60 + 180);
    expect(
      entered(result).filter((s) => s === ProvisionState.CheckApplicationHealth).length,
    ).toBeLessThanOrEqual(6);
    expect(aws.count('glue:CreateCrawler')).toBe(0);
  });

  it('It should fail a job that never completes a checkpoint', async () => {
    // Prepare
    const input: ProvisionInput = { pipelineName: 'ticks-demo' };

    // Act
    const result = await provision(input, {
      application: { startSeconds: 60 },
      health: { checkpoints: false },
    });

    // Assess
    expect(result.status).toBe('FAILED');
    if (result.status === 'SUCCEEDED') return;
    expect(result.error).toBe(ErrorName.ApplicationUnhealthy);
    expect(result.failure?.cause).toMatch(/no checkpoint completed within 300 s/);
  });

  it.each([
    ['a string', '{"pipelineName":"x"}'],
    ['a number', 42],
    ['an array', [{ pipelineName: 'x' }]],
    ['null', null],
  ])(
    'It should fail an execution input that is %s with InvalidInputError through the failure path',
    async (_kind, input) => {
      // Act
      const result = await provision(input);

      // Assess
      expect(result.status).toBe('FAILED');
      if (result.status === 'SUCCEEDED') return;
      expect(result.error).toBe(ErrorName.InvalidInput);
      expect(result.failure?.failedStep).toBe(ProvisionState.ValidateInput);
      expect(result.failure?.cause).toMatch(/JSON object/);
      expect(aws.calls).toEqual([]);
      expect(entered(result)).toEqual([
        ProvisionState.ValidateInput,
        'ValidateInputFailed',
        ProvisionState.DescribeFailure,
        ProvisionState.ProvisioningFailed,
      ]);
    },
  );

  it('It should retry a throttled call with backoff and still succeed', async () => {
    // Prepare
    const input: ProvisionInput = { pipelineName: 'ticks-demo' };

    // Act
    const result = await provision(input, { throttleFirst: { 'kinesis:CreateStream': 2 } });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const retries = result.events.filter((e) => e.type === 'StateRetried');
    expect(retries.map((e) => e.state)).toEqual([ProvisionState.CreateStream, ProvisionState.CreateStream]);
    const failures = result.events.filter((e) => e.type === 'StateFailed');
    expect(failures.map((e) => e.error)).toEqual([ErrorName.Transient, ErrorName.Transient]);
    expect(aws.count('kinesis:CreateStream')).toBe(3);
  });

  it('It should fail with the reason when the start ends in READY, naming the step and what exists', async () => {
    // Prepare
    const input: ProvisionInput = { pipelineName: 'ticks-demo' };
    const failureMessage =
      'org.apache.flink.table.api.ValidationException: Could not find the connector kinesis';

    // Act
    const result = await provision(input, {
      application: { startSeconds: 70, outcome: 'READY', failureMessage },
    });

    // Assess
    expect(result.status).toBe('FAILED');
    if (result.status === 'SUCCEEDED') return;
    expect(result.error).toBe(ErrorName.ApplicationStartFailed);
    expect(result.failure).toMatchObject({
      failedStep: ProvisionState.DescribeApplication,
      error: ErrorName.ApplicationStartFailed,
    });
    expect(result.failure?.cause).toContain('READY');
    expect(result.failure?.cause).toContain(failureMessage);
    expect(result.failure?.existingResources.map((r) => r.kind).sort()).toEqual([
      'application',
      'bucket',
      'stream',
    ]);
    // Never retried: a failed start does not get better by asking again.
    expect(result.events.filter((e) => e.type === 'StateRetried')).toEqual([]);
    expect(aws.count('glue:CreateCrawler')).toBe(0);
    expect(entered(result).slice(-3)).toEqual([
      'DescribeApplicationFailed',
      ProvisionState.DescribeFailure,
      ProvisionState.ProvisioningFailed,
    ]);
  });

  it('It should force-stop an application that never reaches RUNNING and fail with a timeout', async () => {
    // Prepare
    const input: ProvisionInput = { pipelineName: 'ticks-demo', startTimeoutSeconds: 300 };

    // Act
    const result = await provision(input, { application: { startSeconds: Number.POSITIVE_INFINITY } });

    // Assess
    expect(result.status).toBe('FAILED');
    if (result.status === 'SUCCEEDED') return;
    expect(result.error).toBe(ErrorName.ApplicationStartTimeout);
    expect(result.failure).toMatchObject({
      failedStep: ProvisionState.ForceStopApplication,
      error: ErrorName.ApplicationStartTimeout,
    });
    expect(result.failure?.cause).toMatch(/did not reach RUNNING within 300 s/);
    expect(aws.count('kinesisanalytics:StopApplication')).toBe(1);
    // The loop ended by the start timeout, not by the machine's poll backstop.
    expect(aws.elapsedSeconds()).toBe(300);
    expect(entered(result)).toContain(ProvisionState.ForceStopApplication);
    expect(aws.count('glue:CreateCrawler')).toBe(0);
  });

  it('It should force-stop after its own poll limit even if a task never reports a timeout', async () => {
    // Prepare: a DescribeApplication that breaks its contract and says WAITING for ever.
    const input: ProvisionInput = { pipelineName: 'ticks-demo' };
    const forever: DescribeRun = async (event: never) => {
      const previous = (event as { status: ApplicationStatusCheck }).status;
      return { ...previous, phase: 'WAITING', attempt: previous.attempt + 1, nextWaitSeconds: 1 };
    };

    // Act
    const result = await provision(
      input,
      { application: { startSeconds: Number.POSITIVE_INFINITY } },
      forever,
    );

    // Assess
    expect(result.status).toBe('FAILED');
    if (result.status === 'SUCCEEDED') return;
    expect(result.error).toBe(ErrorName.ApplicationStartTimeout);
    expect(entered(result).filter((state) => state === ProvisionState.DescribeApplication)).toHaveLength(
      MaxApplicationStatusPolls,
    );
    expect(aws.count('kinesisanalytics:StopApplication')).toBe(1);
  });

  it('It should stop the application after its own health check limit even if a task settles for ever', async () => {
    // Prepare: a CheckApplicationHealth that breaks its contract and says SETTLING for ever.
    const input: ProvisionInput = { pipelineName: 'ticks-demo' };
    let checks = 0;
    const settling = async (event: unknown) => {
      checks += 1;
      const previous = (event as { health?: { attempt: number } }).health;
      return {
        phase: 'SETTLING',
        since: '2026-11-25T12:01:00.000Z',
        attempt: (previous?.attempt ?? 0) + 1,
        nextWaitSeconds: 0,
        restarts: null,
        completedCheckpoints: null,
        failedCheckpoints: null,
        observedSeconds: 0,
      };
    };

    // Act
    const result = await provision(
      input,
      { application: { startSeconds: 60 } },
      describeApplication as DescribeRun,
      {
        CheckApplicationHealth: settling,
      },
    );

    // Assess
    expect(result.status).toBe('FAILED');
    if (result.status === 'SUCCEEDED') return;
    expect(result.error).toBe(ErrorName.ApplicationUnhealthy);
    expect(checks).toBe(MaxHealthChecks);
    expect(aws.count('kinesisanalytics:StopApplication')).toBe(1);
    expect(aws.count('glue:CreateCrawler')).toBe(0);
  });

  it('It should wait out the tags of a just-deleted application on a slower retry and then create it', async () => {
    // Prepare
    const input: ProvisionInput = { pipelineName: 'ticks-demo' };

    // Act: more failures than TransientRetry's five retries would allow
    const result = await provision(input, { tagsPendingFirst: 5 });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const failures = result.events.filter((e) => e.type === 'StateFailed');
    expect(failures.map((e) => e.error)).toEqual(Array(5).fill(ErrorName.ApplicationTagsPending));
    expect(aws.count('kinesisanalytics:CreateApplication')).toBe(6);
  });

  it('It should run a task once more when Lambda stops it at its timeout (Lambda.Unknown)', async () => {
    // Prepare
    const input: ProvisionInput = { pipelineName: 'ticks-demo' };
    let calls = 0;
    const timesOutOnce = async (event: never, deps?: never) => {
      calls += 1;
      if (calls === 1) {
        throw Object.assign(new Error('Task timed out after 30.00 seconds'), { name: 'Lambda.Unknown' });
      }
      return describeApplication(event, deps);
    };

    // Act
    const result = await provision(input, { application: { startSeconds: 60 } }, timesOutOnce as DescribeRun);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const retried = result.events.filter((e) => e.type === 'StateRetried').map((e) => e.state);
    expect(retried).toEqual([ProvisionState.DescribeApplication]);
  });

  it.each(LambdaServiceErrors)(
    'It should retry a task that Lambda failed with %s and still succeed',
    async (serviceError) => {
      // Prepare: the Step Functions guide "Handle Lambda service exceptions" lists these as transient.
      const input: ProvisionInput = { pipelineName: 'ticks-demo' };
      let calls = 0;
      const failsOnce = async (event: never, deps?: never) => {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error('Lambda did not answer'), { name: serviceError });
        return describeApplication(event, deps);
      };

      // Act
      const result = await provision(input, { application: { startSeconds: 60 } }, failsOnce as DescribeRun);

      // Assess
      expect(result.status).toBe('SUCCEEDED');
      const failures = result.events.filter((e) => e.type === 'StateFailed').map((e) => e.error);
      expect(failures).toEqual([serviceError]);
      const retried = result.events.filter((e) => e.type === 'StateRetried').map((e) => e.state);
      expect(retried).toEqual([ProvisionState.DescribeApplication]);
    },
  );

  it('It should fail at once, without a retry, when a task reports an exhausted quota', async () => {
    // Prepare: CreateStream turns a LimitExceededException on the shard quota into QuotaExceededError
    // (its unit test); the machine must not retry it as if it were transient.
    const input: ProvisionInput = { pipelineName: 'ticks-demo' };
    const quotaExhausted = async () => {
      throw new QuotaExceededError('The Kinesis stream or shard quota of account 123456789012 is exhausted');
    };

    // Act
    const result = await provision(input, {}, undefined, { CreateStream: quotaExhausted });

    // Assess
    expect(result.status).toBe('FAILED');
    if (result.status === 'SUCCEEDED') return;
    expect(result.error).toBe(ErrorName.QuotaExceeded);
    expect(result.failure?.failedStep).toBe(ProvisionState.CreateStream);
    expect(result.failure?.cause).toMatch(/shard quota .* is exhausted/);
    expect(entered(result).filter((s) => s === ProvisionState.CreateStream)).toHaveLength(1);
    expect(result.events.filter((e) => e.type === 'StateRetried')).toEqual([]);
  });

  it('It should force-stop rather than wait on a phase the contract does not know', async () => {
    // Prepare
    const input: ProvisionInput = { pipelineName: 'ticks-demo' };
    const confused: DescribeRun = async (event: never) => ({
      ...(event as { status: ApplicationStatusCheck }).status,
      phase: 'SOMETHING_NEW',
    });

    // Act
    const result = await provision(
      input,
      { application: { startSeconds: Number.POSITIVE_INFINITY } },
      confused,
    );

    // Assess
    expect(result.status).toBe('FAILED');
    expect(entered(result).filter((state) => state === ProvisionState.DescribeApplication)).toHaveLength(1);
    expect(aws.count('kinesisanalytics:StopApplication')).toBe(1);
    expect(aws.count('glue:CreateCrawler')).toBe(0);
  });

  it('It should reject invalid input before any AWS call, naming the field', async () => {
    // Prepare
    const input = { pipelineName: 'Not A Valid Name!', parallelism: 0 };

    // Act
    const result = await provision(input);

    // Assess
    expect(result.status).toBe('FAILED');
    if (result.status === 'SUCCEEDED') return;
    expect(result.error).toBe(ErrorName.InvalidInput);
    expect(result.failure?.failedStep).toBe(ProvisionState.ValidateInput);
    expect(result.failure?.cause).toMatch(/pipelineName/);
    expect(result.failure?.cause).toMatch(/parallelism/);
    expect(result.failure?.existingResources).toEqual([]);
    expect(aws.calls).toEqual([]);
    expect(entered(result)).toEqual([
      ProvisionState.ValidateInput,
      'ValidateInputFailed',
      ProvisionState.DescribeFailure,
      ProvisionState.ProvisioningFailed,
    ]);
  });

  it('It should give up on an error that keeps coming after the bounded retries', async () => {
    // Prepare
    const input: ProvisionInput = { pipelineName: 'ticks-demo' };

    // Act
    const result = await provision(input, { throttleFirst: { 's3:CreateBucket': 100 } });

    // Assess
    expect(result.status).toBe('FAILED');
    if (result.status === 'SUCCEEDED') return;
    expect(result.error).toBe(ErrorName.Transient);
    expect(result.failure?.failedStep).toBe(ProvisionState.CreateBucket);
    // One try and five retries.
    expect(aws.count('s3:CreateBucket')).toBe(6);
    expect(result.failure?.existingResources.map((r) => r.kind)).toEqual(['stream']);
  });
});
