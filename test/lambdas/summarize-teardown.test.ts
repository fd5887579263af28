import { run } from '../../lambdas/summarize-teardown';
import { teardownState } from '../support/teardown-state';

describe('SummarizeTeardown', () => {
  it('It should group the steps records in step order and say how the application was stopped', async () => {
    // Prepare
    const state = teardownState(
      {},
      {
        stop: {
          phase: 'STOPPED',
          initialStatus: 'RUNNING',
          status: 'READY',
          stopRequested: 'snapshot',
          attempt: 2,
          nextWaitSeconds: 20,
          since: '2026-11-25T12:00:00Z',
        },
        emptyBucket: { bucketName: 'b', exists: true, deleted: 9, pages: 1, more: false, invocations: 1 },
        steps: {
          DeleteBucket: { resources: [{ kind: 'bucket', name: 'b', outcome: 'removed' }] },
          DeleteValidationSchedule: { resources: [{ kind: 'schedule', name: 's', outcome: 'alreadyGone' }] },
          DeleteApplication: { resources: [{ kind: 'application', name: 'a', outcome: 'removed' }] },
        },
      },
    );

    // Act
    const output = await run(state);

    // Assess
    expect(output.applicationStop).toEqual({ from: 'RUNNING', how: 'snapshot' });
    expect(output.removed.map((r) => r.kind)).toEqual(['application', 'bucket']);
    expect(output.alreadyGone.map((r) => r.kind)).toEqual(['schedule']);
    expect(output.kept).toEqual([]);
    expect(output.deletedObjectVersions).toBe(9);
  });

  it('It should list the bucket as kept with keepData, and no application stop when there was no application', async () => {
    // Act
    const output = await run(
      teardownState(
        { keepData: true },
        {
          stop: {
            phase: 'STOPPED',
            initialStatus: 'absent',
            status: 'absent',
            attempt: 0,
            nextWaitSeconds: 10,
            since: 'x',
          },
        },
      ),
    );

    // Assess
    expect(output.kept).toEqual([
      {
        kind: 'bucket',
        name: 'flinkflow-ticks-demo-123456789012-eu-west-1',
        outcome: 'kept',
        detail: 'keepData: neither emptied nor deleted',
      },
    ]);
    expect(output.applicationStop).toBeUndefined();
  });
});
