import { spawnSync } from 'node:child_process';
import path from 'node:path';

const launcher = path.resolve(__dirname, '..', '..', 'cli', 'bin', 'flinkflow.js');

/** Runs the real launcher as a user would (no network: these commands fail or finish before any call). */
function flinkflow(...args: string[]) {
  const result = spawnSync(process.execPath, [launcher, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, FLINKFLOW_STATE_MACHINE_ARN: '' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('cli/bin/flinkflow.js', () => {
  it('It should run the TypeScript command from a checkout and print its version', () => {
    // Act
    const { code, stdout } = flinkflow('--version');

    // Assess
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('0.1.0');
  });

  it('It should load the input checks (which load middy, ESM only) and exit 2 on a bad document', () => {
    // Act
    const { code, stdout, stderr } = flinkflow('provision', '--pipeline-name', 'Bad_Name');

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      'flinkflow: Invalid provisioning input (1 problem): pipelineName: must be 3-32 characters',
    );
  });
});
