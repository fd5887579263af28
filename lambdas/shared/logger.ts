/**
 * Structured JSON logging for every task (Powertools Logger: one JSON object per line, with the Lambda
 * context and the task name as keys). Level from POWERTOOLS_LOG_LEVEL / AWS_LAMBDA_LOG_LEVEL.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'flinkflow-provision' });
