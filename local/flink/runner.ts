/**
 * One run of the Flink job: the flink-app local runner as a child process in its own process group,
 * speaking the runner's stdout protocol (docs/flink-app.md): JSON lines
 * `{"status":"STARTING"|"RUNNING"|"FAILED"|"STOPPED"|"FINISHED", ...}`. Everything the runner prints,
 * on either stream, is also appended to the run's log file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import { commandLineOf, descendantsOf, isAlive, residentBytes } from '../common/processes';
import { isErrno } from '../common/errors';

export interface RunnerLaunch {
  /** The runner's argv head, e.g. [python, flink-app/local_runner.py]. */
  command: readonly string[];
  zipPath: string;
  propertiesPath: string;
  workDir: string;
  savepointDir?: string;
  fromSavepoint?: string;
  /** Flink configuration entries for the run, `KEY=VALUE` (the runner's repeatable `--flink-conf`). */
  flinkConf?: readonly string[];
  env: NodeJS.ProcessEnv;
  logPath: string;
  /** The job's metrics, each time the runner reports them (a `metrics` line). */
  onMetrics?: (metrics: RunnerMetrics) => void;
  /** A failure Flink restarted the job after (an `exception` line). */
  onException?: (exception: RunnerException) => void;
}

/** What a runner `metrics` line carries (docs/flink-app.md). */
export interface RunnerMetrics {
  numRestarts: number;
  numberOfCompletedCheckpoints: number;
  numberOfFailedCheckpoints: number;
  latestCheckpoint?: string;
}

/** What a runner `exception` line carries: one entry of Flink's exception history. */
export interface RunnerException {
  timestamp: number;
  error: string;
  stacktrace: string;
  taskName?: string;
}

/** Why a run ended without the job running: the job's own message when the runner gave one. */
export class JobFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobFailedError';
  }
}

interface StatusLine {
  metrics?: unknown;
  exception?: unknown;
  status?: unknown;
  jobId?: unknown;
  error?: unknown;
  savepoint?: unknown;
}

const STDERR_TAIL_LINES = 20;
// How often the runner's process tree is read. The runner starts Flink's CLI in a session of its own,
// so the JVM is outside the runner's process group; only the tree (read from /proc) finds it, and only
// while the runner lives: an orphan is re-parented and can no longer be found from the root.
const TREE_POLL_MS = 2_000;

/** A running (or finished) runner process. */
export class JobRun {
  readonly pid: number;
  /** Resolves with the Flink job id when the runner reports RUNNING; rejects when it fails or exits first. */
  readonly running: Promise<string>;
  /** Resolves when the process has exited, with what its last status line said. */
  readonly exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    error?: string;
    savepoint?: string;
    finished: boolean;
  }>;
  private readonly child: ChildProcess;
  private readonly log: fs.WriteStream;
  private readonly stderrTail: string[] = [];
  private reportedError: string | undefined;
  private savepoint: string | undefined;
  private finished = false;
  private isRunning = false;
  private hasExited = false;
  /** Every process the runner started, with its command line (to tell a reused pid from ours). */
  private readonly tree = new Map<number, string>();
  private readonly treePoll: NodeJS.Timeout;

  constructor(launch: RunnerLaunch) {
    const args = [
      ...launch.command.slice(1),
      '--zip',
      launch.zipPath,
      '--properties',
      launch.propertiesPath,
      '--work-dir',
      launch.workDir,
      ...(launch.savepointDir ? ['--savepoint-dir', launch.savepointDir] : []),
      ...(launch.fromSavepoint ? ['--from-savepoint', launch.fromSavepoint] : []),
      ...(launch.flinkConf ?? []).flatMap((pair) => ['--flink-conf', pair]),
    ];
    this.log = fs.createWriteStream(launch.logPath, { flags: 'a' });
    this.writeLog(`[flinkflow] starting: ${[launch.command[0], ...args].join(' ')}`);
    // detached: the runner and the JVM it starts get their own process group, so a force stop can
    // kill the whole tree with one signal and nothing is left holding ports or files.
    this.child = spawn(launch.command[0] ?? 'python3', args, {
      detached: true,
      env: launch.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.pid = this.child.pid ?? -1;
    this.treePoll = setInterval(() => this.trackTree(), TREE_POLL_MS);
    this.treePoll.unref();

    let resolveRunning: (jobId: string) => void = () => undefined;
    let rejectRunning: (e: Error) => void = () => undefined;
    this.running = new Promise<string>((resolve, reject) => {
      resolveRunning = resolve;
      rejectRunning = reject;
    });
    // A caller that only awaits `exited` must not see an unhandled rejection; the rejection is still
    // there for whoever awaits `running`.
    this.running.catch(() => undefined);

    const stdout = readline.createInterface({ input: this.child.stdout! });
    stdout.on('line', (line) => {
      this.writeLog(`[runner] ${line}`);
      const parsed = parseStatus(line);
      if (!parsed) return;
      if (parsed.metrics !== undefined) {
        const metrics = parseMetrics(parsed.metrics);
        if (metrics) launch.onMetrics?.(metrics);
        return;
      }
      if (parsed.exception !== undefined) {
        const exception = parseException(parsed.exception);
        if (exception) launch.onException?.(exception);
        return;
      }
      if (parsed.status === 'RUNNING') {
        this.isRunning = true;
        resolveRunning(typeof parsed.jobId === 'string' ? parsed.jobId : '');
      } else if (parsed.status === 'FAILED') {
        this.reportedError =
          typeof parsed.error === 'string' && parsed.error ? parsed.error : 'The Flink job failed.';
        rejectRunning(new JobFailedError(this.reportedError));
      } else if (parsed.status === 'STOPPED') {
        if (typeof parsed.savepoint === 'string' && parsed.savepoint) this.savepoint = parsed.savepoint;
      } else if (parsed.status === 'FINISHED') {
        this.finished = true;
      }
    });
    const stderr = readline.createInterface({ input: this.child.stderr! });
    stderr.on('line', (line) => {
      this.writeLog(line);
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
    });

    this.exited = new Promise((resolve) => {
      let spawnError: string | undefined;
      this.child.once('error', (e) => {
        spawnError = `The Flink job runner could not be started (${launch.command.join(' ')}): ${e.message}`;
        this.reportedError = spawnError;
        rejectRunning(new JobFailedError(spawnError));
        if (this.child.pid === undefined) {
          this.hasExited = true;
          clearInterval(this.treePoll);
          this.log.end();
          resolve({ code: null, signal: null, error: spawnError, finished: false });
        }
      });
      this.child.once('close', (code, signal) => {
        this.hasExited = true;
        clearInterval(this.treePoll);
        // Whatever the runner left behind (it normally stops Flink before it exits) goes with it.
        this.killTree();
        this.writeLog(`[flinkflow] runner exited with ${signal ? `signal ${signal}` : `code ${code}`}`);
        const error = this.reportedError ?? (this.finished ? undefined : this.exitMessage(code, signal));
        if (!this.isRunning)
          rejectRunning(new JobFailedError(error ?? 'The Flink job finished before it was RUNNING.'));
        this.log.end();
        resolve({
          code,
          signal,
          ...(error !== undefined ? { error } : {}),
          ...(this.savepoint !== undefined ? { savepoint: this.savepoint } : {}),
          finished: this.finished,
        });
      });
    });
  }

  /** Whether the runner printed a FAILED status line. */
  get reportedFailure(): boolean {
    return this.reportedError !== undefined && this.pid > 0;
  }

  get alive(): boolean {
    return !this.hasExited;
  }

  /**
   * Asks the runner to stop (SIGTERM: it takes a savepoint when it was given a savepoint dir) and waits
   * up to `timeoutMs`; a runner that does not exit by then is killed with its whole process group.
   */
  async stop(timeoutMs: number): Promise<{ savepoint?: string; killed: boolean }> {
    if (!this.hasExited) this.signal('SIGTERM', false);
    const outcome = await Promise.race([this.exited, delay(timeoutMs).then(() => undefined)]);
    if (outcome === undefined) {
      this.writeLog(`[flinkflow] the runner did not stop within ${timeoutMs} ms; killing it`);
      await this.kill();
      return { killed: true };
    }
    this.killTree();
    return { ...(outcome.savepoint !== undefined ? { savepoint: outcome.savepoint } : {}), killed: false };
  }

  /**
   * After a failure the runner exits by itself; give it `graceMs` to do so (its last lines reach the
   * log), then kill whatever is left of its process group.
   */
  async settle(graceMs: number): Promise<void> {
    await Promise.race([this.exited, delay(graceMs)]);
    await this.kill();
  }

  /** Kills the runner and everything it started, without a savepoint, and waits for it to exit. */
  async kill(): Promise<void> {
    this.killTree();
    if (!this.hasExited) await this.exited;
  }

  /** Resident memory of the runner and every process it started, in bytes. */
  residentBytes(): number {
    if (this.hasExited) return 0;
    this.trackTree();
    return [this.pid, ...this.tree.keys()].filter(isAlive).reduce((sum, pid) => sum + residentBytes(pid), 0);
  }

  private trackTree(): void {
    if (this.pid <= 0 || this.hasExited) return;
    // Re-read each time: a process seen between fork and exec still had its parent's command line.
    for (const pid of descendantsOf(this.pid)) this.tree.set(pid, commandLineOf(pid));
  }

  /** SIGKILL to the runner's group and to every process (and group) of its tree that is still ours. */
  private killTree(): void {
    this.trackTree();
    this.signal('SIGKILL', true);
    this.signal('SIGKILL', false);
    for (const [pid, commandLine] of this.tree) {
      if (!isAlive(pid) || commandLineOf(pid) !== commandLine) continue;
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch (e) {
          // Not a group leader, or already gone.
          if (!isErrno(e, 'ESRCH')) throw e;
        }
      }
    }
  }

  private signal(signal: NodeJS.Signals, group: boolean): void {
    if (this.pid <= 0) return;
    try {
      process.kill(group ? -this.pid : this.pid, signal);
    } catch (e) {
      // Already gone.
      if (!isErrno(e, 'ESRCH')) throw e;
    }
  }

  private exitMessage(code: number | null, signal: NodeJS.Signals | null): string {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const tail = this.stderrTail.slice(-5).join(' | ');
    return `The Flink job runner ${how} without reporting a status.${tail ? ` Last output: ${tail}` : ''}`;
  }

  private writeLog(line: string): void {
    if (!this.log.writableEnded) this.log.write(`${new Date().toISOString()} ${line}\n`);
  }
}

function parseStatus(line: string): StatusLine | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(trimmed) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as StatusLine) : undefined;
  } catch {
    return undefined;
  }
}

function parseMetrics(value: unknown): RunnerMetrics | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const count = (key: string) => (typeof v[key] === 'number' && Number.isFinite(v[key]) ? v[key] : 0);
  return {
    numRestarts: count('numRestarts'),
    numberOfCompletedCheckpoints: count('numberOfCompletedCheckpoints'),
    numberOfFailedCheckpoints: count('numberOfFailedCheckpoints'),
    ...(typeof v['latestCheckpoint'] === 'string' ? { latestCheckpoint: v['latestCheckpoint'] } : {}),
  };
}

function parseException(value: unknown): RunnerException | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  return {
    timestamp: typeof v['timestamp'] === 'number' && v['timestamp'] > 0 ? v['timestamp'] : Date.now(),
    error: typeof v['error'] === 'string' ? v['error'] : 'unknown error',
    stacktrace: typeof v['stacktrace'] === 'string' ? v['stacktrace'] : '',
    ...(typeof v['taskName'] === 'string' ? { taskName: v['taskName'] } : {}),
  };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
