import { cronMatches, parseCrawlSchedule, parseCron } from '../../workflow/schedule';

/** Whether `expression` fires in the UTC minute of `iso`. */
const firesAt = (expression: string, iso: string) => cronMatches(parseCron(expression), new Date(iso));

describe('Glue schedule expressions (one parser for ValidateInput and the local Glue)', () => {
  it('It should fire L in day-of-month on the last day of each month only', () => {
    // Assess: 2024 is a leap year.
    expect(firesAt('cron(0 12 L * ? *)', '2024-02-29T12:00:00Z')).toBe(true);
    expect(firesAt('cron(0 12 L * ? *)', '2024-02-28T12:00:00Z')).toBe(false);
    expect(firesAt('cron(0 12 L * ? *)', '2023-04-30T12:00:00Z')).toBe(true);
    expect(firesAt('cron(0 12 L * ? *)', '2023-05-30T12:00:00Z')).toBe(false);
  });

  it('It should fire <day>W on the weekday nearest that day, without leaving the month', () => {
    // Assess: 2024-06-15 is a Saturday (nearest weekday Friday 14th), 2024-09-01 a Sunday (Monday 2nd),
    // 2024-06-01 a Saturday (the 1st cannot move back: Monday 3rd), 2024-03-31 a Sunday (Friday 29th).
    expect(firesAt('cron(0 8 15W * ? *)', '2024-06-14T08:00:00Z')).toBe(true);
    expect(firesAt('cron(0 8 15W * ? *)', '2024-06-15T08:00:00Z')).toBe(false);
    expect(firesAt('cron(0 8 1W * ? *)', '2024-09-02T08:00:00Z')).toBe(true);
    expect(firesAt('cron(0 8 1W * ? *)', '2024-06-03T08:00:00Z')).toBe(true);
    expect(firesAt('cron(0 8 1W * ? *)', '2024-06-01T08:00:00Z')).toBe(false);
    expect(firesAt('cron(0 8 31W * ? *)', '2024-03-29T08:00:00Z')).toBe(true);
    expect(firesAt('cron(0 8 3W * ? *)', '2024-06-03T08:00:00Z')).toBe(true);
  });

  it('It should fire L in day-of-week on Saturdays, the last day of the week', () => {
    // Assess: 2024-06-15 is a Saturday.
    expect(firesAt('cron(0 8 ? * L *)', '2024-06-15T08:00:00Z')).toBe(true);
    expect(firesAt('cron(0 8 ? * L *)', '2024-06-16T08:00:00Z')).toBe(false);
  });

  it.each(['cron(0 8 ? * 6#3 *)', 'cron(0 8 L-2 * ? *)', 'cron(0 8 LW * ? *)', 'cron(0 8 ? * 5L *)'])(
    'It should refuse %s in ValidateInput and in the local Glue with the same message',
    (expression) => {
      // Act
      const validated = parseCrawlSchedule(expression);
      const local = () => parseCron(expression);

      // Assess
      expect(validated).toEqual({
        ok: false,
        message: expect.stringMatching(/is not supported: Glue takes L/),
      });
      expect(local).toThrow((validated as { message: string }).message);
    },
  );

  it('It should refuse in the local Glue what Glue refuses: more often than every 5 minutes, both days set', () => {
    // Assess
    expect(() => parseCron('cron(0/2 * * * ? *)')).toThrow(/at most every 5 minutes/);
    expect(() => parseCron('cron(0 8 1 * MON *)')).toThrow(/exactly one of Day-of-month and Day-of-week/);
    expect(() => parseCron('cron(0 8 ? * ? *)')).toThrow(/exactly one of Day-of-month and Day-of-week/);
    expect(() => parseCron('cron(0 ? * * ? *)')).toThrow(/Hours cannot be "\?"/);
  });

  it('It should accept month and weekday names that contain L or W', () => {
    // Assess: 2024-07-03 is a Wednesday.
    expect(firesAt('cron(0 8 ? JUL WED *)', '2024-07-03T08:00:00Z')).toBe(true);
    expect(parseCrawlSchedule('cron(0 8 ? JUL-AUG TUE-WED *)')).toEqual({
      ok: true,
      glueCron: 'cron(0 8 ? JUL-AUG TUE-WED *)',
    });
  });

  it('It should keep the values of a list that mixes L with days', () => {
    // Assess
    expect(firesAt('cron(0 8 1,L * ? *)', '2024-06-01T08:00:00Z')).toBe(true);
    expect(firesAt('cron(0 8 1,L * ? *)', '2024-06-30T08:00:00Z')).toBe(true);
    expect(firesAt('cron(0 8 1,L * ? *)', '2024-06-15T08:00:00Z')).toBe(false);
  });

  it.each([
    ['month and weekday names in any case', 'cron(0 8 ? jan mon *)', '2024-01-01T08:00:00Z', true],
    ['a weekday name counted from SUN = 1', 'cron(0 8 ? * 2 *)', '2024-01-01T08:00:00Z', true],
    ['a weekday other than the one named', 'cron(0 8 ? * TUE *)', '2024-01-01T08:00:00Z', false],
    ['a month other than the one named', 'cron(0 8 ? FEB MON *)', '2024-01-01T08:00:00Z', false],
    ['a range with a step', 'cron(10-40/10 * * * ? *)', '2024-01-01T08:40:00Z', true],
    ['a minute between the steps of a range', 'cron(10-40/10 * * * ? *)', '2024-01-01T08:25:00Z', false],
    [
      'a minute past the end of a range with a step',
      'cron(10-40/10 * * * ? *)',
      '2024-01-01T08:50:00Z',
      false,
    ],
    ['a start with a step, up to the end of the field', 'cron(5/15 * * * ? *)', '2024-01-01T08:50:00Z', true],
    ['a minute before the start of a step', 'cron(5/15 * * * ? *)', '2024-01-01T08:00:00Z', false],
    ['a star with a step', 'cron(*/20 * * * ? *)', '2024-01-01T08:40:00Z', true],
    ['a plain range without a step, every value of it', 'cron(0 9-11 * * ? *)', '2024-01-01T10:00:00Z', true],
    ['an hour outside a range', 'cron(0 9-11 * * ? *)', '2024-01-01T12:00:00Z', false],
    ['the year field', 'cron(0 8 * * ? 2025)', '2024-01-01T08:00:00Z', false],
    ['the year field, the right year', 'cron(0 8 * * ? 2024-2025)', '2024-01-01T08:00:00Z', true],
    ['day-of-month next to <day>W in a list', 'cron(0 8 1W,20 * ? *)', '2024-06-20T08:00:00Z', true],
    ['lower-case l and w', 'cron(0 8 15w * ? *)', '2024-06-14T08:00:00Z', true],
    ['lower-case l in day-of-week', 'cron(0 8 ? * l *)', '2024-06-15T08:00:00Z', true],
    ['a listed weekday beside L', 'cron(0 8 ? * 2,L *)', '2024-06-17T08:00:00Z', true],
    ['a weekday that is neither listed nor the last', 'cron(0 8 ? * 2,L *)', '2024-06-18T08:00:00Z', false],
    [
      '<day>W beyond the month moved to its last weekday',
      'cron(0 8 31W * ? *)',
      '2024-06-28T08:00:00Z',
      true,
    ],
    ['a weekday <day>W stays on its day', 'cron(0 8 12W * ? *)', '2024-06-12T08:00:00Z', true],
    ['the hour of a <day>W day still counts', 'cron(0 8 12W * ? *)', '2024-06-12T09:00:00Z', false],
  ])('It should match %s', (_case, expression, iso, expected) => {
    expect(firesAt(expression, iso)).toBe(expected);
  });

  it.each([
    ['cron(0 8 ? * ? *)', 'exactly one of Day-of-month and Day-of-week must be "?" (Glue cannot take both)'],
    [
      'cron(0 8 * * ? * *)',
      'a cron expression has six fields (Minutes Hours Day-of-month Month Day-of-week Year), got 7',
    ],
    ['cron(0 8 * ? ? *)', 'Month cannot be "?": only Day-of-month or Day-of-week can'],
    [
      'cron(0 8 * XYZ ? *)',
      'Month entry "XYZ" is not valid: use numbers or names (JAN-DEC), ranges a-b, lists a,b and steps x/n',
    ],
    ['cron(0 8 * * ? 1969)', 'Year value "1969" is outside 1970-2199'],
    ['cron(0 8 0 * ? *)', 'Day-of-month value "0" is outside 1-31'],
    ['cron(0 8 32W * ? *)', 'Day-of-month value "32W" is outside 1-31'],
    ['cron(0 8 ? * 8 *)', 'Day-of-week value "8" is outside 1-7'],
    [
      'cron(0 8 1-2-3 * ? *)',
      'Day-of-month entry "1-2-3" is not valid: use values, ranges a-b, lists a,b and steps x/n',
    ],
    [
      'cron(0 8 1. * ? *)',
      'Day-of-month entry "1." is not valid: use values, ranges a-b, lists a,b and steps x/n',
    ],
    ['cron(0/0 8 * * ? *)', 'Minutes step in "0/0" must be at least 1'],
    ['cron(40-10 8 * * ? *)', 'Minutes range "40-10" ends before it starts'],
    [
      'cron(0 8 ? * 6#3 *)',
      'Day-of-week "6#3" is not supported: Glue takes L and <day>W in Day-of-month and L in Day-of-week only (no #, L-n, LW or <weekday>L)',
    ],
    [
      'cron(0 8 ? * MONL *)',
      'Day-of-week "MONL" is not supported: Glue takes L and <day>W in Day-of-month and L in Day-of-week only (no #, L-n, LW or <weekday>L)',
    ],
    [
      'cron(0 L * * ? *)',
      'Hours "L" is not supported: Glue takes L and <day>W in Day-of-month and L in Day-of-week only (no #, L-n, LW or <weekday>L)',
    ],
    ['cron(0/4 8 * * ? *)', 'Glue runs a crawler at most every 5 minutes, and "0/4" runs it more often'],
    [
      'rate(5 minutes)',
      '"rate(5 minutes)" is not cron(Minutes Hours Day-of-month Month Day-of-week Year) with six fields (Glue takes cron only)',
    ],
  ])('It should refuse %s in the local Glue, saying why, with an example', (expression, why) => {
    expect(() => parseCron(expression)).toThrow(`${why}; for example cron(0/15 * * * ? *)`);
  });

  it.each([
    'cron(3,58 * * * ? *)',
    'cron(0/5 * * * ? *)',
    'cron(0,5,10 * * * ? *)',
    'cron(0 * * * ? *)',
    ' cron(0 8 * * ? *) ',
  ])('It should accept case %# (runs at least 5 minutes apart, across the hour too)', (expression) => {
    expect(() => parseCron(expression)).not.toThrow();
  });
});

describe('crawl schedules as ValidateInput converts them', () => {
  it.each([
    ['rate(10 minutes)', 'cron(0/10 * * * ? *)'],
    ['rate(30 minutes)', 'cron(0/30 * * * ? *)'],
    ['rate(60 minutes)', 'cron(0 * * * ? *)'],
    ['rate(12 hours)', 'cron(0 0/12 * * ? *)'],
    ['rate(24 hours)', 'cron(0 0 * * ? *)'],
    ['rate(1440 minutes)', 'cron(0 0 * * ? *)'],
    ['  rate(15 minutes)  ', 'cron(0/15 * * * ? *)'],
    ['  cron(0   8 *  *\t? *) ', 'cron(0 8 * * ? *)'],
  ])('It should convert case %#', (expression, glueCron) => {
    expect(parseCrawlSchedule(expression)).toEqual({ ok: true, glueCron });
  });

  it.each([
    ['rate(4 minutes)', 'Glue runs a crawler at most every 5 minutes; use rate(5 minutes) or longer'],
    ['rate(0 minutes)', 'a rate must be at least 1'],
    ['rate(1 days)', 'write rate(1 day) for one unit and rate(1 days) for more'],
    ['rate(2 hour)', 'write rate(1 hour) for one unit and rate(2 hours) for more'],
    ['rate(90 minutes)', /^rate\(90 minutes\) has no exact Glue cron equivalent/],
    ['rate(5 hours)', /^rate\(5 hours\) has no exact Glue cron equivalent/],
    ['rate(48 hours)', /^rate\(48 hours\) has no exact Glue cron equivalent/],
    ['rate(45 minutes)', /^rate\(45 minutes\) has no exact Glue cron equivalent/],
    [
      'rate(15 weeks)',
      '"rate(15 weeks)" is neither cron(...) nor rate(...); for example cron(0/15 * * * ? *) or rate(15 minutes)',
    ],
    [
      'cron(0/2 * * * ? *)',
      'Glue runs a crawler at most every 5 minutes, and "0/2" runs it more often; for example cron(0/15 * * * ? *)',
    ],
  ])('It should refuse %s, saying what to write', (expression, message) => {
    const result = parseCrawlSchedule(expression);
    expect(result.ok).toBe(false);
    expect((result as { message: string }).message).toEqual(
      typeof message === 'string' ? message : expect.stringMatching(message),
    );
  });
});

describe('schedule expressions, strictly read', () => {
  it.each([
    ['cron(0 8 * * ? *)x', 'cron(...) followed by more text'],
    ['xcron(0 8 * * ? *)', 'cron(...) after other text'],
  ])('It should refuse %s in the local Glue (%s)', (expression) => {
    expect(() => parseCron(expression)).toThrow(`"${expression}" is not cron(Minutes Hours`);
  });

  it.each([
    ['xcron(0 8 * * ? *)', 'neither cron(...) nor rate(...)'],
    ['xrate(5 minutes)', 'neither cron(...) nor rate(...)'],
    ['rate(5 minutes)x', 'neither cron(...) nor rate(...)'],
    ['cron(0 8 * * ? *)x', 'is not cron(Minutes Hours'],
  ])('It should refuse the crawl schedule %s', (expression, why) => {
    const result = parseCrawlSchedule(expression);
    expect(result).toEqual({ ok: false, message: expect.stringContaining(why) });
  });

  it('It should accept blanks inside the parentheses and between a rate and its unit', () => {
    expect(() => parseCron('cron( 0 8 * * ? * )')).not.toThrow();
    expect(parseCrawlSchedule('cron( 0 8 * * ? * )')).toEqual({ ok: true, glueCron: 'cron(0 8 * * ? *)' });
    expect(parseCrawlSchedule('rate(10  minutes)')).toEqual({ ok: true, glueCron: 'cron(0/10 * * * ? *)' });
  });

  it.each([
    ['1x', 'Minutes entry "1x" is not valid: use numbers, ranges a-b, lists a,b and steps x/n'],
    ['x1', 'Minutes entry "x1" is not valid: use numbers, ranges a-b, lists a,b and steps x/n'],
  ])(
    'It should name a minute entry %s that is not a number as invalid, not as out of range',
    (entry, message) => {
      expect(() => parseCron(`cron(${entry} 8 * * ? *)`)).toThrow(
        `${message}; for example cron(0/15 * * * ? *)`,
      );
    },
  );

  it.each(['1W5', 'X1W'])('It should refuse %s in day-of-month as an unsupported form', (entry) => {
    expect(() => parseCron(`cron(0 8 ${entry} * ? *)`)).toThrow(`Day-of-month "${entry}" is not supported`);
  });

  it.each([
    ['a list written out of order', 'cron(50,0 * * * ? *)'],
    ['minutes 30 apart', 'cron(10,40 * * * ? *)'],
  ])('It should accept %s', (_case, expression) => {
    expect(() => parseCron(expression)).not.toThrow();
  });

  it.each([
    ['two minutes 3 apart', 'cron(0,3 * * * ? *)'],
    ['two later minutes 2 apart', 'cron(10,12 * * * ? *)'],
  ])('It should refuse %s as more often than every 5 minutes', (_case, expression) => {
    expect(() => parseCron(expression)).toThrow(/at most every 5 minutes/);
  });

  it('It should keep the message without the example as the cause of the error', () => {
    try {
      parseCron('cron(0 24 * * ? *)');
      throw new Error('expected parseCron to throw');
    } catch (error) {
      expect((error as Error).cause).toMatchObject({ message: 'Hours value "24" is outside 0-23' });
    }
  });

  it('It should say what to write instead of a rate without an exact cron', () => {
    expect(parseCrawlSchedule('rate(7 minutes)')).toEqual({
      ok: false,
      message:
        'rate(7 minutes) has no exact Glue cron equivalent (Glue takes cron only); use minutes that divide 60 ' +
        '(5, 10, 15, 20, 30), hours that divide 24, rate(1 day), or write a cron(...) expression',
    });
  });

  it('It should not fire <day>W on the last day of the month unless that is the weekday nearest the day', () => {
    // Assess: 2024-06-30 is a Sunday and the month's last day; 15W fires on Friday the 14th.
    expect(firesAt('cron(0 8 15W * ? *)', '2024-06-30T08:00:00Z')).toBe(false);
  });

  it('It should take <n>W as the nearest weekday in day-of-month only', () => {
    expect(() => parseCron('cron(0 5W * * ? *)')).toThrow('Hours "5W" is not supported');
  });
});
