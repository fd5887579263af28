/**
 * The whole pipeline on the local cloud, as `make local` runs it: provisioning (the rendered state
 * machine, real handlers) -> producer -> the PyFlink job on real Flink -> windows in S3 -> Glue crawl ->
 * Athena. The expected windows are computed here from the produced events, independently of the CLI's
 * own check, and compared with what a separate Athena query returns.
 */
import { GetTablesCommand } from '@aws-sdk/client-glue';
import { defaultDeps } from '../../cli/main';
import { localRun } from '../../cli/local-run/run';
import type { TickEvent } from '../../producer';
import { localCloudClients, recordingProducer, useLocalCloudHome } from '../support/local-cloud';
import { athenaRows, compareWindows, windowRowsSql } from './windows';

const WINDOW_SECONDS = 10;
const WATERMARK_SECONDS = 2;

jest.setTimeout(12 * 60_000);

describe('The pipeline on the local cloud', () => {
  const { io } = useLocalCloudHome('e2e');

  it('It should land, per ticker and window, exactly the averages and counts of the produced events', async () => {
    // Prepare
    const produced: TickEvent[] = [];
    const recordingDeps = recordingProducer(defaultDeps(io).localRun(io), produced);

    // Act
    const summary = await localRun(
      {
        input: {
          pipelineName: 'e2e-pipeline',
          windowSeconds: WINDOW_SECONDS,
          watermarkSeconds: WATERMARK_SECONDS,
          // The provisioning default, LATEST: the job reads only what is produced after it runs.
          initialPosition: 'LATEST',
        },
        seed: 7,
        ratePerSecond: 40,
        produceSeconds: 25,
        outputTimeoutMs: 240_000,
        keep: true,
      },
      recordingDeps,
    );

    // Assess: the CLI's verdict first, then our own query and our own expectations.
    expect(summary.error).toBeUndefined();
    expect(summary.ok).toBe(true);
    expect(summary.applicationStatus).toBe('RUNNING');
    // The health gate passed on evidence, not on the status alone.
    expect(summary.health?.restarts).toBe(0);
    expect(summary.health?.completedCheckpoints).toBeGreaterThanOrEqual(1);
    expect(produced.length).toBeGreaterThan(500);

    const { state, glue, athena, destroy } = await localCloudClients();
    const tables = await glue.send(new GetTablesCommand({ DatabaseName: 'flinkflow' }));
    const table = tables.TableList?.find((t) => t.Name?.startsWith('e2e_pipeline_'));
    if (!table) throw new Error('no table of e2e-pipeline in the catalog');
    const rows = await athenaRows(
      athena,
      windowRowsSql('flinkflow', table),
      `s3://flinkflow-e2e-pipeline-${state.account}-${state.region}/e2e-results/`,
    );
    destroy();
    const comparison = compareWindows(rows, produced, WINDOW_SECONDS, WATERMARK_SECONDS);
    expect(comparison.mustHave).toBeGreaterThanOrEqual(5);
    expect(comparison.duplicates).toEqual([]); // exactly-once: no window twice
    expect(comparison.wrong).toEqual([]);
    expect(comparison.missing).toEqual([]);
  });
});
