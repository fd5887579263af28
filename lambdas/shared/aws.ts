/** Small helpers about AWS names and errors shared by the tasks. */
import type { ProvisionConfig, ProvisionExecutionState } from '../../workflow/contract';
import { InvalidInputError } from './errors';

/** The ARN partition of a region (`aws`, `aws-cn`, `aws-us-gov`). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export function bucketArn(config: Pick<ProvisionConfig, 'region' | 'bucketName'>): string {
  return `arn:${partitionOf(config.region)}:s3:::${config.bucketName}`;
}

/** The ARN of the pipeline's Managed Flink application, for when a response leaves it out. */
export function applicationArnOf(
  config: Pick<ProvisionConfig, 'region' | 'account' | 'applicationName'>,
): string {
  return `arn:${partitionOf(config.region)}:kinesisanalytics:${config.region}:${config.account}:application/${config.applicationName}`;
}

/** True when an AWS SDK error has one of the given error codes (its `name`). */
export function isAwsError(error: unknown, ...names: string[]): boolean {
  return error instanceof Error && names.includes(error.name);
}

/** The HTTP status an AWS SDK error came with, if any. */
export function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Checks that a task received the execution state with the validated configuration. A task called
 * with anything else was wired wrongly (wrong InputPath/ResultPath), which the message says.
 */
export function requireExecutionState(event: unknown, task: string): ProvisionExecutionState {
  const config = (event as { config?: unknown } | null)?.config;
  if (
    typeof config !== 'object' ||
    config === null ||
    typeof (config as ProvisionConfig).pipelineName !== 'string'
  ) {
    throw new InvalidInputError([
      {
        field: 'config',
        message: `${task} expects the whole execution state with the validated configuration at $.config (the output of ValidateInput); check the state's InputPath and the previous states' ResultPath`,
      },
    ]);
  }
  return event as ProvisionExecutionState;
}
