/**
 * The local S3: moto's standalone server (PyPI `moto[server]`, installed into the project venv by
 * `make py-deps`). It was chosen by measurement (docs/local-cloud.md): it takes multipart uploads, lists
 * nested prefixes with delimiters correctly, keeps object versions and answers path-style requests.
 * Its state lives in memory while it runs; with a `stateDir` it is loaded from there at start and saved
 * there when the server is stopped (moto_server_main.py), so it outlives `flinkflow local down`.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { spawnAndWait, stopProcessTree } from '../common/processes';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** The account every local service reports (services.ts LOCAL_ACCOUNT). */
const LOCAL_ACCOUNT_ID = '000000000000';

export interface LocalS3 {
  url: string;
  pid: number;
  /** Stops the server; with a `stateDir`, rejects when it did not save its state (killed, or failed). */
  stop(): Promise<void>;
}

export interface LocalS3Options {
  log?: (line: string) => void;
  port?: number;
  /** Where moto keeps its state (`backends.pickle`) across restarts; in memory only when absent. */
  stateDir?: string;
  /** How long a stop waits for the server to save and leave before it kills it; default 45 s. */
  stopGraceMs?: number;
}

/** The file moto_server_main.py saves its state to. */
export const motoStateFile = (stateDir: string) => path.join(stateDir, 'backends.pickle');

/**
 * Saving and loading run at about 60 MB/s here (docs/benchmarks.md): 45 s covers a few GB of objects,
 * and the start waits 30 s plus a second per 20 MB of saved state.
 */
const DEFAULT_STOP_GRACE_MS = 45_000;
const LOAD_BYTES_PER_MS = 20 * 1024;

function savedBytes(stateDir: string | undefined): number {
  if (!stateDir) return 0;
  try {
    return statSync(motoStateFile(stateDir)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
}

/**
 * How to run moto's server: the project venv's Python with moto_server_main.py (moto's own `main`, with
 * its bucket-policy check corrected for conditional statements; see that file).
 */
export function motoServerCommand(): { command: string; args: string[] } {
  const script = path.join(__dirname, 'moto_server_main.py');
  const venvPython = path.join(repoRoot, '.venv', 'bin', 'python');
  if (existsSync(path.join(repoRoot, '.venv', 'bin', 'moto_server')))
    return { command: venvPython, args: [script] };
  const virtualEnv = process.env['VIRTUAL_ENV'];
  if (virtualEnv && existsSync(path.join(virtualEnv, 'bin', 'moto_server'))) {
    return { command: path.join(virtualEnv, 'bin', 'python'), args: [script] };
  }
  throw new Error(
    `moto's S3 server is not installed (looked for ${path.join(repoRoot, '.venv', 'bin', 'moto_server')}). Run \`make py-deps\`, which installs ` +
      'local/requirements.txt into the project venv.',
  );
}

/** Starts moto's server on a free port of 127.0.0.1. */
export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  const moto = motoServerCommand();
  const { child, match } = await spawnAndWait(
    moto.command,
    [
      ...moto.args,
      ...(options.stateDir ? ['--state-dir', options.stateDir] : []),
      '-H',
      '127.0.0.1',
      '-p',
      String(options.port ?? 0),
    ],
    {
      ready: /Running on (http:\/\/127\.0\.0\.1:\d+)/,
      timeoutMs: 30_000 + savedBytes(options.stateDir) / LOAD_BYTES_PER_MS,
      // Moto logs each request through werkzeug; keep it for the service log, not the console.
      ...(options.log ? { onLine: options.log } : {}),
      // The account moto's STS (GetCallerIdentity) and ARNs report: the local cloud's.
      env: { ...process.env, PYTHONUNBUFFERED: '1', MOTO_ACCOUNT_ID: LOCAL_ACCOUNT_ID },
    },
  );
  return handle(child, match[1] as string, options);
}

function handle(child: ChildProcess, url: string, options: LocalS3Options): LocalS3 {
  const pid = child.pid as number;
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return {
    url,
    pid,
    stop: async () => {
      const grace = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
      const killed = await stopProcessTree(pid, grace);
      if (!options.stateDir) return;
      if (killed.includes(pid)) {
        throw new Error(
          `moto did not save its state within ${grace} ms and was killed; ${motoStateFile(options.stateDir)} ` +
            'still holds the state of the last clean stop.',
        );
      }
      const code = await exited;
      if (code !== 0) {
        throw new Error(
          `moto exited with ${code ?? 'a signal'} while saving its state to ${options.stateDir}; its log says why. ` +
            `${motoStateFile(options.stateDir)} still holds the state of the last clean stop.`,
        );
      }
    },
  };
}
