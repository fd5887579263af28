/**
 * The errors of the local services, from one place: the AWS-shaped error every provider throws (the
 * dispatcher turns it into the status, `x-amzn-ErrorType` and body the SDKs read), the constructors of
 * the codes the services share, and the one test for the operating-system errors a caller may expect.
 */

/** An error the service answers with, shaped as in the API reference. */
export class AwsServiceError extends Error {
  constructor(
    /** The API's error code, e.g. `ResourceNotFoundException`; the SDK's exception name. */
    readonly code: string,
    message: string,
    readonly statusCode = 400,
    /** Members the API reference adds to this error's body (e.g. Athena's `AthenaErrorCode`). */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AwsServiceError';
  }
}

/** Glue's codes (API reference, "Errors" of each operation). */
export const glueErrors = {
  notFound: (message: string) => new AwsServiceError('EntityNotFoundException', message),
  alreadyExists: (message: string) => new AwsServiceError('AlreadyExistsException', message),
  invalidInput: (message: string) => new AwsServiceError('InvalidInputException', message),
};

export const athenaErrors = {
  /** Athena's InvalidRequestException carries an AthenaErrorCode (INVALID_INPUT for bad requests). */
  invalidRequest: (message: string, athenaErrorCode = 'INVALID_INPUT') =>
    new AwsServiceError('InvalidRequestException', message, 400, { AthenaErrorCode: athenaErrorCode }),
};

/** Managed Service for Apache Flink's codes; every one is HTTP 400, as the kinesisanalyticsv2 reference lists them. */
export const flinkErrors = {
  /** The application (or snapshot, or operation) does not exist. */
  notFound: (message: string) => new AwsServiceError('ResourceNotFoundException', message),
  /** The application is not available for this operation (wrong status, name taken). */
  inUse: (message: string) => new AwsServiceError('ResourceInUseException', message),
  /** A parameter value is not valid. */
  invalidArgument: (message: string) => new AwsServiceError('InvalidArgumentException', message),
  /** The request JSON is not valid for the operation (a required member is missing or has the wrong type). */
  invalidRequest: (message: string) => new AwsServiceError('InvalidRequestException', message),
  /** The application changed since the caller read it (version id or conditional token is stale). */
  concurrentModification: (message: string) =>
    new AwsServiceError('ConcurrentModificationException', message),
  /** The application's configuration cannot be run (no code, unsupported code type). */
  invalidConfiguration: (message: string) =>
    new AwsServiceError('InvalidApplicationConfigurationException', message),
  /** The operation exists in the API but the local endpoint does not offer it for this input. */
  unsupported: (message: string) => new AwsServiceError('UnsupportedOperationException', message),
};

/** Step Functions' answer to a malformed or out-of-range member. */
export const statesErrors = {
  validation: (message: string) => new AwsServiceError('ValidationException', message),
};

/**
 * True when `e` is an operating-system error with one of these codes (ENOENT, ESRCH, ...): the errors a
 * caller expects and answers, where every other one must still reach someone.
 */
export function isErrno(e: unknown, ...codes: string[]): boolean {
  // Not `instanceof Error`: Node's own errors come from another realm under jest's sandbox.
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && codes.includes(code);
}
