import { checkCompleteness, expectedWindows, parseWindowTime } from '../../cli/local-run/windows';
import type { TickEvent } from '../../producer';

const at = (s: number) => new Date(Date.UTC(2026, 10, 25, 12, 0, 0) + s * 1000).toISOString().slice(0, 23);
const tick = (second: number, ticker: TickEvent['ticker'], price: number): TickEvent => ({
  event_time: at(second),
  ticker,
  price,
});
const W0 = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('expectedWindows', () => {
  it('It should average each ticker per 10 s window and leave out windows the watermark has not passed', () => {
    // Prepare: windows [0,10) and [10,20) closed by an event at 22 s with a 2 s watermark; [20,30) still open.
    const events = [
      tick(1, 'AAPL', 10),
      tick(9.5, 'AAPL', 20.01),
      tick(3, 'MSFT', 50),
      tick(12, 'AAPL', 30),
      tick(22, 'MSFT', 1),
    ];

    // Act
    const windows = expectedWindows(events, 10, 2);

    // Assess
    expect(windows).toEqual([
      { ticker: 'AAPL', windowStart: W0, windowEnd: W0 + 10_000, count: 2, avgPrice: 15.005 },
      { ticker: 'AAPL', windowStart: W0 + 10_000, windowEnd: W0 + 20_000, count: 1, avgPrice: 30 },
      { ticker: 'MSFT', windowStart: W0, windowEnd: W0 + 10_000, count: 1, avgPrice: 50 },
    ]);
  });

  it('It should close a window as soon as the watermark reaches its end minus one millisecond', () => {
    // Prepare: an event at 11.999 s with a 2 s watermark puts the watermark at 9.999 s.
    const events = [tick(1, 'TBV', 5), tick(11.999, 'TBV', 7)];

    // Act
    const windows = expectedWindows(events, 10, 2);

    // Assess
    expect(windows.map((w) => w.windowStart)).toEqual([W0]);
  });
});

describe('checkCompleteness', () => {
  const expected = [
    { ticker: 'AAPL', windowStart: W0, windowEnd: W0 + 10_000, count: 2, avgPrice: 15.005 },
    { ticker: 'AAPL', windowStart: W0 + 10_000, windowEnd: W0 + 20_000, count: 1, avgPrice: 30 },
    { ticker: 'MSFT', windowStart: W0, windowEnd: W0 + 10_000, count: 1, avgPrice: 50 },
  ];

  it('It should call the run complete when every expected window arrived once with its count and average', () => {
    // Prepare: a row for an open window too, which does not count against completeness.
    const observed = [
      ...expected.map((w) => ({ ...w, avgPrice: w.avgPrice + 1e-9 })),
      { ...expected[2]!, windowStart: W0 + 20_000, windowEnd: W0 + 30_000 },
    ];

    // Act
    const result = checkCompleteness(expected, observed, ['AAPL', 'MSFT']);

    // Assess
    expect(result.complete).toBe(true);
    expect(result.perTicker.map((t) => [t.ticker, t.arrived, t.expected])).toEqual([
      ['AAPL', 2, 2],
      ['MSFT', 1, 1],
    ]);
  });

  it('It should name the missing, wrong and duplicated windows of each ticker', () => {
    // Prepare
    const observed = [expected[0]!, expected[0]!, { ...expected[2]!, count: 2 }];

    // Act
    const result = checkCompleteness(expected, observed, ['AAPL', 'MSFT']);

    // Assess
    expect(result.complete).toBe(false);
    expect(result.perTicker).toEqual([
      {
        ticker: 'AAPL',
        expected: 2,
        arrived: 1,
        missing: ['2026-11-25T12:00:10.000Z'],
        mismatched: [],
        duplicated: ['2026-11-25T12:00:00.000Z'],
      },
      {
        ticker: 'MSFT',
        expected: 1,
        arrived: 1,
        missing: [],
        mismatched: ['2026-11-25T12:00:00.000Z'],
        duplicated: [],
      },
    ]);
  });

  it('It should not call a run complete when a ticker has no expected window at all', () => {
    // Act
    const result = checkCompleteness(expected, expected, ['AAPL', 'MSFT', 'TBV']);

    // Assess
    expect(result.complete).toBe(false);
  });
});

describe('parseWindowTime', () => {
  it('It should read the timestamp forms Athena, DuckDB and Flink write as UTC', () => {
    // Act / Assess
    expect(parseWindowTime('2026-11-25 12:00:10')).toBe(W0 + 10_000);
    expect(parseWindowTime('2026-11-25 12:00:10.000')).toBe(W0 + 10_000);
    expect(parseWindowTime('2026-11-25T12:00:10Z')).toBe(W0 + 10_000);
    expect(() => parseWindowTime('yesterday')).toThrow('Cannot read "yesterday" as a timestamp.');
  });
});
