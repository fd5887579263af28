/**
 * The whole pipeline on the local cloud, as `make local` runs it: provisioning (the rendered state
 * machine, real handlers) -> producer -> the PyFlink job on real Flink -> windows in S3 -> Glue crawl ->
 * Athena. The expected windows are computed here from the produced events, independently of the CLI's
 * own check, and compared with what a separate Athena query returns.
 */
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { GetTablesCommand, GlueClient } from '@aws-sdk/client-glue';
import { defaultDeps } from '../../cli/main';
import type { CliIo } from '../../cli/io';
import { localRun } from '../../cli/local-run/run';
import type { TickEvent } from '../../producer';
import { readState, sdkEnvironment, stopLocalCloud } from '../../local/cloud';
import { athenaRows, expectedRows, type WindowRow } from './windows';

const WINDOW_SECONDS = 10;
const WATERMARK_SECONDS = 2;

jest.setTimeout(12 * 60_000);

describe('The pipeline on the local cloud', () => {
  const home = path.join(tmpdir(), `flinkflow-e2e-${process.pid}`);
  const io: CliIo = {
    out: () => undefined,
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    now: () => Date.now(),
    signal: new AbortController().signal,
  };

  beforeAll(async () => {
    await mkdir(home, { recursive: true });
    process.env['FLINKFLOW_HOME'] = home;
  });

  afterAll(async () => {
    await stopLocalCloud();
  });

  it('It should land, per ticker and window, exactly the averages and counts of the produced events', async () => {
    // Prepare
    const deps = defaultDeps(io).localRun(io);
    const produced: TickEvent[] = [];
    const recordingDeps = {
      ...deps,
      produce: (options: Parameters<typeof deps.produce>[0], clients: Parameters<typeof deps.produce>[1]) =>
        deps.produce(
          {
            ...options,
            onDelivered: (records) => {
              produced.push(...records.map((r) => r.event));
              options.onDelivered?.(records);
            },
          },
          clients,
        ),
    };

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

    const state = await readState();
    if (!state) throw new Error('the local cloud left no state file');
    const env = sdkEnvironment(state);
    const clientConfig = {
      region: state.region,
      endpoint: env['AWS_ENDPOINT_URL_GLUE'] ?? '',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    };
    const glue = new GlueClient(clientConfig);
    const athena = new AthenaClient({ ...clientConfig, endpoint: env['AWS_ENDPOINT_URL_ATHENA'] ?? '' });
    const tables = await glue.send(new GetTablesCommand({ DatabaseName: 'flinkflow' }));
    const table = tables.TableList?.find((t) => t.Name?.startsWith('e2e_pipeline_'));
    expect(table).toBeDefined();
    // CSV without a header: Glue names the file's columns col0.. (window end, window start, avg, count).
    const rows = await athenaRows(
      athena,
      `SELECT ticker, CAST(col1 AS VARCHAR), CAST(col2 AS DOUBLE), CAST(col3 AS BIGINT) FROM flinkflow.${table?.Name ?? ''}`,
      `s3://flinkflow-e2e-pipeline-${state.account}-${state.region}/e2e-results/`,
    );
    const expected = expectedRows(produced, WINDOW_SECONDS);
    const maxEventTime = Math.max(...produced.map((e) => Date.parse(e.event_time)));
    // Windows the watermark has certainly passed (one window of margin for the last checkpoint).
    const mustHave = [...expected.values()].filter(
      (w) => w.windowStart + 2 * WINDOW_SECONDS * 1000 <= maxEventTime - WATERMARK_SECONDS * 1000,
    );
    expect(mustHave.length).toBeGreaterThanOrEqual(5);

    const seen = new Map<string, WindowRow>();
    for (const [ticker, start, avg, count] of rows) {
      const windowStart = Date.parse(`${(start ?? '').replace(' ', 'T')}Z`);
      const key = `${ticker}@${windowStart}`;
      expect(seen.has(key)).toBe(false); // exactly-once: no window twice
      seen.set(key, { ticker: ticker ?? '', windowStart, avg: Number(avg), count: Number(count) });
    }
    for (const row of seen.values()) {
      const want = expected.get(`${row.ticker}@${row.windowStart}`);
      expect(want).toBeDefined();
      expect(row.count).toBe(want?.count);
      expect(row.avg).toBeCloseTo(want?.avg ?? NaN, 9);
    }
    for (const want of mustHave) {
      expect(seen.has(`${want.ticker}@${want.windowStart}`)).toBe(true);
    }
  });
});
