import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import type { LocalCloudDeps } from '../../cli/commands/local';
import { EnvironmentError, InterruptedError, OperationFailedError, UsageError } from '../../cli/errors';
import { runCli, type CliDeps } from '../../cli/main';
import type { ProduceOptions, ProduceResult } from '../../producer';
import { fakeIo } from './fakes';

const sfnMock = mockClient(SFNClient);
const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:flinkflow-provisioning';

function fakeDeps(
  overrides: Partial<{ produce: CliDeps['produce']['produce']; cloud: Partial<LocalCloudDeps> }> = {},
) {
  const produced: ProduceOptions[] = [];
  const deps: CliDeps = {
    provision: {
      sfn: () => new SFNClient({ region: 'eu-west-1' }),
      localStepFunctions: async () => {
        throw new EnvironmentError(
          'The local cloud is not running. Start it with `flinkflow local up` (or use `flinkflow local run`).',
        );
      },
      sleep: async () => undefined,
    },
    destroy: {
      sfn: () => new SFNClient({ region: 'eu-west-1' }),
      localStepFunctions: async () => {
        throw new EnvironmentError('The local cloud is not running. Start it with `flinkflow local up`.');
      },
      sleep: async () => undefined,
    },
    validate: {
      sfn: () => new SFNClient({ region: 'eu-west-1' }),
      localStepFunctions: async () => {
        throw new EnvironmentError('The local cloud is not running. Start it with `flinkflow local up`.');
      },
      scheduler: () => new SchedulerClient({ region: 'eu-west-1' }),
      sleep: async () => undefined,
    },
    produce: {
      useLocalCloud: async () => undefined,
      kinesis: () => ({ send: async () => ({}) }) as never,
      produce:
        overrides.produce ??
        (async (options): Promise<ProduceResult> => {
          produced.push(options);
          return {
            seed: options.seed ?? 1,
            delivered: options.count ?? 0,
            requests: 1,
            retriedRecords: 0,
            deliveredByTicker: { AAPL: 3, MSFT: 2 },
            stoppedBy: 'count',
            elapsedMs: 1000,
            recordsPerSecond: 5,
          };
        }),
    },
    redeploy: {
      target: async () => {
        throw new EnvironmentError('The local cloud is not running. Start it with `flinkflow local up`.');
      },
      sleep: async () => undefined,
      now: () => 0,
    },
    cloud: {
      start: async () => {
        throw new Error('not in this test');
      },
      stop: async () => ({ wasRunning: false, killed: [] }),
      status: async () => ({ running: false, home: '/tmp/ff', services: {}, residentBytes: 0, processes: 0 }),
      environment: () => ({}),
      ...overrides.cloud,
    },
    localRun: () => {
      throw new Error('local run must not start in these tests');
    },
  };
  return { deps, produced };
}

beforeEach(() => sfnMock.reset());

describe('flinkflow: usage and help', () => {
  it('It should print help with the exit codes and exit 0', async () => {
    // Prepare
    const io = fakeIo();

    // Act
    const code = await runCli(['--help'], io, fakeDeps().deps);

    // Assess
    expect(code).toBe(0);
    const help = io.stdout.join('\n');
    expect(help).toContain('provision [options]');
    expect(help).toContain('produce [options]');
    expect(help).toContain('local');
    expect(help).toContain('130  interrupted');
  });

  it.each([
    [['bogus'], "unknown command 'bogus'"],
    [
      ['produce', '--stream', 's', '--rate', 'abc', '--count', '1'],
      "option '-r, --rate <n>' argument 'abc' is invalid. Use a number greater than 0.",
    ],
    [
      ['produce', '--stream', 's', '--count', '0'],
      "option '-n, --count <n>' argument '0' is invalid. Use a whole number >= 1.",
    ],
    [
      ['provision', '--pipeline-name', 'demo', '--window-seconds', '7200'],
      'Use a whole number from 1 to 3600.',
    ],
    [['provision', '--pipeline-name', 'demo', '--output-format', 'orc'], 'Allowed choices are csv, parquet.'],
    [
      ['provision', '--pipeline-name', 'demo', '--health-settle-seconds', '5'],
      'Use a whole number from 10 to 3600.',
    ],
    [['local', 'run', '--seed', '-1'], 'Use a whole number from 0 to 2147483647.'],
  ])('It should exit 2 with a clear message for %j', async (argv, message) => {
    // Prepare
    const io = fakeIo();

    // Act
    const code = await runCli(argv, io, fakeDeps().deps);

    // Assess
    expect(code).toBe(2);
    expect(io.stderr.join('\n')).toContain(message);
  });
});

describe('flinkflow produce', () => {
  it('It should pass stream, rate, count and seed to the producer and print what it delivered', async () => {
    // Prepare
    const io = fakeIo();
    const { deps, produced } = fakeDeps();

    // Act
    const code = await runCli(
      ['produce', '--stream', 'ticks', '--rate', '100', '--count', '5', '--seed', '7'],
      io,
      deps,
    );

    // Assess
    expect(code).toBe(0);
    expect(produced[0]).toMatchObject({ streamName: 'ticks', ratePerSecond: 100, count: 5, seed: 7 });
    expect(io.stdout.join('\n')).toContain('Delivered 5 events in 1 PutRecords calls');
    expect(io.stdout.join('\n')).toContain('AAPL 3, MSFT 2');
  });

  it('It should refuse an unbounded run before producing anything', async () => {
    // Prepare
    const io = fakeIo();
    const { deps, produced } = fakeDeps();

    // Act
    const code = await runCli(['produce', '--stream', 'ticks'], io, deps);

    // Assess
    expect(code).toBe(2);
    expect(produced).toHaveLength(0);
    expect(io.stderr.join('\n')).toContain(
      'Bound the run: --count <n> events, --duration <seconds>, or both',
    );
  });
});

describe('flinkflow provision on AWS', () => {
  const history: HistoryEvent[] = [
    { id: 1, type: 'ExecutionStarted', timestamp: new Date(0) },
    {
      id: 2,
      type: 'TaskStateEntered',
      timestamp: new Date(1000),
      stateEnteredEventDetails: { name: 'ValidateInput' },
    },
    {
      id: 3,
      type: 'TaskStateExited',
      timestamp: new Date(1500),
      stateExitedEventDetails: { name: 'ValidateInput' },
    },
  ];

  it('It should start an execution named after the request and print each state until it succeeds', async () => {
    // Prepare
    const io = fakeIo({ FLINKFLOW_STATE_MACHINE_ARN: STATE_MACHINE });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE}:x` });
    sfnMock
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: history })
      .resolves({
        events: [
          ...history,
          {
            id: 4,
            type: 'ExecutionSucceeded',
            timestamp: new Date(61_000),
            executionSucceededEventDetails: {
              output: JSON.stringify({
                pipelineName: 'demo',
                streamName: 'demo-ticks',
                bucketName: 'b',
                codeObject: { key: 'k', versionId: 'v' },
                applicationName: 'demo-app',
                applicationStatus: 'RUNNING',
                applicationVersionId: 2,
                crawlerName: 'c',
                crawlSchedule: 's',
                validationScheduleName: 'demo-validation',
                glueDatabase: 'g',
                outputLocation: 's3://b/output/',
                health: { restarts: 0, completedCheckpoints: 3, settleSeconds: 120, checks: 2 },
              }),
            },
          },
        ],
      });

    // Act
    const code = await runCli(
      [
        'provision',
        '--pipeline-name',
        'demo',
        '--window-seconds',
        '10',
        '--health-settle-seconds',
        '45',
        '--keep-unhealthy-running',
      ],
      io,
      fakeDeps().deps,
    );

    // Assess
    expect(code).toBe(0);
    const start = sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start).toMatchObject({
      stateMachineArn: STATE_MACHINE,
      input: JSON.stringify({
        pipelineName: 'demo',
        windowSeconds: 10,
        healthSettleSeconds: 45,
        keepUnhealthyRunning: true,
      }),
    });
    expect(start?.name).toMatch(/^demo-[0-9a-f]{16}$/);
    const progress = io.stderr.join('\n');
    expect(progress.match(/> ValidateInput/g)).toHaveLength(1);
    expect(progress).toContain('ok ValidateInput (0.5 s)');
    expect(progress).toContain('Execution SUCCEEDED in 61.0 s');
    expect(io.stdout.join('\n')).toContain('application  demo-app RUNNING (version 2)');
    expect(io.stdout.join('\n')).toContain(
      'health       0 restarts, 3 completed checkpoints after 120 s (2 checks)',
    );
    expect(io.stdout.join('\n')).toContain('crawler      c -> database g');
    expect(io.stdout.join('\n')).toContain('validation   demo-validation (s) starts crawl-and-query');
  });

  it('It should follow the execution that already ran for the same request instead of starting another', async () => {
    // Prepare
    const io = fakeIo();
    sfnMock
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists' }));
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 9,
          type: 'ExecutionFailed',
          timestamp: new Date(0),
          executionFailedEventDetails: { error: 'InvalidCodeError', cause: 'zip has no main.py' },
        },
      ],
    });

    // Act
    const code = await runCli(
      ['provision', '-p', 'demo', '--state-machine-arn', STATE_MACHINE],
      io,
      fakeDeps().deps,
    );

    // Assess
    expect(code).toBe(1);
    const history = sfnMock.commandCalls(GetExecutionHistoryCommand)[0]?.args[0].input;
    expect(history?.executionArn).toMatch(
      /^arn:aws:states:eu-west-1:123456789012:execution:flinkflow-provisioning:demo-[0-9a-f]{16}$/,
    );
    expect(io.stderr.join('\n')).toContain('This request already ran as');
    expect(io.stderr.join('\n')).toContain('flinkflow: Provisioning FAILED: InvalidCodeError');
    expect(io.stderr.join('\n')).toContain('zip has no main.py');
  });

  it('It should validate the document before starting anything and say which field is wrong', async () => {
    // Prepare
    const io = fakeIo({ FLINKFLOW_STATE_MACHINE_ARN: STATE_MACHINE });

    // Act
    const code = await runCli(
      ['provision', '-p', 'demo', '--window-seconds', '10', '--watermark-seconds', '120'],
      io,
      fakeDeps().deps,
    );

    // Assess
    expect(code).toBe(2);
    expect(io.stderr.join('\n')).toContain('watermarkSeconds: must be less than 10 windows');
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('It should exit 3 when it does not know the state machine', async () => {
    // Prepare
    const io = fakeIo();

    // Act
    const code = await runCli(['provision', '-p', 'demo'], io, fakeDeps().deps);

    // Assess
    expect(code).toBe(3);
    expect(io.stderr.join('\n')).toContain(
      'Pass --state-machine-arn <arn> or set FLINKFLOW_STATE_MACHINE_ARN',
    );
  });

  it('It should return without following when asked, with the execution status', async () => {
    // Prepare
    const io = fakeIo({ FLINKFLOW_STATE_MACHINE_ARN: STATE_MACHINE });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE}:x` });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    // Act
    const code = await runCli(['provision', '-p', 'demo', '--no-follow', '--json'], io, fakeDeps().deps);

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(io.stdout.join(''))).toMatchObject({ status: 'RUNNING', alreadyStarted: false });
    expect(sfnMock.commandCalls(GetExecutionHistoryCommand)).toHaveLength(0);
  });
});

describe('flinkflow provision --local', () => {
  it("It should run the same Step Functions calls against the local cloud's endpoint and state machine", async () => {
    // Prepare
    const io = fakeIo({ FLINKFLOW_STATE_MACHINE_ARN: STATE_MACHINE });
    const localArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:flinkflow-provisioning';
    const targets: unknown[] = [];
    const { deps } = fakeDeps();
    deps.provision.localStepFunctions = async () => ({
      endpoint: 'http://127.0.0.1:4588',
      region: 'us-east-1',
      stateMachineArn: localArn,
    });
    deps.provision.sfn = (local) => {
      targets.push(local);
      return new SFNClient({ region: 'us-east-1' });
    };
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${localArn}:x` });
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 1,
          type: 'ExecutionFailed',
          timestamp: new Date(0),
          executionFailedEventDetails: { error: 'InvalidCodeError', cause: 'zip has no main.py' },
        },
      ],
    });

    // Act
    const code = await runCli(['provision', '--local', '-p', 'demo'], io, deps);

    // Assess
    expect(code).toBe(1);
    expect(targets).toEqual([
      { endpoint: 'http://127.0.0.1:4588', region: 'us-east-1', stateMachineArn: localArn },
    ]);
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toMatchObject({
      stateMachineArn: localArn,
      name: expect.stringMatching(/^demo-[0-9a-f]{16}$/),
    });
    expect(io.stderr.join('\n')).toContain(`Execution ${localArn}:x`);
    expect(io.stderr.join('\n')).toContain('flinkflow: Provisioning FAILED: InvalidCodeError');
  });

  it('It should exit 3 and say how to start the local cloud when none runs, before starting anything', async () => {
    // Prepare
    const io = fakeIo();
    const { deps } = fakeDeps();

    // Act
    const code = await runCli(['provision', '--local', '-p', 'demo'], io, deps);

    // Assess
    expect(code).toBe(3);
    expect(io.stderr.join('\n')).toContain(
      'The local cloud is not running. Start it with `flinkflow local up`',
    );
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('flinkflow local status', () => {
  it('It should say how to start the local cloud and exit 3 when it is not running', async () => {
    // Prepare
    const io = fakeIo();

    // Act
    const code = await runCli(['local', 'status'], io, fakeDeps().deps);

    // Assess
    expect(code).toBe(3);
    expect(io.stdout.join('\n')).toContain(
      'The local cloud is not running (home /tmp/ff). Start it with: flinkflow local up',
    );
  });
});

describe('flinkflow local run', () => {
  it('It should provision with short windows by default, print the summary as JSON and exit 1 when provisioning fails', async () => {
    // Prepare
    const io = fakeIo();
    const provisioned: Array<Record<string, unknown>> = [];
    const calls: string[] = [];
    const { deps } = fakeDeps();
    deps.localRun = () => ({
      cloud: {
        isRunning: async () => false,
        start: async () => ({
          environment: {},
          account: '000000000000',
          region: 'us-east-1',
          dataDir: '/tmp/ff/local/data',
        }),
        stop: async () => void calls.push('stop'),
      },
      applyEnvironment: () => undefined,
      clients: () => ({}) as never,
      deploy: async () => ({}),
      provision: async (input) => {
        provisioned.push(input);
        return { status: 'FAILED', error: 'InvalidCodeError', cause: 'zip has no main.py' };
      },
      validate: async () => {
        throw new Error('must not validate after a failed provisioning');
      },
      produce: async () => {
        throw new Error('must not produce after a failed provisioning');
      },
      poller: { now: () => 0, sleep: async () => undefined, signal: io.signal },
      log: (line) => io.err(line),
      onProgress: () => undefined,
    });

    // Act
    const code = await runCli(['local', 'run', '--json', '--seed', '7'], io, deps);

    // Assess
    expect(code).toBe(1);
    expect(provisioned).toEqual([{ pipelineName: 'local-demo', windowSeconds: 10, watermarkSeconds: 2 }]);
    const summary = JSON.parse(io.stdout.join(''));
    expect(summary).toMatchObject({ ok: false, seed: 7, windowSeconds: 10, watermarkSeconds: 2 });
    expect(summary.steps.map((s: { name: string }) => s.name)).toEqual([
      'start local cloud',
      'deploy code and catalog',
      'provision',
      'stop local cloud',
    ]);
    expect(summary.error).toBe('Provisioning FAILED: InvalidCodeError (zip has no main.py)');
    expect(calls).toEqual(['stop']);
  });
});

describe('flinkflow errors from the environment', () => {
  it('It should exit 3 and say how to set a region when the SDK has none', async () => {
    // Prepare
    const io = fakeIo({ FLINKFLOW_STATE_MACHINE_ARN: STATE_MACHINE });
    sfnMock.on(StartExecutionCommand).rejects(new Error('Region is missing'));

    // Act
    const code = await runCli(['provision', '-p', 'demo'], io, fakeDeps().deps);

    // Assess
    expect(code).toBe(3);
    expect(io.stderr.join('\n')).toContain('flinkflow: no AWS region: set AWS_REGION');
  });
});

describe('flinkflow exit codes for what a command throws', () => {
  const failingProduce = (error: unknown) =>
    fakeDeps({
      produce: async () => {
        throw error;
      },
    }).deps;
  const produceArgs = ['produce', '--stream', 'ticks', '--count', '1'];

  it.each([
    [new UsageError('--rate: use a number greater than 0'), 2],
    [new EnvironmentError('the local cloud is not running'), 3],
    [new OperationFailedError('the execution failed'), 1],
    [new InterruptedError('Interrupted while producing.'), 130],
  ])('It should print the message of a %p and exit with its code %i', async (error, expected) => {
    // Prepare
    const io = fakeIo();

    // Act
    const code = await runCli(produceArgs, io, failingProduce(error));

    // Assess
    expect(code).toBe(expected);
    expect(io.stderr).toEqual([`flinkflow: ${error.message}`]);
  });

  it('It should exit 2 with the message of the producer input error', async () => {
    // Prepare
    const io = fakeIo();
    const error = Object.assign(new Error('tickers must not be empty'), { name: 'ProducerInputError' });

    // Act
    const code = await runCli(produceArgs, io, failingProduce(error));

    // Assess
    expect(code).toBe(2);
    expect(io.stderr).toEqual(['flinkflow: tickers must not be empty']);
  });

  it.each([
    [
      'a CredentialsProviderError',
      Object.assign(new Error('no credentials'), { name: 'CredentialsProviderError' }),
    ],
    ['an error named ECONNREFUSED', Object.assign(new Error('refused'), { name: 'ECONNREFUSED' })],
    ['a message with ECONNREFUSED', new Error('connect ECONNREFUSED 127.0.0.1:4567')],
  ])('It should exit 3 when AWS or the endpoint cannot be reached (%s)', async (_what, error) => {
    // Prepare
    const io = fakeIo();

    // Act
    const code = await runCli(produceArgs, io, failingProduce(error));

    // Assess
    expect(code).toBe(3);
    expect(io.stderr).toEqual([`flinkflow: cannot reach AWS or the endpoint: ${error.message}`]);
  });

  it('It should exit 3 for a missing region whatever the case of the message', async () => {
    // Prepare
    const io = fakeIo();

    // Act
    const code = await runCli(produceArgs, io, failingProduce(new Error('region is MISSING')));

    // Assess
    expect(code).toBe(3);
    expect(io.stderr).toEqual([
      'flinkflow: no AWS region: set AWS_REGION (or a profile with a region: AWS_PROFILE).',
    ]);
  });

  it('It should exit 1 with the name and message of any other error', async () => {
    // Prepare
    const io = fakeIo();
    const error = Object.assign(new Error('Access denied'), { name: 'AccessDeniedException' });

    // Act
    const code = await runCli(produceArgs, io, failingProduce(error));

    // Assess
    expect(code).toBe(1);
    expect(io.stderr).toEqual(['flinkflow: AccessDeniedException: Access denied']);
  });

  it('It should exit 130 and say interrupted when the command fails after Ctrl-C', async () => {
    // Prepare
    const io = fakeIo();
    io.abort();

    // Act
    const code = await runCli(produceArgs, io, failingProduce(new Error('aborted')));

    // Assess
    expect(code).toBe(130);
    expect(io.stderr).toEqual(['flinkflow: interrupted.']);
  });

  it.each([[['--version']], [['help']], [['produce', '--help']]])('It should exit 0 for %j', async (argv) => {
    // Prepare
    const io = fakeIo();

    // Act
    const code = await runCli(argv, io, fakeDeps().deps);

    // Assess
    expect(code).toBe(0);
  });

  it('It should exit 2 when a command group is given no subcommand', async () => {
    // Prepare
    const io = fakeIo();

    // Act
    const code = await runCli(['local'], io, fakeDeps().deps);

    // Assess
    expect(code).toBe(2);
  });
});

describe('flinkflow local up and down', () => {
  it('It should stop the local cloud and say it was not running', async () => {
    // Prepare
    const io = fakeIo();

    // Act
    const code = await runCli(['local', 'down'], io, fakeDeps().deps);

    // Assess
    expect(code).toBe(0);
    expect(io.stdout).toEqual(['The local cloud was not running.']);
  });

  it('It should start the local cloud and report why it could not', async () => {
    // Prepare
    const io = fakeIo();
    const deps = fakeDeps({
      cloud: {
        start: async () => {
          throw new EnvironmentError('port 4588 is taken; set FLINKFLOW_EDGE_PORT');
        },
      },
    }).deps;

    // Act
    const code = await runCli(['local', 'up'], io, deps);

    // Assess
    expect(code).toBe(3);
    expect(io.stderr.at(-1)).toBe('flinkflow: port 4588 is taken; set FLINKFLOW_EDGE_PORT');
  });
});
