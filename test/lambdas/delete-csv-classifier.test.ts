import '../support/quiet-logs';
import { DeleteClassifierCommand, GlueClient } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { run } from '../../lambdas/delete-csv-classifier';
import { awsError } from '../support/aws-errors';
import { teardownState } from '../support/teardown-state';

const glue = mockClient(GlueClient);
beforeEach(() => glue.reset());

describe('DeleteCsvClassifier', () => {
  it('It should delete the pipeline classifier by its contract name', async () => {
    // Prepare
    glue.on(DeleteClassifierCommand).resolves({});

    // Act
    const result = await run(teardownState());

    // Assess
    expect(glue).toHaveReceivedCommandWith(DeleteClassifierCommand, { Name: 'ticks-demo-csv' });
    expect(result.resources).toEqual([{ kind: 'classifier', name: 'ticks-demo-csv', outcome: 'removed' }]);
  });

  it('It should take a missing classifier as already gone, and pass on any other error', async () => {
    // Prepare
    glue
      .on(DeleteClassifierCommand)
      .rejectsOnce(awsError('EntityNotFoundException'))
      .rejectsOnce(awsError('AccessDeniedException', { statusCode: 403 }));

    // Act
    const gone = await run(teardownState());
    const denied = run(teardownState());

    // Assess
    expect(gone.resources[0]?.outcome).toBe('alreadyGone');
    await expect(denied).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
