import '../support/quiet-logs';
import { BatchDeleteTableCommand, GetTablesCommand, GlueClient } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { run } from '../../lambdas/delete-catalog-tables';
import { awsError } from '../support/aws-errors';
import { teardownState } from '../support/teardown-state';

const glue = mockClient(GlueClient);
beforeEach(() => glue.reset());

describe('DeleteCatalogTables', () => {
  it("It should delete only the tables with the pipeline's prefix, over pages and in batches of 100", async () => {
    // Prepare: 120 of ours on two pages, and one of another pipeline the expression let through.
    const ours = Array.from({ length: 120 }, (_, i) => `ticks_demo_t${i}`);
    glue
      .on(GetTablesCommand)
      .resolvesOnce({
        TableList: [...ours.slice(0, 60), 'ticks_demo2_x'].map((Name) => ({ Name })),
        NextToken: 'n',
      })
      .resolvesOnce({ TableList: ours.slice(60).map((Name) => ({ Name })) });
    glue
      .on(BatchDeleteTableCommand)
      .resolvesOnce({ Errors: [] })
      .resolvesOnce({
        Errors: [{ TableName: 'ticks_demo_t119', ErrorDetail: { ErrorCode: 'EntityNotFoundException' } }],
      });

    // Act
    const result = await run(teardownState());

    // Assess
    expect(glue).toHaveReceivedCommandWith(GetTablesCommand, {
      DatabaseName: 'flinkflow',
      Expression: 'ticks_demo_.*',
    });
    const batches = glue
      .commandCalls(BatchDeleteTableCommand)
      .map((c) => c.args[0].input.TablesToDelete ?? []);
    expect(batches.map((b) => b.length)).toEqual([100, 20]);
    expect(batches.flat()).not.toContain('ticks_demo2_x');
    expect(result.resources.filter((r) => r.outcome === 'removed')).toHaveLength(119);
    expect(result.resources.at(-1)).toEqual({
      kind: 'table',
      name: 'flinkflow.ticks_demo_t119',
      outcome: 'alreadyGone',
    });
  });

  it('It should report no tables when the database is gone', async () => {
    // Prepare
    glue.on(GetTablesCommand).rejects(awsError('EntityNotFoundException'));

    // Act
    const result = await run(teardownState());

    // Assess
    expect(result.resources).toEqual([]);
  });

  it('It should fail with the service reason when a table cannot be deleted', async () => {
    // Prepare
    glue.on(GetTablesCommand).resolves({ TableList: [{ Name: 'ticks_demo_output' }] });
    glue.on(BatchDeleteTableCommand).resolves({
      Errors: [
        {
          TableName: 'ticks_demo_output',
          ErrorDetail: { ErrorCode: 'AccessDeniedException', ErrorMessage: 'no' },
        },
      ],
    });

    // Act
    const act = run(teardownState());

    // Assess
    await expect(act).rejects.toThrow(
      'Table flinkflow.ticks_demo_output could not be deleted: AccessDeniedException: no',
    );
  });
});
