import '../support/quiet-logs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { ErrorName } from '../../workflow/contract';
import { loadDeploymentSettings } from '../../lambdas/shared/config';
import { InvalidInputError } from '../../lambdas/shared/errors';
import { handler, resolveInput, run } from '../../lambdas/validate-input';
import { parseCrawlSchedule } from '../../workflow/schedule';
import { fakeLambdaContext } from '../support/lambda-context';
import { testEnvironment, testSettings } from '../support/provisioning';

function problemsOf(raw: unknown): Array<{ field: string; message: string }> {
  try {
    resolveInput(raw, testSettings);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return [...(error as InvalidInputError).problems];
  }
  throw new Error('expected resolveInput to reject the input');
}

describe('ValidateInput', () => {
  const originalEnv = process.env;
  beforeEach(() => {
    process.env = { ...originalEnv, ...testEnvironment };
  });
  afterEach(() => {
    process.env = originalEnv;
  });

  it('It should fill every default and derive every name from the pipeline name', async () => {
    // Prepare
    const input = { pipelineName: 'ticks-demo' };

    // Act
    const result = await run(input, { settings: async () => testSettings });

    // Assess
    expect(result.input).toEqual(input);
    expect(result.config).toEqual({
      pipelineName: 'ticks-demo',
      runtime: 'FLINK-1_20',
      parallelism: 1,
      windowSeconds: 60,
      watermarkSeconds: 5,
      outputFormat: 'csv',
      initialPosition: 'LATEST',
      crawlSchedule: 'cron(0/15 * * * ? *)',
      partitionByTime: false,
      startTimeoutSeconds: 900,
      healthSettleSeconds: 120,
      keepUnhealthyRunning: false,
      streamMode: 'PROVISIONED',
      shardCount: 1,
      region: 'eu-west-1',
      account: '123456789012',
      streamName: 'ticks-demo-ticks',
      bucketName: 'flinkflow-ticks-demo-123456789012-eu-west-1',
      codeKey: 'code/flinkflow-app.zip',
      outputPrefix: 'output/',
      applicationName: 'ticks-demo-app',
      crawlerName: 'ticks-demo-crawler',
      glueDatabase: 'flinkflow',
      tablePrefix: 'ticks_demo_',
      applicationRoleArn: testSettings.applicationRoleArn,
      crawlerRoleArn: testSettings.crawlerRoleArn,
      codeAssetBucket: testSettings.codeAssetBucket,
      codeAssetKey: testSettings.codeAssetKey,
    });
  });

  it('It should keep every valid field the input sets', () => {
    // Prepare
    const input = {
      pipelineName: 'p1x',
      runtime: 'FLINK-1_20',
      parallelism: 4,
      windowSeconds: 10,
      watermarkSeconds: 2,
      outputFormat: 'parquet',
      initialPosition: 'TRIM_HORIZON',
      crawlSchedule: 'rate(30 minutes)',
      stream: { mode: 'ON_DEMAND' },
      partitionByTime: true,
      startTimeoutSeconds: 120,
    };

    // Act
    const { config } = resolveInput(input, testSettings);

    // Assess
    expect(config).toMatchObject({
      parallelism: 4,
      windowSeconds: 10,
      watermarkSeconds: 2,
      outputFormat: 'parquet',
      initialPosition: 'TRIM_HORIZON',
      crawlSchedule: 'cron(0/30 * * * ? *)',
      streamMode: 'ON_DEMAND',
      shardCount: 0,
      partitionByTime: true,
      startTimeoutSeconds: 120,
      tablePrefix: 'p1x_',
    });
  });

  it.each([
    [{}, 'pipelineName', /is required/],
    [{ pipelineName: 'Ticks' }, 'pipelineName', /lowercase letters/],
    [{ pipelineName: 'ab' }, 'pipelineName', /3-32 characters/],
    [{ pipelineName: 'a'.repeat(33) }, 'pipelineName', /3-32 characters/],
    [{ pipelineName: '1ticks' }, 'pipelineName', /starting with a letter/],
    [{ pipelineName: 'ticks-' }, 'pipelineName', /ending with a letter or digit/],
    [{ pipelineName: 'ti--cks' }, 'pipelineName', /single hyphens/],
    [{ pipelineName: 42 }, 'pipelineName', /got 42/],
    [{ pipelineName: 'ok-name', runtime: 'FLINK-1_11' }, 'runtime', /must be one of "FLINK-1_20"/],
    [{ pipelineName: 'ok-name', parallelism: 0 }, 'parallelism', /whole number from 1 to 64, got 0/],
    [{ pipelineName: 'ok-name', parallelism: 1.5 }, 'parallelism', /whole number/],
    [{ pipelineName: 'ok-name', parallelism: '2' }, 'parallelism', /"2" \(a string\)/],
    [{ pipelineName: 'ok-name', windowSeconds: 3601 }, 'windowSeconds', /from 1 to 3600/],
    [{ pipelineName: 'ok-name', watermarkSeconds: -1 }, 'watermarkSeconds', /from 0 to 600/],
    [
      { pipelineName: 'ok-name', windowSeconds: 10, watermarkSeconds: 100 },
      'watermarkSeconds',
      /less than 10 windows \(100 s/,
    ],
    [{ pipelineName: 'ok-name', outputFormat: 'json' }, 'outputFormat', /"csv", "parquet"/],
    [{ pipelineName: 'ok-name', initialPosition: 'EARLIEST' }, 'initialPosition', /"LATEST", "TRIM_HORIZON"/],
    [
      { pipelineName: 'ok-name', crawlSchedule: 'every 15 minutes' },
      'crawlSchedule',
      /neither cron\(\.\.\.\) nor rate/,
    ],
    [{ pipelineName: 'ok-name', crawlSchedule: 15 }, 'crawlSchedule', /must be a string/],
    [
      { pipelineName: 'ok-name', stream: { mode: 'SERVERLESS' } },
      'stream.mode',
      /"PROVISIONED", "ON_DEMAND"/,
    ],
    [{ pipelineName: 'ok-name', stream: { shardCount: 0 } }, 'stream.shardCount', /from 1 to 500/],
    [
      { pipelineName: 'ok-name', stream: { mode: 'ON_DEMAND', shardCount: 2 } },
      'stream.shardCount',
      /PROVISIONED streams only/,
    ],
    [{ pipelineName: 'ok-name', stream: 'big' }, 'stream', /must be an object/],
    [{ pipelineName: 'ok-name', stream: { shards: 2 } }, 'stream.shards', /not a known field/],
    [{ pipelineName: 'ok-name', partitionByTime: 'yes' }, 'partitionByTime', /true or false/],
    [{ pipelineName: 'ok-name', startTimeoutSeconds: 30 }, 'startTimeoutSeconds', /from 60 to 3600/],
    [
      { pipelineName: 'ok-name', paralelism: 2 },
      'paralelism',
      /not a known field \(typo\?\); known fields: pipelineName, runtime, parallelism/,
    ],
  ])('It should reject %j naming the field %s', (input, field, message) => {
    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual([{ field, message: expect.stringMatching(message) }]);
  });

  it('It should report every bad field at once', () => {
    // Act
    const problems = problemsOf({ pipelineName: 'X', parallelism: 100, outputFormat: 'xml' });

    // Assess
    expect(problems.map((p) => p.field)).toEqual(['pipelineName', 'parallelism', 'outputFormat']);
  });

  it('It should reject a pipeline name whose bucket name would exceed 63 characters, saying how long it may be', () => {
    // Prepare
    const settings = { ...testSettings, region: 'ap-southeast-2' };

    // Act
    let error: unknown;
    try {
      resolveInput({ pipelineName: 'a'.repeat(32) }, settings);
    } catch (e) {
      error = e;
    }

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/pipelineName: is too long .* use at most 25 characters/);
    expect(() => resolveInput({ pipelineName: 'a'.repeat(25) }, settings)).not.toThrow();
  });

  it('It should reject an input that is not a JSON object', async () => {
    // Act
    const act = run('{"pipelineName":"x"}', { settings: async () => testSettings });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.InvalidInput,
      message: expect.stringMatching(/must be a JSON object/),
    });
  });

  it('It should fail through the handler with the InvalidInputError name Step Functions matches', async () => {
    // Act
    const act = handler({ pipelineName: 'BAD' }, fakeLambdaContext());

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('pipelineName'),
    });
  });

  it('It should read the deployment settings from the environment in the handler', async () => {
    // Act
    const result = await handler({ pipelineName: 'from-env' }, fakeLambdaContext());

    // Assess
    expect(result.config).toMatchObject({
      bucketName: 'flinkflow-from-env-123456789012-eu-west-1',
      glueDatabase: 'flinkflow',
    });
  });
});

describe('Deployment settings', () => {
  it('It should name the missing environment variable', async () => {
    // Prepare
    const env = { ...testEnvironment, CRAWLER_ROLE_ARN: '' };

    // Act
    const act = loadDeploymentSettings(env, new STSClient({}));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringMatching(/CRAWLER_ROLE_ARN is not set/),
    });
  });

  it('It should ask STS for the account when AWS_ACCOUNT_ID is not set', async () => {
    // Prepare
    const sts = mockClient(STSClient);
    sts.on(GetCallerIdentityCommand).resolves({ Account: '210987654321' });
    const env: Record<string, string> = { ...testEnvironment };
    delete env['AWS_ACCOUNT_ID'];

    // Act
    const settings = await loadDeploymentSettings(env, new STSClient({ region: 'eu-west-1' }));

    // Assess
    expect(settings.account).toBe('210987654321');
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 1);
    sts.restore();
  });
});

describe('Crawl schedule', () => {
  it.each([
    ['cron(0/15 * * * ? *)', 'cron(0/15 * * * ? *)'],
    ['cron(0 10 * * ? *)', 'cron(0 10 * * ? *)'],
    ['cron(0 18 ? * MON-FRI *)', 'cron(0 18 ? * MON-FRI *)'],
    ['cron(15 12 L * ? 2027)', 'cron(15 12 L * ? 2027)'],
    ['cron(0,30 * * * ? *)', 'cron(0,30 * * * ? *)'],
    ['rate(5 minutes)', 'cron(0/5 * * * ? *)'],
    ['rate(1 hour)', 'cron(0 * * * ? *)'],
    ['rate(6 hours)', 'cron(0 0/6 * * ? *)'],
    ['rate(120 minutes)', 'cron(0 0/2 * * ? *)'],
    ['rate(1 day)', 'cron(0 0 * * ? *)'],
  ])('It should accept %s as the Glue schedule %s', (expression, glueCron) => {
    // Act
    const result = parseCrawlSchedule(expression);

    // Assess
    expect(result).toEqual({ ok: true, glueCron });
  });

  it.each([
    ['cron(0/15 * * * *)', /six fields/],
    ['cron(0/15 * * * * *)', /exactly one of Day-of-month and Day-of-week/],
    ['cron(0/15 * ? * ? *)', /exactly one of Day-of-month and Day-of-week/],
    ['cron(61 * * * ? *)', /Minutes value "61" is outside 0-59/],
    ['cron(0 24 * * ? *)', /Hours value "24" is outside 0-23/],
    ['cron(0 0 * 13 ? *)', /Month value "13" is outside 1-12/],
    ['cron(0 0 ? * FUNDAY *)', /Day-of-week entry "FUNDAY" is not valid/],
    ['cron(0/2 * * * ? *)', /at most every 5 minutes/],
    ['cron(* * * * ? *)', /at most every 5 minutes/],
    ['cron(0,58 * * * ? *)', /at most every 5 minutes/],
    ['rate(1 minute)', /at most every 5 minutes/],
    ['rate(7 minutes)', /no exact Glue cron equivalent/],
    ['rate(2 days)', /no exact Glue cron equivalent/],
    ['rate(1 minutes)', /write rate\(1 minute\)/],
    ['rate(15 minute)', /rate\(15 minutes\) for more/],
  ])('It should reject %s', (expression, message) => {
    // Act
    const result = parseCrawlSchedule(expression);

    // Assess
    expect(result).toEqual({ ok: false, message: expect.stringMatching(message) });
  });
});
