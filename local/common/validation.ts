/**
 * Reading the members of a JSON 1.1 request. Missing or mistyped members are answered the way AWS's
 * services answer them: a validation error that names the member and the constraint.
 */
import { AwsServiceError } from './errors';
import type { Wire } from './provider';

export type JsonObject = Record<string, unknown>;

/** A request's members by name: what the wire carried, whatever the operation's input type says. */
export const membersOf = (request: object): JsonObject => request as JsonObject;

function validationError(code: string, member: string, problem: string): AwsServiceError {
  return new AwsServiceError(
    code,
    `1 validation error detected: Value ${problem} at '${member}' failed to satisfy constraint`,
  );
}

/** Reads members with one error code (Glue says InvalidInputException, Athena InvalidRequestException). */
export function reader(errorCode: string) {
  const members = {
    requiredString(request: object, member: string): string {
      const value = membersOf(request)[member];
      if (typeof value !== 'string' || value.length === 0) {
        throw validationError(errorCode, member, `${JSON.stringify(value ?? null)}`);
      }
      return value;
    },
    optionalString(request: object, member: string): string | undefined {
      const value = membersOf(request)[member];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'string')
        throw validationError(errorCode, member, `${JSON.stringify(value)} (not a string)`);
      return value;
    },
    optionalNumber(request: object, member: string): number | undefined {
      const value = membersOf(request)[member];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'number')
        throw validationError(errorCode, member, `${JSON.stringify(value)} (not a number)`);
      return value;
    },
    requiredObject(request: object, member: string): JsonObject {
      const value = membersOf(request)[member];
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw validationError(errorCode, member, `${JSON.stringify(value ?? null)}`);
      }
      return value as JsonObject;
    },
    optionalObject(request: object, member: string): JsonObject | undefined {
      const value = membersOf(request)[member];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'object' || Array.isArray(value))
        throw validationError(errorCode, member, JSON.stringify(value));
      return value as JsonObject;
    },
    optionalArray(request: object, member: string): unknown[] | undefined {
      const value = membersOf(request)[member];
      if (value === undefined || value === null) return undefined;
      if (!Array.isArray(value))
        throw validationError(errorCode, member, `${JSON.stringify(value)} (not a list)`);
      return value;
    },
  };
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
