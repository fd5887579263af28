/**
 * Child processes of the local cloud: starting a server and waiting until it says where it listens, and
 * stopping a whole tree of processes so that nothing is left behind (Flink's Java processes, PyFlink's
 * Python workers, moto, kinesalite).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { isErrno } from './errors';

/** Starts a process and resolves once a line of its stdout/stderr matches `ready`. */
export function spawnAndWait(
  command: string,
  args: readonly string[],
  options: SpawnOptions & {
    /** A line that says the server is up; its first capture group, if any, is returned. */
    ready: RegExp;
    timeoutMs: number;
    /** Every output line, for the service's log. */
    onLine?: (line: string) => void;
  },
): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const { ready, timeoutMs, onLine, ...spawnOptions } = options;
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions });
  return new Promise((resolve, reject) => {
    const recent: string[] = [];
    let settled = false;
    const timer = setTimeout(() => {
      fail(new Error(`${command} did not start within ${timeoutMs} ms. Last output:\n${recent.join('\n')}`));
    }, timeoutMs);
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split(/\r?\n/)) {
        if (!line) continue;
        onLine?.(line);
        recent.push(line);
        if (recent.length > 20) recent.shift();
        const match = settled ? null : line.match(ready);
        if (match) {
          settled = true;
          clearTimeout(timer);
          resolve({ child, match });
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (e) => fail(new Error(`Could not start ${command}: ${e.message}`)));
    child.once('exit', (code, signal) => {
      fail(
        new Error(`${command} exited (${signal ?? code}) before it was ready. Output:\n${recent.join('\n')}`),
      );
    });
  });
}

/** True while a process with this id exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but is not ours to signal; only ESRCH means no such process.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code !== 'EPERM') throw e;
  }
  try {
    // A zombie still answers signal 0; its state letter in /proc says it is gone.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (e) {
    // It ended between the signal and the read.
    if (isErrno(e, 'ENOENT', 'ESRCH')) return false;
    throw e;
  }
}

/** Ids of every descendant of `pid` (children, grandchildren, ...), read from /proc. */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch (e) {
    // No /proc (not Linux): no way to see children, so none are reported.
    if (isErrno(e, 'ENOENT')) return [];
    throw e;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(parent) ?? [];
      list.push(Number(entry));
      children.set(parent, list);
    } catch (e) {
      // The process ended while we looked.
      if (!isErrno(e, 'ENOENT', 'ESRCH')) throw e;
    }
  }
  const result: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      result.push(child);
      queue.push(child);
    }
  }
  return result;
}

/** A process's command line (arguments joined by spaces), or '' when it is gone. */
export function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch (e) {
    if (isErrno(e, 'ENOENT', 'ESRCH')) return '';
    throw e;
  }
}

/** Resident memory of a process in bytes (VmRSS), or 0 when it is gone. */
export function residentBytes(pid: number): number {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    return match ? Number(match[1]) * 1024 : 0;
  } catch (e) {
    if (isErrno(e, 'ENOENT', 'ESRCH')) return 0;
    throw e;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (e) {
    // ESRCH: already gone. Anything else (EPERM: the id now belongs to someone else's process) is news.
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stops a process and everything it started: SIGTERM to the root (so it can shut down its own children
 * cleanly), then, after `graceMs`, SIGKILL to whatever of the tree is still there. The tree is read
 * before the first signal, because orphans are re-parented and can no longer be found from the root.
 * Resolves with the ids that had to be killed.
 */
export async function stopProcessTree(rootPid: number, graceMs = 10_000): Promise<number[]> {
  const tree = [rootPid, ...descendantsOf(rootPid)];
  signal(rootPid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && tree.some(isAlive)) await sleep(100);
  // Processes started after we looked are children of ones we know; look once more before killing.
  const survivors = [
    ...new Set([...tree, ...tree.flatMap((p) => (isAlive(p) ? descendantsOf(p) : []))]),
  ].filter(isAlive);
  for (const pid of survivors) signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (Date.now() < killDeadline && survivors.some(isAlive)) await sleep(50);
  return survivors;
}
