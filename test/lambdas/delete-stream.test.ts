import '../support/quiet-logs';
import { DeleteStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { run } from '../../lambdas/delete-stream';
import { awsError } from '../support/aws-errors';
import { teardownState } from '../support/teardown-state';

const kinesis = mockClient(KinesisClient);
beforeEach(() => kinesis.reset());

const summary = (StreamStatus: 'ACTIVE' | 'DELETING' | 'UPDATING') => ({
  StreamDescriptionSummary: { StreamStatus } as never,
});

describe('DeleteStream', () => {
  it('It should delete the stream with its consumers (EnforceConsumerDeletion)', async () => {
    // Prepare
    kinesis.on(DescribeStreamSummaryCommand).resolves(summary('ACTIVE'));
    kinesis.on(DeleteStreamCommand).resolves({});

    // Act
    const result = await run(teardownState());

    // Assess
    expect(kinesis).toHaveReceivedCommandWith(DeleteStreamCommand, {
      StreamName: 'ticks-demo-ticks',
      EnforceConsumerDeletion: true,
    });
    expect(result.resources).toEqual([
      { kind: 'stream', name: 'ticks-demo-ticks', outcome: 'removed', detail: 'was ACTIVE' },
    ]);
  });

  it('It should take a missing stream as already gone and a DELETING one as removed, deleting neither', async () => {
    // Prepare
    kinesis
      .on(DescribeStreamSummaryCommand)
      .rejectsOnce(awsError('ResourceNotFoundException'))
      .resolvesOnce(summary('DELETING'));

    // Act
    const missing = await run(teardownState());
    const deleting = await run(teardownState());

    // Assess
    expect(missing.resources[0]?.outcome).toBe('alreadyGone');
    expect(deleting.resources[0]?.outcome).toBe('removed');
    expect(kinesis).not.toHaveReceivedCommand(DeleteStreamCommand);
  });

  it('It should retry a stream that is being resharded (ResourceInUseException) as TransientError', async () => {
    // Prepare
    kinesis.on(DescribeStreamSummaryCommand).resolves(summary('UPDATING'));
    kinesis.on(DeleteStreamCommand).rejects(awsError('ResourceInUseException'));

    // Act
    const act = run(teardownState());

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'TransientError',
      message: expect.stringContaining('UPDATING'),
    });
  });
});
