/**
 * CreateCrawler: the Glue crawler that catalogs the job's output, and the CSV classifier that names the
 * header-less CSV columns (contract OutputColumns). The crawler has no Glue schedule: the validation
 * schedule (CreateValidationSchedule) starts the crawl-and-query machine, which starts the crawl. A
 * crawler that exists is updated to the desired configuration, and a schedule it had is removed.
 */
import {
  CreateClassifierCommand,
  CreateCrawlerCommand,
  UpdateClassifierCommand,
  UpdateCrawlerCommand,
  type CreateCrawlerRequest,
  type CreateCsvClassifierRequest,
} from '@aws-sdk/client-glue';
import {
  OutputColumns,
  PipelineNames,
  PipelineTagKey,
  ProvisionState,
  type ProvisionConfig,
  type ProvisionExecutionState,
} from '../../workflow/contract';
import { isAwsError, requireExecutionState } from '../shared/aws';
import { TransientError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { logger } from '../shared/logger';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

export type CreateCrawlerResult = NonNullable<ProvisionExecutionState['crawler']>;

/**
 * Files under the output that are not data: the file sink's success markers, hidden in-progress part
 * files (`.part-...inprogress...`), and any temporary folders.
 */
export const CRAWLER_EXCLUSIONS = ['**/_SUCCESS', '**/.*', '**/*.inprogress*', '**/_temporary/**'];

/**
 * The crawler's configuration: one table for the output however many partition folders it has
 * (compatible schemas combined, and the table made at the output folder's level), and partitions that
 * inherit the table's schema.
 */
export function crawlerConfiguration(config: Pick<ProvisionConfig, 'outputPrefix'>): string {
  const outputDepth = config.outputPrefix.split('/').filter(Boolean).length;
  return JSON.stringify({
    Version: 1.0,
    Grouping: { TableGroupingPolicy: 'CombineCompatibleSchemas', TableLevelConfiguration: 1 + outputDepth },
    CrawlerOutput: { Partitions: { AddOrUpdateBehavior: 'InheritFromTable' } },
  });
}

/**
 * The pipeline's CSV classifier: the sink writes no header, so the classifier gives Glue the column names
 * (ContainsHeader ABSENT with Header: the names of the files' columns, in file order).
 */
export function csvClassifierRequest(
  config: Pick<ProvisionConfig, 'pipelineName'>,
): CreateCsvClassifierRequest {
  return {
    Name: PipelineNames.csvClassifier(config.pipelineName),
    Delimiter: ',',
    ContainsHeader: 'ABSENT',
    Header: OutputColumns.map((c) => c.name),
    DisableValueTrimming: false,
    AllowSingleColumn: false,
  };
}

/** The desired crawler, as CreateCrawler (and, without tags, UpdateCrawler) takes it. */
export function crawlerRequest(config: ProvisionConfig): CreateCrawlerRequest {
  return {
    Name: config.crawlerName,
    Role: config.crawlerRoleArn,
    DatabaseName: config.glueDatabase,
    Description: `flinkflow pipeline ${config.pipelineName}: catalogs s3://${config.bucketName}/${config.outputPrefix}`,
    Targets: {
      S3Targets: [
        { Path: `s3://${config.bucketName}/${config.outputPrefix}`, Exclusions: CRAWLER_EXCLUSIONS },
      ],
    },
    // The pipeline's classifier first; Glue falls back to its built-in ones for Parquet.
    Classifiers: [PipelineNames.csvClassifier(config.pipelineName)],
    TablePrefix: config.tablePrefix,
    SchemaChangePolicy: { UpdateBehavior: 'UPDATE_IN_DATABASE', DeleteBehavior: 'LOG' },
    RecrawlPolicy: { RecrawlBehavior: 'CRAWL_EVERYTHING' },
    Configuration: crawlerConfiguration(config),
  };
}

/** Creates the classifier, or updates an existing one of the same name to the desired header. */
async function ensureClassifier(glue: TaskDeps['clients']['glue'], config: ProvisionConfig): Promise<void> {
  const CsvClassifier = csvClassifierRequest(config);
  try {
    await glue.send(new CreateClassifierCommand({ CsvClassifier }));
  } catch (error) {
    if (!isAwsError(error, 'AlreadyExistsException')) throw error;
    await glue.send(new UpdateClassifierCommand({ CsvClassifier }));
  }
}

/** CreateCrawler's logic: the classifier, then create or update the crawler (without a Glue schedule). */
export const run = withTransientErrors(
  async (event: ProvisionExecutionState, deps: Partial<TaskDeps> = {}): Promise<CreateCrawlerResult> => {
    const { config } = requireExecutionState(event, ProvisionState.CreateCrawler);
    const d = resolveDeps(deps);
    const glue = d.clients.glue;
    const request = crawlerRequest(config);
    await ensureClassifier(glue, config);

    let created = true;
    try {
      await glue.send(
        new CreateCrawlerCommand({ ...request, Tags: { [PipelineTagKey]: config.pipelineName } }),
      );
    } catch (error) {
      if (!isAwsError(error, 'AlreadyExistsException')) throw error;
      created = false;
      logger.info('crawler exists; updating it to the desired configuration', {
        crawlerName: config.crawlerName,
      });
      try {
        // An empty Schedule removes the one an earlier version of the pipeline gave the crawler.
        await glue.send(new UpdateCrawlerCommand({ ...request, Schedule: '' }));
      } catch (updateError) {
        if (isAwsError(updateError, 'CrawlerRunningException')) {
          throw new TransientError(
            `Crawler ${config.crawlerName} is running; it can be updated once the crawl ends`,
            {
              cause: updateError,
            },
          );
        }
        throw updateError;
      }
    }
    return {
      crawlerName: config.crawlerName,
      created,
      classifierName: PipelineNames.csvClassifier(config.pipelineName),
    };
  },
);

export const handler = taskHandler(ProvisionState.CreateCrawler, (event: ProvisionExecutionState) =>
  run(event),
);
