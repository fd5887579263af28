import '../support/quiet-logs';
import { CloudWatchLogsClient, DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DeleteApplicationCommand,
  DescribeApplicationCommand,
  KinesisAnalyticsV2Client,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { run } from '../../lambdas/delete-application';
import { appStatus } from '../support/applications';
import { awsError } from '../support/aws-errors';
import { teardownState } from '../support/teardown-state';

const kda = mockClient(KinesisAnalyticsV2Client);
const logs = mockClient(CloudWatchLogsClient);
beforeEach(() => {
  kda.reset();
  logs.reset();
});

const created = new Date('2026-11-25T10:00:00.000Z');
const described = (status: string) => {
  const out = appStatus(status);
  out.ApplicationDetail.CreateTimestamp = created;
  return out;
};

describe('DeleteApplication', () => {
  it('It should delete the application with the CreateTimestamp DescribeApplication gives, then its log group', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(described('READY'));
    kda.on(DeleteApplicationCommand).resolves({});
    logs.on(DeleteLogGroupCommand).resolves({});

    // Act
    const result = await run(teardownState());

    // Assess
    expect(kda).toHaveReceivedCommandWith(DeleteApplicationCommand, {
      ApplicationName: 'ticks-demo-app',
      CreateTimestamp: created,
    });
    expect(logs).toHaveReceivedCommandWith(DeleteLogGroupCommand, {
      logGroupName: '/aws/kinesis-analytics/ticks-demo-app',
    });
    expect(result.resources.map((r) => [r.kind, r.outcome])).toEqual([
      ['application', 'removed'],
      ['logGroup', 'removed'],
    ]);
  });

  it('It should take a missing application and log group as already gone', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).rejects(awsError('ResourceNotFoundException'));
    logs.on(DeleteLogGroupCommand).rejects(awsError('ResourceNotFoundException'));

    // Act
    const result = await run(teardownState());

    // Assess
    expect(result.resources.map((r) => r.outcome)).toEqual(['alreadyGone', 'alreadyGone']);
    expect(kda).not.toHaveReceivedCommand(DeleteApplicationCommand);
  });

  it('It should keep the log group when keepData is true', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(described('READY'));
    kda.on(DeleteApplicationCommand).resolves({});

    // Act
    const result = await run(teardownState({ keepData: true }));

    // Assess
    expect(logs).not.toHaveReceivedCommand(DeleteLogGroupCommand);
    expect(result.resources[1]).toMatchObject({ kind: 'logGroup', outcome: 'kept' });
  });

  it('It should record an application already DELETING as removed without deleting it again', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(described('DELETING'));
    logs.on(DeleteLogGroupCommand).resolves({});

    // Act
    const result = await run(teardownState());

    // Assess
    expect(kda).not.toHaveReceivedCommand(DeleteApplicationCommand);
    expect(result.resources[0]).toMatchObject({
      outcome: 'removed',
      detail: 'its deletion was already under way',
    });
  });

  it.each([
    ['ResourceInUseException', 'TransientError'],
    ['InvalidArgumentException', 'InvalidArgumentException'],
  ])('It should report a delete refused with %s as %s', async (code, name) => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(described('STOPPING'));
    kda.on(DeleteApplicationCommand).rejects(awsError(code));

    // Act
    const act = run(teardownState());

    // Assess
    await expect(act).rejects.toMatchObject({ name });
    expect(logs).not.toHaveReceivedCommand(DeleteLogGroupCommand);
  });
});
