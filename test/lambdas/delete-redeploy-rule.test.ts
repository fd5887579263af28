import '../support/quiet-logs';
import {
  DeleteRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { run } from '../../lambdas/delete-redeploy-rule';
import { awsError } from '../support/aws-errors';
import { teardownState } from '../support/teardown-state';

const events = mockClient(EventBridgeClient);
beforeEach(() => events.reset());

describe('DeleteRedeployRule', () => {
  it('It should remove every target, over pages and in calls of at most 100, before deleting the rule', async () => {
    // Prepare: 150 targets on two pages.
    const ids = Array.from({ length: 150 }, (_, i) => `t${i}`);
    events
      .on(ListTargetsByRuleCommand)
      .resolvesOnce({ Targets: ids.slice(0, 100).map((Id) => ({ Id, Arn: 'arn:x' })), NextToken: 'p2' })
      .resolvesOnce({ Targets: ids.slice(100).map((Id) => ({ Id, Arn: 'arn:x' })) });
    events.on(RemoveTargetsCommand).resolves({ FailedEntryCount: 0 });
    events.on(DeleteRuleCommand).resolves({});

    // Act
    const result = await run(teardownState());

    // Assess
    const removes = events.commandCalls(RemoveTargetsCommand).map((c) => c.args[0].input.Ids);
    expect(removes.map((r) => r?.length)).toEqual([100, 50]);
    expect(removes.flat()).toEqual(ids);
    expect(events).toHaveReceivedCommandWith(DeleteRuleCommand, {
      Name: 'ticks-demo-redeploy',
      EventBusName: 'default',
    });
    expect(result.resources).toEqual([
      {
        kind: 'rule',
        name: 'ticks-demo-redeploy',
        outcome: 'removed',
        detail: '150 target(s) removed first',
      },
    ]);
  });

  it('It should take a rule that does not exist as already gone', async () => {
    // Prepare
    events.on(ListTargetsByRuleCommand).rejects(awsError('ResourceNotFoundException'));

    // Act
    const result = await run(teardownState());

    // Assess
    expect(result.resources).toEqual([{ kind: 'rule', name: 'ticks-demo-redeploy', outcome: 'alreadyGone' }]);
    expect(events).not.toHaveReceivedCommand(DeleteRuleCommand);
  });

  it('It should fail with TransientError when a target cannot be removed, without deleting the rule', async () => {
    // Prepare
    events.on(ListTargetsByRuleCommand).resolves({ Targets: [{ Id: 'a', Arn: 'arn:x' }] });
    events.on(RemoveTargetsCommand).resolves({
      FailedEntryCount: 1,
      FailedEntries: [{ TargetId: 'a', ErrorCode: 'ConcurrentModificationException', ErrorMessage: 'busy' }],
    });

    // Act
    const act = run(teardownState());

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'TransientError',
      message: expect.stringContaining('ConcurrentModificationException: busy'),
    });
    expect(events).not.toHaveReceivedCommand(DeleteRuleCommand);
  });
});
