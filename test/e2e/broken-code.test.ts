/**
 * A code zip whose job cannot start must fail the provisioning execution with the job's own error in
 * its output, within a bounded time, and leave the application stopped (never STARTING forever).
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { DescribeApplicationCommand } from '@aws-sdk/client-kinesis-analytics-v2';
import { createAwsClients } from '../../lambdas/shared/clients';
import { deployLocally } from '../../cli/local-run/deploy';
import { sdkEnvironment, startLocalCloud, stopLocalCloud } from '../../local/cloud';
import { runProvisioningLocally } from '../../local/stepfunctions/run-provisioning';

jest.setTimeout(8 * 60_000);

const BROKEN_MESSAGE = 'flinkflow-e2e: this job is broken on purpose';

/** The packaged zip with main.py replaced by a job that fails as it starts. */
async function brokenZip(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'flinkflow-broken-'));
  const good = path.resolve(__dirname, '..', '..', 'flink-app', 'dist', 'flinkflow-app.zip');
  const zip = path.join(dir, 'broken.zip');
  await writeFile(zip, await readFile(good));
  await writeFile(path.join(dir, 'main.py'), `raise RuntimeError(${JSON.stringify(BROKEN_MESSAGE)})\n`);
  // `zip` may be missing; Python's zipfile is always there with the venv.
  execFileSync('python3', [
    '-c',
    'import sys, zipfile\nsrc, out, main = sys.argv[1:]\n' +
      'with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out + ".new", "w", zipfile.ZIP_DEFLATED) as zout:\n' +
      '    for item in zin.infolist():\n' +
      '        data = open(main, "rb").read() if item.filename == "main.py" else zin.read(item)\n' +
      '        zout.writestr(item, data)\n' +
      'import os; os.replace(out + ".new", out)',
    zip,
    zip,
    path.join(dir, 'main.py'),
  ]);
  return zip;
}

describe('Provisioning with a broken code zip on the local cloud', () => {
  const home = path.join(tmpdir(), `flinkflow-e2e-broken-${process.pid}`);

  afterAll(async () => {
    await stopLocalCloud({ home });
  });

  it("It should fail the execution with the job's error, within a bounded time", async () => {
    // Prepare
    await mkdir(home, { recursive: true });
    const state = await startLocalCloud({ home, fresh: true });
    const environment = sdkEnvironment(state);
    // The SDK reads region and credentials from process.env, as the handlers do.
    Object.assign(process.env, environment);
    const clients = createAwsClients(process.env);
    const deployment = await deployLocally(clients, { ...state, codeZip: await brokenZip() });
    const startedAt = Date.now();

    // Act
    const result = await runProvisioningLocally({
      input: {
        pipelineName: 'e2e-broken',
        windowSeconds: 10,
        watermarkSeconds: 2,
        initialPosition: 'TRIM_HORIZON',
      },
      env: { ...environment, ...deployment.environment },
    });

    // Assess
    const elapsedMs = Date.now() - startedAt;
    expect(result.status).toBe('FAILED');
    if (result.status === 'SUCCEEDED') return;
    expect(result.error).toBe('ApplicationStartFailedError');
    expect(result.cause).toContain(BROKEN_MESSAGE);
    expect(result.failure?.failedStep).toBe('DescribeApplication');
    expect(elapsedMs).toBeLessThan(5 * 60_000);
    const described = await clients.kinesisAnalytics.send(
      new DescribeApplicationCommand({ ApplicationName: 'e2e-broken-app' }),
    );
    expect(described.ApplicationDetail?.ApplicationStatus).toBe('READY');
  });
});
