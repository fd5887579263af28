/**
 * The local cloud's daemon on an error nothing handled: it says so in its log, stops every endpoint and
 * child process, removes the state file and exits, rather than serving on in an unknown state.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalCloud, stopLocalCloud, type LocalCloudState } from '../../local/cloud';
import { isAlive } from '../../local/common/processes';

jest.setTimeout(90_000);

const home = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-fatal-home-'));
const savedEnv = { ...process.env };

afterAll(async () => {
  process.env = { ...savedEnv };
  // Only if the test failed before the daemon went: never leave a cloud behind.
  await stopLocalCloud({ home });
  rmSync(home, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('It should log an uncaught exception, stop its children, remove the state file and exit', async () => {
  // Prepare: the daemon (a child of this process: it inherits the environment) throws 3 s after it has
  // installed its handlers, long after startLocalCloud has seen its state file.
  process.env['NODE_OPTIONS'] =
    `--require ${path.resolve(__dirname, '..', 'support', 'throw-when-handled.js')}`;
  process.env['FLINKFLOW_TEST_THROW_IN'] = 'daemon.ts';
  process.env['FLINKFLOW_TEST_THROW_AFTER_MS'] = '3000';
  const state: LocalCloudState = await startLocalCloud({ home, fresh: true });
  process.env = { ...savedEnv };
  const pids = [state.pids.daemon, state.pids.kinesis, state.pids.s3];
  const aliveAtStart = pids.map(isAlive);

  // Act
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && pids.some(isAlive)) await sleep(200);

  // Assess
  expect(aliveAtStart).toEqual([true, true, true]);
  expect(pids.map(isAlive)).toEqual([false, false, false]);
  expect(existsSync(path.join(home, 'local', 'state.json'))).toBe(false);
  // A cloud that stopped on a bug did not stop cleanly: its data keeps the run marker.
  expect(existsSync(path.join(home, 'local', 'data', 'run-marker.json'))).toBe(true);
  const log = readFileSync(state.logFile, 'utf8');
  expect(log).toContain('[cloud] uncaught exception: Error: planted in daemon.ts by a test');
  expect(log).toContain('[cloud] stopping what this process started, then exiting with code 1');
});
