/**
 * The local services' store files: JSON documents with a format version, written whole and atomically
 * (a temporary file renamed over the old one, so a reader or a crash never sees half a file) and read
 * back with a clear error when one cannot be used. Dates survive the trip: a Date is written as
 * `{"$date": <epoch ms>}` and read back as a Date, so a store can keep the SDK's own shapes.
 */
import fs from 'node:fs';
import path from 'node:path';

/** What a store file is, for its error messages and its format check. */
export interface StoreFileSpec {
  /** The store as a sentence names it: "The local Glue catalog store". */
  what: string;
  /** The format this code writes and reads; a file of another version is refused. */
  formatVersion: number;
  /** What the user loses by moving the file away: "to start with an empty catalog". */
  freshStart: string;
  /** The payload's shape: a message saying what is wrong, or undefined when it fits. */
  check(payload: Record<string, unknown>): string | undefined;
}

const DATE = '$date';

function replacer(this: unknown, key: string, value: unknown): unknown {
  // JSON.stringify has already called Date.toJSON on `value`; the holder still has the Date.
  const original = (this as Record<string, unknown>)[key];
  return original instanceof Date ? { [DATE]: original.getTime() } : value;
}

/**
 * Turns `{"$date": <epoch ms>}` back into Dates, in place. A walk after JSON.parse rather than a reviver:
 * a reviver is called for every value and made loading 20,000 partitions five times slower.
 */
function reviveDates(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = reviveDates(value[i]) as unknown;
    return value;
  }
  const record = value as Record<string, unknown>;
  const epoch = record[DATE];
  if (typeof epoch === 'number' && Object.keys(record).length === 1) return new Date(epoch);
  for (const key of Object.keys(record)) {
    const member = record[key];
    const revived = reviveDates(member);
    // Only a Date is a new value. JSON.parse made every member an own property (`__proto__` too), so
    // assigning one sets that member.
    if (revived !== member) record[key] = revived;
  }
  return record;
}

/** The JSON text of a store file (dates tagged; compact, since a catalog can hold thousands of partitions). */
export function storeText(formatVersion: number, payload: object): string {
  return JSON.stringify({ formatVersion, ...payload }, replacer);
}

/**
 * Reads a store file: undefined when there is none; a file that is not JSON, has another format version
 * or a payload of the wrong shape is an error naming the file and what to do.
 */
export function readStoreFile<T extends object>(file: string, spec: StoreFileSpec): T | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${spec.what} ${file} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  const moveAway = `move it away ${spec.freshStart} (or start the local cloud with --fresh).`;
  let parsed: unknown;
  try {
    parsed = reviveDates(JSON.parse(text));
  } catch (e) {
    throw new Error(`${spec.what} ${file} is not valid JSON (${(e as Error).message}); ${moveAway}`, {
      cause: e,
    });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${spec.what} ${file} does not hold a JSON object; ${moveAway}`);
  }
  const { formatVersion, ...payload } = parsed as Record<string, unknown>;
  if (formatVersion !== spec.formatVersion) {
    throw new Error(
      `${spec.what} ${file} has format version ${JSON.stringify(formatVersion)}; this local cloud reads ` +
        `version ${spec.formatVersion}. ${moveAway.charAt(0).toUpperCase()}${moveAway.slice(1)}`,
    );
  }
  const problem = spec.check(payload);
  if (problem !== undefined)
    throw new Error(`${spec.what} ${file} has an unknown format: ${problem}; ${moveAway}`);
  return payload as T;
}

/** Writes a store file atomically: a temporary file beside it, then a rename over it. */
export function writeStoreFile(file: string, formatVersion: number, payload: object): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, storeText(formatVersion, payload));
  fs.renameSync(tmp, file);
}

/** The store files of a folder (one per record), sorted by name; none when the folder does not exist. */
export function storeFilesIn(folder: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  // A `.tmp` left by a crash between write and rename is not a record (the previous file still is).
  return names
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => path.join(folder, n));
}

/** Small checks for `StoreFileSpec.check`. */
export const isArrayMember = (payload: Record<string, unknown>, member: string): string | undefined =>
  Array.isArray(payload[member]) ? undefined : `${member} is not a list`;
export const isObjectMember = (payload: Record<string, unknown>, member: string): string | undefined => {
  const value = payload[member];
  return value && typeof value === 'object' && !Array.isArray(value)
    ? undefined
    : `${member} is not an object`;
};

/** Operations that only read: every other operation of a provider may change its store. */
const READS = /^(Get|List|Describe|BatchGet)[A-Z]/;

/**
 * The provider with `save` run after each call of an operation that may change the store (by default
 * every operation but those that only read; `changes` narrows it), whether the call succeeded or failed
 * (a failing batch may have changed part of it). A save that fails fails the call: the client learns its
 * change may not last.
 */
export function savingAfterChanges<P extends object>(
  provider: P,
  save: () => void,
  changes: (operation: string) => boolean = (operation) => !READS.test(operation),
): P {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(provider)) {
    if (typeof method !== 'function' || !changes(name)) {
      wrapped[name] = method;
      continue;
    }
    wrapped[name] = (input: unknown) => {
      let result: unknown;
      try {
        result = (method as (input: unknown) => unknown).call(provider, input);
      } catch (e) {
        save();
        throw e;
      }
      if (result instanceof Promise) return result.finally(save);
      save();
      return result;
    };
  }
  return wrapped as P;
}
