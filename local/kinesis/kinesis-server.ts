/**
 * The local Kinesis Data Streams: kinesalite (npm), in a child process of its own so that record
 * traffic does not compete with the Glue/Athena/Flink endpoints for one event loop. Its CLI listens on
 * every interface, so a two-line launcher binds it to 127.0.0.1 instead.
 */
import { spawnAndWait, stopProcessTree } from '../common/processes';

export interface LocalKinesis {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export interface LocalKinesisOptions {
  /** LevelDB folder; in memory when absent. */
  dataDir?: string;
  /** How long a stream stays CREATING/DELETING/UPDATING. Kinesalite's default is 500 ms. */
  transitionMs?: number;
  port?: number;
  log?: (line: string) => void;
}

/** Starts kinesalite on a free port of 127.0.0.1. */
export async function startLocalKinesis(options: LocalKinesisOptions = {}): Promise<LocalKinesis> {
  const transitionMs = options.transitionMs ?? 200;
  const settings = {
    createStreamMs: transitionMs,
    deleteStreamMs: transitionMs,
    updateStreamMs: transitionMs,
    // Account-wide shard limit; the default of 10 is lower than a few pipelines need.
    shardLimit: 100,
    ...(options.dataDir ? { path: options.dataDir } : {}),
  };
  const launcher = [
    `const server = require(${JSON.stringify(require.resolve('kinesalite'))})(${JSON.stringify(settings)});`,
    `server.listen(${options.port ?? 0}, '127.0.0.1', () => console.log('kinesalite listening on ' + server.address().port));`,
    `process.on('SIGTERM', () => server.close(() => process.exit(0)));`,
    // If the daemon dies without stopping it (SIGKILL), the launcher is re-parented: leave with it.
    `const parent = process.ppid; setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 1000).unref();`,
  ].join('\n');
  const { child, match } = await spawnAndWait(process.execPath, ['-e', launcher], {
    ready: /kinesalite listening on (\d+)/,
    timeoutMs: 15_000,
    ...(options.log ? { onLine: options.log } : {}),
  });
  return {
    url: `http://127.0.0.1:${match[1] as string}`,
    pid: child.pid as number,
    stop: async () => {
      await stopProcessTree(child.pid as number, 3_000);
    },
  };
}
