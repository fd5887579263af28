/**
 * `flinkflow local up --fresh | --accept-saved` and `local down`'s report of an unclean stop, with the
 * local cloud faked; and the CLI's start refusing (exit 3) a data folder a cloud left behind without a
 * clean stop, on a real (temporary) home where no daemon gets started.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LocalCloudDeps, LocalUpOptions } from '../../cli/commands/local';
import { EnvironmentError } from '../../cli/errors';
import { startLocalCloud } from '../../cli/local-bindings';
import { runCli, type CliDeps } from '../../cli/main';
import type { LocalCloudState } from '../../local/cloud';
import { fakeIo } from './fakes';

const state: LocalCloudState = {
  startedAt: '2026-11-25T12:00:00.000Z',
  dataDir: '/tmp/ff/local/data',
  logFile: '/tmp/ff/local/cloud.log',
  region: 'us-east-1',
  account: '000000000000',
  endpoints: {} as LocalCloudState['endpoints'],
  edge: 'http://127.0.0.1:4588',
  stateMachines: {},
  pids: { daemon: 10, kinesis: 11, s3: 12 },
};

function depsWith(cloud: Partial<LocalCloudDeps>): { deps: CliDeps; starts: LocalUpOptions[] } {
  const starts: LocalUpOptions[] = [];
  const none = () => {
    throw new Error('not in this test');
  };
  const deps = {
    cloud: {
      start: async (options: LocalUpOptions = {}) => {
        starts.push(options);
        return state;
      },
      stop: none,
      status: async () => ({ running: false, home: '/tmp/ff', services: {}, residentBytes: 0, processes: 0 }),
      environment: () => ({}),
      ...cloud,
    },
    localRun: none,
  } as unknown as CliDeps;
  return { deps, starts };
}

describe('flinkflow local up: the saved data', () => {
  it('It should keep the saved data by default and ask for neither option', async () => {
    // Prepare
    const io = fakeIo();
    const { deps, starts } = depsWith({});

    // Act
    const code = await runCli(['local', 'up'], io, deps);

    // Assess
    expect(code).toBe(0);
    expect(starts).toEqual([{}]);
    expect(io.stderr).toEqual(['Starting the local cloud...']);
  });

  it('It should start from empty data with --fresh', async () => {
    // Prepare
    const io = fakeIo();
    const { deps, starts } = depsWith({});

    // Act
    const code = await runCli(['local', 'up', '--fresh'], io, deps);

    // Assess
    expect(code).toBe(0);
    expect(starts).toEqual([{ fresh: true }]);
    expect(io.stderr).toEqual(['Starting the local cloud from empty data...']);
  });

  it('It should pass --accept-saved on', async () => {
    // Prepare
    const io = fakeIo();
    const { deps, starts } = depsWith({});

    // Act
    const code = await runCli(['local', 'up', '--accept-saved'], io, deps);

    // Assess
    expect(code).toBe(0);
    expect(starts).toEqual([{ acceptSaved: true }]);
  });

  it('It should refuse --fresh with --accept-saved (exit 2) and start nothing', async () => {
    // Prepare
    const io = fakeIo();
    const { deps, starts } = depsWith({});

    // Act
    const code = await runCli(['local', 'up', '--fresh', '--accept-saved'], io, deps);

    // Assess
    expect(code).toBe(2);
    expect(starts).toEqual([]);
    expect(io.stderr.at(-1)).toBe(
      'flinkflow: --fresh discards the saved data and --accept-saved starts from it: give one of them, not both.',
    );
  });

  it('It should refuse --fresh while a cloud runs (exit 3) and say to stop it first', async () => {
    // Prepare
    const io = fakeIo();
    const { deps, starts } = depsWith({
      status: async () => ({
        running: true,
        home: '/tmp/ff',
        state,
        services: {},
        residentBytes: 1,
        processes: 4,
      }),
    });

    // Act
    const code = await runCli(['local', 'up', '--fresh'], io, deps);

    // Assess
    expect(code).toBe(3);
    expect(starts).toEqual([]);
    expect(io.stderr.at(-1)).toContain('stop it first (`flinkflow local down`)');
  });
});

describe('flinkflow local down: a service that did not save', () => {
  it('It should exit 1 and say what the next up will ask for', async () => {
    // Prepare
    const io = fakeIo();
    const { deps } = depsWith({ stop: async () => ({ wasRunning: true, killed: [13], clean: false }) });

    // Act
    const code = await runCli(['local', 'down'], io, deps);

    // Assess
    expect(code).toBe(1);
    expect(io.stdout).toEqual(['Local cloud stopped (1 process(es) had to be killed).']);
    expect(io.stderr.join('\n')).toContain('--fresh (discard the data) or --accept-saved');
  });

  it('It should exit 0 after a clean stop', async () => {
    // Prepare
    const io = fakeIo();
    const { deps } = depsWith({ stop: async () => ({ wasRunning: true, killed: [], clean: true }) });

    // Act
    const code = await runCli(['local', 'down'], io, deps);

    // Assess
    expect(code).toBe(0);
    expect(io.stderr).toEqual([]);
  });
});

describe("the CLI's start of the local cloud", () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-cli-unclean-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('It should refuse the data of a cloud that did not stop cleanly with an EnvironmentError naming both ways on', async () => {
    // Prepare: the marker a killed daemon leaves; no state file, so no daemon to look for.
    const data = path.join(home, 'local', 'data');
    mkdirSync(data, { recursive: true });
    writeFileSync(
      path.join(data, 'run-marker.json'),
      JSON.stringify({ pid: 4242, startedAt: '2026-11-25T11:00:00.000Z' }),
    );

    // Act
    const error = await startLocalCloud({ home }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as EnvironmentError).exitCode).toBe(3);
    expect((error as Error).message).toContain('pid 4242, started 2026-11-25T11:00:00.000Z');
    expect((error as Error).message).toContain(data);
    expect((error as Error).message).toContain('`flinkflow local up --fresh`');
    expect((error as Error).message).toContain('`flinkflow local up --accept-saved`');
  });
});
