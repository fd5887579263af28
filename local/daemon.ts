/**
 * The local cloud's daemon: hosts every endpoint (services.ts), writes `<home>/local/state.json` once
 * they all listen, and on SIGTERM/SIGINT stops them and everything they started, then removes the state
 * file. Started detached by startLocalCloud (`flinkflow local up`); run in the foreground with
 * `tsx local/daemon.ts [--home <dir>]`.
 */
import path from 'node:path';
import { flinkflowHome, localDir, statePath, writeState } from './cloud';
import { exitOnFatalError } from './common/fatal';
import { edgePortFrom } from './edge';
import { LOCAL_ACCOUNT, LOCAL_REGION, startServices } from './services';
import { rm } from 'node:fs/promises';

function homeArgument(argv: string[]): string | undefined {
  const index = argv.indexOf('--home');
  if (index < 0) return undefined;
  const value = argv[index + 1];
  if (!value) throw new Error('--home needs a folder: tsx local/daemon.ts --home <dir>');
  return value;
}

async function main(): Promise<void> {
  const homeOption = homeArgument(process.argv.slice(2));
  const home = flinkflowHome(homeOption ? { home: homeOption } : {});
  const dataDir = path.join(localDir(home), 'data');
  const log = (service: string, line: string) =>
    console.log(`${new Date().toISOString()} [${service}] ${line}`);
  // The edge is the one fixed port (FLINKFLOW_EDGE_PORT, default 4588); every other endpoint takes a free one.
  const services = await startServices({ dataDir, log, edgePort: edgePortFrom(), warmStateMachines: true });
  // One shutdown, whoever asks first (a signal, or a fatal error while a signal's stop runs).
  let shutdown: Promise<void> | undefined;
  const stopEverything = () =>
    (shutdown ??= (async () => {
      await services.stop();
      await rm(statePath(home), { force: true });
    })());
  const stop = async (signal: string) => {
    if (shutdown) return;
    log('cloud', `${signal}: stopping`);
    await stopEverything();
    log('cloud', 'stopped');
    process.exit(0);
  };
  // An error no endpoint handled is a bug: the cloud stops (its children and Flink jobs with it) and
  // says why in its log, rather than serving on in a state nobody planned for.
  exitOnFatalError(process, {
    report: (text) => console.error(`${new Date().toISOString()} [cloud] ${text}`),
    cleanUp: stopEverything,
    exit: (code) => process.exit(code),
  });
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  await writeState(home, {
    startedAt: new Date().toISOString(),
    dataDir,
    logFile: path.join(localDir(home), 'cloud.log'),
    region: LOCAL_REGION,
    account: LOCAL_ACCOUNT,
    endpoints: services.endpoints,
    edge: services.edge,
    stateMachines: services.stateMachines,
    pids: { daemon: process.pid, ...services.pids },
  });
  log('cloud', `ready: edge ${services.edge}, ${JSON.stringify(services.endpoints)}`);
}

main().catch((e: unknown) => {
  console.error(`local cloud failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
