/**
 * The crawl-and-query input's validation settings (workflow/crawl-input.ts): each field's message when it
 * is wrong, every range at both its bounds, and the cross-field price rule.
 */
import { resolveCrawlInput } from '../../workflow/crawl-input';

const withValidation = (validation: unknown) => resolveCrawlInput({ pipelineName: 'ticks-demo', validation });
const problemsOf = (validation: unknown) => {
  const result = withValidation(validation);
  return result.ok ? [] : result.problems;
};

describe('the crawl-and-query input’s validation settings', () => {
  it('It should say, for each field out of its range, the range and the default', () => {
    expect(
      problemsOf({
        tickers: 'AAPL',
        minPrice: -1,
        maxPrice: 2_000_000,
        freshnessMinutes: 0,
        completenessWindows: 1001,
        volumeTolerance: 2,
        maxBytesScannedPerQuery: 0,
        checks: [],
      }),
    ).toEqual([
      {
        field: 'validation.tickers',
        message: 'must be a list of ticker symbols such as ["AAPL", "MSFT"], got "AAPL" (a string)',
      },
      { field: 'validation.minPrice', message: 'must be a number from 0 to 1000000, got -1; omit it for 0' },
      {
        field: 'validation.maxPrice',
        message: 'must be a number from 0 to 1000000, got 2000000; omit it for 100',
      },
      {
        field: 'validation.freshnessMinutes',
        message:
          'must be a whole number from 1 to 1440, got 0; omit it for the default of one window plus the settle time plus a minute',
      },
      {
        field: 'validation.completenessWindows',
        message: 'must be a whole number from 1 to 1000, got 1001; omit it for the default 3',
      },
      { field: 'validation.volumeTolerance', message: 'must be a fraction from 0 to 1 (0.05 = 5%)' },
      {
        field: 'validation.maxBytesScannedPerQuery',
        message: 'must be a whole number from 1 to 1099511627776, got 0; omit it for the default 104857600',
      },
      {
        field: 'validation.checks',
        message:
          'must name at least one check (freshness, completeness, uniqueness, sanity, volume, scanCost); omit it for all',
      },
    ]);
  });

  it('It should say what it got for values of the wrong type, and the other bound of each range', () => {
    expect(
      problemsOf({
        tickers: [],
        minPrice: 'x',
        maxPrice: 'y',
        freshnessMinutes: 1441,
        completenessWindows: 0,
        volumeTolerance: -0.1,
        checks: 'all',
      }),
    ).toEqual([
      {
        field: 'validation.tickers',
        message: 'must name at least one ticker; omit it for the producer’s five tickers',
      },
      {
        field: 'validation.minPrice',
        message: 'must be a number from 0 to 1000000, got "x" (a string); omit it for 0',
      },
      {
        field: 'validation.maxPrice',
        message: 'must be a number from 0 to 1000000, got "y" (a string); omit it for 100',
      },
      {
        field: 'validation.freshnessMinutes',
        message:
          'must be a whole number from 1 to 1440, got 1441; omit it for the default of one window plus the settle time plus a minute',
      },
      {
        field: 'validation.completenessWindows',
        message: 'must be a whole number from 1 to 1000, got 0; omit it for the default 3',
      },
      { field: 'validation.volumeTolerance', message: 'must be a fraction from 0 to 1 (0.05 = 5%)' },
      {
        field: 'validation.checks',
        message:
          'must be a list of check names (freshness, completeness, uniqueness, sanity, volume, scanCost), got "all" (a string)',
      },
    ]);
  });

  it('It should name each bad ticker and check, and refuse a price range that is empty', () => {
    expect(
      problemsOf({
        tickers: ['aapl', 'TOOLONGX'],
        minPrice: 10,
        maxPrice: 10,
        volumeTolerance: 'x',
        checks: ['speed'],
      }),
    ).toEqual([
      {
        field: 'validation.tickers.0',
        message:
          'each ticker must be 1-6 upper-case letters, digits or dots (as the producer writes them), got "aapl" (a string)',
      },
      {
        field: 'validation.tickers.1',
        message:
          'each ticker must be 1-6 upper-case letters, digits or dots (as the producer writes them), got "TOOLONGX" (a string)',
      },
      {
        field: 'validation.volumeTolerance',
        message: 'must be a fraction from 0 to 1 (0.05 = 5%), got "x" (a string); omit it for 0.05',
      },
      {
        field: 'validation.checks.0',
        message:
          'must be one of "freshness", "completeness", "uniqueness", "sanity", "volume", "scanCost", got "speed" (a string); omit it for "freshness"',
      },
      { field: 'validation.maxPrice', message: 'must be greater than minPrice (10), got 10' },
    ]);
  });

  it('It should refuse validation settings that are no object', () => {
    expect(problemsOf('x')).toEqual([
      {
        field: 'validation',
        message: 'must be an object like {"freshnessMinutes": 5, "tickers": ["AAPL"]}, got "x" (a string)',
      },
    ]);
  });

  it('It should accept every range at its bounds, and fill in the defaults', () => {
    // Act
    const result = withValidation({
      minPrice: 0,
      maxPrice: 1_000_000,
      freshnessMinutes: 1,
      completenessWindows: 1000,
      volumeTolerance: 1,
      maxBytesScannedPerQuery: 1024 ** 4,
      tickers: ['A.B', 'ABCDEF'],
    });
    const low = withValidation({
      freshnessMinutes: 1440,
      completenessWindows: 1,
      volumeTolerance: 0,
      maxBytesScannedPerQuery: 1,
    });

    // Assess
    expect(result).toEqual({
      ok: true,
      settings: {
        pipelineName: 'ticks-demo',
        windowSeconds: 60,
        watermarkSeconds: 5,
        outputFormat: 'csv',
        partitionByTime: false,
        crawlTimeoutSeconds: 900,
        queryTimeoutSeconds: 300,
        settleSeconds: 65,
        tickers: ['A.B', 'ABCDEF'],
        minPrice: 0,
        maxPrice: 1_000_000,
        freshnessMinutes: 1,
        completenessWindows: 1000,
        volumeTolerance: 1,
        volumeSlackRecords: 20,
        maxBytesScannedPerQuery: 1024 ** 4,
        checks: ['freshness', 'completeness', 'uniqueness', 'sanity', 'volume', 'scanCost'],
      },
    });
    expect(low.ok).toBe(true);
  });
});
