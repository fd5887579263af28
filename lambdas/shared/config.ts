/**
 * The deployment's settings, read from the environment once per cold start. The stack (infra/) sets the
 * variables on every function; the local runner sets them from the local cloud.
 */
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { DeploymentVariables, type DeploymentSettings } from '../../workflow/contract';
import { awsClients } from './clients';
import { ConfigurationError } from './errors';

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) {
    throw new ConfigurationError(
      `Environment variable ${name} is not set. The stack (infra/) sets it on every provisioning function; ` +
        'when running the tasks yourself (local runner, tests), set it before the first invocation.',
    );
  }
  return value;
}

/**
 * Reads the settings from `env`. The account comes from AWS_ACCOUNT_ID when set (the local cloud sets
 * it), otherwise from STS GetCallerIdentity (Lambda does not expose the account as a variable).
 */
export async function loadDeploymentSettings(
  env: NodeJS.ProcessEnv = process.env,
  sts: STSClient = awsClients().sts,
): Promise<DeploymentSettings> {
  const fixed = {
    codeAssetBucket: required(env, DeploymentVariables.codeAssetBucket),
    codeAssetKey: required(env, DeploymentVariables.codeAssetKey),
    applicationRoleArn: required(env, DeploymentVariables.applicationRoleArn),
    crawlerRoleArn: required(env, DeploymentVariables.crawlerRoleArn),
    glueDatabase: required(env, DeploymentVariables.glueDatabase),
    region: required(env, DeploymentVariables.region),
  };
  const account =
    env[DeploymentVariables.account]?.trim() || (await sts.send(new GetCallerIdentityCommand({}))).Account;
  if (!account) {
    throw new ConfigurationError(
      `Could not determine the AWS account: set ${DeploymentVariables.account} or allow sts:GetCallerIdentity.`,
    );
  }
  return { ...fixed, account };
}

let cached: Promise<DeploymentSettings> | undefined;

/** The settings of this process, loaded on the first call and reused (a failed load is retried next time). */
export function deploymentSettings(): Promise<DeploymentSettings> {
  cached ??= loadDeploymentSettings().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}
