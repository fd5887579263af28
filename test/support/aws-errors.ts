/**
 * AWS SDK v3-shaped errors for aws-sdk-client-mock's `.rejects(...)`: the `name` is the API's error code
 * and `$metadata.httpStatusCode` its status, which is all the tasks look at.
 */
export interface AwsErrorOptions {
  statusCode?: number;
  message?: string;
  /** The SDK marks throttling errors with `$retryable: { throttling: true }`. */
  throttling?: boolean;
}

export function awsError(name: string, options: AwsErrorOptions = {}): Error {
  const statusCode = options.statusCode ?? 400;
  const error = new Error(options.message ?? `${name} (test)`) as Error & Record<string, unknown>;
  error.name = name;
  error['$fault'] = statusCode >= 500 ? 'server' : 'client';
  error['$metadata'] = {
    httpStatusCode: statusCode,
    requestId: 'test-request',
    attempts: 1,
    totalRetryDelay: 0,
  };
  if (options.throttling) error['$retryable'] = { throttling: true };
  return error;
}
