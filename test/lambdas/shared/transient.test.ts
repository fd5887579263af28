import { ErrorName } from '../../../workflow/contract';
import { InvalidInputError, TransientError } from '../../../lambdas/shared/errors';
import {
  classifyError,
  isTransientAwsError,
  quotaExceeded,
  withTransientErrors,
} from '../../../lambdas/shared/transient';
import { awsError } from '../../support/aws-errors';

describe('The transient-error classifier', () => {
  it.each([
    ['ThrottlingException', 400],
    ['TooManyRequestsException', 429],
    ['ProvisionedThroughputExceededException', 400],
    ['LimitExceededException', 400],
    ['SlowDown', 503],
    ['RequestTimeout', 400],
    ['OperationTimeoutException', 400],
    ['ConcurrentModificationException', 400],
    ['SomethingNew', 500],
    ['SomethingElse', 503],
  ])('It should treat %s (HTTP %i) as transient', (name, statusCode) => {
    // Act
    const transient = isTransientAwsError(awsError(name, { statusCode }));

    // Assess
    expect(transient).toBe(true);
  });

  it('It should treat network failures and SDK-retryable errors as transient', () => {
    // Prepare
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const retryable = Object.assign(new Error('x'), { name: 'Whatever', $retryable: { throttling: false } });

    // Act
    const results = [isTransientAwsError(reset), isTransientAwsError(retryable)];

    // Assess
    expect(results).toEqual([true, true]);
  });

  it.each([
    ['ResourceNotFoundException', 400],
    ['AccessDeniedException', 403],
    ['InvalidArgumentException', 400],
    ['ResourceNumberLimitExceededException', 400],
  ])('It should not treat %s as transient', (name, statusCode) => {
    // Act
    const transient = isTransientAwsError(awsError(name, { statusCode }));

    // Assess
    expect(transient).toBe(false);
  });

  it('It should wrap a transient error in TransientError and keep the original as cause', () => {
    // Prepare
    const original = awsError('ThrottlingException', { message: 'Rate exceeded' });

    // Act
    const classified = classifyError(original) as Error;

    // Assess
    expect(classified).toBeInstanceOf(TransientError);
    expect(classified.name).toBe(ErrorName.Transient);
    expect(classified.message).toBe('ThrottlingException: Rate exceeded (transient, safe to retry)');
    expect(classified.cause).toBe(original);
  });

  it('It should leave the project errors and permanent AWS errors unchanged', async () => {
    // Prepare
    const invalid = new InvalidInputError([{ field: 'x', message: 'bad' }]);
    const failing = withTransientErrors(async () => {
      throw invalid;
    });

    // Act
    const act = failing();

    // Assess
    await expect(act).rejects.toBe(invalid);
  });
});

describe('The transient-error classifier, code by code', () => {
  // Every code with HTTP 400, so that only the name can make it transient.
  it.each([
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
  ])('It should treat the error code %s as transient whatever its status', (name) => {
    // Act
    const transient = isTransientAwsError(awsError(name, { statusCode: 400 }));

    // Assess
    expect(transient).toBe(true);
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND'])(
    'It should treat the network failure %s as transient',
    (code) => {
      // Act
      const transient = isTransientAwsError(Object.assign(new Error(`connect ${code}`), { code }));

      // Assess
      expect(transient).toBe(true);
    },
  );

  it.each([
    ['HTTP 429 with an unknown code', awsError('SomethingNew', { statusCode: 429 }), true],
    ['HTTP 500', awsError('SomethingNew', { statusCode: 500 }), true],
    ['HTTP 599', awsError('SomethingNew', { statusCode: 599 }), true],
    ['HTTP 499', awsError('SomethingNew', { statusCode: 499 }), false],
    ['HTTP 428', awsError('SomethingNew', { statusCode: 428 }), false],
    ['HTTP 430', awsError('SomethingNew', { statusCode: 430 }), false],
    ['a status that is not a number', { name: 'X', $metadata: { httpStatusCode: '503' } }, false],
    ['no metadata', { name: 'X' }, false],
    ['an unknown error code on an `code` field', { name: 'X', code: 'EACCES' }, false],
    ['a network code that is not a string', { name: 'X', code: 1 }, false],
    ['an error code on `code` only', { code: 'ThrottlingException' }, false],
    ['$retryable set to false', { name: 'X', $retryable: false }, false],
    ['$retryable set to null', { name: 'X', $retryable: null }, false],
    ['$retryable set to an object', { name: 'X', $retryable: {} }, true],
    ['a name that is not a string', { name: 42 }, false],
    ['a string', 'ThrottlingException', false],
    ['null', null, false],
    ['undefined', undefined, false],
  ])('It should classify %s', (_what, error, expected) => {
    // Act
    const transient = isTransientAwsError(error);

    // Assess
    expect(transient).toBe(expected);
  });

  it('It should not wrap a TransientError again', () => {
    // Prepare
    const already = new TransientError('ThrottlingException: Rate exceeded (transient, safe to retry)');

    // Act
    const classified = classifyError(already);

    // Assess
    expect(classified).toBe(already);
  });

  it('It should leave a permanent AWS error unchanged', () => {
    // Prepare
    const denied = awsError('AccessDeniedException', { statusCode: 403 });

    // Act
    const classified = classifyError(denied);

    // Assess
    expect(classified).toBe(denied);
  });

  it('It should report a transient error of the wrapped function as TransientError and pass results through', async () => {
    // Prepare
    const throttled = awsError('ThrottlingException', { message: 'Rate exceeded' });
    const failing = withTransientErrors(async (_input: string) => {
      throw throttled;
    });
    const working = withTransientErrors(async (input: string) => `done ${input}`);

    // Act
    const failure = failing('x');
    const result = await working('y');

    // Assess
    await expect(failure).rejects.toMatchObject({ name: ErrorName.Transient, cause: throttled });
    expect(result).toBe('done y');
  });
});

describe('quotaExceeded', () => {
  it.each([
    'This request would exceed the shard limit for the account 123456789012 in eu-west-1.',
    'The number of allowed resources has been exceeded.',
  ])('It should take a LimitExceededException saying "%s" as an exhausted quota', (message) => {
    // Act
    const error = quotaExceeded(awsError('LimitExceededException', { message }), 'The quota', 'raise it');

    // Assess
    expect(error).toMatchObject({
      name: ErrorName.QuotaExceeded,
      message: `The quota is exhausted (${message}); raise it`,
    });
  });

  it.each([
    'Rate exceeded for stream ticks-demo-ticks under account 123456789012.',
    'Rate exceeded',
    'Too many concurrent stream creations',
  ])('It should leave a rate limit ("%s") to the transient classifier', (message) => {
    // Act
    const error = quotaExceeded(awsError('LimitExceededException', { message }), 'The quota', 'raise it');

    // Assess
    expect(error).toBeUndefined();
    expect(isTransientAwsError(awsError('LimitExceededException', { message }))).toBe(true);
  });

  it('It should leave other errors alone', () => {
    // Act
    const error = quotaExceeded(awsError('ThrottlingException'), 'The quota', 'raise it');

    // Assess
    expect(error).toBeUndefined();
  });
});

describe('quotaExceeded, rate limits and other errors', () => {
  it.each([
    'Control plane rate limit reached',
    'Request throttled',
    'Too Many Requests',
    'Too many simultaneous requests',
  ])('It should take "%s" as a rate limit, not a quota', (message) => {
    // Act
    const error = quotaExceeded(awsError('LimitExceededException', { message }), 'The quota', 'raise it');

    // Assess
    expect(error).toBeUndefined();
  });

  it('It should keep the AWS error as the cause of the quota error', () => {
    // Prepare
    const original = awsError('LimitExceededException', { message: 'shard limit' });

    // Act
    const error = quotaExceeded(original, 'The shard quota', 'delete streams');

    // Assess
    expect(error?.cause).toBe(original);
  });

  it('It should ignore something thrown that is not an Error, even with the name', () => {
    // Act
    const error = quotaExceeded(
      { name: 'LimitExceededException', message: 'limit' },
      'The quota',
      'raise it',
    );

    // Assess
    expect(error).toBeUndefined();
  });
});

describe('quotaExceeded and values that are not errors', () => {
  it('It should not take a thrown object that only looks like a LimitExceededException for a quota', () => {
    // Act
    const error = quotaExceeded(
      { name: 'LimitExceededException', message: 'The number of allowed resources has been exceeded.' },
      'The quota',
      'raise it',
    );

    // Assess
    expect(error).toBeUndefined();
  });

  it('It should leave an error of another name alone, whatever its message', () => {
    // Act
    const error = quotaExceeded(
      awsError('AccessDeniedException', { message: 'The number of allowed resources has been exceeded.' }),
      'The quota',
      'raise it',
    );

    // Assess
    expect(error).toBeUndefined();
  });
});
