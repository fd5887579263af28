/**
 * The validation suite as a library: its periods, its SQL (run here on DuckDB, the local Athena's engine,
 * over a table shaped like the crawled output), and each check's evaluation, passing and failing.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  evaluateSuite,
  suiteQueries,
  verdictMessage,
  type QueryOutcome,
} from '../../../lambdas/shared/validation';
import { asOf, context, settings, t } from './validation-fixture';
import {
  parseSqlTimestamp,
  sqlTimestamp,
  suitePeriods,
  timePartitions,
  windowEnds,
} from '../../../lambdas/shared/validation/periods';
import { ValidationChecks, type ValidationCheckName } from '../../../workflow/crawl-contract';

describe('the suite’s periods', () => {
  it('It should settle windows by watermark and checkpoint, and align volume to whole minutes', () => {
    // Act
    const periods = suitePeriods(settings, asOf);

    // Assess: 16:10:00 - 12 s = 16:09:48, down to the window: 16:09:40.
    expect(periods.settledEnd).toBe(t('2026-12-01T16:09:40Z'));
    expect(periods.completeness).toEqual({ from: t('2026-12-01T16:09:10Z'), to: t('2026-12-01T16:09:40Z') });
    expect(periods.recent).toEqual({ from: t('2026-12-01T16:09:10Z'), to: asOf.getTime() });
    expect(periods.volume).toEqual({ from: t('2026-12-01T16:08:00Z'), to: t('2026-12-01T16:09:00Z') });
    expect(windowEnds(periods.completeness, 10).map(sqlTimestamp)).toEqual([
      '2026-12-01 16:09:20.000',
      '2026-12-01 16:09:30.000',
      '2026-12-01 16:09:40.000',
    ]);
  });

  it('It should read only windows that started at or after notBefore (a canary), however many settled since', () => {
    // Act: the new version began at 16:05:03; its first whole window is 16:05:10-16:05:20.
    const periods = suitePeriods(settings, asOf, new Date('2026-12-01T16:05:03Z'));
    const late = suitePeriods(settings, asOf, new Date('2026-12-01T16:09:55Z'));

    // Assess
    expect(periods.recent).toEqual({ from: t('2026-12-01T16:05:10Z'), to: asOf.getTime() });
    expect(periods.freshness.from).toBe(t('2026-12-01T16:07:50Z'));
    expect(late.recent.from).toBe(t('2026-12-01T16:10:00Z'));
    expect(late.freshness.from).toBe(t('2026-12-01T16:10:00Z'));
    expect(late.completeness.from).toBe(t('2026-12-01T16:10:00Z'));
  });

  it('It should name the hours of the windows’ starts, across midnight', () => {
    // Act
    const partitions = timePartitions({ from: t('2026-12-01T23:58:00Z'), to: t('2026-12-02T00:01:00Z') }, 60);

    // Assess
    expect(partitions).toEqual({ dt: ['2026-12-01', '2026-12-02'], hr: ['00', '23'] });
  });

  it.each([
    ['2026-12-01 16:09:10.000', '2026-12-01T16:09:10.000Z'],
    ['2026-12-01 16:09:10', '2026-12-01T16:09:10.000Z'],
    ['2026-12-01T16:09:10.5', '2026-12-01T16:09:10.500Z'],
  ])('It should read %s as UTC', (text, iso) => {
    // Act / Assess
    expect(parseSqlTimestamp(text)).toBe(Date.parse(iso));
  });

  it.each([null, '', 'yesterday'])('It should read %p as no timestamp', (text) => {
    // Act / Assess
    expect(parseSqlTimestamp(text)).toBeUndefined();
  });
});

describe('the suite’s SQL', () => {
  it('It should read only the hours and tickers it needs when the output is partitioned by time', () => {
    // Act
    const queries = suiteQueries(context, ValidationChecks);

    // Assess
    expect(queries.map((q) => q.check)).toEqual([
      'freshness',
      'completeness',
      'uniqueness',
      'sanity',
      'volume',
    ]);
    for (const query of queries) {
      expect(query.sql).toContain(`"dt" IN ('2026-12-01')`);
      expect(query.sql).toContain(`"hr" IN ('16')`);
      expect(query.sql).toContain('FROM "flinkflow"."ticks_demo_output"');
    }
    expect(queries.find((q) => q.check === 'completeness')?.sql).toContain(`"ticker" IN ('AAPL', 'MSFT')`);
  });

  it('It should leave the time partitions out when the output has none', () => {
    // Act
    const queries = suiteQueries({ settings: { ...settings, partitionByTime: false }, asOf }, ['freshness']);

    // Assess
    expect(queries[0]?.sql).not.toMatch(/"dt"|"hr"/);
  });

  describe('on DuckDB (the local Athena’s engine)', () => {
    let connection: DuckDBConnection;
    const insert = async (ticker: string, end: number, price = 50, count = 10, copies = 1) => {
      const start = end - 10_000;
      const iso = new Date(start).toISOString();
      for (let i = 0; i < copies; i++) {
        await connection.run(
          `INSERT INTO flinkflow.ticks_demo_output VALUES ('${sqlTimestamp(end)}', '${sqlTimestamp(start)}', ${price}, ${count}, '${ticker}', '${iso.slice(0, 10)}', '${iso.slice(11, 13)}')`,
        );
      }
    };
    const runSuite = async (incomingRecords: number) => {
      const outcomes = new Map<ValidationCheckName, QueryOutcome>();
      for (const query of suiteQueries(context, ValidationChecks)) {
        const reader = await connection.runAndReadAll(query.sql);
        const rows = reader.getRows().map((row) => row.map((v) => (v === null ? null : String(v))));
        outcomes.set(query.check, { queryExecutionId: `q-${query.check}`, bytesScanned: 100, rows });
      }
      return evaluateSuite(context, ValidationChecks, outcomes, { incomingRecords });
    };

    beforeEach(async () => {
      const db = await DuckDBInstance.create(':memory:');
      connection = await db.connect();
      // As the crawled CSV table: timestamps as the sink writes them (strings), partitions as strings.
      await connection.run(
        'CREATE SCHEMA flinkflow; CREATE TABLE flinkflow.ticks_demo_output (window_end VARCHAR, window_start VARCHAR, avg_price DOUBLE, event_count BIGINT, ticker VARCHAR, dt VARCHAR, hr VARCHAR)',
      );
      for (const ticker of settings.tickers)
        for (let end = t('2026-12-01T16:08:10Z'); end <= t('2026-12-01T16:09:50Z'); end += 10_000)
          await insert(ticker, end);
    });

    it('It should pass every check on complete, unique, sane, fresh data', async () => {
      // Act: 2 tickers x 6 windows of 10 events in 16:08-16:09.
      const verdict = await runSuite(120);

      // Assess
      expect(verdict.failed).toEqual([]);
      expect(verdict.checks.find((c) => c.check === 'freshness')?.value).toBe(0.2);
      // The windows ending 16:09:20 to 16:09:50 of both tickers, with the range the query found.
      expect(verdict.checks.find((c) => c.check === 'sanity')?.detail).toBe(
        '8 rows sane: averages 50..50 (allowed 0..100), smallest count 10',
      );
    });

    it('It should name the duplicated window and fail uniqueness and completeness', async () => {
      // Prepare
      await insert('MSFT', t('2026-12-01T16:09:30Z'), 50, 10, 1);

      // Act
      const verdict = await runSuite(120);

      // Assess
      expect(verdict.failed).toEqual(['completeness', 'uniqueness']);
      expect(verdict.checks.find((c) => c.check === 'uniqueness')?.detail).toContain(
        'MSFT 16:09:20-16:09:30 x2',
      );
    });

    it('It should fail sanity on an average outside the price range', async () => {
      // Prepare
      await connection.run(
        `UPDATE flinkflow.ticks_demo_output SET avg_price = 250 WHERE ticker = 'AAPL' AND window_end = '${sqlTimestamp(t('2026-12-01T16:09:50Z'))}'`,
      );

      // Act
      const verdict = await runSuite(120);

      // Assess
      expect(verdict.failed).toEqual(['sanity']);
      expect(verdict.checks.find((c) => c.check === 'sanity')).toMatchObject({ value: 1 });
    });

    it('It should fail completeness, naming the ticker, when its rows are gone', async () => {
      // Prepare
      await connection.run(`DELETE FROM flinkflow.ticks_demo_output WHERE ticker = 'AAPL'`);

      // Act
      const verdict = await runSuite(60);

      // Assess
      expect(verdict.failed).toEqual(['completeness']);
      expect(verdict.checks.find((c) => c.check === 'completeness')).toMatchObject({
        value: 3,
        detail: expect.stringMatching(/^missing 3 of 6 rows: AAPL 16:09:10-16:09:20, AAPL 16:09:20-16:09:30/),
      });
    });
  });
});

describe('the evaluation', () => {
  const outcome = (rows: (string | null)[][], bytesScanned: number | null = 100): QueryOutcome => ({
    queryExecutionId: 'q',
    bytesScanned,
    rows,
  });

  it('It should fail freshness with no value when no window ended within the bound', () => {
    // Act
    const verdict = evaluateSuite(context, ['freshness'], new Map([['freshness', outcome([[null]])]]));

    // Assess
    expect(verdict.checks[0]).toMatchObject({
      passed: false,
      value: null,
      detail: expect.stringMatching(/no window ended in the last 2 minutes/),
    });
  });

  it('It should fail volume when windows hold events the stream never reported', () => {
    // Act
    const verdict = evaluateSuite(context, ['volume'], new Map([['volume', outcome([['42', '3']])]]), {
      incomingRecords: null,
    });

    // Assess
    expect(verdict.checks[0]).toMatchObject({
      passed: false,
      value: null,
      detail: expect.stringMatching(/reported no IncomingRecords/),
    });
  });

  it('It should fail the scan cost on the largest query, and on a query without statistics', () => {
    // Act
    const over = evaluateSuite(
      context,
      ['sanity', 'scanCost'],
      new Map([['sanity', outcome([['0', '0', '0']], 5000)]]),
    );
    const unknown = evaluateSuite(
      context,
      ['sanity', 'scanCost'],
      new Map([['sanity', outcome([['0', '0', '0']], null)]]),
    );

    // Assess
    expect(over.checks[1]).toMatchObject({ check: 'scanCost', passed: false, value: 5000, threshold: 1000 });
    expect(unknown.checks[1]).toMatchObject({ check: 'scanCost', passed: false, value: null });
  });

  it('It should refuse to evaluate a check whose query outcome is missing', () => {
    // Act
    const act = () => evaluateSuite(context, ['uniqueness'], new Map());

    // Assess
    expect(act).toThrow(/The uniqueness check has no query outcome/);
  });

  it('It should keep the SNS subject within 100 characters', () => {
    // Prepare
    const verdict = evaluateSuite(
      { settings: { ...settings, pipelineName: 'a-very-long-pipeline-name-for-subjects' }, asOf },
      ['freshness', 'uniqueness', 'sanity'],
      new Map([
        ['freshness', outcome([[null]])],
        ['uniqueness', outcome([['AAPL', '2026-12-01 16:09:20.000', '2']])],
        ['sanity', outcome([['1', '1', '0', '900', '900', '1']])],
      ]),
    );

    // Act
    const message = verdictMessage(verdict);

    // Assess
    expect(message.subject.length).toBeLessThanOrEqual(100);
    expect(message.body).toContain('- uniqueness: value 1, threshold 0');
    expect(message.body).toContain('- sanity: value 1, threshold 0');
  });
});
