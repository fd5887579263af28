/**
 * ValidateCrawlInput: checks the crawl-and-query input, fills in the defaults (derived from the
 * pipeline's window settings) and the names, and fixes the instant the checks measure against (the
 * execution's start). Its output `{ input, config }` becomes the whole execution state.
 */
import { PipelineNames } from '../../workflow/contract';
import {
  CrawlState,
  type CrawlConfig,
  type CrawlDeploymentSettings,
  type CrawlInput,
  type CrawlValidationRequest,
} from '../../workflow/crawl-contract';
import { resolveCrawlInput } from '../../workflow/crawl-input';
import { loadCrawlDeploymentSettings } from '../shared/crawl-state';
import { InvalidInputError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { withTransientErrors } from '../shared/transient';

export interface ValidateCrawlInputResult {
  input: CrawlInput;
  config: CrawlConfig;
}

export interface ValidateCrawlInputDeps {
  settings: () => CrawlDeploymentSettings;
}

/** The table the crawler makes for the output folder: the table prefix and the folder's name, as Glue names it. */
export function outputTableName(pipelineName: string): string {
  const folder = PipelineNames.outputPrefix.split('/').filter(Boolean).at(-1) ?? 'output';
  return `${PipelineNames.tablePrefix(pipelineName)}${folder}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/** Resolves the request against the deployment settings; throws InvalidInputError listing every problem. */
export function resolveCrawlRequest(
  request: CrawlValidationRequest,
  settings: CrawlDeploymentSettings,
): ValidateCrawlInputResult {
  const asOf = Date.parse(request.startTime);
  if (typeof request.executionId !== 'string' || request.executionId === '' || Number.isNaN(asOf)) {
    throw new InvalidInputError(
      [
        {
          field: '$',
          message: `ValidateCrawlInput expects {input, executionId, startTime} from the state's Parameters ($$.Execution.Id and $$.Execution.StartTime), got ${JSON.stringify({ executionId: request.executionId, startTime: request.startTime })}`,
        },
      ],
      'crawl-and-query request',
    );
  }
  const resolved = resolveCrawlInput(request.input);
  if (!resolved.ok) throw new InvalidInputError(resolved.problems, 'crawl-and-query input');
  const { pipelineName } = resolved.settings;
  // A given instant may lie in the past (re-checking a period) but not after the execution began: the
  // windows after it do not exist yet.
  const measuredAt = resolved.settings.asOf === undefined ? asOf : Date.parse(resolved.settings.asOf);
  if (measuredAt > asOf) {
    throw new InvalidInputError(
      [
        {
          field: 'asOf',
          message: `must not be after the execution's start (${new Date(asOf).toISOString()}), got ${resolved.settings.asOf ?? ''}; omit it to measure as of the start`,
        },
      ],
      'crawl-and-query input',
    );
  }
  return {
    input: request.input as CrawlInput,
    config: {
      ...resolved.settings,
      region: settings.region,
      account: settings.account,
      crawlerName: PipelineNames.crawler(pipelineName),
      glueDatabase: settings.glueDatabase,
      tableName: outputTableName(pipelineName),
      streamName: PipelineNames.stream(pipelineName),
      athenaWorkGroup: settings.athenaWorkGroup,
      verdictTopicArn: settings.verdictTopicArn,
      executionId: request.executionId,
      asOf: new Date(measuredAt).toISOString(),
    },
  };
}

export const run = withTransientErrors(
  async (
    event: CrawlValidationRequest,
    deps: Partial<ValidateCrawlInputDeps> = {},
  ): Promise<ValidateCrawlInputResult> =>
    resolveCrawlRequest(event, (deps.settings ?? loadCrawlDeploymentSettings)()),
);

export const handler = taskHandler(CrawlState.ValidateCrawlInput, (event: CrawlValidationRequest) =>
  run(event),
);
