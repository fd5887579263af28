/**
 * The rendered teardown ASL executed by aws-local-stepfunctions, each Lambda task bound to its handler's
 * `run` against the in-memory pipeline of test/support/teardown-cloud.ts: the machine's order, its
 * loops, keepData, a partial failure and the re-run that finishes the job.
 */
import '../support/quiet-logs';
import { run as deleteApplication } from '../../lambdas/delete-application';
import { run as deleteBucket } from '../../lambdas/delete-bucket';
import { run as deleteCatalogTables } from '../../lambdas/delete-catalog-tables';
import { run as deleteCrawler } from '../../lambdas/delete-crawler';
import { run as deleteCsvClassifier } from '../../lambdas/delete-csv-classifier';
import { run as deleteRedeployRule } from '../../lambdas/delete-redeploy-rule';
import { run as deleteStream } from '../../lambdas/delete-stream';
import { run as deleteValidationSchedule } from '../../lambdas/delete-validation-schedule';
import { run as emptyBucket } from '../../lambdas/empty-bucket';
import { run as stopApplication } from '../../lambdas/stop-application-for-teardown';
import { run as summarizeTeardown } from '../../lambdas/summarize-teardown';
import { run as validateTeardownInput } from '../../lambdas/validate-teardown-input';
import { runTeardownLocally, type TeardownResult } from '../../local/stepfunctions/run-teardown';
import { PipelineNames } from '../../workflow/contract';
import { renderTeardownAsl } from '../../workflow/teardown';
import type {
  ApplicationStopCheck,
  TeardownLambdaTask,
  TeardownOutput,
} from '../../workflow/teardown-contract';
import { awsError } from '../support/aws-errors';
import {
  ACCOUNT,
  nothingLeft,
  PIPELINE,
  provisionedPipeline,
  REGION,
  TeardownCloud,
  teardownEnvironment,
  type PipelineState,
} from '../support/teardown-cloud';

const cloud = new TeardownCloud();

type Run = (event: never, deps?: never) => Promise<unknown>;

function bound(
  paging: object = { pageSize: 2, maxPages: 3 },
): Partial<Record<TeardownLambdaTask, (input: unknown) => Promise<unknown>>> {
  const runs: Record<TeardownLambdaTask, Run> = {
    ValidateTeardownInput: (event) =>
      validateTeardownInput(event, { ...cloud.deps(), env: teardownEnvironment } as never),
    DeleteValidationSchedule: deleteValidationSchedule as Run,
    DeleteRedeployRule: deleteRedeployRule as Run,
    StopApplicationForTeardown: async (event) => {
      // The machine's Wait is 0 s here: the simulated clock takes the wait the task asked for.
      const check = (await stopApplication(event, cloud.deps() as never)) as ApplicationStopCheck;
      cloud.nowMs += check.nextWaitSeconds * 1000;
      return check;
    },
    DeleteApplication: deleteApplication as Run,
    DeleteStream: deleteStream as Run,
    DeleteCrawler: deleteCrawler as Run,
    DeleteCatalogTables: deleteCatalogTables as Run,
    DeleteCsvClassifier: deleteCsvClassifier as Run,
    EmptyBucket: (event) => emptyBucket(event, { ...cloud.deps(), ...paging } as never),
    DeleteBucket: deleteBucket as Run,
    SummarizeTeardown: summarizeTeardown as Run,
  };
  return Object.fromEntries(
    Object.entries(runs).map(([task, run]) => [
      task,
      (input: unknown) =>
        task === 'ValidateTeardownInput' ? run(input as never) : run(input as never, cloud.deps() as never),
    ]),
  );
}

async function teardown(input: unknown, paging?: object): Promise<TeardownResult> {
  return runTeardownLocally({
    input,
    env: teardownEnvironment,
    waitSeconds: 0,
    retryIntervalMs: 0,
    tasks: bound(paging),
    definition: renderTeardownAsl(),
  });
}

function succeeded(result: TeardownResult): TeardownOutput {
  if (result.status !== 'SUCCEEDED') throw new Error(`${result.status}: ${result.error}: ${result.cause}`);
  return result.output;
}

const entered = (result: TeardownResult) =>
  result.events.filter((e) => e.type === 'StateEntered').map((e) => e.state);
const kinds = (list: TeardownOutput['removed']) => list.map((r) => r.kind);

describe('the teardown state machine (rendered ASL, handlers run in-process)', () => {
  it('It should delete every resource of a running pipeline, stopping the application with a snapshot first', async () => {
    // Prepare
    cloud.reset(provisionedPipeline(7));

    // Act
    const output = succeeded(await teardown({ pipelineName: PIPELINE }));

    // Assess
    expect(nothingLeft(cloud.state)).toEqual([]);
    expect(cloud.state.tables).toEqual(['other_pipeline_output']);
    expect(cloud.stops).toEqual([false]);
    expect(output.applicationStop).toEqual({ from: 'RUNNING', how: 'snapshot' });
    expect(kinds(output.removed)).toEqual([
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
    expect(output.alreadyGone).toEqual([]);
    expect(output.kept).toEqual([]);
    expect(output.deletedObjectVersions).toBe(7);
    expect(output.removed.find((r) => r.kind === 'bucket')?.name).toBe(
      PipelineNames.bucket(PIPELINE, ACCOUNT, REGION),
    );
  });

  it('It should delete the application only after it is READY, and the stream and bucket only after the application', async () => {
    // Prepare
    cloud.reset(provisionedPipeline(3));
    cloud.stopSeconds = 45;

    // Act
    const result = await teardown({ pipelineName: PIPELINE });

    // Assess
    succeeded(result);
    const calls = cloud.calls;
    const stop = calls.indexOf('kinesisanalytics:StopApplication');
    const deleteApp = calls.indexOf('kinesisanalytics:DeleteApplication');
    expect(stop).toBeGreaterThan(calls.indexOf('scheduler:DeleteSchedule'));
    expect(stop).toBeGreaterThan(calls.indexOf('events:DeleteRule'));
    expect(deleteApp).toBeGreaterThan(stop);
    expect(calls.indexOf('kinesis:DeleteStream')).toBeGreaterThan(deleteApp);
    expect(calls.indexOf('glue:BatchDeleteTable')).toBeGreaterThan(calls.indexOf('glue:DeleteCrawler'));
    expect(calls.indexOf('s3:DeleteBucket')).toBeGreaterThan(calls.lastIndexOf('s3:DeleteObjects'));
    // 45 s of stopping in waits of 10, 15, 20 s: three waits, four checks.
    expect(entered(result).filter((s) => s === 'WaitForApplicationStop')).toHaveLength(3);
    cloud.stopSeconds = 30;
  });

  it.each([
    // 12 tasks, 4 stop checks (at 0, 10, 25 and 45 s) with 3 waits, 2 runs of EmptyBucket (the second
    // finds the bucket empty after aborting the open upload), the Choices and the Succeed.
    ['a 40 s stop and 5,000 object versions', 27, 16, 40, 5000],
    ['a 600 s stop', 84, 35, 600, 10],
  ])(
    'It should cost, for %s, %i state transitions and %i Lambda invocations',
    async (_, transitions, invocations, stopSeconds, versions) => {
      // Prepare
      cloud.reset(provisionedPipeline(versions));
      cloud.stopSeconds = stopSeconds;

      // Act
      const result = await teardown({ pipelineName: PIPELINE }, {});

      // Assess
      succeeded(result);
      const states = result.events.filter((e) => e.type === 'StateEntered');
      expect(states).toHaveLength(transitions);
      expect(states.filter((e) => e.stateType === 'Task')).toHaveLength(invocations);
      cloud.stopSeconds = 30;
    },
  );

  it('It should force-stop without a snapshot when the input says snapshot false', async () => {
    // Prepare
    cloud.reset(provisionedPipeline(1));

    // Act
    const output = succeeded(await teardown({ pipelineName: PIPELINE, snapshot: false }));

    // Assess
    expect(cloud.stops).toEqual([true]);
    expect(output.applicationStop).toEqual({ from: 'RUNNING', how: 'force' });
    expect(nothingLeft(cloud.state)).toEqual([]);
  });

  it('It should keep the bucket with every object version and the log group when keepData is true', async () => {
    // Prepare
    cloud.reset(provisionedPipeline(4));

    // Act
    const result = await teardown({ pipelineName: PIPELINE, keepData: true });

    // Assess
    const output = succeeded(result);
    expect(nothingLeft(cloud.state)).toEqual(['logGroup', 'bucket']);
    expect(cloud.state.bucket).toHaveLength(4);
    expect(kinds(output.kept)).toEqual(['logGroup', 'bucket']);
    expect(kinds(output.removed)).not.toContain('bucket');
    expect(entered(result)).not.toContain('EmptyBucket');
    expect(cloud.calls.filter((c) => c.startsWith('s3:'))).toEqual([]);
  });

  it('It should empty a bucket larger than one invocation in several runs of EmptyBucket', async () => {
    // Prepare: pages of 2, 3 pages per run; 15 versions and 2 delete markers.
    const state = provisionedPipeline(15);
    state.bucket!.push('output/gone.marker@m1', 'output/gone2.marker@m2');
    cloud.reset(state);

    // Act
    const result = await teardown({ pipelineName: PIPELINE });

    // Assess
    const output = succeeded(result);
    expect(output.deletedObjectVersions).toBe(17);
    // 6 versions per run (3 pages of 2): runs 1-3 delete 6, 6 and 5; run 4 finds the listing empty and
    // aborts the open upload; run 5 finds nothing at all.
    expect(entered(result).filter((s) => s === 'EmptyBucket')).toHaveLength(5);
    expect(cloud.state.bucket).toBeUndefined();
    expect(cloud.state.uploads).toEqual([]);
  });

  it('It should fail on a denied delete, then finish the job on a re-run, reporting what the first run removed as already gone', async () => {
    // Prepare
    cloud.reset(provisionedPipeline(2));
    cloud.failures.set('glue:DeleteCrawler', awsError('AccessDeniedException', { statusCode: 403 }));

    // Act
    const first = await teardown({ pipelineName: PIPELINE });
    const afterFirst = nothingLeft(cloud.state);
    const second = await teardown({ pipelineName: PIPELINE });

    // Assess
    expect(first.status).toBe('FAILED');
    expect(first.status === 'FAILED' && first.error).toBe('AccessDeniedException');
    expect(afterFirst).toEqual(['crawler', 'tables', 'classifier', 'bucket']);
    const output = succeeded(second);
    expect(nothingLeft(cloud.state)).toEqual([]);
    expect(kinds(output.alreadyGone)).toEqual(['schedule', 'rule', 'application', 'logGroup', 'stream']);
    expect(kinds(output.removed)).toEqual(['crawler', 'table', 'classifier', 'objects', 'bucket']);
    expect(output.applicationStop).toBeUndefined();
  });

  it('It should retry a transient error and still finish', async () => {
    // Prepare
    cloud.reset(provisionedPipeline(1));
    cloud.failures.set(
      'kinesis:DeleteStream',
      awsError('LimitExceededException', { message: 'Rate exceeded' }),
    );

    // Act
    const result = await teardown({ pipelineName: PIPELINE });

    // Assess
    succeeded(result);
    expect(cloud.calls.filter((c) => c === 'kinesis:DeleteStream')).toHaveLength(2);
    expect(result.events.some((e) => e.type === 'StateRetried' && e.state === 'DeleteStream')).toBe(true);
  });

  it('It should succeed with nothing to do on a pipeline already torn down', async () => {
    // Prepare
    cloud.reset(provisionedPipeline(1));
    succeeded(await teardown({ pipelineName: PIPELINE }));
    cloud.calls = [];

    // Act
    const second = await teardown({ pipelineName: PIPELINE });

    // Assess
    const output = succeeded(second);
    expect(output.removed).toEqual([]);
    expect(kinds(output.alreadyGone)).toEqual([
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
    expect(cloud.calls).not.toContain('kinesisanalytics:StopApplication');
    // 12 tasks, one each, and 4 other states (the two loop Choices, IsDataKept, the Succeed).
    const states = second.events.filter((e) => e.type === 'StateEntered');
    expect(states).toHaveLength(16);
    expect(states.filter((e) => e.stateType === 'Task')).toHaveLength(12);
  });

  it('It should wait out a starting application before a snapshot stop', async () => {
    // Prepare: STARTING, which becomes RUNNING after the first check.
    const state: PipelineState = provisionedPipeline(1);
    state.application!.status = 'STARTING';
    cloud.reset(state);
    cloud.failures.clear();
    let checks = 0;
    const tasks = bound();
    const stop = tasks.StopApplicationForTeardown!;
    tasks.StopApplicationForTeardown = async (input) => {
      checks += 1;
      if (checks === 2) cloud.state.application!.status = 'RUNNING';
      return stop(input);
    };

    // Act
    const result = await runTeardownLocally({
      input: { pipelineName: PIPELINE },
      env: teardownEnvironment,
      waitSeconds: 0,
      retryIntervalMs: 0,
      tasks,
    });

    // Assess
    const output = succeeded(result);
    expect(cloud.stops).toEqual([false]);
    expect(output.applicationStop).toEqual({ from: 'STARTING', how: 'snapshot' });
  });

  it.each([
    [{}, 'pipelineName'],
    [{ pipelineName: 'Bad_Name' }, 'pipelineName'],
    [{ pipelineName: PIPELINE, keepData: 'yes' }, 'keepData'],
    [{ pipelineName: PIPELINE, keepdata: true }, 'keepdata'],
    ['ticks-demo', '$'],
  ])('It should reject the input %j naming %s, and delete nothing', async (input, field) => {
    // Prepare
    cloud.reset(provisionedPipeline(1));

    // Act
    const result = await teardown(input);

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.status === 'FAILED' && result.error).toBe('InvalidInputError');
    expect(result.status === 'FAILED' && result.cause).toContain(`${field}:`);
    expect(result.status === 'FAILED' && result.cause).toContain('Invalid teardown input');
    expect(cloud.calls).toEqual([]);
  });
});
