/**
 * CreateValidationSchedule: the EventBridge Scheduler schedule that starts the crawl-and-query machine
 * for the pipeline, on the input's crawlSchedule (a Glue cron, which Scheduler's cron syntax includes).
 * Its target input is the pipeline's crawl input (its window settings); a start that fails is retried
 * by Scheduler and then sent to the dead-letter queue. An existing schedule is updated to the desired one.
 */
import {
  CreateScheduleCommand,
  UpdateScheduleCommand,
  type CreateScheduleInput,
} from '@aws-sdk/client-scheduler';
import { PipelineNames, ProvisionState, type ProvisionExecutionState } from '../../workflow/contract';
import { ValidationScheduleVariables, type ValidationScheduleSettings } from '../../workflow/crawl-contract';
import { crawlInputOf } from '../../workflow/crawl-input';
import { isAwsError, partitionOf, requireExecutionState } from '../shared/aws';
import { ConfigurationError } from '../shared/errors';
import { taskHandler } from '../shared/handler';
import { resolveDeps, type TaskDeps } from '../shared/runtime';
import { withTransientErrors } from '../shared/transient';

export type CreateValidationScheduleResult = NonNullable<ProvisionExecutionState['validationSchedule']>;

/**
 * Scheduler retries a failed StartExecution (throttling, a missing permission being fixed) this often
 * and for at most this long; the event then goes to the dead-letter queue. Ten minutes keeps a retried
 * start from overlapping the next run of a schedule every 15 minutes.
 */
export const ValidationScheduleRetryPolicy = {
  MaximumRetryAttempts: 3,
  MaximumEventAgeInSeconds: 600,
} as const;

/** Reads the schedule's target, role and queue from the environment the stack sets. */
export function loadValidationScheduleSettings(
  env: NodeJS.ProcessEnv = process.env,
): ValidationScheduleSettings {
  const read = (name: string) => {
    const value = env[name]?.trim();
    if (!value) {
      throw new ConfigurationError(
        `Environment variable ${name} is not set. The stack (infra/crawl-and-query.ts) sets it on CreateValidationSchedule; ` +
          'when running the task yourself, set it before the first invocation.',
      );
    }
    return value;
  };
  return {
    crawlStateMachineArn: read(ValidationScheduleVariables.crawlStateMachineArn),
    schedulerRoleArn: read(ValidationScheduleVariables.schedulerRoleArn),
    deadLetterQueueArn: read(ValidationScheduleVariables.deadLetterQueueArn),
  };
}

/** The desired schedule, as CreateSchedule (and UpdateSchedule, which replaces every field) takes it. */
export function scheduleRequest(
  state: ProvisionExecutionState,
  settings: ValidationScheduleSettings,
): CreateScheduleInput {
  const { config } = state;
  return {
    Name: PipelineNames.validationSchedule(config.pipelineName),
    GroupName: 'default',
    Description: `flinkflow pipeline ${config.pipelineName}: crawl its output and validate it with Athena`,
    ScheduleExpression: config.crawlSchedule,
    ScheduleExpressionTimezone: 'UTC',
    // Runs at the expression's times exactly: the checks measure against the run's start.
    FlexibleTimeWindow: { Mode: 'OFF' },
    State: 'ENABLED',
    Target: {
      Arn: settings.crawlStateMachineArn,
      RoleArn: settings.schedulerRoleArn,
      Input: JSON.stringify(crawlInputOf(config)),
      RetryPolicy: { ...ValidationScheduleRetryPolicy },
      DeadLetterConfig: { Arn: settings.deadLetterQueueArn },
    },
  };
}

export interface CreateValidationScheduleDeps extends TaskDeps {
  settings: () => ValidationScheduleSettings;
}

export const run = withTransientErrors(
  async (
    event: ProvisionExecutionState,
    deps: Partial<CreateValidationScheduleDeps> = {},
  ): Promise<CreateValidationScheduleResult> => {
    const state = requireExecutionState(event, ProvisionState.CreateValidationSchedule);
    const d = resolveDeps(deps);
    const request = scheduleRequest(state, (deps.settings ?? loadValidationScheduleSettings)());
    const name = request.Name as string;
    let created = true;
    let arn: string | undefined;
    try {
      arn = (await d.clients.scheduler.send(new CreateScheduleCommand(request))).ScheduleArn;
    } catch (error) {
      // Scheduler answers ConflictException for a schedule that exists (API reference, CreateSchedule).
      if (!isAwsError(error, 'ConflictException')) throw error;
      created = false;
      arn = (await d.clients.scheduler.send(new UpdateScheduleCommand(request))).ScheduleArn;
    }
    const { config } = state;
    return {
      scheduleName: name,
      scheduleArn:
        arn ??
        `arn:${partitionOf(config.region)}:scheduler:${config.region}:${config.account}:schedule/default/${name}`,
      expression: config.crawlSchedule,
      created,
    };
  },
);

export const handler = taskHandler(
  ProvisionState.CreateValidationSchedule,
  (event: ProvisionExecutionState) => run(event),
);
