/**
 * `flinkflow`: the command line of the project. Commands: provision, validate, redeploy, destroy, produce,
 * local up|down|status|run.
 * Exit codes are in exit-codes.ts and docs/cli.md.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { Command, CommanderError, Option } from 'commander';
import { createAwsClients } from '../lambdas/shared/clients';
import { produceTicks, systemClock } from '../producer';
import { PipelineNames } from '../workflow/contract';
import type { ValidationVerdict } from '../workflow/crawl-contract';
import {
  CrawlAndQueryStateMachineName,
  ProvisioningStateMachineName,
  TeardownStateMachineName,
} from '../local/stepfunctions/machines';
import { provisionInputFields, type InputField } from '../workflow/provision-input';
import {
  localDownCommand,
  localRunCommand,
  localStatusCommand,
  localUpCommand,
  type LocalCloudDeps,
} from './commands/local';
import { produceCommand, type ProduceCommandDeps } from './commands/produce';
import type { LocalStepFunctions } from './commands/machine-target';
import { provisionCommand, type ProvisionCommandDeps } from './commands/provision';
import { validateCommand, type ValidateCommandDeps } from './commands/validate';
import { provisionExecution } from './commands/provision-execution';
import { destroyCommand, type DestroyCommandDeps } from './commands/destroy';
import { redeployCommand, type RedeployCommandDeps } from './commands/redeploy';
import { exitOnFatalError } from '../local/common/fatal';
import { RedeployStateMachineName } from '../local/stepfunctions/machines';
import { CliError, EnvironmentError } from './errors';
import { ExitCode } from './exit-codes';
import { processIo, type CliIo } from './io';

export { processIo };
import {
  localCloudStatus,
  localMachineArn,
  readState,
  requireRunningCloud,
  sdkEnvironment,
  startLocalCloud,
  stopLocalCloud,
  useLocalEndpoints,
} from './local-bindings';
import { deployLocally } from './local-run/deploy';
import type { LocalRunDeps } from './local-run/run';
import { positiveNumber, wholeNumber } from './options';
import { ProgressRenderer, type ProgressEvent } from './progress';
import { checkProvisionInput, buildProvisionInput, executionNameFor } from './provision-input';

/** An SFN client for the local cloud's endpoint (its dummy credentials), or AWS's from the SDK's configuration. */
function sfnClient(local?: Pick<LocalStepFunctions, 'endpoint' | 'region'>): SFNClient {
  return local
    ? new SFNClient({
        customUserAgent: 'flinkflow-cli',
        endpoint: local.endpoint,
        region: local.region,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      })
    : new SFNClient({ customUserAgent: 'flinkflow-cli' });
}

/** How often `local run` reads the local execution's history: calls are cheap on loopback. */
const LOCAL_POLL_MS = 250;

/** Everything the commands reach outside the process; tests replace parts of it. */
export interface CliDeps {
  provision: ProvisionCommandDeps;
  destroy: DestroyCommandDeps;
  validate: ValidateCommandDeps;
  produce: ProduceCommandDeps;
  redeploy: RedeployCommandDeps;
  cloud: LocalCloudDeps;
  localRun: (io: CliIo) => LocalRunDeps;
}

/** Starts one execution of a machine of the running local cloud and follows it to its end. */
async function runLocalMachine(
  machineName: string,
  executionName: string,
  input: Record<string, unknown>,
  onProgress: (event: ProgressEvent) => void,
  signal: AbortSignal,
) {
  const state = await readState();
  if (!state) {
    throw new EnvironmentError('The local cloud stopped before the execution could start; see its log.');
  }
  return provisionExecution(
    { stateMachineArn: localMachineArn(state, machineName), input, executionName, pollMs: LOCAL_POLL_MS },
    {
      sfn: sfnClient({ endpoint: state.edge, region: state.region }),
      onProgress,
      sleep: (ms) => systemClock.sleep(ms, signal),
      signal,
    },
  );
}

/** The real dependencies: AWS SDK clients (endpoints from the SDK's standard environment), the local cloud. */
export function defaultDeps(io: CliIo): CliDeps {
  const useLocalCloud = async () => {
    useLocalEndpoints(await requireRunningCloud(), io.env);
  };
  const cloud: LocalCloudDeps = {
    start: (options) => startLocalCloud(options),
    stop: () => stopLocalCloud(),
    status: () => localCloudStatus(),
    environment: (state) => sdkEnvironment(state),
  };
  // What `cdk deploy` deploys on AWS, deployed to the running local cloud; then the named machine there.
  // Every task reads the deployment settings (the code asset, the Glue database, the account, ...).
  const localMachine = (name: string) => async (): Promise<LocalStepFunctions> => {
    const state = await requireRunningCloud();
    useLocalEndpoints(state, io.env);
    await deployLocally(createAwsClients(io.env), state);
    return { endpoint: state.edge, region: state.region, stateMachineArn: localMachineArn(state, name) };
  };
  const sleep = (ms: number, signal: AbortSignal) => systemClock.sleep(ms, signal);
  return {
    provision: { sfn: sfnClient, localStepFunctions: localMachine(ProvisioningStateMachineName), sleep },
    destroy: { sfn: sfnClient, localStepFunctions: localMachine(TeardownStateMachineName), sleep },
    validate: {
      sfn: sfnClient,
      localStepFunctions: localMachine(CrawlAndQueryStateMachineName),
      // Built when called: after --local has pointed the SDK's environment at the local cloud.
      scheduler: () => createAwsClients(io.env).scheduler,
      sleep,
    },
    produce: {
      useLocalCloud,
      kinesis: () => createAwsClients(io.env).kinesis,
      produce: (options, deps) => produceTicks(options, deps),
    },
    redeploy: {
      target: async (local) => {
        if (local) {
          const state = await requireRunningCloud();
          useLocalEndpoints(state, io.env);
          const stateMachineArn = state.stateMachines?.[RedeployStateMachineName];
          return {
            s3: createAwsClients(io.env).s3,
            sfn: sfnClient({ endpoint: state.edge, region: state.region }),
            account: state.account,
            region: state.region,
            ...(stateMachineArn ? { stateMachineArn } : {}),
          };
        }
        const clients = createAwsClients(io.env);
        const account = (await clients.sts.send(new GetCallerIdentityCommand({}))).Account;
        if (!account)
          throw new EnvironmentError(
            'STS GetCallerIdentity returned no account; check your AWS credentials.',
          );
        return { s3: clients.s3, sfn: sfnClient(), account, region: await clients.s3.config.region() };
      },
      sleep: (ms, signal) => systemClock.sleep(ms, signal),
      now: () => Date.now(),
    },
    cloud,
    localRun: (runIo) => {
      const renderer = new ProgressRenderer();
      return {
        cloud: {
          isRunning: async () => (await localCloudStatus()).running,
          start: async () => {
            // A cloud `local run` owns starts empty, as `make local` always has; a running one is reused.
            const state = await startLocalCloud({ fresh: true });
            return {
              environment: sdkEnvironment(state),
              account: state.account,
              region: state.region,
              dataDir: state.dataDir,
            };
          },
          stop: async () => {
            await stopLocalCloud();
          },
        },
        applyEnvironment: (environment) => Object.assign(runIo.env, environment),
        clients: () => {
          const aws = createAwsClients(runIo.env);
          return {
            kinesis: aws.kinesis,
            s3: aws.s3,
            glue: aws.glue,
            kinesisAnalytics: aws.kinesisAnalytics,
            athena: new AthenaClient({}),
          };
        },
        deploy: async (clients, cloud) => (await deployLocally(clients, cloud)).environment,
        // The same code as `flinkflow provision --local`, under a new execution name each run: a run
        // provisions afresh even when the same request ran before on this (reused) cloud.
        provision: (input, onProgress, signal) =>
          runLocalMachine(
            ProvisioningStateMachineName,
            `${executionNameFor(input)}-${Date.now().toString(36)}`,
            input,
            onProgress,
            signal,
          ),
        // As `flinkflow validate --local` and the pipeline's schedule start it.
        validate: async (input, onProgress, signal) => {
          const outcome = await runLocalMachine(
            CrawlAndQueryStateMachineName,
            `validate-${input.pipelineName}-${Date.now().toString(36)}`,
            input as Record<string, unknown>,
            onProgress,
            signal,
          );
          const { output, ...rest } = outcome;
          return { ...rest, ...(output ? { output: output as unknown as ValidationVerdict } : {}) };
        },
        produce: (options, clients) => produceTicks(options, { kinesis: clients.kinesis }),
        poller: {
          now: () => Date.now(),
          sleep: (ms) => systemClock.sleep(ms, runIo.signal),
          signal: runIo.signal,
        },
        log: (line) => runIo.err(line),
        onProgress: (event) => {
          for (const line of renderer.render(event)) runIo.err(`    ${line}`);
        },
      };
    },
  };
}

const EXIT_CODES_HELP = `
Exit codes:
  0    done
  1    the operation ran and failed (execution failed, windows missing), or an unexpected error
  2    bad usage or input; nothing was created
  3    environment not ready (no local cloud, no state machine ARN, endpoint down)
  130  interrupted (Ctrl-C); what the command started was stopped`;

/** Commander's argument placeholder of a field: what a user types after the flag. */
function argumentOf(field: InputField): string {
  if (field.kind === 'boolean') return '';
  if (field.kind === 'integer') return ' <n>';
  return field.path.at(-1) === 'pipelineName' ? ' <name>' : ' <value>';
}

/**
 * The provisioning flags: `--file`, then one option per field of the input's schema, with its
 * description, choices and range (so a new field of the schema is a new flag, and a changed range is
 * checked here as in the task).
 */
export function addProvisionOptions(command: Command): Command {
  command.option('-f, --file <path>', 'the provisioning document (JSON); flags override its fields');
  for (const field of provisionInputFields()) {
    const short = field.path.join('.') === 'pipelineName' ? '-p, ' : '';
    const notes = [
      field.minimum !== undefined ? `${field.minimum}-${field.maximum}` : undefined,
      field.default !== undefined ? `default ${String(field.default)}` : undefined,
    ].filter((note) => note !== undefined);
    const option = new Option(
      `${short}--${field.flag}${argumentOf(field)}`,
      notes.length > 0 ? `${field.description.replace(/\.$/, '')} (${notes.join('; ')}).` : field.description,
    );
    if (field.values) option.choices(field.values);
    if (field.kind === 'integer') option.argParser(wholeNumber(field.minimum ?? 0, field.maximum));
    command.addOption(option);
  }
  return command;
}

/** Builds the command tree; `run` executes the chosen command and resolves with its exit code. */
export function buildProgram(io: CliIo, deps: CliDeps, setExitCode: (code: number) => void): Command {
  const program = new Command('flinkflow')
    .description(
      'Provision and operate a Kinesis -> Managed Flink -> S3 -> Glue -> Athena pipeline, on AWS or on the local cloud.',
    )
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
    })
    .addHelpText('after', EXIT_CODES_HELP);

  addProvisionOptions(
    program
      .command('provision')
      .description('Run the provisioning state machine and show each state as it starts and ends.')
      .option(
        '--local',
        "run it on the local cloud's Step Functions endpoint (start that first: flinkflow local up)",
      )
      .option(
        '--state-machine-arn <arn>',
        "the provisioning state machine (default: $FLINKFLOW_STATE_MACHINE_ARN; with --local, the local cloud's)",
      )
      .option(
        '--attempt <n>',
        'run the same request again after a failure (part of the execution name)',
        wholeNumber(1, 999),
      )
      .option('--no-follow', 'start the execution and return without following it')
      .option('--poll-seconds <n>', 'how often to read the execution history', wholeNumber(1, 60), 2)
      .option('--json', 'print the outcome as JSON on stdout'),
  )
    .addHelpText(
      'after',
      `\nExample:\n  flinkflow provision --pipeline-name ticks-demo --window-seconds 60\n${EXIT_CODES_HELP}`,
    )
    .action(async (options) => setExitCode(await provisionCommand(options, io, deps.provision)));

  program
    .command('destroy')
    .description(
      "Run the teardown state machine: stop the application (with a snapshot unless --no-snapshot), delete it, the validation schedule, the redeploy rule, the stream, the crawler, the pipeline's catalog tables, the CSV classifier, and the bucket with every object version unless --keep-data. Safe to run again; says what it removed, what was already gone and what it kept.",
    )
    .requiredOption('-p, --pipeline <name>', 'the pipeline to tear down (its pipelineName)')
    .option('--keep-data', "keep the bucket (code, output, every version) and the application's log group")
    .option('--no-snapshot', 'force-stop a running application without a snapshot')
    .option('--local', "run it on the local cloud's Step Functions endpoint")
    .option(
      '--state-machine-arn <arn>',
      "the teardown state machine (default: $FLINKFLOW_TEARDOWN_STATE_MACHINE_ARN; with --local, the local cloud's)",
    )
    .option('--poll-seconds <n>', 'how often to read the execution history', wholeNumber(1, 60), 2)
    .option('--json', 'print the outcome as JSON on stdout')
    .addHelpText(
      'after',
      `\nExample:\n  flinkflow destroy --pipeline ticks-demo --keep-data\n${EXIT_CODES_HELP}`,
    )
    .action(async (options) => setExitCode(await destroyCommand(options, io, deps.destroy)));

  program
    .command('validate')
    .description(
      "Run the crawl-and-query machine for a pipeline now: crawl its output, run the validation queries (freshness, completeness, uniqueness, sanity, volume, scan cost) and print the verdict as a table. The input is the one the pipeline's validation schedule sends; the window flags override it. Exit code 1 when a check fails.",
    )
    .requiredOption('-p, --pipeline <name>', 'the pipeline to validate (its pipelineName)')
    .option('--window-seconds <n>', "the pipeline's window (default: the schedule's)", wholeNumber(1, 3600))
    .option(
      '--watermark-seconds <n>',
      "the pipeline's watermark (default: the schedule's)",
      wholeNumber(0, 600),
    )
    .option('--local', "run it on the local cloud's Step Functions endpoint")
    .option(
      '--state-machine-arn <arn>',
      "the crawl-and-query state machine (default: $FLINKFLOW_VALIDATION_STATE_MACHINE_ARN; with --local, the local cloud's)",
    )
    .option('--poll-seconds <n>', 'how often to read the execution history', wholeNumber(1, 60), 2)
    .option('--json', 'print the outcome (the verdict as `output`) as JSON on stdout')
    .addHelpText('after', `\nExample:\n  flinkflow validate --pipeline ticks-demo --json\n${EXIT_CODES_HELP}`)
    .action(async (options) => setExitCode(await validateCommand(options, io, deps.validate)));

  program
    .command('redeploy')
    .description(
      "Upload a new code zip to a pipeline's bucket and follow the re-deploy it starts: pre-flight, snapshot, update, health gate, or a rollback.",
    )
    .argument('<zip>', 'the code zip (make flink-zip builds flink-app/dist/flinkflow-app.zip)')
    .requiredOption('--pipeline <name>', 'the provisioned pipeline to re-deploy')
    .option('--local', 'on the local cloud (must be up, with the pipeline provisioned)')
    .option(
      '--state-machine-arn <arn>',
      "the redeploy state machine (default: $FLINKFLOW_REDEPLOY_STATE_MACHINE_ARN; with --local, the local cloud's)",
    )
    .option(
      '--start-timeout-seconds <n>',
      'how long to wait for the upload to start the re-deploy',
      wholeNumber(10, 3600),
      120,
    )
    .option('--poll-seconds <n>', 'how often to read the execution history', wholeNumber(1, 60), 2)
    .option('--json', 'print the outcome as JSON on stdout')
    .addHelpText(
      'after',
      `\nExample:\n  flinkflow redeploy flink-app/dist/flinkflow-app.zip --pipeline ticks-demo\n${EXIT_CODES_HELP}`,
    )
    .action(async (zip: string, options) =>
      setExitCode(await redeployCommand(zip, options, io, deps.redeploy)),
    );

  program
    .command('produce')
    .description('Put sample stock ticks on a stream: PutRecords batches, partition key = ticker.')
    .option('-s, --stream <name>', 'the stream name')
    .option('--stream-arn <arn>', 'the stream ARN (instead of --stream)')
    .option(
      '-r, --rate <n>',
      'target records per second (default: as fast as the stream takes them)',
      positiveNumber,
    )
    .option('-n, --count <n>', 'stop after this many events', wholeNumber(1))
    .option('-d, --duration <seconds>', 'stop after this many seconds', positiveNumber)
    .option(
      '--seed <n>',
      'seed of the ticks (same seed, same tickers and prices)',
      wholeNumber(0, 2 ** 31 - 1),
    )
    .option('--local', 'put them on the local cloud (must be up)')
    .option('--json', 'print the result as JSON on stdout')
    .addHelpText(
      'after',
      `\nExample:\n  flinkflow produce --local --stream ticks-demo-ticks --rate 100 --duration 60 --seed 42\n${EXIT_CODES_HELP}`,
    )
    .action(async (options) => setExitCode(await produceCommand(options, io, deps.produce)));

  const local = program
    .command('local')
    .description('The local cloud: every service of the pipeline on 127.0.0.1.')
    .addHelpText('after', EXIT_CODES_HELP);
  local
    .command('up')
    .description(
      'Start the local cloud in the background (or show the one that runs) and print its endpoints.',
    )
    .option('--fresh', 'delete the data the last cloud saved and start empty (the cloud must be stopped)')
    .option(
      '--accept-saved',
      'start from the saved data even though the last cloud did not stop cleanly (killed, crashed)',
    )
    .option('--json', 'print the state (endpoints, SDK environment) as JSON')
    .addHelpText(
      'after',
      '\nThe data (streams, objects, catalog, applications, executions) is kept across down and up, in\n' +
        '<home>/local/data. After a cloud that did not stop cleanly, up refuses until given --fresh or\n' +
        '--accept-saved.',
    )
    .action(async (options) => setExitCode(await localUpCommand(options, io, deps.cloud)));
  local
    .command('down')
    .description(
      'Stop the local cloud and everything it started (Flink jobs included); its data is saved for the next up. Exit 1 when a service could not save.',
    )
    .option('--json', 'print the result as JSON')
    .action(async (options) => setExitCode(await localDownCommand(options, io, deps.cloud)));
  local
    .command('status')
    .description(
      'Show whether the local cloud runs, its endpoints and memory. Exit 0 running, 3 not running.',
    )
    .option('--json', 'print the status as JSON')
    .action(async (options) => setExitCode(await localStatusCommand(options, io, deps.cloud)));
  addProvisionOptions(
    local
      .command('run')
      .description(
        'The whole pipeline end to end (what `make local` runs): start the local cloud, provision, produce seeded ticks, wait for the windows in S3, crawl, query with Athena, check every window, print a summary, stop what it started.',
      ),
  )
    .option('--seed <n>', 'seed of the produced ticks', wholeNumber(0, 2 ** 31 - 1), 42)
    .option('--rate <n>', 'ticks per second', positiveNumber, 50)
    .option('--produce-seconds <n>', 'how long to produce', positiveNumber, 30)
    .option('--timeout-seconds <n>', 'how long to wait for the windows after producing', positiveNumber, 180)
    .option('--keep', 'leave the local cloud and the application running at the end')
    .option('--json', 'print the summary as JSON on stdout (progress stays on stderr)')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (options) => {
      const input = buildProvisionInput({
        pipelineName: 'local-demo',
        windowSeconds: 10,
        watermarkSeconds: 2,
        ...options,
      });
      const config = checkProvisionInput(input);
      setExitCode(
        await localRunCommand(
          {
            input: {
              ...input,
              pipelineName: config.pipelineName,
              windowSeconds: config.windowSeconds,
              watermarkSeconds: config.watermarkSeconds,
            },
            seed: options.seed,
            ratePerSecond: options.rate,
            produceSeconds: options.produceSeconds,
            outputTimeoutMs: options.timeoutSeconds * 1000,
            keep: Boolean(options.keep),
            applicationName: PipelineNames.application(config.pipelineName),
            json: Boolean(options.json),
          },
          io,
          deps.localRun(io),
        ),
      );
    });
  return program;
}

/** Runs `flinkflow <argv>` and resolves with the exit code; never throws. */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  deps: CliDeps = defaultDeps(io),
): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const program = buildProgram(io, deps, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // `commander.help` is also how a command group without its subcommand ends (help printed with
      // exit code 1): only help that was asked for is a success.
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        (error.code === 'commander.help' && error.exitCode === 0)
      ) {
        return ExitCode.Ok;
      }
      // Commander has printed its message already.
      return ExitCode.Usage;
    }
    if (error instanceof CliError) {
      io.err(`flinkflow: ${error.message}`);
      return error.exitCode;
    }
    if (io.signal.aborted) {
      io.err('flinkflow: interrupted.');
      return ExitCode.Interrupted;
    }
    const name = (error as Error).name;
    if (name === 'ProducerInputError') {
      io.err(`flinkflow: ${(error as Error).message}`);
      return ExitCode.Usage;
    }
    const message = String((error as Error).message);
    if (/Region is missing/i.test(message)) {
      io.err('flinkflow: no AWS region: set AWS_REGION (or a profile with a region: AWS_PROFILE).');
      return ExitCode.Environment;
    }
    if (name === 'CredentialsProviderError' || name === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) {
      io.err(`flinkflow: cannot reach AWS or the endpoint: ${message}`);
      return ExitCode.Environment;
    }
    io.err(`flinkflow: ${name}: ${(error as Error).message}`);
    return ExitCode.Failed;
  }
}

if (require.main === module) {
  const io = processIo();
  // An error nothing handled fails the command loudly, but first aborts it as Ctrl-C would, so that
  // `local run` still stops what it started; the exit code is then Failed, whatever the command says.
  let fatal = false;
  let finished: Promise<void> = Promise.resolve();
  exitOnFatalError(process, {
    report: (text) => io.err(`flinkflow: ${text}`),
    cleanUp: async () => {
      fatal = true;
      io.abort(new Error('an unhandled error'));
      await finished;
    },
    exit: (code) => io.exit(code),
    exitCode: ExitCode.Failed,
    // stopLocalCloud alone may wait 75 s for the daemon (Flink jobs, moto saving S3) before it kills it.
    graceMs: 100_000,
  });
  finished = runCli(process.argv.slice(2), io).then((code) => {
    io.dispose();
    if (!fatal) io.exit(code);
  });
}
