/**
 * The errors the local Managed Service for Apache Flink endpoint answers with. Codes and conditions
 * follow the kinesisanalyticsv2 API reference; every one is HTTP 400, as the reference lists them.
 */
import { AwsServiceError } from '../common/aws-json-server';

/** The application (or snapshot, or operation) does not exist. */
export const notFound = (message: string) => new AwsServiceError('ResourceNotFoundException', message);

/** The application is not available for this operation (wrong status, name taken). */
export const inUse = (message: string) => new AwsServiceError('ResourceInUseException', message);

/** A parameter value is not valid. */
export const invalidArgument = (message: string) => new AwsServiceError('InvalidArgumentException', message);

/** The request JSON is not valid for the operation (a required member is missing or has the wrong type). */
export const invalidRequest = (message: string) => new AwsServiceError('InvalidRequestException', message);

/** The application changed since the caller read it (version id or conditional token is stale). */
export const concurrentModification = (message: string) =>
  new AwsServiceError('ConcurrentModificationException', message);

/** The application's configuration cannot be run (no code, unsupported code type). */
export const invalidConfiguration = (message: string) =>
  new AwsServiceError('InvalidApplicationConfigurationException', message);

/** The operation exists in the API but the local endpoint does not offer it for this input. */
export const unsupported = (message: string) => new AwsServiceError('UnsupportedOperationException', message);
