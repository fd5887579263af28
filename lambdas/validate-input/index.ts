/**
 * ValidateInput: checks the provisioning input before anything is created, fills in the defaults and
 * derives every resource name from the pipeline name. Output `{ input, config }` becomes the whole
 * execution state (ResultPath "$").
 */
import {
  FlinkRuntimes,
  InitialPositions,
  OutputFormats,
  ProvisionState,
  StreamModes,
  type DeploymentSettings,
  type ProvisionConfig,
  type ProvisionInput,
} from '../../workflow/contract';
import { deploymentSettings } from '../shared/config';
import { InvalidInputError, type InputProblem } from '../shared/errors';
import { checkpointIntervalMs } from '../shared/flink-app';
import { taskHandler } from '../shared/handler';
import { withTransientErrors } from '../shared/transient';
import { parseCrawlSchedule } from './schedule';

export const Defaults = {
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
} as const satisfies Partial<ProvisionConfig>;

/** Fixed locations inside the pipeline's bucket. */
export const CODE_KEY = 'code/flinkflow-app.zip';
export const OUTPUT_PREFIX = 'output/';

/** Upper bound on provisioned shards we accept; the default Kinesis shard quota per account and region. */
export const MAX_SHARDS = 500;

const KNOWN_FIELDS = [
  'pipelineName',
  'runtime',
  'parallelism',
  'windowSeconds',
  'watermarkSeconds',
  'outputFormat',
  'initialPosition',
  'crawlSchedule',
  'stream',
  'partitionByTime',
  'startTimeoutSeconds',
  'healthSettleSeconds',
  'keepUnhealthyRunning',
] as const satisfies ReadonlyArray<keyof ProvisionInput>;
const KNOWN_STREAM_FIELDS = ['mode', 'shardCount'] as const;

export interface ValidateInputResult {
  input: ProvisionInput;
  config: ProvisionConfig;
}

export interface ValidateInputDeps {
  settings: () => Promise<DeploymentSettings>;
}

/** The bucket name derived from a pipeline name; S3 allows at most 63 characters. */
export function bucketNameFor(
  pipelineName: string,
  settings: Pick<DeploymentSettings, 'account' | 'region'>,
): string {
  return `flinkflow-${pipelineName}-${settings.account}-${settings.region}`;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value}" (a string)` : (JSON.stringify(value) ?? String(value));
}

/** Collects problems instead of stopping at the first, so one run shows everything to fix. */
class Checker {
  readonly problems: InputProblem[] = [];

  problem(field: string, message: string): void {
    this.problems.push({ field, message });
  }

  integer(field: string, value: unknown, min: number, max: number, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problem(
        field,
        `must be a whole number from ${min} to ${max}, got ${describe(value)}; omit it for the default ${fallback}`,
      );
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.problem(
        field,
        `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${describe(value)}; omit it for "${fallback}"`,
      );
      return fallback;
    }
    return value as T;
  }

  unknownKeys(path: string, value: Record<string, unknown>, known: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        this.problem(`${path}${key}`, `is not a known field (typo?); known fields: ${known.join(', ')}`);
      }
    }
  }
}

function checkPipelineName(check: Checker, value: unknown, settings: DeploymentSettings): string {
  const rules =
    '3-32 characters: lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit, e.g. "ticks-demo"';
  if (value === undefined) {
    check.problem('pipelineName', `is required: ${rules}`);
    return '';
  }
  if (
    typeof value !== 'string' ||
    !/^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$/.test(value) ||
    value.length < 3 ||
    value.length > 32
  ) {
    check.problem('pipelineName', `must be ${rules}; got ${describe(value)}`);
    return '';
  }
  const bucketName = bucketNameFor(value, settings);
  if (bucketName.length > 63) {
    const max = value.length - (bucketName.length - 63);
    check.problem(
      'pipelineName',
      `is too long for this account and region: the bucket name "${bucketName}" would exceed S3's 63 characters; use at most ${max} characters`,
    );
  }
  return value;
}

function checkStream(
  check: Checker,
  value: unknown,
): { streamMode: ProvisionConfig['streamMode']; shardCount: number } {
  if (value === undefined) return { streamMode: Defaults.streamMode, shardCount: Defaults.shardCount };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    check.problem(
      'stream',
      `must be an object like {"mode": "PROVISIONED", "shardCount": 1}, got ${describe(value)}`,
    );
    return { streamMode: Defaults.streamMode, shardCount: Defaults.shardCount };
  }
  const stream = value as Record<string, unknown>;
  check.unknownKeys('stream.', stream, KNOWN_STREAM_FIELDS);
  const streamMode = check.oneOf('stream.mode', stream['mode'], StreamModes, Defaults.streamMode);
  if (streamMode === 'ON_DEMAND') {
    if (stream['shardCount'] !== undefined) {
      check.problem(
        'stream.shardCount',
        'applies to PROVISIONED streams only: remove it, or set stream.mode to "PROVISIONED"',
      );
    }
    // Kinesis scales an on-demand stream itself; 0 records "not chosen by us" in the configuration.
    return { streamMode, shardCount: 0 };
  }
  return {
    streamMode,
    shardCount: check.integer('stream.shardCount', stream['shardCount'], 1, MAX_SHARDS, Defaults.shardCount),
  };
}

/**
 * Validates `raw` against the rules of ProvisionInput and resolves it with the deployment settings.
 * Throws InvalidInputError listing every bad field; creates nothing.
 */
export function resolveInput(raw: unknown, settings: DeploymentSettings): ValidateInputResult {
  const check = new Checker();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidInputError([
      {
        field: '$',
        message: `the input must be a JSON object such as {"pipelineName": "ticks-demo"}, got ${describe(raw)}`,
      },
    ]);
  }
  const input = raw as Record<string, unknown>;
  check.unknownKeys('', input, KNOWN_FIELDS);

  const pipelineName = checkPipelineName(check, input['pipelineName'], settings);
  const runtime = check.oneOf('runtime', input['runtime'], FlinkRuntimes, Defaults.runtime);
  const parallelism = check.integer('parallelism', input['parallelism'], 1, 64, Defaults.parallelism);
  const windowSeconds = check.integer(
    'windowSeconds',
    input['windowSeconds'],
    1,
    3600,
    Defaults.windowSeconds,
  );
  const watermarkSeconds = check.integer(
    'watermarkSeconds',
    input['watermarkSeconds'],
    0,
    600,
    Defaults.watermarkSeconds,
  );
  if (watermarkSeconds >= windowSeconds * 10) {
    check.problem(
      'watermarkSeconds',
      `must be less than 10 windows (${windowSeconds * 10} s for windowSeconds ${windowSeconds}), got ${watermarkSeconds}; a longer delay holds every window back for minutes`,
    );
  }
  const outputFormat = check.oneOf(
    'outputFormat',
    input['outputFormat'],
    OutputFormats,
    Defaults.outputFormat,
  );
  const initialPosition = check.oneOf(
    'initialPosition',
    input['initialPosition'],
    InitialPositions,
    Defaults.initialPosition,
  );

  let crawlSchedule: string = Defaults.crawlSchedule;
  const scheduleInput = input['crawlSchedule'];
  if (scheduleInput !== undefined) {
    const parsed = typeof scheduleInput === 'string' ? parseCrawlSchedule(scheduleInput) : undefined;
    if (parsed?.ok) crawlSchedule = parsed.glueCron;
    else
      check.problem(
        'crawlSchedule',
        parsed?.message ?? `must be a string such as "cron(0/15 * * * ? *)", got ${describe(scheduleInput)}`,
      );
  }

  const { streamMode, shardCount } = checkStream(check, input['stream']);

  let partitionByTime: boolean = Defaults.partitionByTime;
  if (input['partitionByTime'] !== undefined) {
    if (typeof input['partitionByTime'] === 'boolean') partitionByTime = input['partitionByTime'];
    else
      check.problem(
        'partitionByTime',
        `must be true or false (without quotes), got ${describe(input['partitionByTime'])}`,
      );
  }
  const startTimeoutSeconds = check.integer(
    'startTimeoutSeconds',
    input['startTimeoutSeconds'],
    60,
    3600,
    Defaults.startTimeoutSeconds,
  );

  // Two checkpoint intervals: long enough to see one checkpoint complete and a restart loop show.
  const defaultSettleSeconds = 2 * (checkpointIntervalMs(windowSeconds) / 1000);
  const healthSettleSeconds = check.integer(
    'healthSettleSeconds',
    input['healthSettleSeconds'],
    10,
    3600,
    defaultSettleSeconds,
  );
  let keepUnhealthyRunning = false;
  if (input['keepUnhealthyRunning'] !== undefined) {
    if (typeof input['keepUnhealthyRunning'] === 'boolean')
      keepUnhealthyRunning = input['keepUnhealthyRunning'];
    else
      check.problem(
        'keepUnhealthyRunning',
        `must be true or false (without quotes), got ${describe(input['keepUnhealthyRunning'])}`,
      );
  }

  if (check.problems.length > 0) throw new InvalidInputError(check.problems);

  const config: ProvisionConfig = {
    pipelineName,
    runtime,
    parallelism,
    windowSeconds,
    watermarkSeconds,
    outputFormat,
    initialPosition,
    crawlSchedule,
    partitionByTime,
    startTimeoutSeconds,
    healthSettleSeconds,
    keepUnhealthyRunning,
    streamMode,
    shardCount,
    region: settings.region,
    account: settings.account,
    streamName: `${pipelineName}-ticks`,
    bucketName: bucketNameFor(pipelineName, settings),
    codeKey: CODE_KEY,
    outputPrefix: OUTPUT_PREFIX,
    applicationName: `${pipelineName}-app`,
    crawlerName: `${pipelineName}-crawler`,
    glueDatabase: settings.glueDatabase,
    tablePrefix: `${pipelineName.replace(/-/g, '_')}_`,
    applicationRoleArn: settings.applicationRoleArn,
    crawlerRoleArn: settings.crawlerRoleArn,
    codeAssetBucket: settings.codeAssetBucket,
    codeAssetKey: settings.codeAssetKey,
  };
  return { input: input as unknown as ProvisionInput, config };
}

/** ValidateInput's logic: the raw input in, `{ input, config }` out. */
export const run = withTransientErrors(
  async (event: unknown, deps: Partial<ValidateInputDeps> = {}): Promise<ValidateInputResult> => {
    const settings = await (deps.settings ?? deploymentSettings)();
    return resolveInput(event, settings);
  },
);

export const handler = taskHandler(ProvisionState.ValidateInput, (event: unknown) => run(event));
