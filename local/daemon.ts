/**
 * The local cloud's daemon: writes the data folder's run marker, hosts every endpoint (services.ts),
 * writes `<home>/local/state.json` once they all listen, and on SIGTERM/SIGINT stops them and everything
 * they started (each saves its state into the data folder), removes the marker if every one of them
 * saved, then removes the state file. Started detached by startLocalCloud (`flinkflow local up`); run in the foreground with
 * `tsx local/daemon.ts [--home <dir>]`.
 */
import path from 'node:path';
import { dataDir as dataDirOfHome, flinkflowHome, localDir, statePath, writeState } from './cloud';
import { removeRunMarker, writeRunMarker } from './data-folder';
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
  const dataDir = dataDirOfHome(home);
  const log = (service: string, line: string) =>
    console.log(`${new Date().toISOString()} [${service}] ${line}`);
  // Before any service touches the data: only a clean stop removes it again.
  const startedAt = new Date().toISOString();
  await writeRunMarker(dataDir, { pid: process.pid, startedAt });
  // The edge is the one fixed port (FLINKFLOW_EDGE_PORT, default 4588); every other endpoint takes a free one.
  let services: Awaited<ReturnType<typeof startServices>>;
  try {
    services = await startServices({ dataDir, log, edgePort: edgePortFrom(), warmStateMachines: true });
  } catch (e) {
    // Nothing was served, so the data is as the last stop left it (startServices stopped what it started).
    await removeRunMarker(dataDir);
    throw e;
  }
  // One shutdown, whoever asks first (a signal, or a fatal error while a signal's stop runs). The marker
  // goes only when every service stopped and saved, and never after a fatal error: that cloud's state is
  // one nobody planned for.
  let shutdown: Promise<boolean> | undefined;
  const stopEverything = (clean: boolean) =>
    (shutdown ??= (async () => {
      try {
        await services.stop();
        if (clean) await removeRunMarker(dataDir);
        return clean;
      } catch (e) {
        log('cloud', `did not stop cleanly, so ${dataDir} keeps its run marker: ${String(e)}`);
        return false;
      } finally {
        await rm(statePath(home), { force: true });
      }
    })());
  const stop = async (signal: string) => {
    if (shutdown) return;
    log('cloud', `${signal}: stopping`);
    const clean = await stopEverything(true);
    log('cloud', clean ? 'stopped' : 'stopped, not cleanly');
    process.exit(clean ? 0 : 1);
  };
  // An error no endpoint handled is a bug: the cloud stops (its children and Flink jobs with it) and
  // says why in its log, rather than serving on in a state nobody planned for.
  exitOnFatalError(process, {
    report: (text) => console.error(`${new Date().toISOString()} [cloud] ${text}`),
    cleanUp: async () => {
      await stopEverything(false);
    },
    exit: (code) => process.exit(code),
  });
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  await writeState(home, {
    startedAt,
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
