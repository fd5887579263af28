import type { LocalCloudStatus } from '../../local/cloud';
import { EnvironmentError, UsageError } from '../errors';
import { ExitCode } from '../exit-codes';
import { formatDuration } from '../progress';
import type { CliIo } from '../io';
import type { LocalCloudState } from '../local-bindings';
import { localRun, type LocalRunDeps, type LocalRunOptions } from '../local-run/run';
import { renderSummary, renderTable } from '../local-run/summary';

/** How `local up` treats the data folder the last cloud left (local/data-folder.ts). */
export interface LocalUpOptions {
  /** Delete it first: start empty. */
  fresh?: boolean;
  /** Start from it even though the last cloud did not stop cleanly. */
  acceptSaved?: boolean;
}

export interface LocalCloudDeps {
  start(options?: LocalUpOptions): Promise<LocalCloudState>;
  /** `clean`: every service saved its state (absent: the caller does not know). */
  stop(): Promise<{ wasRunning: boolean; killed: number[]; clean?: boolean }>;
  status(): Promise<LocalCloudStatus>;
  environment(state: LocalCloudState): Record<string, string>;
}

/**
 * Shell lines that point the AWS CLI and SDKs of another terminal at the local cloud: AWS_ENDPOINT_URL
 * (the edge, every service), credentials and region; the per-service variables are left out (the edge
 * routes to the same endpoints), `--json` has them all.
 */
export function environmentExports(environment: Record<string, string>): string[] {
  return Object.entries(environment)
    .filter(([k]) => !k.startsWith('AWS_ENDPOINT_URL_'))
    .map(([k, v]) => `export ${k}=${v}`);
}

/** `flinkflow local up [--fresh | --accept-saved]`. */
export async function localUpCommand(
  options: { json?: boolean } & LocalUpOptions,
  io: CliIo,
  deps: LocalCloudDeps,
): Promise<number> {
  if (options.fresh && options.acceptSaved) {
    throw new UsageError(
      '--fresh discards the saved data and --accept-saved starts from it: give one of them, not both.',
    );
  }
  const started = io.now();
  if (options.fresh && (await deps.status()).processes > 0) {
    // Deleting the data under running services would corrupt what they hold; the running cloud is not
    // silently handed back as if it were fresh either.
    throw new EnvironmentError(
      'The local cloud is running, so its data cannot be deleted under it: stop it first (`flinkflow local down`), then `flinkflow local up --fresh`.',
    );
  }
  io.err(options.fresh ? 'Starting the local cloud from empty data...' : 'Starting the local cloud...');
  const state = await deps.start({
    ...(options.fresh ? { fresh: true } : {}),
    ...(options.acceptSaved ? { acceptSaved: true } : {}),
  });
  if (options.json) {
    io.out(JSON.stringify({ ...state, sdkEnvironment: deps.environment(state) }, null, 2));
    return 0;
  }
  io.out(
    [
      `Local cloud running (${formatDuration(io.now() - started)}); data in ${state.dataDir}, log ${state.logFile}.`,
      ...renderTable(
        ['service', 'endpoint'],
        [['edge (every service)', state.edge], ...Object.entries(state.endpoints)],
      ),
      '',
      ...Object.entries(state.stateMachines).map(([name, arn]) => `state machine ${name}: ${arn}`),
      '',
      'To use it from another shell (AWS CLI, SDKs):',
      ...environmentExports(deps.environment(state)),
      '',
      'Stop it with: flinkflow local down',
    ].join('\n'),
  );
  return 0;
}

/** `flinkflow local down`. */
export async function localDownCommand(
  options: { json?: boolean },
  io: CliIo,
  deps: LocalCloudDeps,
): Promise<number> {
  const result = await deps.stop();
  if (options.json) io.out(JSON.stringify(result));
  else if (!result.wasRunning) io.out('The local cloud was not running.');
  else
    io.out(
      `Local cloud stopped${result.killed.length ? ` (${result.killed.length} process(es) had to be killed)` : ''}.`,
    );
  if (result.clean === false) {
    // The data is kept, but the next `up` refuses it until told what to do: say so now.
    io.err(
      'Not every service saved its state (see the log), so the next `flinkflow local up` will ask for ' +
        '--fresh (discard the data) or --accept-saved (start from it as saved).',
    );
    return ExitCode.Failed;
  }
  return 0;
}

/** `flinkflow local status`: exit 0 when every endpoint answers, 3 when the cloud is not running. */
export async function localStatusCommand(
  options: { json?: boolean },
  io: CliIo,
  deps: LocalCloudDeps,
): Promise<number> {
  const status = await deps.status();
  if (options.json) {
    io.out(
      JSON.stringify(
        { ...status, ...(status.state ? { sdkEnvironment: deps.environment(status.state) } : {}) },
        null,
        2,
      ),
    );
  } else if (!status.state) {
    io.out(`The local cloud is not running (home ${status.home}). Start it with: flinkflow local up`);
  } else {
    io.out(
      [
        `Local cloud: ${status.running ? 'running' : 'NOT fully running'} since ${status.state.startedAt} (home ${status.home})`,
        `memory: ${(status.residentBytes / 1024 ** 2).toFixed(0)} MiB resident in ${status.processes} process(es)`,
        ...renderTable(
          ['service', 'endpoint', 'up'],
          Object.entries({ edge: status.state.edge, ...status.state.endpoints }).map(([k, v]) => [
            k,
            v,
            status.services[k as keyof typeof status.services] ? 'yes' : 'NO',
          ]),
        ),
        ...Object.entries(status.state.stateMachines ?? {}).map(
          ([name, arn]) => `state machine ${name}: ${arn}`,
        ),
        `log: ${status.state.logFile}`,
      ].join('\n'),
    );
  }
  return status.running ? 0 : 3;
}

/** `flinkflow local run` (what `make local` runs). */
export async function localRunCommand(
  options: LocalRunOptions & { json?: boolean },
  io: CliIo,
  deps: LocalRunDeps,
): Promise<number> {
  const summary = await localRun(options, deps);
  const { exitCode, ...rest } = summary;
  if (options.json) io.out(JSON.stringify(rest, null, 2));
  else io.out(renderSummary(rest));
  return exitCode;
}
