import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { deploymentSettings, loadDeploymentSettings } from '../../../lambdas/shared/config';
import { testEnvironment, testSettings } from '../../support/provisioning';

const sts = mockClient(STSClient);

describe('the deployment settings', () => {
  const originalEnv = process.env;

  beforeEach(() => {
    sts.reset();
  });

  afterEach(() => {
    process.env = originalEnv;
  });

  it('It should say how to provide the account when STS names none', async () => {
    // Prepare
    sts.on(GetCallerIdentityCommand).resolves({});
    const env: Record<string, string> = { ...testEnvironment, AWS_ACCOUNT_ID: '  ' };

    // Act / Assess
    await expect(loadDeploymentSettings(env, new STSClient({ region: 'eu-west-1' }))).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: 'Could not determine the AWS account: set AWS_ACCOUNT_ID or allow sts:GetCallerIdentity.',
    });
  });

  it('It should load the settings once, and load them again after a failed load', async () => {
    // Prepare: the first load fails on a missing variable.
    process.env = { ...originalEnv, ...testEnvironment, CODE_ASSET_KEY: '' };

    // Act
    const failed = deploymentSettings();
    await expect(failed).rejects.toMatchObject({ name: 'ConfigurationError' });
    process.env = { ...originalEnv, ...testEnvironment };
    const loaded = deploymentSettings();
    const again = deploymentSettings();

    // Assess
    await expect(loaded).resolves.toEqual(testSettings);
    expect(again).toBe(loaded);
  });

  it('It should take a variable of blanks as not set, and say who sets it', async () => {
    // Prepare
    const env = { ...testEnvironment, GLUE_DATABASE: '   ' };

    // Act / Assess
    await expect(loadDeploymentSettings(env, new STSClient({ region: 'eu-west-1' }))).rejects.toMatchObject({
      name: 'ConfigurationError',
      message:
        'Environment variable GLUE_DATABASE is not set. The stack (infra/) sets it on every provisioning function; ' +
        'when running the tasks yourself (local runner, tests), set it before the first invocation.',
    });
  });

  it('It should trim the variables, and ask STS when the account variable is missing altogether', async () => {
    // Prepare
    sts.on(GetCallerIdentityCommand).resolves({ Account: '210987654321' });
    const env: Record<string, string> = { ...testEnvironment, GLUE_DATABASE: ' flinkflow ' };
    delete env['AWS_ACCOUNT_ID'];

    // Act
    const settings = await loadDeploymentSettings(env, new STSClient({ region: 'eu-west-1' }));

    // Assess
    expect(settings).toMatchObject({ glueDatabase: 'flinkflow', account: '210987654321' });
  });

  it('It should name a variable that is missing altogether', async () => {
    // Prepare
    const env: Record<string, string> = { ...testEnvironment };
    delete env['CODE_ASSET_BUCKET'];

    // Act / Assess
    await expect(loadDeploymentSettings(env, new STSClient({ region: 'eu-west-1' }))).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringMatching(/^Environment variable CODE_ASSET_BUCKET is not set\./),
    });
  });
});
