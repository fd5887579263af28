/**
 * The local cloud's lifecycle: `startLocalCloud` starts one detached daemon (local/daemon.ts) that hosts
 * every endpoint and writes `<home>/local/state.json`; `stopLocalCloud` stops the daemon and every
 * process it started; `localCloudStatus` says what runs; `sdkEnvironment` gives the environment that
 * points the AWS SDKs (and so the Lambda handlers) at it.
 *
 * home = the `home` option, else FLINKFLOW_HOME, else `<repo>/.flinkflow`; all data lives under
 * `<home>/local/data`, the daemon's log in `<home>/local/cloud.log`.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { commandLineOf, descendantsOf, isAlive, residentBytes, stopProcessTree } from './common/processes';
import { endpointEnvironment, LOCAL_ACCOUNT, LOCAL_REGION, type LocalEndpoints } from './services';
import { isErrno } from './common/errors';

export const repoRoot = path.resolve(__dirname, '..');

/** What state.json holds; the CLI and the tests read it to find the endpoints. */
export interface LocalCloudState {
  startedAt: string;
  dataDir: string;
  logFile: string;
  region: string;
  account: string;
  endpoints: LocalEndpoints;
  /** The edge endpoint: every service on one port, routed by the request's SigV4 signature. */
  edge: string;
  /** The ARN of each state machine the local Step Functions endpoint serves, by name. */
  stateMachines: Record<string, string>;
  pids: { daemon: number; kinesis: number; s3: number };
}

export interface HomeOption {
  /** Overrides FLINKFLOW_HOME and `<repo>/.flinkflow`. */
  home?: string;
}

/** The flinkflow home folder in use. */
export function flinkflowHome(options: HomeOption = {}): string {
  return path.resolve(options.home ?? process.env['FLINKFLOW_HOME'] ?? path.join(repoRoot, '.flinkflow'));
}

export const localDir = (home: string) => path.join(home, 'local');
export const statePath = (home: string) => path.join(localDir(home), 'state.json');

/** Reads state.json; undefined when there is none. */
export async function readState(options: HomeOption = {}): Promise<LocalCloudState | undefined> {
  const file = statePath(flinkflowHome(options));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as LocalCloudState;
  } catch (e) {
    // Written by rename, so never half a file: something else wrote it. Guessing could start a second cloud.
    throw new Error(
      `The local cloud's state file ${file} is not valid JSON (${(e as Error).message}). Stop any cloud ` +
        'still running (`ps -ef | grep local/daemon.ts`), then delete the file and start again.',
      { cause: e },
    );
  }
}

/** Writes state.json atomically, so that a reader never sees half a file. */
export async function writeState(home: string, state: LocalCloudState): Promise<void> {
  const file = statePath(home);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return '(no log)';
    return `(the log ${file} cannot be read: ${(e as Error).message})`;
  }
}

/**
 * Starts the local cloud in a detached daemon and resolves with its state once every endpoint listens.
 * If it already runs for this home, resolves with the running one's state.
 */
export async function startLocalCloud(
  options: HomeOption & { timeoutMs?: number } = {},
): Promise<LocalCloudState> {
  const home = flinkflowHome(options);
  const existing = await readState({ home });
  if (existing && isAlive(existing.pids.daemon)) return existing;
  // A daemon that was killed outright leaves its state behind; its servers leave on their own within a
  // second of noticing, but one that still holds on is stopped here.
  if (existing) await stopLocalCloud({ home, graceMs: 2_000 });
  await rm(statePath(home), { force: true });
  // Streams, objects and catalogs live in memory and are gone with the last daemon, so every `up` starts
  // from empty data: an application stored on disk would otherwise point at a code version that no
  // longer exists, and its next start would fail with NoSuchVersion.
  await rm(path.join(localDir(home), 'data'), { recursive: true, force: true });
  await mkdir(path.join(localDir(home), 'data'), { recursive: true });
  const logFile = path.join(localDir(home), 'cloud.log');
  const logFd = openSync(logFile, 'a');
  const loader = pathToFileURL(require.resolve('tsx')).href;
  const daemon = spawn(
    process.execPath,
    ['--import', loader, path.join(__dirname, 'daemon.ts'), '--home', home],
    {
      cwd: repoRoot,
      // Its own process group and session: it outlives the command that started it.
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, FLINKFLOW_HOME: home },
    },
  );
  closeSync(logFd);
  daemon.unref();
  const pid = daemon.pid as number;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    const state = await readState({ home });
    if (state && state.pids.daemon === pid) return state;
    if (!isAlive(pid)) {
      throw new Error(`The local cloud did not start; its log (${logFile}) ends with:\n${tail(logFile)}`);
    }
    await sleep(100);
  }
  await stopProcessTree(pid, 5_000);
  throw new Error(
    `The local cloud did not start within ${options.timeoutMs ?? 60_000} ms; see ${logFile}:\n${tail(logFile)}`,
  );
}

/**
 * Stops the local cloud of this home and every process it started (moto, kinesalite, Flink jobs).
 * Resolves with whether one was running and the ids that had to be killed after the grace period.
 */
export async function stopLocalCloud(
  options: HomeOption & { graceMs?: number } = {},
): Promise<{ wasRunning: boolean; killed: number[] }> {
  const home = flinkflowHome(options);
  const state = await readState({ home });
  if (!state) return { wasRunning: false, killed: [] };
  const wasRunning = isAlive(state.pids.daemon);
  const killed = wasRunning ? await stopProcessTree(state.pids.daemon, options.graceMs ?? 20_000) : [];
  // Children that outlived a daemon killed earlier (e.g. by a crash) are still named in the state.
  // Their ids are checked against the command line first: an id can have been reused since.
  const servers: [number, string][] = [
    [state.pids.kinesis, 'kinesalite'],
    [state.pids.s3, 'moto_server_main'],
  ];
  for (const [pid, marker] of servers) {
    if (isAlive(pid) && commandLineOf(pid).includes(marker))
      killed.push(...(await stopProcessTree(pid, 2_000)));
  }
  await rm(statePath(home), { force: true });
  return { wasRunning, killed };
}

/** Whether something accepts connections on the endpoint's port. */
function listening(url: string, timeoutMs = 1_000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface LocalCloudStatus {
  running: boolean;
  home: string;
  state?: LocalCloudState;
  /** Each endpoint (and the edge): whether it accepts connections. */
  services: Partial<Record<keyof LocalEndpoints | 'edge', boolean>>;
  /** Resident memory of the daemon and all its descendants (Flink jobs included). */
  residentBytes: number;
  processes: number;
}

/** What runs for this home, read from state.json and checked against the processes and ports. */
export async function localCloudStatus(options: HomeOption = {}): Promise<LocalCloudStatus> {
  const home = flinkflowHome(options);
  const state = await readState({ home });
  if (!state || !isAlive(state.pids.daemon)) {
    return {
      running: false,
      home,
      ...(state ? { state } : {}),
      services: {},
      residentBytes: 0,
      processes: 0,
    };
  }
  const targets: Record<string, string> = { ...state.endpoints, edge: state.edge };
  const names = Object.keys(targets);
  const up = await Promise.all(names.map((n) => listening(targets[n] as string)));
  const tree = [state.pids.daemon, ...descendantsOf(state.pids.daemon)];
  return {
    running: up.every(Boolean),
    home,
    state,
    services: Object.fromEntries(names.map((n, i) => [n, up[i] as boolean])),
    residentBytes: tree.reduce((sum, pid) => sum + residentBytes(pid), 0),
    processes: tree.length,
  };
}

/**
 * The environment that points AWS SDKs at the local cloud: AWS_ENDPOINT_URL (the edge) for every
 * service, the per-service AWS_ENDPOINT_URL_<service id> variables (which take precedence and skip the
 * edge's hop), dummy credentials and the region. Handlers need no local-only code. With the edge as the
 * catch-all, a client of a service the local cloud does not serve gets a clear error instead of reaching
 * AWS.
 */
export function sdkEnvironment(
  state: Pick<LocalCloudState, 'endpoints' | 'region'> & { edge?: string },
): Record<string, string> {
  return endpointEnvironment(state.endpoints, state.region, state.edge);
}

/** The short form: every service through the edge, with credentials and region. */
export function edgeEnvironment(state: Pick<LocalCloudState, 'edge' | 'region'>): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: state.edge,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: state.region,
    AWS_DEFAULT_REGION: state.region,
  };
}

export { LOCAL_ACCOUNT, LOCAL_REGION };
