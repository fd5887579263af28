/**
 * The errors the provisioning tasks throw. Each `name` is the Step Functions error name that the
 * machine's Retry and Catch match on (workflow/contract.ts `ErrorName`), so a class and its name never
 * drift apart. Every error keeps the AWS error that caused it as `cause`.
 */
import { describeProblems, ErrorName, type InputProblem } from '../../workflow/contract';
import { CrawlErrorName } from '../../workflow/crawl-contract';

export type { InputProblem };

/** The input document is invalid. Lists every problem at once so a user fixes them in one go. */
export class InvalidInputError extends Error {
  readonly problems: readonly InputProblem[];

  /** `document` names what was invalid in the message (default: the provisioning input). */
  constructor(problems: readonly InputProblem[], document?: string) {
    super(describeProblems(problems, document));
    this.name = ErrorName.InvalidInput;
    this.problems = problems;
  }
}

/** Throttling, 5xx, timeouts, limits: the machine retries the task with backoff and jitter. */
export class TransientError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ErrorName.Transient;
  }
}

/** The application reached a state from which it will not become RUNNING. */
export class ApplicationStartFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ErrorName.ApplicationStartFailed;
  }
}

/** The application did not reach RUNNING in time and was force-stopped. */
export class ApplicationStartTimeoutError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ErrorName.ApplicationStartTimeout;
  }
}

/** The application is RUNNING but its job is not healthy; it was stopped unless the input said to keep it. */
export class ApplicationUnhealthyError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ErrorName.ApplicationUnhealthy;
  }
}

/** An account quota is exhausted; retrying cannot help until it is raised or resources are removed. */
export class QuotaExceededError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ErrorName.QuotaExceeded;
  }
}

/** A resource with the pipeline's name exists with an incompatible configuration, or belongs to someone else. */
export class ResourceConflictError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ErrorName.ResourceConflict;
  }
}

/** CreateApplication met the tags of a just-deleted application of the same name; retried slowly. */
export class ApplicationTagsPendingError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ErrorName.ApplicationTagsPending;
  }
}

/** The Flink code zip is missing or unusable. */
export class InvalidCodeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = ErrorName.InvalidCode;
  }
}

/**
 * The deployment itself is misconfigured (an environment variable the stack sets is missing). Not in the
 * contract's ErrorName: no state matches it specially; it fails the execution through the generic Catch.
 */
export class ConfigurationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigurationError';
  }
}

/** The last crawl ended FAILED or CANCELLED (crawl-and-query). */
export class CrawlFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = CrawlErrorName.CrawlFailed;
  }
}

/** The crawl did not end within its time budget (crawl-and-query). */
export class CrawlTimeoutError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = CrawlErrorName.CrawlTimeout;
  }
}

/** The crawled table is missing or lacks the expected columns or partition keys (crawl-and-query). */
export class TableMismatchError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = CrawlErrorName.TableMismatch;
  }
}

/** An Athena query of the suite failed; the message carries Athena's reason (crawl-and-query). */
export class QueryFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = CrawlErrorName.QueryFailed;
  }
}

/** The suite's queries did not end within their time budget (crawl-and-query). */
export class QueryTimeoutError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = CrawlErrorName.QueryTimeout;
  }
}
