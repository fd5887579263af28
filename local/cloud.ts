/**
 * The local cloud's lifecycle: `startLocalCloud` starts one detached daemon (local/daemon.ts) that hosts
 * every endpoint and writes `<home>/local/state.json`; `stopLocalCloud` stops the daemon and every
 * process it started; `localCloudStatus` says what runs; `sdkEnvironment` gives the environment that
 * points the AWS SDKs (and so the Lambda handlers) at it.
 *
 * home = the `home` option, else FLINKFLOW_HOME, else `<repo>/.flinkflow`; all data lives under
 * `<home>/local/data` and is kept across stop and start unless the start is `fresh` (data-folder.ts);
 * the daemon's log is `<home>/local/cloud.log`.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { commandLineOf, descendantsOf, isAlive, residentBytes, stopProcessTree } from './common/processes';
import { endpointEnvironment, LOCAL_ACCOUNT, LOCAL_REGION, type LocalEndpoints } from './services';
import { isErrno } from './common/errors';
import { dataDirOf, readRunMarker, removeRunMarker, UncleanStopError } from './data-folder';
import { motoStateFile } from './s3/moto-server';

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
export const dataDir = (home: string) => dataDirOf(localDir(home));
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

export interface StartOptions extends HomeOption {
  /** How long to wait for every endpoint; default 60 s plus the time moto needs to load its saved state. */
  timeoutMs?: number;
  /** Delete the data folder first: start empty (`flinkflow local up --fresh`). */
  fresh?: boolean;
  /**
   * Start even though the last cloud did not stop cleanly, from its data as it was saved
   * (`--accept-saved`); without it (or `fresh`) that case is an UncleanStopError.
   */
  acceptSaved?: boolean;
}

/** moto loads its saved state at about 20 MB/s or faster here (docs/benchmarks.md). */
async function loadAllowanceMs(data: string): Promise<number> {
  try {
    return (await stat(motoStateFile(path.join(data, 'moto')))).size / (20 * 1024);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return 0;
    throw e;
  }
}

/**
 * Starts the local cloud in a detached daemon and resolves with its state once every endpoint listens.
 * If it already runs for this home, resolves with the running one's state (`fresh` does not stop it).
 * The data folder is kept from the last stop unless `fresh`; if the last cloud did not stop cleanly,
 * rejects with an UncleanStopError unless `fresh` or `acceptSaved`.
 */
export async function startLocalCloud(options: StartOptions = {}): Promise<LocalCloudState> {
  const home = flinkflowHome(options);
  const existing = await readState({ home });
  if (existing && isAlive(existing.pids.daemon)) return existing;
  // A daemon that was killed outright leaves its state behind; its servers leave on their own within a
  // second of noticing, but one that still holds on is stopped here.
  if (existing) await stopLocalCloud({ home, graceMs: 2_000 });
  await rm(statePath(home), { force: true });
  const data = dataDir(home);
  const logFile = path.join(localDir(home), 'cloud.log');
  if (options.fresh) {
    await rm(data, { recursive: true, force: true });
  } else {
    const marker = await readRunMarker(data);
    if (marker && !options.acceptSaved) throw new UncleanStopError(data, marker, logFile);
    if (marker) await removeRunMarker(data);
  }
  await mkdir(data, { recursive: true });
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
  const timeoutMs = options.timeoutMs ?? 60_000 + (await loadAllowanceMs(data));
  const deadline = Date.now() + timeoutMs;
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
    `The local cloud did not start within ${Math.round(timeoutMs)} ms; see ${logFile}:\n${tail(logFile)}`,
  );
}

/** What a stop did: whether a cloud ran, the ids killed after the grace, whether every service saved. */
export interface StopResult {
  wasRunning: boolean;
  killed: number[];
  /**
   * False when the daemon left its run marker: it was killed, or a service did not save its state. The
   * next start then needs `fresh` or `acceptSaved`. True when nothing ran.
   */
  clean: boolean;
}

/**
 * Stops the local cloud of this home and every process it started (moto, kinesalite, Flink jobs); each
 * service saves its state into the data folder on the way. The default grace (75 s) leaves room for the
 * Flink jobs' stop and for moto to write a large S3 (saving runs at about 60 MB/s here).
 */
export async function stopLocalCloud(options: HomeOption & { graceMs?: number } = {}): Promise<StopResult> {
  const home = flinkflowHome(options);
  const state = await readState({ home });
  if (!state) return { wasRunning: false, killed: [], clean: true };
  const wasRunning = isAlive(state.pids.daemon);
  const killed = wasRunning ? await stopProcessTree(state.pids.daemon, options.graceMs ?? 75_000) : [];
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
  const clean = (await readRunMarker(state.dataDir)) === undefined;
  return { wasRunning, killed, clean };
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

export { LOCAL_ACCOUNT, LOCAL_REGION, UncleanStopError };
