/**
 * The application's CloudWatch Logs stream, where CreateApplication points it (and where the health
 * gate looks for the job's exception, lambdas/shared/job-exception.ts).
 */
import { PipelineNames, type ProvisionConfig } from '../../workflow/contract';
import { partitionOf } from './aws';

export const APPLICATION_LOG_STREAM = 'kinesis-analytics-log-stream';

/** The CloudWatch log group and stream the application writes to (the console's default naming). */
export function applicationLogging(config: Pick<ProvisionConfig, 'pipelineName' | 'region' | 'account'>) {
  const logGroupName = PipelineNames.applicationLogGroup(config.pipelineName);
  const logStreamName = APPLICATION_LOG_STREAM;
  const logStreamArn = `arn:${partitionOf(config.region)}:logs:${config.region}:${config.account}:log-group:${logGroupName}:log-stream:${logStreamName}`;
  return { logGroupName, logStreamName, logStreamArn };
}
