import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

  it('It should fail loudly on an error nothing handled: report it, stop the command, exit 1', async () => {
    // Prepare: a Kinesis endpoint that takes every PutRecords, and `produce` at 1 record/s for 100
    // records, so the command is mid-run (sleeping between records) when the planted error comes.
    const kinesis = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const records = (JSON.parse(body) as { Records: unknown[] }).Records;
        const answer = JSON.stringify({
          FailedRecordCount: 0,
          Records: records.map((_, i) => ({
            SequenceNumber: String(i + 1),
            ShardId: 'shardId-000000000000',
          })),
        });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(answer);
      });
    });
    await new Promise<void>((resolve) => kinesis.listen(0, '127.0.0.1', resolve));
    const { port } = kinesis.address() as AddressInfo;
    const preload = path.resolve(__dirname, '..', 'support', 'throw-when-handled.js');
    const started = Date.now();

    // Act
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [launcher, 'produce', '--stream', 'ticks', '--rate', '1', '--count', '100'],
        {
          env: {
            ...process.env,
            NODE_OPTIONS: `--require ${preload}`,
            FLINKFLOW_TEST_THROW_IN: 'main.ts',
            AWS_ENDPOINT_URL_KINESIS: `http://127.0.0.1:${port}`,
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'test',
            AWS_SECRET_ACCESS_KEY: 'test',
          },
        },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    kinesis.closeAllConnections();
    await new Promise((resolve) => kinesis.close(resolve));

    // Assess: 1, not the 130 of an interrupted produce nor the 0 of a finished one.
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('flinkflow: uncaught exception: Error: planted in main.ts by a test');
    expect(result.stderr).toContain(
      'flinkflow: stopping what this process started, then exiting with code 1',
    );
    // Stopped through the command's abort, not by waiting out the 45 s grace period.
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});
