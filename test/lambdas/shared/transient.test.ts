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
