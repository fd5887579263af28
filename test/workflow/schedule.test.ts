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
});
