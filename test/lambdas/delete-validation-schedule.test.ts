import '../support/quiet-logs';
import { DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, run } from '../../lambdas/delete-validation-schedule';
import { awsError } from '../support/aws-errors';
import { fakeLambdaContext } from '../support/lambda-context';
import { teardownState } from '../support/teardown-state';

const scheduler = mockClient(SchedulerClient);
beforeEach(() => scheduler.reset());

describe('DeleteValidationSchedule', () => {
  it('It should delete the pipeline validation schedule in the default group and record it removed', async () => {
    // Prepare
    scheduler.on(DeleteScheduleCommand).resolves({});

    // Act
    const result = await handler(teardownState(), fakeLambdaContext());

    // Assess
    expect(scheduler).toHaveReceivedCommandWith(DeleteScheduleCommand, {
      Name: 'ticks-demo-validation',
      GroupName: 'default',
    });
    expect(result.resources).toEqual([
      { kind: 'schedule', name: 'ticks-demo-validation', outcome: 'removed', detail: 'group default' },
    ]);
  });

  it('It should take a schedule that does not exist as already gone', async () => {
    // Prepare
    scheduler.on(DeleteScheduleCommand).rejects(awsError('ResourceNotFoundException', { statusCode: 404 }));

    // Act
    const result = await run(teardownState());

    // Assess
    expect(result.resources).toEqual([
      { kind: 'schedule', name: 'ticks-demo-validation', outcome: 'alreadyGone' },
    ]);
  });

  it.each([
    ['ConflictException', 'TransientError'],
    ['ThrottlingException', 'TransientError'],
    ['AccessDeniedException', 'AccessDeniedException'],
  ])('It should report %s as %s', async (code, name) => {
    // Prepare
    scheduler
      .on(DeleteScheduleCommand)
      .rejects(awsError(code, { statusCode: code === 'AccessDeniedException' ? 403 : 409 }));

    // Act
    const act = run(teardownState());

    // Assess
    await expect(act).rejects.toMatchObject({ name });
  });
});
