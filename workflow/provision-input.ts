/**
 * The provisioning input, written once: its fields, defaults, ranges, cross-field rules and error
 * messages. Everything else derives from this schema: the ValidateInput task (resolveProvisionInput),
 * the CLI's provisioning flags (provisionInputFields), docs/provisioning-input.md and the published JSON
 * Schema docs/provisioning-input.schema.json (`tsx workflow/render-input-docs.ts`), and the types
 * ProvisionInput and ProvisionSettings in workflow/contract.ts.
 *
 * Messages keep one rule: each names what is wrong, shows the value it got and says how to fix it, and
 * every problem is reported at once (InvalidInputError carries them as `problems`).
 */
// The namespace import lets esbuild drop what the schema does not use (locales, the JSON Schema reader):
// 73 KB minified instead of 454 KB with `import { z }` (docs/architecture.md).
import * as z from 'zod';
import {
  checkpointIntervalSeconds,
  FlinkRuntimes,
  InitialPositions,
  OutputFormats,
  PipelineNames,
  StreamModes,
  type InputProblem,
} from './contract';
import { MIN_CRAWL_INTERVAL_MINUTES, parseCrawlSchedule } from './schedule';

export { checkpointIntervalSeconds, describeProblems, type InputProblem } from './contract';

/** The defaults of every optional field (healthSettleSeconds depends on the window: healthSettleDefault). */
export const ProvisionDefaults = {
  runtime: 'FLINK-1_20',
  parallelism: 1,
  windowSeconds: 60,
  watermarkSeconds: 5,
  outputFormat: 'csv',
  initialPosition: 'LATEST',
  crawlSchedule: 'cron(0/15 * * * ? *)',
  streamMode: 'PROVISIONED',
  shardCount: 1,
  partitionByTime: false,
  startTimeoutSeconds: 900,
  keepUnhealthyRunning: false,
} as const;

/** Upper bound on provisioned shards we accept; the default Kinesis shard quota per account and region. */
export const MAX_SHARDS = 500;

/** Watermark delays of this many windows or more are refused: they hold every window back for minutes. */
export const MAX_WATERMARK_WINDOWS = 10;

/** S3's limit on bucket names; the pipeline bucket's name must fit in it. */
export const MAX_BUCKET_NAME_LENGTH = 63;

/** Two checkpoint intervals: long enough to see one checkpoint complete and a restart loop show. */
export function healthSettleDefault(windowSeconds: number): number {
  return 2 * checkpointIntervalSeconds(windowSeconds);
}

const PIPELINE_NAME_PATTERN = /^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;
const PIPELINE_NAME_RULES =
  '3-32 characters: lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit, e.g. "ticks-demo"';

/** How a value is shown in a message: strings quoted and marked, so `"2" (a string)` explains itself. */
export function describeValue(value: unknown): string {
  return typeof value === 'string' ? `"${value}" (a string)` : (JSON.stringify(value) ?? String(value));
}

type Issue = { input?: unknown; code?: string };

export function wholeNumber(min: number, max: number, fallback: number | string) {
  const error = (issue: Issue) =>
    `must be a whole number from ${min} to ${max}, got ${describeValue(issue.input)}; omit it for the default ${fallback}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) {
  return z.enum(values, {
    error: (issue: Issue) =>
      `must be one of ${values.map((v) => `"${v}"`).join(', ')}, got ${describeValue(issue.input)}; omit it for "${fallback}"`,
  });
}

export function trueOrFalse() {
  return z.boolean({
    error: (issue: Issue) => `must be true or false (without quotes), got ${describeValue(issue.input)}`,
  });
}

/** A strict object whose unknown keys are named as typos, with the list of known ones. */
export function strictObject<S extends z.ZodRawShape>(shape: S, notAnObject: (input: unknown) => string) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue: Issue) =>
      issue.code === 'unrecognized_keys'
        ? `is not a known field (typo?); known fields: ${known}`
        : notAnObject(issue.input),
  });
}

/** The account and region a pipeline is provisioned in, which its bucket name includes. */
export interface ProvisionTarget {
  account: string;
  region: string;
}

export function pipelineName(target: ProvisionTarget | undefined) {
  return z
    .string({
      error: (issue: Issue) =>
        issue.input === undefined
          ? `is required: ${PIPELINE_NAME_RULES}`
          : `must be ${PIPELINE_NAME_RULES}; got ${describeValue(issue.input)}`,
    })
    .check((ctx) => {
      const value = ctx.value;
      if (value.length < 3 || value.length > 32 || !PIPELINE_NAME_PATTERN.test(value)) {
        ctx.issues.push({
          code: 'custom',
          input: value,
          message: `must be ${PIPELINE_NAME_RULES}; got ${describeValue(value)}`,
        });
        return;
      }
      if (target === undefined) return;
      const bucketName = PipelineNames.bucket(value, target.account, target.region);
      if (bucketName.length > MAX_BUCKET_NAME_LENGTH) {
        const max = value.length - (bucketName.length - MAX_BUCKET_NAME_LENGTH);
        ctx.issues.push({
          code: 'custom',
          input: value,
          message: `is too long for this account and region: the bucket name "${bucketName}" would exceed S3's ${MAX_BUCKET_NAME_LENGTH} characters; use at most ${max} characters`,
        });
      }
    })
    .meta({
      description:
        'Names every resource of the pipeline (stream, bucket, application, crawler, tables): 3-32 lowercase letters, digits and single hyphens, starting with a letter; the bucket name it makes must fit in 63 characters.',
      pattern: PIPELINE_NAME_PATTERN.source,
      minLength: 3,
      maxLength: 32,
    });
}

const crawlSchedule = z
  .string({
    error: (issue: Issue) =>
      `must be a string such as "cron(0/15 * * * ? *)", got ${describeValue(issue.input)}`,
  })
  // On the string, not the transform: the JSON Schema (io "input") describes the string.
  .meta({
    description: `When to crawl and validate the output (the EventBridge Scheduler schedule that starts crawl-and-query): a Glue-style cron(...) expression (six fields, UTC, at most every ${MIN_CRAWL_INTERVAL_MINUTES} minutes) or a rate(...) that one expresses exactly.`,
    default: ProvisionDefaults.crawlSchedule,
  })
  .transform((expression, ctx) => {
    const parsed = parseCrawlSchedule(expression);
    if (parsed.ok) return parsed.glueCron;
    ctx.issues.push({ code: 'custom', input: expression, message: parsed.message });
    return z.NEVER;
  });

/**
 * Cross-field rules run whenever the value is an object, even when other fields have problems (zod
 * skips refinements after any issue by default), so that one run reports everything to fix.
 */
const everyObject = {
  when: (payload: { value: unknown }) =>
    typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value),
};

const stream = strictObject(
  {
    mode: oneOf(StreamModes, ProvisionDefaults.streamMode)
      .optional()
      .meta({ description: 'Stream capacity mode.', default: ProvisionDefaults.streamMode }),
    shardCount: wholeNumber(1, MAX_SHARDS, ProvisionDefaults.shardCount).optional().meta({
      description: 'Shards of a PROVISIONED stream; an ON_DEMAND stream takes none (Kinesis scales it).',
      default: ProvisionDefaults.shardCount,
      'x-cli-flag': 'shard-count',
    }),
  },
  (input) => `must be an object like {"mode": "PROVISIONED", "shardCount": 1}, got ${describeValue(input)}`,
).superRefine((value, ctx) => {
  if (value.mode === 'ON_DEMAND' && value.shardCount !== undefined) {
    ctx.addIssue({
      code: 'custom',
      input: value,
      path: ['shardCount'],
      message: 'applies to PROVISIONED streams only: remove it, or set stream.mode to "PROVISIONED"',
    });
  }
}, everyObject);

function shape(target: ProvisionTarget | undefined) {
  const d = ProvisionDefaults;
  return {
    pipelineName: pipelineName(target),
    runtime: oneOf(FlinkRuntimes, d.runtime)
      .optional()
      .meta({ description: 'Managed Service for Apache Flink runtime.', default: d.runtime }),
    parallelism: wholeNumber(1, 64, d.parallelism)
      .optional()
      .meta({ description: 'Flink parallelism.', default: d.parallelism }),
    windowSeconds: wholeNumber(1, 3600, d.windowSeconds)
      .optional()
      .meta({ description: 'Tumbling window size in seconds.', default: d.windowSeconds }),
    watermarkSeconds: wholeNumber(0, 600, d.watermarkSeconds)
      .optional()
      .meta({
        description: `How late an event may be, in seconds; less than ${MAX_WATERMARK_WINDOWS} windows.`,
        default: d.watermarkSeconds,
      }),
    outputFormat: oneOf(OutputFormats, d.outputFormat)
      .optional()
      .meta({ description: 'Format of the output files in S3.', default: d.outputFormat }),
    initialPosition: oneOf(InitialPositions, d.initialPosition)
      .optional()
      .meta({ description: 'Where the job starts reading the stream.', default: d.initialPosition }),
    crawlSchedule: crawlSchedule.optional(),
    stream: stream.optional().meta({ description: 'Stream capacity.' }),
    partitionByTime: trueOrFalse().optional().meta({
      description: 'Partition the output by date/hour too (after ticker), for pruning.',
      default: d.partitionByTime,
    }),
    startTimeoutSeconds: wholeNumber(60, 3600, d.startTimeoutSeconds).optional().meta({
      description: 'How long the application may take to reach RUNNING before it is force-stopped.',
      default: d.startTimeoutSeconds,
    }),
    healthSettleSeconds: wholeNumber(10, 3600, 'of two checkpoint intervals').optional().meta({
      description:
        'After RUNNING, how long the job must run with no restart and at least one completed checkpoint. Default: two checkpoint intervals (a checkpoint every windowSeconds, clamped to 10-60 s).',
    }),
    keepUnhealthyRunning: trueOrFalse().optional().meta({
      description:
        'Leave an application whose job is unhealthy running (for debugging) instead of stopping it; provisioning still fails.',
      default: d.keepUnhealthyRunning,
    }),
  };
}

function isWholeIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** The document as written: every field checked, nothing filled in yet. */
function inputObject(target: ProvisionTarget | undefined) {
  return strictObject(
    shape(target),
    (input) =>
      `the input must be a JSON object such as {"pipelineName": "ticks-demo"}, got ${describeValue(input)}`,
  )
    .superRefine((value, ctx) => {
      // Read from the raw values: the rule runs even when other fields are invalid (everyObject).
      const raw = value as Record<string, unknown>;
      const window = raw['windowSeconds'] ?? ProvisionDefaults.windowSeconds;
      const watermark = raw['watermarkSeconds'] ?? ProvisionDefaults.watermarkSeconds;
      if (isWholeIn(window, 1, 3600) && isWholeIn(watermark, 0, 600)) {
        const limit = window * MAX_WATERMARK_WINDOWS;
        if (watermark >= limit) {
          ctx.addIssue({
            code: 'custom',
            input: watermark,
            path: ['watermarkSeconds'],
            message: `must be less than ${MAX_WATERMARK_WINDOWS} windows (${limit} s for windowSeconds ${window}), got ${watermark}; a longer delay holds every window back for minutes`,
          });
        }
      }
    }, everyObject)
    .meta({
      title: 'flinkflow provisioning input',
      description:
        'The one JSON document a provisioning execution takes. Only pipelineName is required; every other field has a default, and every resource name is derived from the pipeline name.',
    });
}

/** The document with every default filled in (the healthSettleSeconds default follows the window). */
function withDefaults(input: z.output<ReturnType<typeof inputObject>>) {
  const d = ProvisionDefaults;
  const windowSeconds = input.windowSeconds ?? d.windowSeconds;
  const streamMode = input.stream?.mode ?? d.streamMode;
  return {
    pipelineName: input.pipelineName,
    runtime: input.runtime ?? d.runtime,
    parallelism: input.parallelism ?? d.parallelism,
    windowSeconds,
    watermarkSeconds: input.watermarkSeconds ?? d.watermarkSeconds,
    outputFormat: input.outputFormat ?? d.outputFormat,
    initialPosition: input.initialPosition ?? d.initialPosition,
    /** The Glue cron expression (a rate converted). */
    crawlSchedule: input.crawlSchedule ?? d.crawlSchedule,
    partitionByTime: input.partitionByTime ?? d.partitionByTime,
    startTimeoutSeconds: input.startTimeoutSeconds ?? d.startTimeoutSeconds,
    healthSettleSeconds: input.healthSettleSeconds ?? healthSettleDefault(windowSeconds),
    keepUnhealthyRunning: input.keepUnhealthyRunning ?? d.keepUnhealthyRunning,
    streamMode,
    // Kinesis scales an on-demand stream itself; 0 records "not chosen by us".
    shardCount: streamMode === 'ON_DEMAND' ? 0 : (input.stream?.shardCount ?? d.shardCount),
  };
}

/**
 * The provisioning input's schema: the document in, the settings with every default out. With a target
 * (account and region), the pipeline name must also fit the bucket name into S3's limit; without one
 * (the JSON Schema, the docs) that rule is left out.
 */
export function provisionInputSchema(target?: ProvisionTarget) {
  return inputObject(target).transform(withDefaults);
}

/** The schema without deployment-specific rules: what the JSON Schema and the docs describe. */
export const ProvisionInputSchema = provisionInputSchema();

/** The provisioning input as a user writes it. */
export type ProvisionInput = z.input<typeof ProvisionInputSchema>;

/** The input with every default filled in: the input part of ProvisionConfig. */
export type ProvisionSettings = z.output<typeof ProvisionInputSchema>;

/** Zod's issues as problems: one per unknown key, the document itself named `$`. */
export function problemsOf(issues: readonly z.core.$ZodIssue[]): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.map(String);
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...path, key]) : [path];
    for (const fieldPath of keys) {
      const field = fieldPath.length === 0 ? '$' : fieldPath.join('.');
      if (!problems.some((p) => p.field === field && p.message === issue.message)) {
        problems.push({ field, message: issue.message });
      }
    }
  }
  return problems;
}

export type ProvisionInputResult =
  { ok: true; settings: ProvisionSettings } | { ok: false; problems: InputProblem[] };

/**
 * Checks a raw document against the schema (with the target's bucket-name rule when given) and fills
 * in every default. Never throws for bad input: every problem is returned at once.
 */
export function resolveProvisionInput(raw: unknown, target?: ProvisionTarget): ProvisionInputResult {
  // Stryker disable next-line ConditionalExpression: provisionInputSchema(undefined) is ProvisionInputSchema, built anew.
  const parsed = (target === undefined ? ProvisionInputSchema : provisionInputSchema(target)).safeParse(raw);
  return parsed.success
    ? { ok: true, settings: parsed.data }
    : { ok: false, problems: problemsOf(parsed.error.issues) };
}

/** The published JSON Schema of the input (draft 2020-12), as docs/provisioning-input.schema.json holds it. */
export function provisionInputJsonSchema(): Record<string, unknown> {
  // From a schema built here rather than the module's constant, so that mutation testing's per-test
  // coverage sees the descriptions and ranges this document is made of (docs/benchmarks.md).
  return z.toJSONSchema(provisionInputSchema(), { io: 'input', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
}

/** One leaf field of the input, as the CLI's flags and the docs' table show it. */
export interface InputField {
  /** Path in the document, e.g. ['stream', 'shardCount']. */
  path: string[];
  /** The CLI flag without dashes, e.g. `shard-count`. */
  flag: string;
  kind: 'string' | 'integer' | 'boolean' | 'enum';
  required: boolean;
  description: string;
  minimum?: number;
  maximum?: number;
  values?: string[];
  /** The default when the field is left out (none: required, or computed from other fields). */
  default?: string | number | boolean;
}

interface JsonSchemaNode {
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  enum?: string[];
  minimum?: number;
  maximum?: number;
  default?: string | number | boolean;
  'x-cli-flag'?: string;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The input's leaf fields, read from the JSON Schema (so the CLI and the docs cannot describe another
 * document than the one the task checks). A nested field's flag is `<parent>-<field>` unless its schema
 * names one (`x-cli-flag`).
 */
export function provisionInputFields(): InputField[] {
  const fields: InputField[] = [];
  const walk = (node: JsonSchemaNode, prefix: string[]) => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const path = [...prefix, name];
      if (child.type === 'object') {
        walk(child, path);
        continue;
      }
      const kind = child.enum
        ? 'enum'
        : child.type === 'integer'
          ? 'integer'
          : child.type === 'boolean'
            ? 'boolean'
            : 'string';
      fields.push({
        path,
        flag: child['x-cli-flag'] ?? path.map(kebab).join('-'),
        kind,
        required: prefix.length === 0 && (node.required ?? []).includes(name),
        description: child.description ?? '',
        ...(child.minimum !== undefined ? { minimum: child.minimum } : {}),
        ...(child.maximum !== undefined ? { maximum: child.maximum } : {}),
        ...(child.enum ? { values: child.enum } : {}),
        ...(child.default !== undefined ? { default: child.default } : {}),
      });
    }
  };
  walk(provisionInputJsonSchema() as JsonSchemaNode, []);
  return fields;
}

/** The pipeline name's rule alone, for other machines' inputs that name a pipeline (teardown). */
export const pipelineNameSchema = pipelineName;
