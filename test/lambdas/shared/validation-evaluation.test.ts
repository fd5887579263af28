/**
 * The validation suite's evaluation and SQL at their edges, with exact details: each check's passing and
 * failing wording, the bounds of its thresholds, the partition terms at hour and day boundaries, the
 * timestamp reader, and the shared crawl-state helpers (deployment settings, the state check, result rows).
 */
import '../../support/quiet-logs';
import { AthenaClient, GetQueryResultsCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { resultRows } from '../../../lambdas/shared/athena-results';
import { loadCrawlDeploymentSettings, requireCrawlState } from '../../../lambdas/shared/crawl-state';
import {
  Checks,
  evaluateSuite,
  suiteQueries,
  verdictMessage,
  type QueryOutcome,
  type SuiteContext,
} from '../../../lambdas/shared/validation';
import { asOf, context, settings, t } from './validation-fixture';
import { parseSqlTimestamp, suitePeriods, timePartitions } from '../../../lambdas/shared/validation/periods';
import type { ValidationCheckName, ValidationVerdict } from '../../../workflow/crawl-contract';

const outcome = (rows: (string | null)[][], bytesScanned: number | null = 100): QueryOutcome => ({
  queryExecutionId: `q-${rows.length}`,
  bytesScanned,
  rows,
});
/** One check's verdict over one outcome (and observations). */
const one = (
  check: ValidationCheckName,
  rows: (string | null)[][],
  observations = {},
  c: SuiteContext = context,
) => evaluateSuite(c, [check], new Map([[check, outcome(rows)]]), observations).checks[0];

describe('freshness', () => {
  it('It should pass a newest window exactly at the bound, saying when it ended', () => {
    expect(one('freshness', [['2026-12-01 16:08:00.000']])).toMatchObject({
      passed: true,
      value: 2,
      detail:
        'the newest window ended at 2026-12-01 16:08:00.000 UTC, 2 minutes before 2026-12-01 16:10:00.000',
    });
  });

  it('It should fail with no value when the query returned no row at all', () => {
    expect(one('freshness', [])).toMatchObject({ passed: false, value: null });
  });
});

describe('completeness', () => {
  // The settled windows at 16:10:00: those ending 16:09:20, 16:09:30 and 16:09:40.
  const row = (ticker: string, end: string, copies = '1') => [ticker, `2026-12-01 ${end}.000`, copies];
  const all = ['AAPL', 'MSFT'].flatMap((ticker) =>
    ['16:09:20', '16:09:30', '16:09:40'].map((end) => row(ticker, end)),
  );

  it('It should count every expected row, ignoring a row whose window end is no timestamp', () => {
    expect(one('completeness', [...all, ['AAPL', 'junk', '1']])).toEqual(
      expect.objectContaining({
        passed: true,
        value: 0,
        detail: '6 of 6 rows present (2 tickers x 3 windows 16:09:10-16:09:20 to 16:09:30-16:09:40 UTC)',
      }),
    );
  });

  it('It should name what is missing and what is repeated, each once', () => {
    // Prepare: AAPL's 16:09:20 window is gone, MSFT's 16:09:30 window is there twice.
    const rows = all.filter((r) => !(r[0] === 'AAPL' && r[1]?.includes('16:09:20')));
    const twice = rows.map((r) => (r[0] === 'MSFT' && r[1]?.includes('16:09:30') ? [r[0], r[1], '2'] : r));

    // Act & Assess
    expect(one('completeness', twice)).toMatchObject({
      passed: false,
      value: 2,
      detail:
        'missing 1 of 6 rows: AAPL 16:09:10-16:09:20; 1 rows more than once: MSFT 16:09:20-16:09:30 x2 (3 windows 16:09:10-16:09:20 to 16:09:30-16:09:40 UTC)',
    });
    expect(
      one(
        'completeness',
        all.map((r, i) => (i === 0 ? [r[0], r[1], '3'] : r)),
      ),
    ).toMatchObject({
      value: 1,
      detail: expect.stringMatching(/^1 rows more than once: AAPL 16:09:10-16:09:20 x3 \(3 windows/),
    });
  });

  it('It should list five problems in full and say how many more there are', () => {
    expect(one('completeness', all.slice(5)).detail).toBe(
      'missing 5 of 6 rows: AAPL 16:09:10-16:09:20, AAPL 16:09:20-16:09:30, AAPL 16:09:30-16:09:40, MSFT 16:09:10-16:09:20, MSFT 16:09:20-16:09:30 (3 windows 16:09:10-16:09:20 to 16:09:30-16:09:40 UTC)',
    );
    expect(one('completeness', []).detail).toMatch(
      /^missing 6 of 6 rows: (\w+ [\d:-]+, ){4}MSFT 16:09:20-16:09:30 and 1 more \(/,
    );
  });

  it('It should expect no window when none started since notBefore, and name the period’s end', () => {
    const late = { settings, asOf, notBefore: new Date('2026-12-01T16:09:55Z') };
    expect(one('completeness', [], {}, late)).toMatchObject({
      passed: true,
      detail: '0 of 0 rows present (2 tickers x 0 windows 16:09:30-16:09:40 to 16:09:30-16:09:40 UTC)',
    });
  });
});

describe('uniqueness and sanity', () => {
  it('It should pass uniqueness on no rows, and show a window end it cannot read as it came', () => {
    expect(one('uniqueness', [])).toMatchObject({
      passed: true,
      value: 0,
      detail: 'no (ticker, window) appears twice',
    });
    expect(one('uniqueness', [['AAPL', 'junk', '2']]).detail).toBe(
      '1 (ticker, window) pairs appear more than once: AAPL junk x2',
    );
  });

  it('It should pass sanity on no rows, saying the other checks report absence', () => {
    expect(one('sanity', [['0', null, null, null, null, null]])).toMatchObject({
      passed: true,
      value: 0,
      detail: 'no rows in the period to check (completeness and freshness report absence)',
    });
  });

  it('It should count bad prices and bad counts together, and say the range it found', () => {
    expect(one('sanity', [['6', '0', '0', '10', '20', '5']])).toMatchObject({
      passed: true,
      value: 0,
      detail: '6 rows sane: averages 10..20 (allowed 0..100), smallest count 5',
    });
    expect(one('sanity', [['6', '0', '2', '10', '20', '0']])).toMatchObject({
      passed: false,
      value: 2,
      detail:
        '0 of 6 rows with an average outside 0..100 or none, 2 with a count not above 0: averages 10..20 (allowed 0..100), smallest count 0',
    });
    expect(one('sanity', [['6', '1', '1', '-1', '20', '0']])).toMatchObject({
      passed: false,
      value: 2,
      detail: expect.stringMatching(/^1 of 6 rows with an average outside 0\.\.100 or none, 1 with a count/),
    });
  });
});

describe('volume', () => {
  it('It should pass no events when the stream reported none', () => {
    expect(one('volume', [[null, '0']], { incomingRecords: 0 })).toMatchObject({
      passed: true,
      value: 0,
      detail: 'no events in 16:08:00-16:09:00 UTC, and the stream reported none',
    });
    expect(one('volume', [], { incomingRecords: 0 })).toMatchObject({ passed: true, value: 0 });
    expect(one('volume', [['42', '3']], { incomingRecords: 0 })).toMatchObject({
      passed: false,
      value: null,
      detail:
        '42 events in the windows of 16:08:00-16:09:00 UTC, but the stream reported no IncomingRecords for it (0 records allowed)',
    });
  });

  it('It should pass a difference exactly at the tolerance and fail one above it', () => {
    expect(one('volume', [['105', '6']], { incomingRecords: 100 })).toMatchObject({
      passed: true,
      value: 0.05,
      detail:
        '105 events in the windows of 16:08:00-16:09:00 UTC against 100 IncomingRecords (5% apart, 5% or 0 records allowed)',
    });
    expect(one('volume', [['200', '6']], { incomingRecords: 100 })).toMatchObject({
      passed: false,
      value: 1,
    });
  });

  // A make local run produced from 21:51:59 on: the minute 21:51 held 57 events by event time and 52
  // records by arrival, 9.6% apart; the slack is for exactly that.
  it('It should pass a small difference within the slack in records, whatever the percentage, and not one record more', () => {
    const withSlack = { ...context, settings: { ...context.settings, volumeSlackRecords: 5 } };
    const volume = (events: string, incomingRecords: number) =>
      evaluateSuite(withSlack, ['volume'], new Map([['volume', outcome([[events, '3']])]]), {
        incomingRecords,
      }).checks[0];

    expect(volume('57', 52)).toMatchObject({
      passed: true,
      value: 0.0962,
      detail:
        '57 events in the windows of 16:08:00-16:09:00 UTC against 52 IncomingRecords (9.62% apart, 5% or 5 records allowed)',
    });
    expect(volume('47', 52)).toMatchObject({ passed: true });
    expect(volume('58', 52)).toMatchObject({ passed: false, value: 0.1154 });
    expect(volume('5', 0)).toMatchObject({ passed: true, value: null });
    expect(volume('6', 0)).toMatchObject({ passed: false, value: null });
  });
});

describe('scanCost and the verdict', () => {
  const outcomes = (entries: [ValidationCheckName, number | null][]) =>
    new Map(
      entries.map(([check, bytes]) => [
        check,
        outcome(check === 'uniqueness' ? [] : [['0', '0', '0']], bytes),
      ]),
    );

  it('It should pass when no query ran', () => {
    expect(evaluateSuite(context, ['scanCost'], new Map()).checks[0]).toMatchObject({
      passed: true,
      value: 0,
      detail: 'no query ran',
    });
  });

  it('It should name the first of the largest queries, pass it at the limit, and add all the bytes', () => {
    // Act
    const verdict = evaluateSuite(
      context,
      ['sanity', 'uniqueness', 'volume', 'scanCost'],
      outcomes([
        ['sanity', 1000],
        ['uniqueness', 300],
        ['volume', 1000],
      ]),
      { incomingRecords: 0 },
    );

    // Assess
    expect(verdict.checks[3]).toMatchObject({
      passed: true,
      value: 1000,
      detail: 'the largest query (sanity) scanned 1000 bytes; 3 queries 2300 bytes in all',
    });
    expect(verdict).toMatchObject({
      passed: true,
      failed: [],
      table: 'flinkflow.ticks_demo_output',
      queries: 3,
      bytesScanned: 2300,
    });
  });

  it('It should name every query without statistics, and leave bytesScanned out of their verdicts', () => {
    // Act
    const verdict = evaluateSuite(
      context,
      ['sanity', 'uniqueness', 'scanCost'],
      outcomes([
        ['sanity', null],
        ['uniqueness', null],
      ]),
    );

    // Assess
    expect(verdict.checks[2]?.detail).toBe('Athena reported no DataScannedInBytes for sanity, uniqueness');
    expect(verdict.checks[0]).not.toHaveProperty('bytesScanned');
  });

  it('It should evaluate each check alone when called without an outcome', () => {
    // Act: the checks' own guards, as a caller of Checks (not evaluateSuite) meets them.
    const periods = suitePeriods(settings, asOf);
    const results = (['freshness', 'completeness', 'uniqueness', 'sanity', 'volume'] as const).map((check) =>
      Checks[check].evaluate({
        context,
        periods,
        outcome: undefined,
        outcomes: new Map(),
        observations: {},
        threshold: 0,
      }),
    );

    // Assess
    expect(results.map((r) => r.passed)).toEqual([false, false, true, true, true]);
  });
});

describe('the SNS message', () => {
  const verdict = (pipelineName: string, failing: ValidationCheckName[]): ValidationVerdict => ({
    pipelineName,
    passed: failing.length === 0,
    failed: failing,
    asOf: '2026-12-01T16:10:00.000Z',
    table: 'flinkflow.t',
    checks: failing.map((check, i) => ({
      check,
      passed: false,
      value: i === 0 ? null : 3,
      threshold: 0,
      detail: `d${i}`,
    })),
    queries: 1,
    bytesScanned: 0,
  });

  it('It should write one line per failing check, "none" for no value, and the verdict as JSON', () => {
    // Act
    const v = verdict('p', ['freshness', 'uniqueness']);
    const message = verdictMessage(v);

    // Assess
    expect(message.subject).toBe('flinkflow p: 2 validation checks failed (freshness, uniqueness)');
    expect(message.body).toBe(
      [
        'Validation of pipeline p (table flinkflow.t) as of 2026-12-01T16:10:00.000Z:',
        '- freshness: value none, threshold 0: d0',
        '- uniqueness: value 3, threshold 0: d1',
        '',
        `Verdict: ${JSON.stringify(v)}`,
      ].join('\n'),
    );
    expect(verdictMessage(verdict('p', ['sanity'])).subject).toBe(
      'flinkflow p: 1 validation check failed (sanity)',
    );
  });

  it('It should keep a subject of exactly 100 characters, and cut a longer one to 97 and "..."', () => {
    const base = 'flinkflow : 1 validation check failed (sanity)'.length;
    const exact = verdictMessage(verdict('p'.repeat(100 - base), ['sanity'])).subject;
    const longer = verdictMessage(verdict('p'.repeat(101 - base), ['sanity'])).subject;
    expect(exact).toHaveLength(100);
    expect(exact.endsWith('(sanity)')).toBe(true);
    const full = `flinkflow ${'p'.repeat(101 - base)}: 1 validation check failed (sanity)`;
    expect(longer).toBe(`${full.slice(0, 97)}...`);
    expect(longer).toHaveLength(100);
  });
});

describe('the SQL’s quoting and partition terms', () => {
  it('It should double quotes inside identifiers and literals', () => {
    // Act
    const [query] = suiteQueries({ settings: { ...settings, database: 'a"b', tickers: ["O'X"] }, asOf }, [
      'completeness',
    ]);

    // Assess
    expect(query?.sql).toContain('FROM "a""b"."ticks_demo_output"');
    expect(query?.sql).toContain(`"ticker" IN ('O''X')`);
  });

  it('It should list the days and hours of a period across midnight, and leave out an hour term of 24 hours', () => {
    // Act: freshness at 00:01:00 reads from 23:58:50 the day before.
    const [midnight] = suiteQueries({ settings, asOf: new Date('2026-12-02T00:01:00Z') }, ['freshness']);
    const [day] = suiteQueries({ settings: { ...settings, freshnessMinutes: 23 * 60 }, asOf }, ['freshness']);

    // Assess
    expect(midnight?.sql).toContain(`"dt" IN ('2026-12-01', '2026-12-02')`);
    expect(midnight?.sql).toContain(`"hr" IN ('00', '23')`);
    expect(day?.sql).not.toContain('"hr"');
    expect(day?.sql).toContain(`"dt" IN ('2026-11-30', '2026-12-01')`);
  });

  it('It should start at the hour of the first window that can end in the period, and stop before its end', () => {
    // Windows ending in (from, to] start after from - window: at an hour's start that is the hour before.
    expect(timePartitions({ from: t('2026-12-01T18:00:00Z'), to: t('2026-12-01T18:00:30Z') }, 10).hr).toEqual(
      ['17', '18'],
    );
    expect(timePartitions({ from: t('2026-12-01T18:00:10Z'), to: t('2026-12-01T18:00:40Z') }, 10).hr).toEqual(
      ['18'],
    );
    expect(timePartitions({ from: t('2026-12-01T17:59:40Z'), to: t('2026-12-01T18:00:00Z') }, 10).hr).toEqual(
      ['17'],
    );
  });

  it('It should read a timestamp only from the start of the text, after blanks, to the millisecond', () => {
    expect(parseSqlTimestamp('at 2026-12-01 16:09:10')).toBeUndefined();
    expect(parseSqlTimestamp('  2026-12-01 16:09:10.123')).toBe(t('2026-12-01T16:09:10.123Z'));
  });
});

describe('the crawl-and-query tasks’ shared helpers', () => {
  const env = {
    GLUE_DATABASE: 'flinkflow',
    ATHENA_WORKGROUP: 'flinkflow',
    VERDICT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:v',
    AWS_REGION: 'eu-west-1',
  };

  it('It should trim the settings, take a blank one as not set, and leave the account optional', () => {
    expect(loadCrawlDeploymentSettings({ ...env, AWS_ACCOUNT_ID: ' 123456789012 ' }).account).toBe(
      '123456789012',
    );
    expect(loadCrawlDeploymentSettings(env).account).toBe('');
    expect(() => loadCrawlDeploymentSettings({ ...env, ATHENA_WORKGROUP: '  ' })).toThrow(
      /^Environment variable ATHENA_WORKGROUP is not set\. .* when running the tasks yourself \(local runner, tests\), set it first\.$/,
    );
  });

  it.each([
    ['no event', null, ['config', 'crawl']],
    ['no config', {}, ['config', 'crawl']],
    ['a config without a pipeline name', { config: {} }, ['config', 'crawl']],
    ['a null field', { config: { pipelineName: 'p' }, crawl: null }, ['crawl']],
  ])('It should refuse %s, naming each missing field of the state', (_, event, fields) => {
    // Act
    const act = () => requireCrawlState(event, 'GetCrawlStatus', 'crawl');

    // Assess
    expect(act).toThrow(
      expect.objectContaining({
        name: 'InvalidInputError',
        message: expect.stringContaining('crawl-and-query state'),
        problems: fields.map((field) => expect.objectContaining({ field })),
      }),
    );
  });

  it('It should read every page of results, without the header row, and rows or pages without data', async () => {
    // Prepare
    const athena = mockClient(AthenaClient);
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce({
        ResultSet: {
          Rows: [{ Data: [{ VarCharValue: 'header' }] }, { Data: [{ VarCharValue: 'a' }, {}] }, {}],
        },
        NextToken: 'n',
      })
      .resolvesOnce({ NextToken: 'm' })
      .resolvesOnce({ ResultSet: { Rows: [{ Data: [{ VarCharValue: 'b' }] }] } });

    // Act
    const rows = await resultRows({ clients: { athena: new AthenaClient({}) } } as never, 'q1');

    // Assess
    expect(rows).toEqual([['a', null], [], ['b']]);
    athena.restore();
  });
});
