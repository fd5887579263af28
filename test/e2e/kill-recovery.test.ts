/**
 * The whole pipeline on the local cloud with the Flink job's JVM killed (kill -9) while ticks are being
 * produced: the application stays RUNNING, the local Managed Flink endpoint restarts the job from its
 * newest checkpoint, and the windows in S3, read back with Athena, are those of the produced events,
 * recomputed here independently: none lost, none written twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { GetTablesCommand } from '@aws-sdk/client-glue';
import { defaultDeps } from '../../cli/main';
import { localRun } from '../../cli/local-run/run';
import type { TickEvent } from '../../producer';
import { javaPidsMentioning } from '../support/flink-jobs';
import {
  localCloudClients,
  maxApplicationMetric,
  recordingProducer,
  useLocalCloudHome,
} from '../support/local-cloud';
import { athenaRows, compareWindows, windowRowsSql } from './windows';

const WINDOW_SECONDS = 10;
const WATERMARK_SECONDS = 2;
const PIPELINE = 'e2e-kill';

jest.setTimeout(15 * 60_000);

/**
 * The application's checkpoints on disk: the number of each `chk-<n>` folder (Flink makes it when it
 * triggers the checkpoint) and whether its `_metadata` exists (written last, when it completed).
 */
function checkpoints(home: string): Array<{ id: number; completed: boolean }> {
  const runs = path.join(home, 'local', 'data', 'flink', 'apps', `${PIPELINE}-app`, 'runs');
  if (!fs.existsSync(runs)) return [];
  // Flink deletes a subsumed checkpoint's folder while the walk may be in it (ENOENT): walk again.
  let files: string[] | undefined;
  for (let attempt = 1; files === undefined; attempt++) {
    try {
      files = fs.readdirSync(runs, { recursive: true }).map(String);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 20) throw error;
    }
  }
  return files.flatMap((f) => {
    const match = /chk-(\d+)$/.exec(f);
    if (!match) return [];
    return [{ id: Number(match[1]), completed: fs.existsSync(path.join(runs, f, '_metadata')) }];
  });
}

describe('The pipeline on the local cloud when the job is killed', () => {
  const { home, io } = useLocalCloudHome('e2e-kill');

  it('It should lose no window and write none twice when the JVM is killed during production', async () => {
    // Prepare: kill the job's JVMs during production, once the second checkpoint triggered after
    // production began has completed. The first one may be taken before the Kinesis consumer has read a
    // record; its state then holds the LATEST sentinel, and a restore from it re-reads from LATEST,
    // skipping what came in meanwhile (the connector's behaviour on AWS too; docs/local-flink.md).
    process.stderr.write(`e2e-kill: the local cloud logs to ${path.join(home, 'local', 'cloud.log')}\n`);
    const produced: TickEvent[] = [];
    let productionStartedAt: number | undefined;
    let newestAtProductionStart = 0;
    let killedAt: number | undefined;
    let killedPids: number[] = [];
    const killer = setInterval(() => {
      if (killedAt !== undefined || productionStartedAt === undefined) return;
      const readSince = checkpoints(home).some((c) => c.completed && c.id >= newestAtProductionStart + 2);
      if (Date.now() - productionStartedAt < 8_000 || !readSince) return;
      killedPids = javaPidsMentioning(home);
      killedAt = Date.now();
      for (const pid of killedPids) process.kill(pid, 'SIGKILL');
      process.stderr.write(`e2e-kill: killed the job's JVMs ${killedPids.join(', ')}\n`);
    }, 500);
    const recordingDeps = recordingProducer(defaultDeps(io).localRun(io), produced, () => {
      newestAtProductionStart = Math.max(0, ...checkpoints(home).map((c) => c.id));
      productionStartedAt = Date.now();
    });

    // Act
    const summary = await localRun(
      {
        input: {
          pipelineName: PIPELINE,
          windowSeconds: WINDOW_SECONDS,
          watermarkSeconds: WATERMARK_SECONDS,
          initialPosition: 'LATEST',
        },
        seed: 11,
        ratePerSecond: 40,
        produceSeconds: 40,
        outputTimeoutMs: 400_000,
        keep: true,
      },
      recordingDeps,
    ).finally(() => clearInterval(killer));

    // Assess: the kill happened, the application stayed RUNNING and counted the restart.
    expect(killedAt).toBeDefined();
    expect(killedPids.length).toBeGreaterThan(0);
    expect(summary.applicationStatus).toBe('RUNNING');
    const { state, glue, athena, cloudWatch, destroy } = await localCloudClients();
    expect(await maxApplicationMetric(cloudWatch, `${PIPELINE}-app`, 'numRestarts')).toBeGreaterThanOrEqual(
      1,
    );

    // Our own query and our own expectations.
    const tables = await glue.send(new GetTablesCommand({ DatabaseName: 'flinkflow' }));
    const table = tables.TableList?.find((t) => t.Name?.startsWith(`${PIPELINE.replace(/-/g, '_')}_`));
    if (!table) throw new Error(`no table of ${PIPELINE} in the catalog`);
    const rows = await athenaRows(
      athena,
      windowRowsSql('flinkflow', table),
      `s3://flinkflow-${PIPELINE}-${state.account}-${state.region}/e2e-results/`,
    );
    const comparison = compareWindows(rows, produced, WINDOW_SECONDS, WATERMARK_SECONDS);
    destroy();
    process.stderr.write(
      `e2e-kill: ${produced.length} events, ${comparison.seen} windows in Athena, ${comparison.mustHave} certain\n`,
    );
    expect(produced.length).toBeGreaterThan(500);
    expect(comparison.mustHave).toBeGreaterThanOrEqual(5);
    expect(comparison.duplicates).toEqual([]);
    expect(comparison.wrong).toEqual([]);
    expect(comparison.missing).toEqual([]);
    expect(summary.error).toBeUndefined();
    expect(summary.ok).toBe(true);
  });
});
