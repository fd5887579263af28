import {
  ApplicationStartFailedError,
  ApplicationStartTimeoutError,
  ApplicationTagsPendingError,
  ApplicationUnhealthyError,
  ConfigurationError,
  InvalidCodeError,
  QuotaExceededError,
  ResourceConflictError,
  TransientError,
} from '../../../lambdas/shared/errors';
import { checkpointIntervalMs } from '../../../lambdas/shared/flink-app';
import { ErrorName } from '../../../workflow/contract';

describe('the task errors', () => {
  it.each([
    [TransientError, ErrorName.Transient],
    [ApplicationStartFailedError, ErrorName.ApplicationStartFailed],
    [ApplicationStartTimeoutError, ErrorName.ApplicationStartTimeout],
    [ApplicationUnhealthyError, ErrorName.ApplicationUnhealthy],
    [QuotaExceededError, ErrorName.QuotaExceeded],
    [ResourceConflictError, ErrorName.ResourceConflict],
    [ApplicationTagsPendingError, ErrorName.ApplicationTagsPending],
    [InvalidCodeError, ErrorName.InvalidCode],
    [ConfigurationError, 'ConfigurationError'],
  ])(
    'It should give %p the error name the machine matches (%s), its message and its cause',
    (ErrorClass, name) => {
      // Prepare
      const cause = new Error('the service said no');

      // Act
      const error = new ErrorClass('what went wrong', { cause });

      // Assess
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ name, message: 'what went wrong', cause });
    },
  );
});

describe('the Flink job settings', () => {
  it.each([
    [5, 10_000],
    [30, 30_000],
    [600, 60_000],
  ])('It should checkpoint a %i s window every %i ms', (windowSeconds, ms) => {
    expect(checkpointIntervalMs(windowSeconds)).toBe(ms);
  });
});
