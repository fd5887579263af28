/**
 * A fake Lambda context for handler tests: middy needs `getRemainingTimeInMillis` for its early-timeout
 * plugin, and Powertools Logger reads the function's name, version and request id from it.
 */
import type { Context } from 'aws-lambda';

export function fakeLambdaContext(overrides: Partial<Context> = {}): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'flinkflow-test-function',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:flinkflow-test-function',
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: '/aws/lambda/flinkflow-test-function',
    logStreamName: '2026/11/25/[$LATEST]abcdef0123456789',
    getRemainingTimeInMillis: () => 120_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
    ...overrides,
  };
}
