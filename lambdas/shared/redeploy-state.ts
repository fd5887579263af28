/** What the redeploy tasks share: the execution state check and reading an application's code and options. */
import type { ApplicationDetail } from '@aws-sdk/client-kinesis-analytics-v2';
import { DeploymentVariables } from '../../workflow/contract';
import type { RedeployExecutionState } from '../../workflow/redeploy-contract';
import { ConfigurationError, InvalidInputError } from './errors';
import { FlinkAppFiles, PropertyGroupIds } from './flink-app';

/**
 * Checks that a task received the redeploy execution state (the output of ValidateRedeploy at
 * $.config); a task called with anything else was wired wrongly, which the message says.
 */
export function requireRedeployState(event: unknown, task: string): RedeployExecutionState {
  const config = (event as { config?: unknown } | null)?.config as Record<string, unknown> | undefined;
  if (
    typeof config !== 'object' ||
    config === null ||
    typeof config['applicationName'] !== 'string' ||
    typeof config['versionId'] !== 'string' ||
    typeof config['previous'] !== 'object'
  ) {
    throw new InvalidInputError([
      {
        field: 'config',
        message: `${task} expects the redeploy execution state with the validated configuration at $.config (the output of ValidateRedeploy); check the state's InputPath and the previous states' ResultPath`,
      },
    ]);
  }
  return event as RedeployExecutionState;
}

/** The application's S3 code location (bucket ARN, key, object version), when it has one. */
export function codeLocationOf(
  detail: ApplicationDetail,
): { bucketArn?: string; fileKey?: string; objectVersion?: string } | undefined {
  const s3 =
    detail.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription
      ?.CodeContentDescription?.S3ApplicationCodeLocationDescription;
  if (!s3) return undefined;
  return {
    ...(s3.BucketARN ? { bucketArn: s3.BucketARN } : {}),
    ...(s3.FileKey ? { fileKey: s3.FileKey } : {}),
    ...(s3.ObjectVersion ? { objectVersion: s3.ObjectVersion } : {}),
  };
}

export function propertyMap(detail: ApplicationDetail, groupId: string): Record<string, string> {
  const groups =
    detail.ApplicationConfigurationDescription?.EnvironmentPropertyDescriptions?.PropertyGroupDescriptions ??
    [];
  return groups.find((g) => g.PropertyGroupId === groupId)?.PropertyMap ?? {};
}

/** The files the application's run options name (the zip must hold them), defaulting to the job's layout. */
export function runOptionsOf(detail: ApplicationDetail): { python: string; jarfile: string } {
  const options = propertyMap(detail, PropertyGroupIds.runOptions);
  return {
    python: options['python'] ?? FlinkAppFiles.python,
    jarfile: options['jarfile'] ?? FlinkAppFiles.jarfile,
  };
}

/** The window length the application's job runs with (job.config.0 window.seconds), when set and valid. */
export function windowSecondsOf(detail: ApplicationDetail): number | undefined {
  const value = Number(propertyMap(detail, PropertyGroupIds.job)['window.seconds']);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/** The account the tasks run in: the stack and the local cloud set AWS_ACCOUNT_ID on every function. */
export function accountAndRegion(env: NodeJS.ProcessEnv = process.env): { account: string; region: string } {
  const account = env[DeploymentVariables.account]?.trim();
  const region = env[DeploymentVariables.region]?.trim();
  if (!account || !region) {
    throw new ConfigurationError(
      `Environment variable ${!account ? DeploymentVariables.account : DeploymentVariables.region} is not set; the stack (infra/redeploy.ts) sets it on every redeploy function, set it yourself when running a task elsewhere`,
    );
  }
  return { account, region };
}
