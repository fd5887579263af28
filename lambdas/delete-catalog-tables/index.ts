/**
 * DeleteCatalogTables: deletes the tables the pipeline's crawler made (every table of the Glue database
 * whose name starts with the pipeline's table prefix). Their partitions go with them: Glue deletes a
 * deleted table's partitions itself (DeleteTable API reference: the table versions and partitions of a
 * deleted table are deleted asynchronously), so no partition is deleted one by one.
 */
import { BatchDeleteTableCommand, GetTablesCommand } from '@aws-sdk/client-glue';
import {
  TeardownState,
  type TeardownExecutionState,
  type TeardownResource,
  type TeardownStepResult,
} from '../../workflow/teardown-contract';
import { taskHandler } from '../shared/handler';
import {
  isNotFound,
  requireTeardownState,
  resolveTeardownDeps,
  resource,
  type TeardownDeps,
} from '../shared/teardown';
import { withTransientErrors } from '../shared/transient';

/** BatchDeleteTable takes at most 100 names per call (Glue API reference). */
const MAX_TABLES_PER_CALL = 100;

export const run = withTransientErrors(
  async (event: TeardownExecutionState, deps: Partial<TeardownDeps> = {}): Promise<TeardownStepResult> => {
    const { config } = requireTeardownState(event, TeardownState.DeleteCatalogTables);
    const d = resolveTeardownDeps(deps);
    const glue = d.clients.glue;
    const DatabaseName = config.glueDatabase;
    const names: string[] = [];
    try {
      let NextToken: string | undefined;
      do {
        const page = await glue.send(
          new GetTablesCommand({
            DatabaseName,
            // A regular expression over names; the prefix holds only letters, digits and underscores.
            Expression: `${config.tablePrefix}.*`,
            ...(NextToken ? { NextToken } : {}),
          }),
        );
        // Stryker disable next-line ArrayDeclaration: a filler entry has no Name and is skipped.
        for (const table of page.TableList ?? []) {
          if (table.Name?.startsWith(config.tablePrefix)) names.push(table.Name);
        }
        NextToken = page.NextToken;
      } while (NextToken);
    } catch (error) {
      // No database: no table of the pipeline can exist.
      if (isNotFound(error)) return { resources: [] };
      throw error;
    }
    const resources: TeardownResource[] = [];
    for (let i = 0; i < names.length; i += MAX_TABLES_PER_CALL) {
      const batch = names.slice(i, i + MAX_TABLES_PER_CALL);
      const out = await glue.send(new BatchDeleteTableCommand({ DatabaseName, TablesToDelete: batch }));
      // Stryker disable next-line ArrayDeclaration,StringLiteral: an error without a table name is filed under a key no table of the batch has.
      const failed = new Map((out.Errors ?? []).map((e) => [e.TableName ?? '', e.ErrorDetail]));
      for (const name of batch) {
        const error = failed.get(name);
        if (!error) resources.push(resource('table', `${DatabaseName}.${name}`, 'removed'));
        else if (error.ErrorCode === 'EntityNotFoundException') {
          resources.push(resource('table', `${DatabaseName}.${name}`, 'alreadyGone'));
        } else {
          throw new Error(
            `Table ${DatabaseName}.${name} could not be deleted: ${error.ErrorCode ?? 'no code'}: ${error.ErrorMessage ?? 'no message'}`,
          );
        }
      }
    }
    return { resources };
  },
);

export const handler = taskHandler(TeardownState.DeleteCatalogTables, (event: TeardownExecutionState) =>
  run(event),
);
