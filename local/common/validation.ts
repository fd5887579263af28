/**
 * The one request reader of the local services: the members of a JSON 1.0/1.1 request, checked for
 * presence, JSON type and range. A missing or mistyped member is a malformed request, a value outside its
 * range an invalid one; each service names both with its own codes (`requestReader`), and every message
 * names the member (with its path inside the request) and what to send instead.
 */
import { AwsServiceError } from './errors';
import type { Wire } from './provider';

export type JsonObject = Record<string, unknown>;

/** A request's members by name: what the wire carried, whatever the operation's input type says. */
export const membersOf = (request: object): JsonObject => request as JsonObject;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** How a service answers a bad member. */
export interface ReaderErrors {
  /** A required member is missing or a member has the wrong JSON type. */
  malformed(message: string): AwsServiceError;
  /** A member's value is outside what the API reference allows. */
  invalid(message: string): AwsServiceError;
}

/**
 * The member readers, answering with `errors`. `path` prefixes the member's name in messages (e.g.
 * `ApplicationConfiguration.`) and is empty for top-level members.
 */
export function requestReader(errors: ReaderErrors) {
  const absent = (value: unknown) => value === undefined || value === null;
  const readers = {
    optionalObject(request: object, key: string, path = ''): JsonObject | undefined {
      const value = membersOf(request)[key];
      if (absent(value)) return undefined;
      if (!isObject(value)) throw errors.malformed(`${path}${key} must be a JSON object.`);
      return value;
    },
    requiredObject(request: object, key: string, path = ''): JsonObject {
      const value = readers.optionalObject(request, key, path);
      if (!value) throw errors.malformed(`${path}${key} is required.`);
      return value;
    },
    optionalString(request: object, key: string, path = '', min = 0, max = Infinity): string | undefined {
      const value = membersOf(request)[key];
      if (absent(value)) return undefined;
      if (typeof value !== 'string') throw errors.malformed(`${path}${key} must be a string.`);
      if (value.length < min || value.length > max) {
        throw errors.invalid(
          max !== Infinity
            ? `${path}${key} must be ${min} to ${max} characters long; got ${value.length}.`
            : min === 1
              ? `${path}${key} must not be empty.`
              : `${path}${key} must be at least ${min} characters long; got ${value.length}.`,
        );
      }
      return value;
    },
    requiredString(request: object, key: string, path = '', min = 1, max = Infinity): string {
      const value = readers.optionalString(request, key, path, min, max);
      if (value === undefined) throw errors.malformed(`${path}${key} is required.`);
      return value;
    },
    optionalBoolean(request: object, key: string, path = ''): boolean | undefined {
      const value = membersOf(request)[key];
      if (absent(value)) return undefined;
      if (typeof value !== 'boolean') throw errors.malformed(`${path}${key} must be true or false.`);
      return value;
    },
    requiredBoolean(request: object, key: string, path = ''): boolean {
      const value = readers.optionalBoolean(request, key, path);
      if (value === undefined) throw errors.malformed(`${path}${key} is required.`);
      return value;
    },
    optionalNumber(request: object, key: string, path = ''): number | undefined {
      const value = membersOf(request)[key];
      if (absent(value)) return undefined;
      if (typeof value !== 'number') throw errors.malformed(`${path}${key} must be a number.`);
      return value;
    },
    optionalInteger(
      request: object,
      key: string,
      path: string,
      min: number,
      max = Infinity,
    ): number | undefined {
      const value = membersOf(request)[key];
      if (absent(value)) return undefined;
      if (typeof value !== 'number' || !Number.isInteger(value))
        throw errors.malformed(`${path}${key} must be an integer.`);
      if (value < min || value > max) {
        throw errors.invalid(`${path}${key} must be between ${min} and ${max}; got ${value}.`);
      }
      return value;
    },
    optionalArray(request: object, key: string, path = ''): unknown[] | undefined {
      const value = membersOf(request)[key];
      if (absent(value)) return undefined;
      if (!Array.isArray(value)) throw errors.malformed(`${path}${key} must be a list.`);
      return value;
    },
    optionalEnum<T extends string>(
      request: object,
      key: string,
      path: string,
      allowed: readonly T[],
    ): T | undefined {
      const value = readers.optionalString(request, key, path);
      if (value === undefined) return undefined;
      if (!(allowed as readonly string[]).includes(value)) {
        throw errors.invalid(
          `${path}${key} '${value}' is not valid; expected one of: ${allowed.join(', ')}.`,
        );
      }
      return value as T;
    },
    requiredEnum<T extends string>(request: object, key: string, path: string, allowed: readonly T[]): T {
      const value = readers.optionalEnum(request, key, path, allowed);
      if (value === undefined)
        throw errors.malformed(`${path}${key} is required (one of: ${allowed.join(', ')}).`);
      return value;
    },
  };
  return readers;
}

/**
 * The reader of a service that answers every bad member with one code (Glue: InvalidInputException,
 * Athena: InvalidRequestException, Step Functions: ValidationException), with MaxResults/NextToken paging.
 */
export function reader(errorCode: string) {
  const error = (message: string) => new AwsServiceError(errorCode, message);
  const members = requestReader({ malformed: error, invalid: error });
  return {
    ...members,
    /** The page of a sorted list that the request's NextToken and MaxResults ask for. */
    page<T>(items: T[], input: object, defaultMaxResults?: number) {
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

/**
 * The one paginator of the local services: a page of a sorted list, the token being the base64url index
 * of the next item. A token that is not such an index within the list is refused with the service's own
 * error (Glue: InvalidInputException, Athena: InvalidRequestException, Managed Flink:
 * InvalidArgumentException, Step Functions: InvalidToken), which `invalidToken` builds.
 */
export function pageOf<T>(
  items: T[],
  nextToken: string | undefined,
  pageSize: number,
  invalidToken: (token: string) => AwsServiceError,
): { items: T[]; nextToken?: string } {
  let start = 0;
  if (nextToken !== undefined) {
    const decoded = Buffer.from(nextToken, 'base64url').toString('utf8');
    start = Number(decoded);
    if (!/^\d+$/.test(decoded) || !Number.isSafeInteger(start) || start > items.length) {
      throw invalidToken(nextToken);
    }
  }
  const next = start + pageSize;
  return {
    items: items.slice(start, next),
    ...(next < items.length ? { nextToken: Buffer.from(String(next)).toString('base64url') } : {}),
  };
}

/** Glue's and Athena's paging: MaxResults (100 unless positive) and NextToken, errors with `errorCode`. */
export function paginate<T>(
  items: T[],
  nextToken: string | undefined,
  maxResults: number | undefined,
  errorCode: string,
) {
  const { items: page, nextToken: next } = pageOf(
    items,
    nextToken,
    maxResults && maxResults > 0 ? maxResults : 100,
    () =>
      new AwsServiceError(
        errorCode,
        'The NextToken is not valid; pass the token the previous page returned.',
      ),
  );
  return { page, nextToken: next };
}

/** Turns Dates into the epoch seconds JSON 1.1 carries, deeply; other values are kept. */
export function toWire<T>(value: T): Wire<T> {
  return wire(value) as Wire<T>;
}

function wire(value: unknown): unknown {
  if (value instanceof Date) return epochSeconds(value);
  if (Array.isArray(value)) return value.map(wire);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as JsonObject)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, wire(v)]),
    );
  }
  return value;
}

/** Turns JSON 1.1 epoch seconds (as the SDK sends them) into Dates. */
export function fromEpoch(value: unknown): Date | undefined {
  return typeof value === 'number' ? new Date(value * 1000) : undefined;
}
