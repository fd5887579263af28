/**
 * EventBridge Scheduler on the local cloud, with the real SDK v3 clients through the edge: schedules
 * created through the API fire their targets (a real execution on the local Step Functions API, a real
 * SQS message), retries end in the dead-letter queue with the documented attributes, DISABLED and
 * deleted schedules stay quiet, and bad schedules are refused. The runner's clock is the test's: time
 * moves by assignment and `scheduleRunner.tick()` runs the tick the daemon's timer would.
 */
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  GetScheduleCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import {
  CreateQueueCommand,
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServices, type LocalServices } from '../../local/services';
import { failure } from './local-cloud-fixture';

jest.setTimeout(60_000);

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const account = '000000000000';
const roleArn = `arn:aws:iam::${account}:role/flinkflow-scheduler`;
const machineArn = `arn:aws:states:${region}:${account}:stateMachine:flinkflow-provisioning`;

let dataDir: string;
let services: LocalServices;
let scheduler: SchedulerClient;
let sfn: SFNClient;
let sqs: SQSClient;
/** The runner's clock, moved by the tests. */
let now = Date.parse('2030-01-07T10:00:30Z');
const advance = (ms: number) => {
  now += ms;
};

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-scheduler-test-'));
  services = await startServices({
    dataDir,
    scheduleClock: () => new Date(now),
    scheduleTickMs: 0,
    kinesisMetricsPeriodMs: 0,
  });
  const edge = { endpoint: services.edge, region, credentials };
  scheduler = new SchedulerClient(edge);
  sfn = new SFNClient(edge);
  sqs = new SQSClient(edge);
}, 60_000);

afterAll(async () => {
  for (const client of [scheduler, sfn, sqs]) client?.destroy();
  await services?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function schedule(
  name: string,
  overrides: Partial<CreateScheduleCommandInput> = {},
): CreateScheduleCommandInput {
  return {
    Name: name,
    ScheduleExpression: 'rate(1 minute)',
    FlexibleTimeWindow: { Mode: 'OFF' },
    State: 'ENABLED',
    Target: { Arn: machineArn, RoleArn: roleArn, Input: JSON.stringify({ pipelineName: name }) },
    ...overrides,
  };
}

async function queue(name: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  return { url: QueueUrl as string, arn: `arn:aws:sqs:${region}:${account}:${name}` };
}

async function receiveAll(url: string): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
  );
  return Messages;
}

async function executionsOf(input: string): Promise<string[]> {
  const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn }));
  const arns: string[] = [];
  for (const { executionArn } of executions) {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (described.input === input) arns.push(executionArn as string);
  }
  return arns;
}

describe('local EventBridge Scheduler: schedules fire', () => {
  it('It should start a real execution of the target state machine with the Input, at once and then every minute', async () => {
    // Prepare
    const input = schedule('rate-demo').Target?.Input as string;
    await scheduler.send(new CreateScheduleCommand(schedule('rate-demo')));

    // Act
    const first = await services.scheduleRunner.tick();
    const sameMinute = await services.scheduleRunner.tick();
    advance(60_000);
    const nextMinute = await services.scheduleRunner.tick();

    // Assess: a rate schedule without StartDate fires on creation, then once per rate.
    expect(first).toEqual([expect.objectContaining({ outcome: 'invoked', targetArn: machineArn, retry: 0 })]);
    expect(sameMinute).toEqual([]);
    expect(nextMinute).toHaveLength(1);
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: first[0]?.result }));
    expect(execution.input).toBe(input);
    expect(execution.stateMachineArn).toBe(machineArn);
    // Nothing is deployed to this cloud, so the execution fails at once; what counts is that it started.
    expect(['RUNNING', 'FAILED']).toContain(execution.status);
    expect(await executionsOf(input)).toHaveLength(2);
    await scheduler.send(new DeleteScheduleCommand({ Name: 'rate-demo' }));
  });

  it('It should not fire a DISABLED schedule, and fire it again once it is enabled', async () => {
    // Prepare
    await scheduler.send(new CreateScheduleCommand(schedule('disabled-demo', { State: 'DISABLED' })));

    // Act
    const whileDisabled = [await services.scheduleRunner.tick()];
    advance(120_000);
    whileDisabled.push(await services.scheduleRunner.tick());
    // UpdateSchedule without State sets the API's default, ENABLED.
    const enabled = schedule('disabled-demo');
    delete enabled.State;
    await scheduler.send(new UpdateScheduleCommand(enabled));
    const afterEnabling = await services.scheduleRunner.tick();

    // Assess
    expect(whileDisabled).toEqual([[], []]);
    expect((await scheduler.send(new GetScheduleCommand({ Name: 'disabled-demo' }))).State).toBe('ENABLED');
    expect(afterEnabling.map((i) => i.scheduleArn)).toEqual([
      `arn:aws:scheduler:${region}:${account}:schedule/default/disabled-demo`,
    ]);
    await scheduler.send(new DeleteScheduleCommand({ Name: 'disabled-demo' }));
  });

  it('It should stop firing a schedule once it is deleted', async () => {
    // Prepare
    await scheduler.send(new CreateScheduleCommand(schedule('deleted-demo')));
    const beforeDelete = await services.scheduleRunner.tick();

    // Act
    await scheduler.send(new DeleteScheduleCommand({ Name: 'deleted-demo' }));
    advance(5 * 60_000);
    const afterDelete = await services.scheduleRunner.tick();

    // Assess
    expect(beforeDelete).toHaveLength(1);
    expect(afterDelete).toEqual([]);
  });

  it('It should fire a cron schedule in its time zone, with the context attributes replaced in the Input', async () => {
    // Prepare: 09:00 in Berlin is 08:00 UTC in January; the target is an SQS queue.
    const target = await queue('cron-target');
    now = Date.parse('2030-01-08T07:58:30Z');
    await scheduler.send(
      new CreateScheduleCommand(
        schedule('cron-demo', {
          ScheduleExpression: 'cron(0 9 ? * TUE *)',
          ScheduleExpressionTimezone: 'Europe/Berlin',
          Target: {
            Arn: target.arn,
            RoleArn: roleArn,
            Input: '{"scheduledAt":"<aws.scheduler.scheduled-time>"}',
          },
        }),
      ),
    );

    // Act: one tick per minute from 07:58:30 to 08:01:30 UTC.
    const fired = [];
    for (let minute = 0; minute < 4; minute++) {
      fired.push(...(await services.scheduleRunner.tick()));
      advance(60_000);
    }

    // Assess
    expect(fired).toEqual([
      expect.objectContaining({ scheduledTime: '2030-01-08T08:00:00Z', outcome: 'invoked' }),
    ]);
    const messages = await receiveAll(target.url);
    expect(messages.map((m) => m.Body)).toEqual(['{"scheduledAt":"2030-01-08T08:00:00Z"}']);
    await scheduler.send(new DeleteScheduleCommand({ Name: 'cron-demo' }));
  });
});

describe('local EventBridge Scheduler: a start that fails', () => {
  it('It should retry a failed start by the RetryPolicy and then send the event to the dead-letter queue', async () => {
    // Prepare: a one-time schedule whose state machine does not exist.
    const dlq = await queue('validation-dlq');
    const missing = `arn:aws:states:${region}:${account}:stateMachine:no-such-machine`;
    now = Date.parse('2030-01-09T12:00:00Z');
    const created = await scheduler.send(
      new CreateScheduleCommand(
        schedule('dlq-demo', {
          ScheduleExpression: 'at(2030-01-09T12:00:00)',
          Target: {
            Arn: missing,
            RoleArn: roleArn,
            Input: '{"pipelineName":"dlq-demo"}',
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
            DeadLetterConfig: { Arn: dlq.arn },
          },
        }),
      ),
    );

    // Act: the first attempt, then each retry when due (1 s, then 2 s later).
    const attempts = [...(await services.scheduleRunner.tick())];
    advance(1000);
    attempts.push(...(await services.scheduleRunner.tick()));
    advance(2000);
    attempts.push(...(await services.scheduleRunner.tick()));
    advance(60_000);
    const later = await services.scheduleRunner.tick();

    // Assess
    expect(attempts.map((a) => [a.retry, a.outcome])).toEqual([
      [0, 'retry-pending'],
      [1, 'retry-pending'],
      [2, 'dead-lettered'],
    ]);
    expect(later).toEqual([]);
    const [message, ...others] = await receiveAll(dlq.url);
    expect(others).toEqual([]);
    expect(message?.Body).toBe('{"pipelineName":"dlq-demo"}');
    const attributes = Object.fromEntries(
      Object.entries(message?.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]),
    );
    expect(attributes).toEqual({
      ERROR_CODE: 'StateMachineDoesNotExist',
      ERROR_MESSAGE: expect.stringContaining('no-such-machine'),
      EXECUTION_ID: expect.stringMatching(/^[0-9a-f-]{36}$/),
      EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
      IS_PAYLOAD_TRUNCATED: 'false',
      RETRY_ATTEMPTS: '2',
      SCHEDULED_TIME: '2030-01-09T12:00:00Z',
      SCHEDULE_ARN: created.ScheduleArn,
      TARGET_ARN: missing,
    });
    await scheduler.send(new DeleteScheduleCommand({ Name: 'dlq-demo' }));
  });

  it('It should give up when the event is older than MaximumEventAgeInSeconds', async () => {
    // Prepare
    const dlq = await queue('age-dlq');
    await sqs.send(new PurgeQueueCommand({ QueueUrl: dlq.url }));
    now = Date.parse('2030-01-10T00:00:00Z');
    await scheduler.send(
      new CreateScheduleCommand(
        schedule('age-demo', {
          ScheduleExpression: 'at(2030-01-10T00:00:00)',
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: `arn:aws:states:${region}:${account}:stateMachine:no-such-machine`,
            RoleArn: roleArn,
            Input: '{}',
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 60 },
            DeadLetterConfig: { Arn: dlq.arn },
          },
        }),
      ),
    );

    // Act: retries at +1, +3, +7, +15, +31 s; the next would be at +63 s, past the 60 s age.
    const outcomes: string[] = [];
    for (const wait of [0, 1000, 2000, 4000, 8000, 16_000]) {
      advance(wait);
      outcomes.push(...(await services.scheduleRunner.tick()).map((i) => i.outcome));
    }

    // Assess
    expect(outcomes).toEqual([...Array<string>(5).fill('retry-pending'), 'dead-lettered']);
    const [message] = await receiveAll(dlq.url);
    expect(message?.MessageAttributes?.['EXHAUSTED_RETRY_CONDITION']?.StringValue).toBe(
      'MaximumEventAgeInSeconds',
    );
    expect(message?.MessageAttributes?.['RETRY_ATTEMPTS']?.StringValue).toBe('5');
    // A one-time schedule with ActionAfterCompletion DELETE is gone once it fired.
    const gone = await failure(scheduler.send(new GetScheduleCommand({ Name: 'age-demo' })));
    expect(gone.name).toBe('ResourceNotFoundException');
  });
});

describe('local EventBridge Scheduler: bad schedules', () => {
  it.each([
    ['rate(0 minutes)', /a rate must be a positive whole number/],
    ['rate(5 minute)', /write rate\(1 minute\) for one unit and rate\(5 minutes\)/],
    ['cron(0 8 * * * *)', /exactly one of Day-of-month and Day-of-week must be "\?"/],
    ['cron(0 8 ? * 2#1,3#2 *)', /a "#" entry must be the field's only entry/],
    ['at(2030-02-30T08:00:00)', /not a date and time that exists/],
    ['every 5 minutes', /none of rate\(value unit\), cron\(fields\) or at\(yyyy-mm-ddThh:mm:ss\)/],
  ])(
    'It should refuse the expression %s with a ValidationException that says why',
    async (expression, why) => {
      // Act
      const error = await failure(
        scheduler.send(
          new CreateScheduleCommand(schedule('bad-expression', { ScheduleExpression: expression })),
        ),
      );

      // Assess
      expect(error.name).toBe('ValidationException');
      expect(error.message).toMatch(why);
    },
  );

  it('It should refuse a schedule without a flexible time window, a role or a valid retry policy, naming each', async () => {
    // Act
    const error = await failure(
      scheduler.send(
        new CreateScheduleCommand({
          Name: 'bad-target',
          ScheduleExpression: 'rate(5 minutes)',
          ScheduleExpressionTimezone: 'Mars/Olympus',
          Target: { Arn: machineArn, RetryPolicy: { MaximumRetryAttempts: 200 } },
        } as CreateScheduleCommandInput),
      ),
    );

    // Assess
    expect(error.name).toBe('ValidationException');
    expect(error.message).toMatch(/ScheduleExpressionTimezone "Mars\/Olympus" is not a time zone/);
    expect(error.message).toMatch(/FlexibleTimeWindow is required/);
    expect(error.message).toMatch(/Target.RoleArn must be an IAM role ARN/);
    expect(error.message).toMatch(/MaximumRetryAttempts 200 must be between 0 and 185/);
    const missing = await failure(scheduler.send(new GetScheduleCommand({ Name: 'bad-target' })));
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  it('It should skip a schedule it cannot evaluate (written to moto past the gateway) and fire the others', async () => {
    // Prepare
    const moto = new SchedulerClient({ endpoint: services.endpoints.s3, region, credentials });
    await moto.send(
      new CreateScheduleCommand(schedule('past-the-gateway', { ScheduleExpression: 'every 5 minutes' })),
    );
    await scheduler.send(new CreateScheduleCommand(schedule('alongside')));

    // Act
    const fired = await services.scheduleRunner.tick();

    // Assess
    expect(fired.map((i) => i.scheduleArn)).toEqual([
      `arn:aws:scheduler:${region}:${account}:schedule/default/alongside`,
    ]);
    await moto.send(new DeleteScheduleCommand({ Name: 'past-the-gateway' }));
    await scheduler.send(new DeleteScheduleCommand({ Name: 'alongside' }));
    moto.destroy();
  });
});
