import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  describeProblems,
  provisionInputFields,
  resolveProvisionInput,
  type ProvisionSettings,
} from '../workflow/provision-input';
import { UsageError } from './errors';

/**
 * The provisioning flags of `flinkflow provision` / `local run`, as commander parsed them: `file`, and one
 * option per field of the input's schema, named by commander's camel case of the field's flag
 * (`--shard-count` is `shardCount`).
 */
export type ProvisionFlags = { file?: string } & Record<string, unknown>;

/** Commander's attribute name of a `--kebab-case` flag. */
export function optionKey(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Reads and parses the JSON input file; the error says which file and what is wrong with it. */
export function readInputFile(
  path: string,
  read: (p: string) => string = (p) => readFileSync(p, 'utf8'),
): unknown {
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    throw new UsageError(`Cannot read the input file ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`The input file ${path} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Builds the provisioning document: the file's content (if any) with every flag given on the command line
 * laid over it, so `--file base.json --window-seconds 10` changes one field of the file.
 */
export function buildProvisionInput(
  flags: ProvisionFlags,
  read?: (p: string) => string,
): Record<string, unknown> {
  const base = flags.file === undefined ? {} : readInputFile(flags.file, read);
  if (typeof base !== 'object' || base === null || Array.isArray(base)) {
    throw new UsageError(
      `The input file ${flags.file} must hold a JSON object such as {"pipelineName": "ticks-demo"}.`,
    );
  }
  const input: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const field of provisionInputFields()) {
    const value = flags[optionKey(field.flag)];
    if (value === undefined) continue;
    // A flag of a nested field (stream.shardCount) changes that field only, keeping the file's others.
    let target = input;
    for (const key of field.path.slice(0, -1)) {
      const inner = target[key];
      target[key] = typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? { ...inner } : {};
      target = target[key] as Record<string, unknown>;
    }
    target[field.path.at(-1) as string] = value;
  }
  if (input['pipelineName'] === undefined) {
    throw new UsageError(
      'A pipeline name is required: pass --pipeline-name <name> or put "pipelineName" in the --file document.',
    );
  }
  return input;
}

/**
 * Checks the document with the input's schema, the rules the ValidateInput task applies, so a bad field
 * is reported here, before an execution starts. The bucket-name rule depends on the account and region:
 * it is checked for a 12-digit account in us-east-1 here, and for the real ones by the task.
 */
export function checkProvisionInput(input: Record<string, unknown>): ProvisionSettings {
  const resolved = resolveProvisionInput(input, { account: '000000000000', region: 'us-east-1' });
  if (!resolved.ok) throw new UsageError(describeProblems(resolved.problems));
  return resolved.settings;
}

/** JSON with object keys sorted at every level, so equal documents hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The execution name of a provisioning request: pipeline name + a hash of the document, so repeating the
 * same request finds the execution that already ran instead of starting another. `attempt` > 1 makes a
 * new name on purpose, to run a request again after a failure (Step Functions keeps names for 90 days).
 */
export function executionNameFor(input: Record<string, unknown>, attempt = 1): string {
  const hash = createHash('sha256').update(canonicalJson(input)).digest('hex').slice(0, 16);
  const name = `${String(input['pipelineName'])}-${hash}${attempt > 1 ? `-${attempt}` : ''}`;
  // Step Functions allows 80 characters of [A-Za-z0-9-_]; pipeline names are 3-32 of [a-z0-9-].
  return name.slice(0, 80);
}
