/**
 * The local Kinesis Data Streams: kinesalite (npm), in a child process of its own so that record
 * traffic does not compete with the Glue/Athena/Flink endpoints for one event loop. Its CLI listens on
 * every interface, so a small launcher (kinesalite-main.js) binds it to 127.0.0.1 instead.
 */
import path from 'node:path';
import { spawnAndWait, stopProcessTree } from '../common/processes';

export interface LocalKinesis {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export interface LocalKinesisOptions {
  /** LevelDB folder, whose streams and records outlive the process; in memory when absent. */
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
  const { child, match } = await spawnAndWait(
    process.execPath,
    [path.join(__dirname, 'kinesalite-main.js'), JSON.stringify(settings), String(options.port ?? 0)],
    {
      ready: /kinesalite listening on (\d+)/,
      timeoutMs: 15_000,
      ...(options.log ? { onLine: options.log } : {}),
    },
  );
  return {
    url: `http://127.0.0.1:${match[1] as string}`,
    pid: child.pid as number,
    stop: async () => {
      // It waits out stream transitions (kinesalite-main.js), then closes LevelDB.
      const killed = await stopProcessTree(child.pid as number, 3_000 + transitionMs);
      if (options.dataDir && killed.includes(child.pid as number)) {
        throw new Error(
          `kinesalite did not close its database in ${options.dataDir} within ${3_000 + transitionMs} ms and was ` +
            'killed: a stream being created, deleted or resharded may be left in that status.',
        );
      }
    },
  };
}
