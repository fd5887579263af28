import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const launcher = path.join(root, 'cli', 'bin', 'flinkflow.js');
/** The major version package.json "engines" states (22), which the launcher reads the same way. */
const requiredMajor = Number(
  /^>=(\d+)$/.exec(
    (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string } })
      .engines.node,
  )?.[1],
);

/** PATH as in a fresh shell: without the project's node_modules/.bin that npm and make put first. */
const shellPath = (process.env['PATH'] ?? '')
  .split(path.delimiter)
  .filter((dir) => dir !== '' && !path.resolve(dir).startsWith(path.join(root, 'node_modules')))
  .join(path.delimiter);

/** The first `node` on the shell's PATH if it is older than required (the machines' Node 20). */
function olderSystemNode(): string | undefined {
  for (const dir of shellPath.split(path.delimiter)) {
    const candidate = path.join(dir, 'node');
    const probe = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (probe.status !== 0) continue;
    return Number(probe.stdout.split('.')[0]) < requiredMajor ? candidate : undefined;
  }
  return undefined;
}
const olderNode = olderSystemNode();
/** Runs only where the shell's Node is older than required, which is what the launcher's re-start is for. */
const withOlderNode = olderNode ? it : it.skip;

/** How the help text starts: anything before it, or on stderr, is a warning the user should not see. */
const HELP_START = 'Usage: flinkflow';

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

  it('It should print its help and nothing on stderr when started as `node cli/bin/flinkflow.js`', () => {
    // Act
    const { code, stdout, stderr } = flinkflow('--help');

    // Assess
    expect(code).toBe(0);
    expect(stdout.startsWith(HELP_START)).toBe(true);
    expect(stderr).toBe('');
  });

  it('It should print its help and nothing on stderr through a first `npx flinkflow` on Node 22', () => {
    // Prepare: an empty npm cache, so npx installs the project into its cache as on a first run (where
    // npm checks package.json "engines" against the Node it runs on), with the project's Node 22 first
    // on PATH as the README says.
    const cache = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-npx-'));

    try {
      // Act
      const result = spawnSync('npx', ['flinkflow', '--help'], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          ...process.env,
          PATH: [path.join(root, 'node_modules', '.bin'), shellPath].join(path.delimiter),
          npm_config_cache: cache,
          npm_config_offline: 'true',
        },
      });

      // Assess
      expect(result.error).toBeUndefined();
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout.startsWith(HELP_START)).toBe(true);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  }, 60_000);

  withOlderNode(
    'It should run the command on the project Node 22 when started by an older Node',
    () => {
      // Prepare: a preload that records the version of the process running cli/main.ts.
      const dir = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-bin-'));
      const preload = path.join(dir, 'record-version.js');
      const record = path.join(dir, 'version.txt');
      writeFileSync(
        preload,
        `if (process.argv.some((a) => a.endsWith('main.ts'))) require('node:fs').writeFileSync(${JSON.stringify(record)}, process.version);`,
      );

      try {
        // Act
        const help = spawnSync(olderNode!, [launcher, '--help'], {
          encoding: 'utf8',
          timeout: 60_000,
          env: { ...process.env, PATH: shellPath, NODE_OPTIONS: `--require ${preload}` },
        });

        // Assess
        expect(help.stderr).toBe('');
        expect(help.status).toBe(0);
        expect(help.stdout.startsWith(HELP_START)).toBe(true);
        expect(readFileSync(record, 'utf8')).toMatch(new RegExp(`^v${requiredMajor}\\.`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );

  withOlderNode('It should say which Node it needs and exit 3 when Node 22 is not installed', () => {
    // Prepare: the launcher in a folder without node_modules, as in a clone before `npm ci`.
    const clone = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-bin-'));
    mkdirSync(path.join(clone, 'cli', 'bin'), { recursive: true });
    copyFileSync(launcher, path.join(clone, 'cli', 'bin', 'flinkflow.js'));
    copyFileSync(path.join(root, 'package.json'), path.join(clone, 'package.json'));

    try {
      // Act
      const result = spawnSync(olderNode!, [path.join(clone, 'cli', 'bin', 'flinkflow.js'), '--help'], {
        encoding: 'utf8',
      });

      // Assess
      expect(result.status).toBe(3);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`flinkflow: needs Node.js ${requiredMajor}, this is v`);
      expect(result.stderr).toContain('Run `make deps` (or `npm ci`) in the project first.');
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
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
