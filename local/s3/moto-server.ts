/**
 * The local S3: moto's standalone server (PyPI `moto[server]`, installed into the project venv by
 * `make py-deps`). It was chosen by measurement (docs/local-cloud.md): it takes multipart uploads, lists
 * nested prefixes with delimiters correctly, keeps object versions and answers path-style requests.
 * Its state lives in memory, for as long as the local cloud runs.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { spawnAndWait, stopProcessTree } from '../common/processes';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** The account every local service reports (services.ts LOCAL_ACCOUNT). */
const LOCAL_ACCOUNT_ID = '000000000000';

export interface LocalS3 {
  url: string;
  pid: number;
  stop(): Promise<void>;
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
export async function startLocalS3(
  options: { log?: (line: string) => void; port?: number } = {},
): Promise<LocalS3> {
  const moto = motoServerCommand();
  const { child, match } = await spawnAndWait(
    moto.command,
    [...moto.args, '-H', '127.0.0.1', '-p', String(options.port ?? 0)],
    {
      ready: /Running on (http:\/\/127\.0\.0\.1:\d+)/,
      timeoutMs: 30_000,
      // Moto logs each request through werkzeug; keep it for the service log, not the console.
      ...(options.log ? { onLine: options.log } : {}),
      // The account moto's STS (GetCallerIdentity) and ARNs report: the local cloud's.
      env: { ...process.env, PYTHONUNBUFFERED: '1', MOTO_ACCOUNT_ID: LOCAL_ACCOUNT_ID },
    },
  );
  return handle(child, match[1] as string);
}

function handle(child: ChildProcess, url: string): LocalS3 {
  return {
    url,
    pid: child.pid as number,
    stop: async () => {
      await stopProcessTree(child.pid as number, 5_000);
    },
  };
}
