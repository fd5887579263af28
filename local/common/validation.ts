/**
 * Reading the members of a JSON 1.1 request. Missing or mistyped members are answered the way AWS's
 * services answer them: a validation error that names the member and the constraint.
 */
import { AwsServiceError } from './aws-json-server';

export type JsonObject = Record<string, unknown>;

function validationError(code: string, member: string, problem: string): AwsServiceError {
  return new AwsServiceError(
    code,
    `1 validation error detected: Value ${problem} at '${member}' failed to satisfy constraint`,
  );
}

/** Reads members with one error code (Glue says InvalidInputException, Athena InvalidRequestException). */
export function reader(errorCode: string) {
  const members = {
    requiredString(input: JsonObject, member: string): string {
      const value = input[member];
      if (typeof value !== 'string' || value.length === 0) {
        throw validationError(errorCode, member, `${JSON.stringify(value ?? null)}`);
      }
      return value;
    },
    optionalString(input: JsonObject, member: string): string | undefined {
      const value = input[member];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'string')
        throw validationError(errorCode, member, `${JSON.stringify(value)} (not a string)`);
      return value;
    },
    optionalNumber(input: JsonObject, member: string): number | undefined {
      const value = input[member];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'number')
        throw validationError(errorCode, member, `${JSON.stringify(value)} (not a number)`);
      return value;
    },
    requiredObject(input: JsonObject, member: string): JsonObject {
      const value = input[member];
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw validationError(errorCode, member, `${JSON.stringify(value ?? null)}`);
      }
      return value as JsonObject;
    },
    optionalObject(input: JsonObject, member: string): JsonObject | undefined {
      const value = input[member];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'object' || Array.isArray(value))
        throw validationError(errorCode, member, JSON.stringify(value));
      return value as JsonObject;
    },
    optionalArray(input: JsonObject, member: string): unknown[] | undefined {
      const value = input[member];
      if (value === undefined || value === null) return undefined;
      if (!Array.isArray(value))
        throw validationError(errorCode, member, `${JSON.stringify(value)} (not a list)`);
      return value;
    },
  };
  return {
    ...members,
    /** The page of a sorted list that the request's NextToken and MaxResults ask for. */
    page<T>(items: T[], input: JsonObject, defaultMaxResults?: number) {
      return paginate(
        items,
        members.optionalString(input, 'NextToken'),
        members.optionalNumber(input, 'MaxResults') ?? defaultMaxResults,
        errorCode,
      );
    },
  };
}

/** Orders named resources (databases, tables, crawlers, work groups) by name, as the List/Get calls return them. */
export const byName = (a: { Name?: string | undefined }, b: { Name?: string | undefined }): number =>
  (a.Name as string).localeCompare(b.Name as string);

/** JSON 1.1 timestamps are epoch seconds. */
export const epochSeconds = (date: Date): number => date.getTime() / 1000;

/** Opaque pagination over a sorted list: the token is the index of the next item. */
export function paginate<T>(
  items: T[],
  nextToken: string | undefined,
  maxResults: number | undefined,
  errorCode: string,
) {
  const start =
    nextToken === undefined ? 0 : Number.parseInt(Buffer.from(nextToken, 'base64url').toString(), 10);
  if (!Number.isInteger(start) || start < 0 || start > items.length) {
    throw new AwsServiceError(
      errorCode,
      'The NextToken is not valid; pass the token the previous page returned.',
    );
  }
  const size = maxResults && maxResults > 0 ? maxResults : 100;
  const page = items.slice(start, start + size);
  const next =
    start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : undefined;
  return { page, nextToken: next };
}

/** Turns Dates into the epoch seconds JSON 1.1 carries, deeply; other values are kept. */
export function toWire(value: unknown): unknown {
  if (value instanceof Date) return epochSeconds(value);
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as JsonObject)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, toWire(v)]),
    );
  }
  return value;
}

/** Turns JSON 1.1 epoch seconds (as the SDK sends them) into Dates. */
export function fromEpoch(value: unknown): Date | undefined {
  return typeof value === 'number' ? new Date(value * 1000) : undefined;
}
