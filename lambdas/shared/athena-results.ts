/** Reading an Athena query's result rows: the crawl-and-query evaluation and the re-deploy canary. */
import { GetQueryResultsCommand } from '@aws-sdk/client-athena';
import type { TaskDeps } from './runtime';

/** The result rows of a query, without the header row Athena puts first on the first page of a SELECT. */
export async function resultRows(
  deps: Pick<TaskDeps, 'clients'>,
  queryExecutionId: string,
): Promise<(string | null)[][]> {
  const rows: (string | null)[][] = [];
  let nextToken: string | undefined;
  let first = true;
  do {
    const page = await deps.clients.athena.send(
      new GetQueryResultsCommand({
        QueryExecutionId: queryExecutionId,
        MaxResults: 1000,
        NextToken: nextToken,
      }),
    );
    const data = (page.ResultSet?.Rows ?? []).map((row) =>
      (row.Data ?? []).map((cell) => cell.VarCharValue ?? null),
    );
    rows.push(...(first ? data.slice(1) : data));
    first = false;
    nextToken = page.NextToken;
  } while (nextToken);
  return rows;
}
