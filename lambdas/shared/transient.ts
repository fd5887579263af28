/**
 * Decides which AWS errors are worth retrying, so that the state machine's Retry (which matches
 * `TransientError`) backs off on them while every other error goes straight to the Catch.
 */
import { QuotaExceededError, TransientError } from './errors';

/** Error codes AWS services use for throttling and request-rate limits. */
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'SlowDown',
  'PriorRequestNotComplete',
  'KMSThrottlingException',
]);

/** Error codes that mean "the service could not answer now", not "your request is wrong". */
const TRANSIENT_CODES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'InternalServiceException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'OperationTimeoutException',
  'OperationAborted',
  'ConcurrentModificationException',
]);

/** Socket-level failures the SDK surfaces after its own retries. */
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** True when `error` is a throttling, server-side, timeout or network error that a later retry may clear. */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkErrorShape;
  // Stryker disable next-line ConditionalExpression,StringLiteral: a name that is not a string, or any other fallback string, is in neither set.
  const name = typeof e.name === 'string' ? e.name : '';
  if (THROTTLING_CODES.has(name) || TRANSIENT_CODES.has(name)) return true;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  if (e.$retryable !== undefined && e.$retryable !== null && e.$retryable !== false) return true;
  const status = e.$metadata?.httpStatusCode;
  return typeof status === 'number' && (status === 429 || status >= 500);
}

/** Wraps a transient AWS error in TransientError (keeping it as `cause`); returns anything else unchanged. */
export function classifyError(error: unknown): unknown {
  if (error instanceof TransientError || !isTransientAwsError(error)) return error;
  const e = error as Error;
  return new TransientError(`${e.name}: ${e.message} (transient, safe to retry)`, { cause: error });
}

/**
 * Makes a task's `run` report transient AWS errors as TransientError. Applied to `run` itself (not only
 * in the middy handler) so that the local runner, which calls `run` directly, sees the same error names.
 */
export function withTransientErrors<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (error) {
      throw classifyError(error);
    }
  };
}

/**
 * Messages of a LimitExceededException that is a rate or concurrency limit, not a count quota: Kinesis
 * answers LimitExceededException both when the account's stream or shard quota is exhausted and when
 * its control-plane rate limit is hit ("Rate exceeded") or too many streams are being created at once
 * (Kinesis CreateStream API reference). Those pass; a quota does not.
 */
const RATE_LIMIT_MESSAGE = /rate exceeded|rate limit|throttl|too many requests|concurrent|simultaneous/i;

/**
 * When `error` says an account quota is exhausted, the QuotaExceededError to throw instead (naming the
 * quota and how to get past it); otherwise undefined and the caller rethrows the error as it is.
 * Call it only around create calls, where LimitExceededException can mean a count quota
 * (Kinesis CreateStream; Managed Flink CreateApplication: "the number of allowed resources has been
 * exceeded").
 */
export function quotaExceeded(error: unknown, quota: string, fix: string): QuotaExceededError | undefined {
  if (!(error instanceof Error) || error.name !== 'LimitExceededException') return undefined;
  if (RATE_LIMIT_MESSAGE.test(error.message)) return undefined;
  return new QuotaExceededError(`${quota} is exhausted (${error.message}); ${fix}`, { cause: error });
}
