import '../support/quiet-logs';
import { CreateScheduleCommand, SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import {
  loadValidationScheduleSettings,
  run,
  ValidationScheduleRetryPolicy,
} from '../../lambdas/create-validation-schedule';
import { ErrorName } from '../../workflow/contract';
import { resolveCrawlInput } from '../../workflow/crawl-input';
import { awsError } from '../support/aws-errors';
import { testState } from '../support/provisioning';

const scheduler = mockClient(SchedulerClient);

const settings = {
  crawlStateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:crawl-and-query',
  schedulerRoleArn: 'arn:aws:iam::123456789012:role/scheduler',
  deadLetterQueueArn: 'arn:aws:sqs:eu-west-1:123456789012:validation-dlq',
};
const deps = { settings: () => settings };
const scheduleArn = 'arn:aws:scheduler:eu-west-1:123456789012:schedule/default/ticks-demo-validation';

describe('CreateValidationSchedule', () => {
  beforeEach(() => scheduler.reset());

  it('It should schedule the crawl-and-query machine with the pipeline’s crawl input, retries and a DLQ', async () => {
    // Prepare
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: scheduleArn });

    // Act
    const result = await run(
      testState({}, { crawlSchedule: 'cron(0/30 * * * ? *)', windowSeconds: 10, partitionByTime: true }),
      deps,
    );

    // Assess
    expect(result).toEqual({
      scheduleName: 'ticks-demo-validation',
      scheduleArn,
      expression: 'cron(0/30 * * * ? *)',
      created: true,
    });
    const request = scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input;
    expect(request).toMatchObject({
      Name: 'ticks-demo-validation',
      ScheduleExpression: 'cron(0/30 * * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: settings.crawlStateMachineArn,
        RoleArn: settings.schedulerRoleArn,
        RetryPolicy: ValidationScheduleRetryPolicy,
        DeadLetterConfig: { Arn: settings.deadLetterQueueArn },
      },
    });
    const input = JSON.parse(request.Target!.Input!) as unknown;
    expect(input).toEqual({
      pipelineName: 'ticks-demo',
      windowSeconds: 10,
      watermarkSeconds: 5,
      outputFormat: 'csv',
      partitionByTime: true,
    });
    // The machine accepts what the schedule sends.
    expect(resolveCrawlInput(input).ok).toBe(true);
  });

  it('It should update an existing schedule to the desired one', async () => {
    // Prepare
    scheduler.on(CreateScheduleCommand).rejects(awsError('ConflictException'));
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: scheduleArn });

    // Act
    const result = await run(testState(), deps);

    // Assess
    expect(result.created).toBe(false);
    expect(scheduler.commandCalls(UpdateScheduleCommand)[0]!.args[0].input).toEqual(
      scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input,
    );
  });

  it('It should retry throttling (TransientError) and pass a validation error through', async () => {
    // Prepare
    scheduler
      .on(CreateScheduleCommand)
      .rejectsOnce(awsError('ThrottlingException'))
      .rejects(awsError('ValidationException'));

    // Act
    const first = run(testState(), deps);
    await expect(first).rejects.toMatchObject({ name: ErrorName.Transient });
    const second = run(testState(), deps);

    // Assess
    await expect(second).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('It should name the missing environment variable and who sets it', () => {
    // Act
    const act = () =>
      loadValidationScheduleSettings({ CRAWL_STATE_MACHINE_ARN: 'arn', SCHEDULER_ROLE_ARN: 'arn' });

    // Assess
    expect(act).toThrow(/VALIDATION_DLQ_ARN is not set.*infra\/crawl-and-query\.ts/);
  });
});
