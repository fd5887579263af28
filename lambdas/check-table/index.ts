/**
 * CheckTable: the crawl made the output's table with the expected columns (contract OutputColumns, in
 * file order) and partition keys (ticker, and dt, hr with partitionByTime). A table whose columns are
 * col0..col3 means the crawler did not apply the pipeline's CSV classifier; the message says so.
 */
import { GetTableCommand } from '@aws-sdk/client-glue';
import { OutputColumns, OutputPartitionColumns, PipelineNames } from '../../workflow/contract';
import { CrawlState, type CrawlExecutionState, type TableCheck } from '../../workflow/crawl-contract';
import { isAwsError } from '../shared/aws';
import { requireCrawlState } from '../shared/crawl-state';
import { TableMismatchError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

/** The partition keys the sink writes for a pipeline. */
export function expectedPartitionKeys(partitionByTime: boolean): string[] {
  return partitionByTime ? [...OutputPartitionColumns] : [OutputPartitionColumns[0]];
}

export const run = withTransientErrors(
  async (event: CrawlExecutionState, deps: Partial<TaskDeps> = {}): Promise<TableCheck> => {
    const { config } = requireCrawlState(event, CrawlState.CheckTable);
    const d = resolveDeps(deps);
    const qualified = `${config.glueDatabase}.${config.tableName}`;
    let table;
    try {
      table = (
        await d.clients.glue.send(
          new GetTableCommand({ DatabaseName: config.glueDatabase, Name: config.tableName }),
        )
      ).Table;
    } catch (error) {
      if (!isAwsError(error, 'EntityNotFoundException')) throw error;
      throw new TableMismatchError(
        `The crawl made no table ${qualified}: the pipeline has written no output yet (or not under ${PipelineNames.outputPrefix}); wait for its first windows and run again`,
        { cause: error },
      );
    }
    const columns = (table?.StorageDescriptor?.Columns ?? []).map((c) => (c.Name ?? '').toLowerCase());
    const partitionKeys = (table?.PartitionKeys ?? []).map((c) => (c.Name ?? '').toLowerCase());
    const wantedColumns = OutputColumns.map((c) => c.name);
    const wantedKeys = expectedPartitionKeys(config.partitionByTime);
    const problems: string[] = [];
    if (columns.join(',') !== wantedColumns.join(',')) {
      const hint = columns.some((c) => /^col\d+$/.test(c))
        ? `; the crawler did not apply the CSV classifier ${PipelineNames.csvClassifier(config.pipelineName)} (re-provision the pipeline to attach it, then crawl again)`
        : '';
      problems.push(`columns are [${columns.join(', ')}], expected [${wantedColumns.join(', ')}]${hint}`);
    }
    if (partitionKeys.join(',') !== wantedKeys.join(',')) {
      problems.push(
        `partition keys are [${partitionKeys.join(', ')}], expected [${wantedKeys.join(', ')}] for partitionByTime ${config.partitionByTime}; check the input's partitionByTime against the pipeline's`,
      );
    }
    if (problems.length > 0) throw new TableMismatchError(`Table ${qualified}: ${problems.join('; ')}`);
    return {
      tableName: config.tableName,
      columns,
      partitionKeys,
      // Stryker disable next-line OptionalChaining: here the columns matched, so the table and its StorageDescriptor exist.
      location: table?.StorageDescriptor?.Location ?? '',
    };
  },
);

export const handler = taskHandler(CrawlState.CheckTable, (event: CrawlExecutionState) => run(event));
