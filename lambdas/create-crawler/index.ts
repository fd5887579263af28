/**
 * CreateCrawler: the Glue crawler that catalogs the job's output, on the crawl schedule. A crawler that
 * exists is updated to the desired configuration, and its schedule is made sure to be on.
 */
import {
  CreateCrawlerCommand,
  StartCrawlerScheduleCommand,
  UpdateCrawlerCommand,
  type CreateCrawlerRequest,
} from '@aws-sdk/client-glue';
import {
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
    Schedule: config.crawlSchedule,
    TablePrefix: config.tablePrefix,
    SchemaChangePolicy: { UpdateBehavior: 'UPDATE_IN_DATABASE', DeleteBehavior: 'LOG' },
    RecrawlPolicy: { RecrawlBehavior: 'CRAWL_EVERYTHING' },
    Configuration: crawlerConfiguration(config),
  };
}

/** CreateCrawler's logic: create or update the crawler, then make sure its schedule is on. */
export const run = withTransientErrors(
  async (event: ProvisionExecutionState, deps: Partial<TaskDeps> = {}): Promise<CreateCrawlerResult> => {
    const { config } = requireExecutionState(event, ProvisionState.CreateCrawler);
    const d = resolveDeps(deps);
    const glue = d.clients.glue;
    const request = crawlerRequest(config);

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
        await glue.send(new UpdateCrawlerCommand(request));
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

    try {
      await glue.send(new StartCrawlerScheduleCommand({ CrawlerName: config.crawlerName }));
    } catch (error) {
      // Already scheduled: what we want. Transitioning: it settles within seconds; a retry checks again.
      if (isAwsError(error, 'SchedulerTransitioningException')) {
        throw new TransientError(`The schedule of crawler ${config.crawlerName} is changing state`, {
          cause: error,
        });
      }
      if (!isAwsError(error, 'SchedulerRunningException')) throw error;
    }
    return { crawlerName: config.crawlerName, created, schedule: config.crawlSchedule };
  },
);

export const handler = taskHandler(ProvisionState.CreateCrawler, (event: ProvisionExecutionState) =>
  run(event),
);
