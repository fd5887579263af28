/**
 * The local cloud's data folder (`<home>/local/data`) and its run marker. Every service keeps its state
 * under the folder it is given and loads it when it starts; the folder outlives `flinkflow local down`
 * unless `--fresh` deletes it before a start. The marker (`<data>/run-marker.json`) is written before the
 * services start and removed only after every one of them stopped and saved cleanly: found at the next
 * start, it says that the last cloud was killed, crashed or failed to save, so its data is a mix of what
 * was saved continuously and what was saved at an earlier clean stop (docs/local-cloud.md).
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const dataDirOf = (localDir: string) => path.join(localDir, 'data');
export const runMarkerPath = (dataDir: string) => path.join(dataDir, 'run-marker.json');

/** What the marker records: which daemon used the data, since when. */
export interface RunMarker {
  pid: number;
  startedAt: string;
}

/** Written before any service starts, atomically. */
export async function writeRunMarker(dataDir: string, marker: RunMarker): Promise<void> {
  const file = runMarkerPath(dataDir);
  await mkdir(dataDir, { recursive: true });
  await writeFile(`${file}.tmp`, `${JSON.stringify(marker, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}

/** Removed once every service stopped and saved its state. */
export async function removeRunMarker(dataDir: string): Promise<void> {
  await rm(runMarkerPath(dataDir), { force: true });
}

/** The marker a cloud left; undefined when the last one stopped cleanly (or none ever ran). */
export async function readRunMarker(dataDir: string): Promise<RunMarker | undefined> {
  let text: string;
  try {
    text = await readFile(runMarkerPath(dataDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as RunMarker;
  } catch (e) {
    // Written by rename, so never half a file; still a marker: the stop was not clean.
    return { pid: 0, startedAt: `unknown (the marker is not JSON: ${(e as Error).message})` };
  }
}

/**
 * `flinkflow local up` found the marker of a cloud that did not stop cleanly. Says what is at stake and
 * the two ways on: `--fresh` (discard) or `--accept-saved` (start from the data as it was saved).
 */
export class UncleanStopError extends Error {
  constructor(
    readonly dataDir: string,
    readonly marker: RunMarker,
    logFile: string,
  ) {
    super(
      `The last local cloud on this data folder did not stop cleanly (its daemon, pid ${marker.pid}, started ` +
        `${marker.startedAt}, was killed, crashed or could not save; see ${logFile}). Its data in ${dataDir} is ` +
        'a mix: the Kinesis streams and records are as they were at the end (written as they arrive), while ' +
        "moto's S3 objects, CloudWatch metrics, Logs, SNS, SQS, EventBridge and Scheduler data are as of the " +
        'last clean stop (or empty), and the other services hold what they last saved. Starting on it could ' +
        'show applications, tables or executions whose objects are gone. To go on, either discard it all: ' +
        '`flinkflow local up --fresh`; or start from the data as it was saved: `flinkflow local up ' +
        '--accept-saved`.',
    );
    this.name = 'UncleanStopError';
  }
}
