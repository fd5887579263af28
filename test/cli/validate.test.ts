import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli, type CliDeps } from '../../cli/main';
import { verdictTable } from '../../cli/commands/validate';
import type { ValidationVerdict } from '../../workflow/crawl-contract';
import { fakeIo } from './fakes';
import { awsError } from '../support/aws-errors';

const sfnMock = mockClient(SFNClient);
const schedulerMock = mockClient(SchedulerClient);
const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:flinkflow-crawl-and-query';

const verdict = (failed: Array<'freshness' | 'uniqueness'> = []): ValidationVerdict => ({
  pipelineName: 'demo',
  passed: failed.length === 0,
  failed,
  asOf: '2026-12-01T12:00:00.000Z',
  table: 'demo_output',
  checks: [
    {
      check: 'freshness',
      passed: !failed.includes('freshness'),
      value: failed.includes('freshness') ? 42.5 : 1.25,
      threshold: 5,
      detail: 'minutes since the newest closed window ended',
      queryExecutionId: 'q-1',
      bytesScanned: 100,
    },
    {
      check: 'uniqueness',
      passed: !failed.includes('uniqueness'),
      value: failed.includes('uniqueness') ? 3 : 0,
      threshold: 0,
      detail: failed.includes('uniqueness') ? '3 (ticker, window) pairs twice: AAPL@12:00' : 'no duplicates',
      queryExecutionId: 'q-2',
      bytesScanned: 200,
    },
  ],
  queries: 2,
  bytesScanned: 300,
});

function deps(): CliDeps {
  const none = () => {
    throw new Error('not in this test');
  };
  return {
    validate: {
      sfn: () => new SFNClient({ region: 'eu-west-1' }),
      localStepFunctions: none,
      scheduler: () => new SchedulerClient({ region: 'eu-west-1' }),
      sleep: async () => undefined,
    },
  } as unknown as CliDeps;
}

function executionEnds(output: ValidationVerdict) {
  sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${MACHINE}:x` });
  sfnMock.on(GetExecutionHistoryCommand).resolves({
    events: [
      { id: 1, type: 'ExecutionStarted', timestamp: new Date(0) },
      {
        id: 2,
        type: 'ExecutionSucceeded',
        timestamp: new Date(5000),
        executionSucceededEventDetails: { output: JSON.stringify(output) },
      },
    ],
  });
}

beforeEach(() => {
  sfnMock.reset();
  schedulerMock.reset();
});

describe('flinkflow validate', () => {
  it("It should run the machine with the schedule's input, print the verdict as a table and exit 0 when every check passes", async () => {
    // Prepare
    const io = fakeIo({ FLINKFLOW_VALIDATION_STATE_MACHINE_ARN: MACHINE });
    const scheduled = { pipelineName: 'demo', windowSeconds: 30, watermarkSeconds: 4, partitionByTime: true };
    schedulerMock
      .on(GetScheduleCommand)
      .resolves({ Target: { Arn: MACHINE, RoleArn: 'r', Input: JSON.stringify(scheduled) } });
    executionEnds(verdict());

    // Act
    const code = await runCli(['validate', '--pipeline', 'demo'], io, deps());

    // Assess
    expect(code).toBe(0);
    expect(schedulerMock).toHaveReceivedCommandWith(GetScheduleCommand, { Name: 'demo-validation' });
    const start = sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(start.stateMachineArn).toBe(MACHINE);
    expect(JSON.parse(start.input!)).toEqual(scheduled);
    expect(start.name).toMatch(/^validate-demo-[0-9a-z]+$/);
    const printed = io.stdout.join('\n');
    expect(printed).toBe(verdictTable(verdict()));
    expect(printed).toMatch(/^freshness\s+pass\s+1\.25\s+5\s+minutes since/m);
    expect(printed).toContain('passed: all 2 checks (2 queries, 300 bytes scanned)');
  });

  it('It should exit 1 naming the failed checks and their values when a check fails', async () => {
    // Prepare
    const io = fakeIo({ FLINKFLOW_VALIDATION_STATE_MACHINE_ARN: MACHINE });
    schedulerMock
      .on(GetScheduleCommand)
      .resolves({ Target: { Arn: MACHINE, RoleArn: 'r', Input: '{"pipelineName":"demo"}' } });
    executionEnds(verdict(['uniqueness']));

    // Act
    const code = await runCli(['validate', '--pipeline', 'demo'], io, deps());

    // Assess
    expect(code).toBe(1);
    expect(io.stdout.join('\n')).toMatch(/^uniqueness\s+FAIL\s+3\s+0\s+3 \(ticker, window\) pairs twice/m);
    expect(io.stdout.join('\n')).toContain('FAILED: uniqueness');
    expect(io.stderr.join('\n')).toContain('Validation of demo failed: uniqueness');
  });

  it('It should say the pipeline has no schedule and use the window flags when GetSchedule finds none', async () => {
    // Prepare
    const io = fakeIo({ FLINKFLOW_VALIDATION_STATE_MACHINE_ARN: MACHINE });
    schedulerMock
      .on(GetScheduleCommand)
      .rejects(awsError('ResourceNotFoundException', { message: 'no schedule' }));
    executionEnds(verdict());

    // Act
    const code = await runCli(['validate', '-p', 'demo', '--window-seconds', '10', '--json'], io, deps());

    // Assess
    expect(code).toBe(0);
    expect(io.stderr.join('\n')).toContain('demo has no validation schedule (demo-validation)');
    expect(JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!)).toEqual({
      pipelineName: 'demo',
      windowSeconds: 10,
    });
    expect(JSON.parse(io.stdout.join('\n'))).toMatchObject({ status: 'SUCCEEDED', output: { passed: true } });
  });

  it('It should refuse an invalid pipeline name with exit code 2 before starting anything', async () => {
    // Prepare
    const io = fakeIo({ FLINKFLOW_VALIDATION_STATE_MACHINE_ARN: MACHINE });
    schedulerMock
      .on(GetScheduleCommand)
      .rejects(awsError('ResourceNotFoundException', { message: 'no schedule' }));

    // Act
    const code = await runCli(['validate', '-p', 'Not A Name'], io, deps());

    // Assess
    expect(code).toBe(2);
    expect(io.stderr.join('\n')).toContain('pipelineName');
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('It should exit 3 and name the variable and stack output when no machine is given', async () => {
    // Prepare
    const io = fakeIo({});

    // Act
    const code = await runCli(['validate', '-p', 'demo'], io, deps());

    // Assess
    expect(code).toBe(3);
    expect(io.stderr.join('\n')).toContain(
      'FLINKFLOW_VALIDATION_STATE_MACHINE_ARN (the stack output CrawlAndQueryStateMachineArn)',
    );
  });

  it('It should exit 1 with the reason when the checks could not run', async () => {
    // Prepare
    const io = fakeIo({ FLINKFLOW_VALIDATION_STATE_MACHINE_ARN: MACHINE });
    schedulerMock
      .on(GetScheduleCommand)
      .resolves({ Target: { Arn: MACHINE, RoleArn: 'r', Input: '{"pipelineName":"demo"}' } });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${MACHINE}:x` });
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 3,
          type: 'ExecutionFailed',
          timestamp: new Date(0),
          executionFailedEventDetails: { error: 'QueryFailedError', cause: 'SYNTAX_ERROR: line 1' },
        },
      ],
    });

    // Act
    const code = await runCli(['validate', '-p', 'demo'], io, deps());

    // Assess
    expect(code).toBe(1);
    expect(io.stderr.join('\n')).toContain('Validation FAILED: the checks could not run: QueryFailedError');
    expect(io.stderr.join('\n')).toContain('SYNTAX_ERROR: line 1');
  });
});
