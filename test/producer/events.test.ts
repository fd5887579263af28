import { TICKERS, TickGenerator, encodeTick, formatEventTime, parseEventTime } from '../../producer';

describe('TickGenerator', () => {
  it('It should produce the same ticks for the same seed and different ticks for another seed', () => {
    // Prepare
    const a = new TickGenerator(42);
    const b = new TickGenerator(42);
    const c = new TickGenerator(43);
    const t = Date.UTC(2026, 0, 1);

    // Act
    const ticksA = Array.from({ length: 200 }, (_, i) => a.next(t + i));
    const ticksB = Array.from({ length: 200 }, (_, i) => b.next(t + i));
    const ticksC = Array.from({ length: 200 }, (_, i) => c.next(t + i));

    // Assess
    expect(ticksB).toEqual(ticksA);
    expect(ticksC).not.toEqual(ticksA);
  });

  it('It should draw walkthrough tickers and prices from 0 to 100 with at most two decimals', () => {
    // Prepare
    const generator = new TickGenerator(7);

    // Act
    const ticks = Array.from({ length: 5000 }, () => generator.next(0));

    // Assess
    for (const tick of ticks) {
      expect(TICKERS).toContain(tick.ticker);
      expect(tick.price).toBeGreaterThanOrEqual(0);
      expect(tick.price).toBeLessThanOrEqual(100);
      expect(Math.abs(tick.price * 100 - Math.round(tick.price * 100))).toBeLessThan(1e-9);
    }
    expect(new Set(ticks.map((t) => t.ticker)).size).toBe(TICKERS.length);
  });

  it('It should reject a seed that is not an integer', () => {
    // Act / Assess
    expect(() => new TickGenerator(1.5)).toThrow('seed must be an integer');
  });
});

describe('event time and encoding', () => {
  it('It should write event_time as ISO-8601 UTC with milliseconds and read it back to the same instant', () => {
    // Prepare
    const epochMs = Date.UTC(2026, 10, 25, 13, 4, 5, 67);

    // Act
    const text = formatEventTime(epochMs);

    // Assess
    expect(text).toBe('2026-11-25T13:04:05.067');
    expect(parseEventTime(text)).toBe(epochMs);
  });

  it('It should encode a tick as the JSON document the job reads', () => {
    // Prepare
    const tick = { event_time: '2026-11-25T13:04:05.067', ticker: 'AAPL' as const, price: 12.5 };

    // Act
    const json = JSON.parse(Buffer.from(encodeTick(tick)).toString('utf8'));

    // Assess
    expect(json).toEqual({ event_time: '2026-11-25T13:04:05.067', ticker: 'AAPL', price: 12.5 });
  });
});
