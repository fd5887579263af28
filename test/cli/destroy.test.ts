import { GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli, type CliDeps } from '../../cli/main';
import { describeTeardown } from '../../cli/commands/destroy';
import type { TeardownOutput } from '../../workflow/teardown-contract';
import { fakeIo } from './fakes';

const sfnMock = mockClient(SFNClient);
const TEARDOWN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:flinkflow-teardown';

const output: TeardownOutput = {
  pipelineName: 'demo',
  keepData: true,
  snapshot: true,
  applicationStop: { from: 'RUNNING', how: 'snapshot' },
  removed: [
    { kind: 'application', name: 'demo-app', outcome: 'removed', detail: 'was READY' },
    { kind: 'stream', name: 'demo-ticks', outcome: 'removed' },
  ],
  alreadyGone: [{ kind: 'schedule', name: 'demo-validation', outcome: 'alreadyGone' }],
  kept: [
    { kind: 'bucket', name: 'flinkflow-demo-123456789012-eu-west-1', outcome: 'kept', detail: 'keepData' },
  ],
  deletedObjectVersions: 0,
};

function deps(local?: () => Promise<never>): CliDeps {
  const none = () => {
    throw new Error('not in this test');
  };
  return {
    provision: { sfn: () => new SFNClient({}), localStepFunctions: none, sleep: async () => undefined },
    destroy: {
      sfn: () => new SFNClient({ region: 'eu-west-1' }),
      localStepFunctions: local ?? none,
      sleep: async () => undefined,
    },
    produce: { useLocalCloud: none, kinesis: none, produce: none },
    cloud: { start: none, stop: none, status: none, environment: none },
    localRun: none,
  } as unknown as CliDeps;
}

beforeEach(() => sfnMock.reset());

describe('flinkflow destroy', () => {
  it('It should start the teardown with the flags as input, follow it and print what it removed and kept', async () => {
    // Prepare
    const io = fakeIo({ FLINKFLOW_TEARDOWN_STATE_MACHINE_ARN: TEARDOWN });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${TEARDOWN}:x` });
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

    // Act
    const code = await runCli(['destroy', '--pipeline', 'demo', '--keep-data'], io, deps());

    // Assess
    expect(code).toBe(0);
    const start = sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(start.stateMachineArn).toBe(TEARDOWN);
    expect(JSON.parse(start.input!)).toEqual({ pipelineName: 'demo', keepData: true, snapshot: true });
    expect(start.name).toMatch(/^destroy-demo-[0-9a-z]+$/);
    expect(io.stdout.join('\n')).toBe(describeTeardown(output));
    expect(io.stdout.join('\n')).toContain(
      'kept:\n  bucket       flinkflow-demo-123456789012-eu-west-1 (keepData)',
    );
  });

  it('It should send snapshot false for --no-snapshot', async () => {
    // Prepare
    const io = fakeIo({ FLINKFLOW_TEARDOWN_STATE_MACHINE_ARN: TEARDOWN });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${TEARDOWN}:x` });
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 2,
          type: 'ExecutionSucceeded',
          timestamp: new Date(5000),
          executionSucceededEventDetails: { output: JSON.stringify({ ...output, keepData: false }) },
        },
      ],
    });

    // Act
    const code = await runCli(['destroy', '-p', 'demo', '--no-snapshot', '--json'], io, deps());

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!)).toMatchObject({
      snapshot: false,
      keepData: false,
    });
    expect(JSON.parse(io.stdout.join('\n'))).toMatchObject({
      status: 'SUCCEEDED',
      output: { pipelineName: 'demo' },
    });
  });

  it('It should fail with exit 1, the task message, and the advice to run again', async () => {
    // Prepare
    const io = fakeIo({ FLINKFLOW_TEARDOWN_STATE_MACHINE_ARN: TEARDOWN });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${TEARDOWN}:x` });
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 3,
          type: 'ExecutionFailed',
          timestamp: new Date(0),
          executionFailedEventDetails: {
            error: 'BucketNotEmptyError',
            cause: JSON.stringify({
              errorType: 'BucketNotEmptyError',
              errorMessage: 'Bucket b received new objects',
            }),
          },
        },
      ],
    });

    // Act
    const code = await runCli(['destroy', '--pipeline', 'demo'], io, deps());

    // Assess
    expect(code).toBe(1);
    expect(io.stderr.join('\n')).toContain(
      'Teardown FAILED: BucketNotEmptyError: Bucket b received new objects',
    );
    expect(io.stderr.join('\n')).toContain('run the same command again');
  });

  it.each([
    [['destroy'], 2, "required option '-p, --pipeline <name>' not specified"],
    [['destroy', '--pipeline', 'Bad_Name'], 2, '--pipeline: must be 3-32 characters'],
    [['destroy', '--pipeline', 'demo'], 3, 'FLINKFLOW_TEARDOWN_STATE_MACHINE_ARN'],
  ])('It should refuse %j with exit %i, saying %s, and start nothing', async (argv, exit, message) => {
    // Prepare
    const io = fakeIo();

    // Act
    const code = await runCli(argv, io, deps());

    // Assess
    expect(code).toBe(exit);
    expect(io.stderr.join('\n')).toContain(message);
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });
});
