/**
 * `make aws-smoke`: the whole life of one pipeline on a real AWS account, printing each step and what it
 * costs. Deploys the orchestrator stack, provisions a pipeline, produces ticks for a few minutes, runs
 * the validation machine (when the stack has one), re-deploys a changed code zip (when the stack has a
 * redeploy machine and a changed zip exists), then destroys the pipeline and the stack, and prints the
 * bill-relevant facts: how long the application and the stream existed, KPU-hours and shard-hours.
 *
 * DRY_RUN=1 prints every call it would make, in order, and makes none. Not part of `make test`: it needs
 * credentials and costs money (cents for the default few minutes; docs/teardown.md).
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PipelineNames } from '../../workflow/contract';

export interface SmokeOptions {
  pipeline: string;
  stackName: string;
  produceSeconds: number;
  ratePerSecond: number;
  /** A code zip that differs from the deployed one (e.g. another window size), for the re-deploy step. */
  changedZip: string;
  /** Where `cdk deploy` writes the stack outputs. */
  outputsFile: string;
  /** Keep the stack after the pipeline is destroyed. */
  keepStack: boolean;
  /** The provisioning defaults the facts are computed from (workflow/provision-input.ts). */
  parallelism: number;
  shardCount: number;
}

/** One call the smoke run makes: a command line, or a state machine execution it starts and follows. */
export type SmokeStep =
  | { name: string; kind: 'command'; argv: string[]; when?: string }
  | { name: string; kind: 'upload'; bucket: string; key: string; file: string; when?: string }
  | {
      name: string;
      kind: 'execution';
      /** The stack output that names the machine. */
      machineOutput: string;
      input: Record<string, unknown>;
      when?: string;
    }
  | { name: string; kind: 'wait-execution'; machineOutput: string; when?: string };

const FLINKFLOW = ['node', 'cli/bin/flinkflow.js'];
/** A stack output, filled in once `cdk deploy` has written them. */
export const output = (name: string) => `{${name}}`;

/** The plan, in order. Steps with `when` run only if their condition holds at that point. */
export function smokePlan(o: SmokeOptions, account = '<account>', region = '<region>'): SmokeStep[] {
  const stream = PipelineNames.stream(o.pipeline);
  return [
    { name: 'build the Flink code zip', kind: 'command', argv: ['make', 'flink-zip'] },
    {
      name: 'deploy the stack',
      kind: 'command',
      argv: [
        'npx',
        'cdk',
        'deploy',
        o.stackName,
        '--require-approval',
        'never',
        '--outputs-file',
        o.outputsFile,
      ],
    },
    {
      name: 'provision the pipeline',
      kind: 'command',
      argv: [
        ...FLINKFLOW,
        'provision',
        '--pipeline-name',
        o.pipeline,
        '--state-machine-arn',
        output('ProvisioningStateMachineArn'),
        '--json',
      ],
    },
    {
      name: 'produce ticks',
      kind: 'command',
      argv: [
        ...FLINKFLOW,
        'produce',
        '--stream',
        stream,
        '--rate',
        String(o.ratePerSecond),
        '--duration',
        String(o.produceSeconds),
        '--json',
      ],
    },
    {
      name: 'validate',
      kind: 'execution',
      machineOutput: 'CrawlAndQueryStateMachineArn',
      input: { pipelineName: o.pipeline },
      when: 'the stack outputs CrawlAndQueryStateMachineArn',
    },
    {
      name: 're-deploy a changed zip',
      kind: 'upload',
      bucket: PipelineNames.bucket(o.pipeline, account, region),
      key: PipelineNames.codeKey,
      file: o.changedZip,
      when: `the stack outputs RedeployStateMachineArn and ${o.changedZip} exists`,
    },
    {
      name: 'follow the re-deploy',
      kind: 'wait-execution',
      machineOutput: 'RedeployStateMachineArn',
      when: 'the re-deploy zip was uploaded',
    },
    {
      name: 'destroy the pipeline',
      kind: 'command',
      argv: [
        ...FLINKFLOW,
        'destroy',
        '--pipeline',
        o.pipeline,
        '--state-machine-arn',
        output('TeardownStateMachineArn'),
        '--json',
      ],
    },
    {
      name: 'destroy the stack',
      kind: 'command',
      argv: ['npx', 'cdk', 'destroy', o.stackName, '--force'],
      when: 'SMOKE_KEEP_STACK is not set',
    },
  ];
}

/** Options from the environment (the Makefile passes them through); every one has a default. */
export function smokeOptions(env: NodeJS.ProcessEnv): SmokeOptions {
  const pipeline = env['SMOKE_PIPELINE'] ?? 'smoke';
  const seconds = Number(env['SMOKE_PRODUCE_SECONDS'] ?? 180);
  const rate = Number(env['SMOKE_RATE'] ?? 20);
  if (!Number.isFinite(seconds) || seconds <= 0 || !Number.isFinite(rate) || rate <= 0) {
    throw new Error(
      `SMOKE_PRODUCE_SECONDS (${env['SMOKE_PRODUCE_SECONDS'] ?? ''}) and SMOKE_RATE (${env['SMOKE_RATE'] ?? ''}) must be positive numbers`,
    );
  }
  return {
    pipeline,
    stackName: env['SMOKE_STACK'] ?? 'FlinkflowOrchestrator',
    produceSeconds: seconds,
    ratePerSecond: rate,
    changedZip: env['SMOKE_CHANGED_ZIP'] ?? path.join('flink-app', 'dist', 'flinkflow-app-changed.zip'),
    outputsFile: env['SMOKE_OUTPUTS_FILE'] ?? path.join('cdk.out', 'aws-smoke-outputs.json'),
    keepStack: Boolean(env['SMOKE_KEEP_STACK']),
    parallelism: 1,
    shardCount: 1,
  };
}

/** What the smoke run reaches outside itself; the dry run uses only `log`. */
export interface SmokeDeps {
  log(line: string): void;
  /** Runs a command with the terminal's stderr; resolves with its exit code and stdout. */
  run(argv: string[]): Promise<{ code: number; stdout: string }>;
  /** The caller's account and region (STS and the SDK's configuration). */
  identity(): Promise<{ account: string; region: string }>;
  /** Starts an execution and follows it to its end; resolves with its status and error. */
  startAndFollow(
    machineArn: string,
    input: Record<string, unknown>,
  ): Promise<{ status: string; error?: string }>;
  /** Follows the newest execution of a machine started at or after `since`, to its end. */
  followNewest(machineArn: string, since: Date): Promise<{ status: string; error?: string }>;
  upload(bucket: string, key: string, file: string): Promise<void>;
  exists(file: string): boolean;
  readOutputs(file: string): Promise<Record<string, string>>;
  now(): number;
}

/** How a step looks in the log and the dry run: the exact call, with stack outputs as {Name}. */
export function describeStep(step: SmokeStep): string {
  const call =
    step.kind === 'command'
      ? step.argv.join(' ')
      : step.kind === 'upload'
        ? `S3 PutObject s3://${step.bucket}/${step.key} <- ${step.file}`
        : step.kind === 'execution'
          ? `Step Functions StartExecution ${output(step.machineOutput)} input ${JSON.stringify(step.input)}, then GetExecutionHistory until it ends`
          : `Step Functions ListExecutions ${output(step.machineOutput)}, then GetExecutionHistory of the newest until it ends`;
  return `${step.name}: ${call}${step.when ? ` [only if ${step.when}]` : ''}`;
}

/** The bill-relevant facts of a run in which the pipeline existed for `seconds`. */
export function billFacts(o: Pick<SmokeOptions, 'parallelism' | 'shardCount'>, seconds: number): string[] {
  const hours = seconds / 3600;
  // KPUs = Parallelism / ParallelismPerKPU (CreateApplication sets 1), plus one KPU per application for
  // orchestration (Managed Service for Apache Flink pricing and "application resources" guide).
  const kpus = o.parallelism + 1;
  return [
    `pipeline existed ${(seconds / 60).toFixed(1)} min (from provisioning start to teardown end; the application ran within it)`,
    `Managed Flink: ${kpus} KPU (parallelism ${o.parallelism} + 1 orchestration) x ${hours.toFixed(3)} h = ${(kpus * hours).toFixed(3)} KPU-hours at most`,
    `Kinesis: ${o.shardCount} shard x ${hours.toFixed(3)} h = ${(o.shardCount * hours).toFixed(3)} shard-hours`,
  ];
}

/** Runs the plan (or prints it with `dryRun`); resolves with the exit code. */
export async function runSmoke(
  o: SmokeOptions,
  dryRun: boolean,
  deps: Pick<SmokeDeps, 'log'> & Partial<SmokeDeps>,
): Promise<number> {
  if (dryRun) {
    deps.log('aws-smoke DRY_RUN: the calls it would make, in order (nothing is called):');
    smokePlan(o).forEach((step, i) => deps.log(`  ${i + 1}. ${describeStep(step)}`));
    deps.log('then it prints:');
    for (const line of billFacts(o, 0).map((l) =>
      l.replace(/[0-9.]+ (min|h|KPU-hours|shard-hours)/g, '<n> $1'),
    ))
      deps.log(`  ${line}`);
    return 0;
  }
  const d = deps as SmokeDeps;
  const { account, region } = await d.identity();
  const plan = smokePlan(o, account, region);
  let outputs: Record<string, string> = {};
  let pipelineSince: number | undefined;
  let pipelineUntil: number | undefined;
  let uploadedAt: Date | undefined;
  let failed: string | undefined;
  const fill = (arg: string) =>
    arg.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => {
      const value = outputs[name];
      if (value === undefined)
        throw new Error(`The stack has no output ${name}; was it deployed from this checkout?`);
      return value;
    });
  const destroyIndex = plan.findIndex((s) => s.name === 'destroy the pipeline');
  for (const [index, step] of plan.entries()) {
    // After a failure, only the teardown steps run (a pipeline that exists costs money).
    if (failed !== undefined && index < destroyIndex) continue;
    if (failed !== undefined && pipelineSince === undefined) break;
    const started = d.now();
    d.log(`-> ${describeStep(step)}`);
    let result: { ok: boolean; detail: string };
    if (step.kind === 'command') {
      if (step.name === 'destroy the stack' && o.keepStack) {
        d.log('   skipped: SMOKE_KEEP_STACK is set');
        continue;
      }
      if (step.name === 'provision the pipeline') pipelineSince = started;
      const ran = await d.run(step.argv.map(fill));
      result = { ok: ran.code === 0, detail: `exit ${ran.code}` };
      if (step.name === 'deploy the stack' && ran.code === 0) {
        const all = await d.readOutputs(o.outputsFile);
        outputs = all;
      }
    } else if (step.kind === 'execution') {
      const arn = outputs[step.machineOutput];
      if (!arn) {
        d.log(`   skipped: the stack has no ${step.machineOutput}`);
        continue;
      }
      const ended = await d.startAndFollow(arn, step.input);
      result = {
        ok: ended.status === 'SUCCEEDED',
        detail: `${ended.status}${ended.error ? ` ${ended.error}` : ''}`,
      };
    } else if (step.kind === 'upload') {
      if (!outputs['RedeployStateMachineArn'] || !d.exists(step.file)) {
        d.log(`   skipped: needs the stack output RedeployStateMachineArn and the file ${step.file}`);
        continue;
      }
      uploadedAt = new Date(d.now());
      await d.upload(step.bucket, step.key, step.file);
      result = { ok: true, detail: 'uploaded' };
    } else {
      if (uploadedAt === undefined) {
        d.log('   skipped: nothing was uploaded');
        continue;
      }
      const ended = await d.followNewest(outputs[step.machineOutput]!, uploadedAt);
      result = {
        ok: ended.status === 'SUCCEEDED',
        detail: `${ended.status}${ended.error ? ` ${ended.error}` : ''}`,
      };
    }
    d.log(
      `   ${result.ok ? 'ok' : 'FAILED'} in ${((d.now() - started) / 1000).toFixed(1)} s (${result.detail})`,
    );
    if (step.name === 'destroy the pipeline') pipelineUntil = d.now();
    if (!result.ok && failed === undefined) {
      failed = step.name;
      if (step.name === 'destroy the pipeline') break;
    }
  }
  if (pipelineSince !== undefined) {
    d.log('bill-relevant facts:');
    for (const line of billFacts(o, ((pipelineUntil ?? d.now()) - pipelineSince) / 1000)) d.log(`  ${line}`);
  }
  if (failed !== undefined) {
    d.log(`aws-smoke FAILED at "${failed}"; the teardown ran after it. Check the console for anything left.`);
    return 1;
  }
  d.log('aws-smoke: OK');
  return 0;
}

/** The real dependencies: child processes, the AWS SDK with its standard configuration. */
export async function realDeps(): Promise<SmokeDeps> {
  const { SFNClient, ListExecutionsCommand } = await import('@aws-sdk/client-sfn');
  const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
  const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const { provisionExecution } = await import('../../cli/commands/provision-execution');
  const sfn = new SFNClient({ customUserAgent: 'flinkflow-smoke' });
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const follow = async (stateMachineArn: string, input: Record<string, unknown>, executionName: string) => {
    const outcome = await provisionExecution(
      { stateMachineArn, input, executionName, pollMs: 5000 },
      { sfn, onProgress: () => undefined, sleep },
    );
    return { status: outcome.status, ...(outcome.error ? { error: outcome.error } : {}) };
  };
  return {
    log: (line) => console.log(line),
    run: (argv) =>
      new Promise((resolve, reject) => {
        const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          process.stdout.write(chunk);
        });
        child.on('error', reject);
        child.on('close', (code) => resolve({ code: code ?? 1, stdout }));
      }),
    identity: async () => {
      const sts = new STSClient({});
      const who = await sts.send(new GetCallerIdentityCommand({}));
      return { account: who.Account ?? '', region: await sts.config.region() };
    },
    startAndFollow: (arn, input) => follow(arn, input, `smoke-${Date.now().toString(36)}`),
    followNewest: async (arn, since) => {
      for (let i = 0; i < 60; i++) {
        const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 10 }));
        const newest = (listed.executions ?? []).find(
          (e) => (e.startDate?.getTime() ?? 0) >= since.getTime(),
        );
        if (newest?.name) {
          // Re-finding an execution by name follows it (ExecutionAlreadyExists) without starting another.
          return follow(arn, {}, newest.name);
        }
        await sleep(5000);
      }
      return {
        status: 'NOT_STARTED',
        error: 'no re-deploy execution started within 5 minutes of the upload',
      };
    },
    upload: async (bucket, key, file) => {
      await new S3Client({}).send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(file) }),
      );
    },
    exists: (file) => existsSync(file),
    readOutputs: async (file) => {
      const all = JSON.parse(await readFile(file, 'utf8')) as Record<string, Record<string, string>>;
      return Object.assign({}, ...Object.values(all)) as Record<string, string>;
    },
    now: () => Date.now(),
  };
}

if (require.main === module) {
  const dryRun = Boolean(process.env['DRY_RUN']) && process.env['DRY_RUN'] !== '0';
  const options = smokeOptions(process.env);
  (dryRun ? Promise.resolve({ log: (line: string) => console.log(line) }) : realDeps())
    .then((deps) => runSmoke(options, dryRun, deps))
    .then((code) => {
      process.exitCode = code;
    })
    .catch((error: unknown) => {
      console.error(`aws-smoke: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    });
}
