import '../support/quiet-logs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { run } from '../../lambdas/validate-teardown-input';

const sts = mockClient(STSClient);
beforeEach(() => sts.reset());

const env = { AWS_REGION: 'eu-west-1', GLUE_DATABASE: 'flinkflow', AWS_ACCOUNT_ID: '123456789012' };

describe('ValidateTeardownInput', () => {
  it('It should fill in the defaults and derive every name from the pipeline name', async () => {
    // Act
    const { config } = await run({ pipelineName: 'ticks-demo' }, { env });

    // Assess
    expect(config).toEqual({
      pipelineName: 'ticks-demo',
      keepData: false,
      snapshot: true,
      region: 'eu-west-1',
      account: '123456789012',
      applicationName: 'ticks-demo-app',
      applicationLogGroup: '/aws/kinesis-analytics/ticks-demo-app',
      streamName: 'ticks-demo-ticks',
      bucketName: 'flinkflow-ticks-demo-123456789012-eu-west-1',
      crawlerName: 'ticks-demo-crawler',
      glueDatabase: 'flinkflow',
      tablePrefix: 'ticks_demo_',
      csvClassifierName: 'ticks-demo-csv',
      validationScheduleName: 'ticks-demo-validation',
      scheduleGroupName: 'default',
      redeployRuleName: 'ticks-demo-redeploy',
      eventBusName: 'default',
    });
  });

  it('It should ask STS for the account when AWS_ACCOUNT_ID is not set', async () => {
    // Prepare
    sts.on(GetCallerIdentityCommand).resolves({ Account: '210987654321' });

    // Act
    const { config } = await run(
      { pipelineName: 'ticks-demo', keepData: true },
      { env: { ...env, AWS_ACCOUNT_ID: '' } },
    );

    // Assess
    expect(config.bucketName).toBe('flinkflow-ticks-demo-210987654321-eu-west-1');
    expect(config.keepData).toBe(true);
  });

  it('It should list every problem of a bad input at once', async () => {
    // Act
    const act = run({ pipelineName: 'X', snapshot: 'no', extra: 1 }, { env });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'InvalidInputError',
      problems: [
        { field: 'pipelineName', message: expect.stringContaining('must be 3-32 characters') },
        { field: 'snapshot', message: 'must be true or false, got "no"' },
        { field: 'extra', message: 'is not a teardown input field' },
      ],
    });
  });

  it('It should say which variable is missing when the deployment is misconfigured', async () => {
    // Act
    const act = run({ pipelineName: 'ticks-demo' }, { env: { AWS_REGION: 'eu-west-1' } });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining('GLUE_DATABASE'),
    });
  });
});
