import {
  annotateWindows,
  renderSummary,
  renderTable,
  type LocalRunSummary,
} from '../../cli/local-run/summary';

const W0 = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('renderTable', () => {
  it('It should align columns under the header and right-align numbers', () => {
    // Act
    const lines = renderTable(
      ['ticker', 'events'],
      [
        ['AAPL', '7'],
        ['MSFT', '123'],
      ],
    );

    // Assess
    expect(lines).toEqual(['ticker  events', '------  ------', 'AAPL         7', 'MSFT       123']);
  });
});

describe('renderSummary', () => {
  const expected = [
    { ticker: 'AAPL', windowStart: W0, windowEnd: W0 + 10_000, count: 2, avgPrice: 15.005 },
    { ticker: 'MSFT', windowStart: W0, windowEnd: W0 + 10_000, count: 3, avgPrice: 40 },
  ];
  const summary: LocalRunSummary = {
    ok: false,
    pipelineName: 'local-demo',
    seed: 42,
    windowSeconds: 10,
    watermarkSeconds: 2,
    steps: [
      { name: 'start local cloud', status: 'ok', durationMs: 3100, detail: 'started' },
      { name: 'provision', status: 'ok', durationMs: 41_000 },
    ],
    totalMs: 95_000,
    applicationStatus: 'RUNNING',
    produced: { delivered: 2000, requests: 80, recordsPerSecond: 50, byTicker: { MSFT: 990, AAPL: 1010 } },
    windows: annotateWindows(
      [
        { ticker: 'AAPL', windowStart: W0, windowEnd: W0 + 10_000, count: 2, avgPrice: 15.005 },
        { ticker: 'MSFT', windowStart: W0, windowEnd: W0 + 10_000, count: 2, avgPrice: 40 },
        { ticker: 'MSFT', windowStart: W0 + 10_000, windowEnd: W0 + 20_000, count: 1, avgPrice: 3 },
      ],
      expected,
    ),
    expectedWindows: 2,
    completeness: {
      complete: false,
      perTicker: [
        { ticker: 'AAPL', expected: 1, arrived: 1, missing: [], mismatched: [], duplicated: [] },
        {
          ticker: 'MSFT',
          expected: 1,
          arrived: 1,
          missing: [],
          mismatched: ['2026-11-25T12:00:00.000Z'],
          duplicated: [],
        },
      ],
    },
    queries: [],
  };

  it('It should show the steps with their times, the app status, the window table and the completeness per ticker', () => {
    // Act
    const text = renderSummary(summary);

    // Assess
    expect(text).toContain('flinkflow local run: FAILED in 95.0 s');
    expect(text).toMatch(/start local cloud\s+ok\s+3\.1 s\s+started/);
    expect(text).toMatch(/provision\s+ok\s+41\.0 s/);
    expect(text).toContain('application status: RUNNING');
    expect(text).toContain('produced: 2000 events in 80 PutRecords calls (50/s); AAPL 1010, MSFT 990');
    expect(text).toContain('average price per ticker and window (UTC, 2026-11-25), from Athena:');
    expect(text).toMatch(/AAPL\s+12:00:00-12:00:10\s+15\.005\s+2\s+match/);
    expect(text).toMatch(/MSFT\s+12:00:00-12:00:10\s+40\.000\s+2\s+MISMATCH: 3 events, avg 40\.000/);
    expect(text).toMatch(/MSFT\s+12:00:10-12:00:20\s+3\.000\s+1\s+not closed when production stopped/);
    expect(text).toContain("every ticker's windows arrived: NO (2 windows expected)");
    expect(text).toContain('  MSFT  1/1  wrong values 12:00:00');
  });
});
