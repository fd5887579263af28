/**
 * The crawl-and-query machine's input, written once: the pipeline, the pipeline settings the checks
 * depend on (window, watermark, format, time partitions; defaults as in provisioning) and the
 * validation settings, whose defaults derive from the pipeline's. ValidateCrawlInput resolves it; the
 * provisioning's validation schedule sends it (crawlInputOf); the types CrawlInput and CrawlSettings in
 * crawl-contract.ts come from here. Messages follow provision-input.ts: what is wrong, the value, the fix.
 */
import * as z from 'zod';
import { checkpointIntervalSeconds, OutputFormats } from './contract';
import { ValidationChecks, type ValidationCheckName } from './crawl-contract';
import {
  describeValue,
  oneOf,
  pipelineName,
  problemsOf,
  ProvisionDefaults,
  strictObject,
  trueOrFalse,
  wholeNumber,
  type ProvisionSettings,
} from './provision-input';
import type { InputProblem } from './contract';

/** The producer's tickers and price range (producer/events.ts): what the checks expect by default. */
export const DefaultTickers = ['AAPL', 'AMZN', 'MSFT', 'INTC', 'TBV'] as const;
export const DefaultPriceRange = { min: 0, max: 100 } as const;

/** The defaults of the validation settings that do not depend on the pipeline's. */
export const CrawlDefaults = {
  completenessWindows: 3,
  volumeTolerance: 0.05,
  // Records near the period's two minute boundaries can fall on either side (event time against arrival
  // time): at small volumes that alone exceeds any percentage, so a few records of difference always pass.
  volumeSlackRecords: 20,
  // A tenth of the workgroup's default cutoff (1 GiB): the suite reads minutes of aggregates.
  maxBytesScannedPerQuery: 100 * 1024 ** 2,
  crawlTimeoutSeconds: 900,
  queryTimeoutSeconds: 300,
} as const;

/**
 * How long after a window's end its row is normally queryable: the watermark lets the window close,
 * the next checkpoint makes its file visible (contract checkpointIntervalSeconds). Completeness and
 * volume read only windows older than this (whole windows), so a window still in flight is not a gap.
 */
export function settleSecondsOf(windowSeconds: number, watermarkSeconds: number): number {
  return watermarkSeconds + checkpointIntervalSeconds(windowSeconds);
}

/**
 * The default freshness bound: the newest closed window may be one window plus the settle time old,
 * plus a minute for the crawl and the queries themselves, rounded up to whole minutes.
 */
export function freshnessDefaultMinutes(windowSeconds: number, watermarkSeconds: number): number {
  return Math.ceil((windowSeconds + settleSecondsOf(windowSeconds, watermarkSeconds) + 60) / 60);
}

type Issue = { input?: unknown; code?: string };

const TICKER_PATTERN = /^[A-Z0-9.]{1,6}$/;

const d = ProvisionDefaults;

/**
 * The crawl-and-query input's schema: the document in, the settings with every default out. Built per
 * call, as the provisioning input's is: a schema built once at module load is charged by mutation
 * testing's per-test coverage to whichever test loaded the module first, not to the tests that parse.
 */
export function crawlInputSchema() {
  const tickers = z
    .array(
      z.string().regex(TICKER_PATTERN, {
        error: (issue: Issue) =>
          `each ticker must be 1-6 upper-case letters, digits or dots (as the producer writes them), got ${describeValue(issue.input)}`,
      }),
      {
        error: (issue: Issue) =>
          `must be a list of ticker symbols such as ["AAPL", "MSFT"], got ${describeValue(issue.input)}`,
      },
    )
    .min(1, { error: 'must name at least one ticker; omit it for the producer’s five tickers' })
    .meta({ description: 'The tickers every window must have a row for.', default: [...DefaultTickers] });

  function price(fallback: number) {
    const error = (issue: Issue) =>
      `must be a number from 0 to 1000000, got ${describeValue(issue.input)}; omit it for ${fallback}`;
    return z.number({ error }).min(0, { error }).max(1_000_000, { error });
  }

  const checks = z
    .array(oneOf(ValidationChecks, ValidationChecks[0]), {
      error: (issue: Issue) =>
        `must be a list of check names (${ValidationChecks.join(', ')}), got ${describeValue(issue.input)}`,
    })
    .min(1, { error: `must name at least one check (${ValidationChecks.join(', ')}); omit it for all` })
    .meta({ description: 'The checks to run; default all.' });

  const validation = strictObject(
    {
      tickers: tickers.optional(),
      minPrice: price(DefaultPriceRange.min)
        .optional()
        .meta({ description: 'Lowest plausible average price.', default: DefaultPriceRange.min }),
      maxPrice: price(DefaultPriceRange.max)
        .optional()
        .meta({ description: 'Highest plausible average price.', default: DefaultPriceRange.max }),
      freshnessMinutes: wholeNumber(1, 1440, 'of one window plus the settle time plus a minute')
        .optional()
        .meta({ description: 'The newest closed window must have ended at most this many minutes ago.' }),
      completenessWindows: wholeNumber(1, 1000, CrawlDefaults.completenessWindows).optional().meta({
        description: 'How many of the last settled windows must each have exactly one row per ticker.',
        default: CrawlDefaults.completenessWindows,
      }),
      volumeTolerance: z
        .number({
          error: (issue: Issue) =>
            `must be a fraction from 0 to 1 (0.05 = 5%), got ${describeValue(issue.input)}; omit it for ${CrawlDefaults.volumeTolerance}`,
        })
        .min(0, { error: 'must be a fraction from 0 to 1 (0.05 = 5%)' })
        .max(1, { error: 'must be a fraction from 0 to 1 (0.05 = 5%)' })
        .optional()
        .meta({
          description:
            "How far the windows' event count may be from the stream's IncomingRecords, as a fraction.",
          default: CrawlDefaults.volumeTolerance,
        }),
      volumeSlackRecords: wholeNumber(0, 1_000_000_000, CrawlDefaults.volumeSlackRecords).optional().meta({
        description:
          "How many records the windows' event count may differ from IncomingRecords whatever the tolerance: records near the period's minute boundaries count in one minute by event time and in the other by arrival.",
        default: CrawlDefaults.volumeSlackRecords,
      }),
      maxBytesScannedPerQuery: wholeNumber(1, 1024 ** 4, CrawlDefaults.maxBytesScannedPerQuery)
        .optional()
        .meta({
          description: 'The most bytes one query of the suite may scan (Athena DataScannedInBytes).',
          default: CrawlDefaults.maxBytesScannedPerQuery,
        }),
      checks: checks.optional(),
    },
    (input) =>
      `must be an object like {"freshnessMinutes": 5, "tickers": ["AAPL"]}, got ${describeValue(input)}`,
  ).superRefine(
    (value, ctx) => {
      const raw = value as Record<string, unknown>;
      const min = raw['minPrice'] ?? DefaultPriceRange.min;
      const max = raw['maxPrice'] ?? DefaultPriceRange.max;
      if (typeof min === 'number' && typeof max === 'number' && min >= max) {
        ctx.addIssue({
          code: 'custom',
          input: max,
          path: ['maxPrice'],
          message: `must be greater than minPrice (${min}), got ${max}`,
        });
      }
    },
    { when: (p: { value: unknown }) => typeof p.value === 'object' && p.value !== null },
  );

  return strictObject(
    {
      pipelineName: pipelineName(undefined),
      windowSeconds: wholeNumber(1, 3600, d.windowSeconds)
        .optional()
        .meta({ description: "The pipeline's window in seconds.", default: d.windowSeconds }),
      watermarkSeconds: wholeNumber(0, 600, d.watermarkSeconds)
        .optional()
        .meta({ description: "The pipeline's watermark delay in seconds.", default: d.watermarkSeconds }),
      outputFormat: oneOf(OutputFormats, d.outputFormat)
        .optional()
        .meta({ description: 'Format of the output files.', default: d.outputFormat }),
      partitionByTime: trueOrFalse()
        .optional()
        .meta({ description: 'Whether the output is partitioned by dt and hr.', default: d.partitionByTime }),
      crawlTimeoutSeconds: wholeNumber(60, 3600, CrawlDefaults.crawlTimeoutSeconds).optional().meta({
        description: 'How long the crawl may take before the execution fails.',
        default: CrawlDefaults.crawlTimeoutSeconds,
      }),
      queryTimeoutSeconds: wholeNumber(30, 1800, CrawlDefaults.queryTimeoutSeconds).optional().meta({
        description: 'How long the queries may take before the execution fails.',
        default: CrawlDefaults.queryTimeoutSeconds,
      }),
      asOf: z
        .string({
          error: (issue: Issue) =>
            `must be an ISO-8601 instant such as "2026-12-01T12:00:00Z", got ${describeValue(issue.input)}; omit it to measure as of the execution's start`,
        })
        .refine((value) => !Number.isNaN(Date.parse(value)), {
          error: (issue: Issue) =>
            `must be an ISO-8601 instant such as "2026-12-01T12:00:00Z", got ${describeValue(issue.input)}`,
        })
        .optional()
        .meta({
          description:
            "The instant the checks measure against (freshness, the settled windows, the volume's minutes); default: the execution's start. Earlier instants re-check a past period, for example the moment a producer stopped.",
        }),
      validation: validation.optional().meta({ description: 'The checks and their thresholds.' }),
    },
    (input) =>
      `the input must be a JSON object such as {"pipelineName": "ticks-demo"}, got ${describeValue(input)}`,
  )
    .transform((input) => {
      const windowSeconds = input.windowSeconds ?? d.windowSeconds;
      const watermarkSeconds = input.watermarkSeconds ?? d.watermarkSeconds;
      const v = input.validation ?? {};
      const chosen = v.checks ?? [...ValidationChecks];
      return {
        pipelineName: input.pipelineName,
        windowSeconds,
        watermarkSeconds,
        outputFormat: input.outputFormat ?? d.outputFormat,
        partitionByTime: input.partitionByTime ?? d.partitionByTime,
        ...(input.asOf !== undefined ? { asOf: new Date(input.asOf).toISOString() } : {}),
        crawlTimeoutSeconds: input.crawlTimeoutSeconds ?? CrawlDefaults.crawlTimeoutSeconds,
        queryTimeoutSeconds: input.queryTimeoutSeconds ?? CrawlDefaults.queryTimeoutSeconds,
        settleSeconds: settleSecondsOf(windowSeconds, watermarkSeconds),
        tickers: [...(v.tickers ?? DefaultTickers)],
        minPrice: v.minPrice ?? DefaultPriceRange.min,
        maxPrice: v.maxPrice ?? DefaultPriceRange.max,
        freshnessMinutes: v.freshnessMinutes ?? freshnessDefaultMinutes(windowSeconds, watermarkSeconds),
        completenessWindows: v.completenessWindows ?? CrawlDefaults.completenessWindows,
        volumeTolerance: v.volumeTolerance ?? CrawlDefaults.volumeTolerance,
        volumeSlackRecords: v.volumeSlackRecords ?? CrawlDefaults.volumeSlackRecords,
        maxBytesScannedPerQuery: v.maxBytesScannedPerQuery ?? CrawlDefaults.maxBytesScannedPerQuery,
        // In the suite's order, each once.
        checks: ValidationChecks.filter((c) => chosen.includes(c)) as ValidationCheckName[],
      };
    })
    .meta({
      title: 'flinkflow crawl-and-query input',
      description:
        'What one crawl-and-query execution takes: the pipeline, its window settings and the validation thresholds. Only pipelineName is required.',
    });
}

export const CrawlInputSchema = crawlInputSchema();

/** The published JSON Schema of the input (draft 2020-12), as docs/crawl-input.schema.json holds it. */
export function crawlInputJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(crawlInputSchema(), { io: 'input', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
}

/** The crawl-and-query input as a user (or the validation schedule) writes it. */
export type CrawlInput = z.input<typeof CrawlInputSchema>;

/** The input with every default filled in: the input part of CrawlConfig. */
export type CrawlSettings = z.output<typeof CrawlInputSchema>;

export type CrawlInputResult =
  { ok: true; settings: CrawlSettings } | { ok: false; problems: InputProblem[] };

/** Checks a raw document and fills in every default. Never throws for bad input: every problem at once. */
export function resolveCrawlInput(raw: unknown): CrawlInputResult {
  const parsed = crawlInputSchema().safeParse(raw);
  return parsed.success
    ? { ok: true, settings: parsed.data }
    : { ok: false, problems: problemsOf(parsed.error.issues) };
}

/** The crawl input the validation schedule sends for a provisioned pipeline: its own window settings. */
export function crawlInputOf(
  settings: Pick<
    ProvisionSettings,
    'pipelineName' | 'windowSeconds' | 'watermarkSeconds' | 'outputFormat' | 'partitionByTime'
  >,
): CrawlInput {
  return {
    pipelineName: settings.pipelineName,
    windowSeconds: settings.windowSeconds,
    watermarkSeconds: settings.watermarkSeconds,
    outputFormat: settings.outputFormat,
    partitionByTime: settings.partitionByTime,
  };
}
