/**
 * `make aws-smoke`: its dry run (the plan it prints, in order, with the contract's names, calling nothing)
 * and its control flow with faked calls (a failure still tears the pipeline down; missing machines are
 * skipped; the facts are computed from the time the pipeline existed).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { billFacts, runSmoke, smokeOptions, type SmokeDeps } from '../../bench/aws-smoke/smoke';

const root = path.resolve(__dirname, '../..');
const options = smokeOptions({ SMOKE_PIPELINE: 'smoke-test', SMOKE_PRODUCE_SECONDS: '120' });

function fakeDeps(overrides: Partial<SmokeDeps> = {}) {
  const lines: string[] = [];
  const commands: string[][] = [];
  let now = 0;
  const deps: SmokeDeps = {
    log: (line) => lines.push(line),
    run: async (argv) => {
      commands.push(argv);
      now += 60_000;
      return { code: 0, stdout: '{}' };
    },
    identity: async () => ({ account: '123456789012', region: 'eu-west-1' }),
    startAndFollow: async () => ({ status: 'SUCCEEDED' }),
    followNewest: async () => ({ status: 'SUCCEEDED' }),
    upload: async () => undefined,
    exists: () => false,
    readOutputs: async () => ({
      ProvisioningStateMachineArn: 'arn:prov',
      TeardownStateMachineArn: 'arn:teardown',
    }),
    now: () => now,
    ...overrides,
  };
  return { deps, lines, commands };
}

describe('make aws-smoke', () => {
  it('It should print the plan in order with the pipeline names and call nothing in a dry run', async () => {
    // Prepare
    const never = () => {
      throw new Error('a dry run must call nothing');
    };
    const lines: string[] = [];

    // Act
    const code = await runSmoke(options, true, {
      log: (line) => lines.push(line),
      run: never,
      identity: never,
      startAndFollow: never,
      upload: never,
    });

    // Assess
    expect(code).toBe(0);
    const steps = lines
      .filter((l) => /^ {2}\d+\. /.test(l))
      .map((l) => l.replace(/^ {2}\d+\. ([^:]+):.*$/, '$1'));
    expect(steps).toEqual([
      'build the Flink code zip',
      'deploy the stack',
      'provision the pipeline',
      'produce ticks',
      'validate',
      're-deploy a changed zip',
      'follow the re-deploy',
      'destroy the pipeline',
      'destroy the stack',
    ]);
    const text = lines.join('\n');
    expect(text).toContain(
      'provision --pipeline-name smoke-test --state-machine-arn {ProvisioningStateMachineArn}',
    );
    expect(text).toContain('produce --stream smoke-test-ticks --rate 20 --duration 120');
    expect(text).toContain('s3://flinkflow-smoke-test-<account>-<region>/code/flinkflow-app.zip');
    expect(text).toContain('destroy --pipeline smoke-test --state-machine-arn {TeardownStateMachineArn}');
    expect(text).toContain('KPU-hours');
    expect(text).toContain('shard-hours');
  });

  it('It should print the same plan when run as a script with DRY_RUN=1, without credentials', () => {
    // Act
    const printed = execFileSync(process.execPath, ['--import', 'tsx', 'bench/aws-smoke/smoke.ts'], {
      cwd: root,
      env: {
        PATH: process.env['PATH'] ?? '',
        DRY_RUN: '1',
        SMOKE_PIPELINE: 'smoke-test',
        SMOKE_PRODUCE_SECONDS: '120',
      },
      encoding: 'utf8',
    });

    // Assess
    expect(printed).toMatch(/^aws-smoke DRY_RUN: the calls it would make, in order \(nothing is called\):/);
    expect(printed.indexOf('deploy the stack')).toBeLessThan(printed.indexOf('provision the pipeline'));
    expect(printed.indexOf('produce ticks')).toBeLessThan(printed.indexOf('destroy the pipeline'));
    expect(printed.indexOf('destroy the pipeline')).toBeLessThan(printed.indexOf('destroy the stack'));
  });

  it('It should run every command with the stack outputs filled in, skip machines the stack lacks, and report the facts', async () => {
    // Prepare
    const { deps, lines, commands } = fakeDeps();

    // Act
    const code = await runSmoke(options, false, deps);

    // Assess
    expect(code).toBe(0);
    expect(commands.map((c) => c.slice(0, 4).join(' '))).toEqual([
      'make flink-zip',
      'npx cdk deploy FlinkflowOrchestrator',
      'node cli/bin/flinkflow.js provision --pipeline-name',
      'node cli/bin/flinkflow.js produce --stream',
      'node cli/bin/flinkflow.js destroy --pipeline',
      'npx cdk destroy FlinkflowOrchestrator',
    ]);
    expect(commands[2]).toContain('arn:prov');
    expect(commands[4]).toContain('arn:teardown');
    expect(lines).toContain('   skipped: the stack has no CrawlAndQueryStateMachineArn');
    // Provision, produce and destroy: three minutes of pipeline.
    expect(lines).toContain(
      '  pipeline existed 3.0 min (from provisioning start to teardown end; the application ran within it)',
    );
    expect(lines.at(-1)).toBe('aws-smoke: OK');
  });

  it('It should still destroy the pipeline and the stack when producing fails, and exit 1', async () => {
    // Prepare
    const { deps, lines, commands } = fakeDeps({
      run: async (argv) => {
        commands.push(argv);
        return { code: argv.includes('produce') ? 1 : 0, stdout: '' };
      },
    });

    // Act
    const code = await runSmoke(options, false, deps);

    // Assess
    expect(code).toBe(1);
    expect(commands.map((c) => c.slice(0, 4).join(' '))).toEqual([
      'make flink-zip',
      'npx cdk deploy FlinkflowOrchestrator',
      'node cli/bin/flinkflow.js provision --pipeline-name',
      'node cli/bin/flinkflow.js produce --stream',
      'node cli/bin/flinkflow.js destroy --pipeline',
      'npx cdk destroy FlinkflowOrchestrator',
    ]);
    expect(lines.at(-1)).toContain('aws-smoke FAILED at "produce ticks"');
  });

  it('It should keep the stack when the pipeline teardown fails, since its roles are what a retry needs', async () => {
    // Prepare
    const { deps, commands } = fakeDeps({
      run: async (argv) => {
        commands.push(argv);
        return { code: argv.includes('destroy') && argv.includes('--pipeline') ? 1 : 0, stdout: '' };
      },
    });

    // Act
    const code = await runSmoke(options, false, deps);

    // Assess
    expect(code).toBe(1);
    expect(commands.some((c) => c.includes('cdk') && c.includes('destroy'))).toBe(false);
  });

  it('It should compute KPU-hours with the orchestration KPU, and shard-hours', () => {
    expect(billFacts({ parallelism: 1, shardCount: 2 }, 1800)).toEqual([
      'pipeline existed 30.0 min (from provisioning start to teardown end; the application ran within it)',
      'Managed Flink: 2 KPU (parallelism 1 + 1 orchestration) x 0.500 h = 1.000 KPU-hours at most',
      'Kinesis: 2 shard x 0.500 h = 1.000 shard-hours',
    ]);
  });
});
