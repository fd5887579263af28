import { instantOf, wallClockAt } from '../../local/scheduler/time';
import { cronMatchesMinute, parseCron, parseSchedulerExpression } from '../../workflow/schedule';

/** Whether a Scheduler cron fires in the UTC minute of `iso`, evaluated in `zone`. */
const firesAt = (expression: string, iso: string, zone = 'UTC') => {
  const parsed = parseSchedulerExpression(expression);
  if (parsed.kind !== 'cron') throw new Error(`${expression} is not a cron`);
  return cronMatchesMinute(parsed.cron, wallClockAt(Date.parse(iso), zone));
};

describe('EventBridge Scheduler expressions', () => {
  it.each([
    ['rate(1 minute)', 1],
    ['rate(15 minutes)', 15],
    ['rate(2 hours)', 120],
    ['rate(1 day)', 1440],
  ])('It should read %s as every %i minutes', (expression, minutes) => {
    expect(parseSchedulerExpression(expression)).toEqual({ kind: 'rate', minutes });
  });

  it('It should read at(...) as one wall-clock time', () => {
    expect(parseSchedulerExpression('at(2030-03-31T02:30:00)')).toEqual({
      kind: 'at',
      at: { year: 2030, month: 3, day: 31, hour: 2, minute: 30, second: 0 },
    });
  });

  it('It should take every-minute crons, which Glue refuses', () => {
    expect(firesAt('cron(* * * * ? *)', '2030-01-01T10:07:00Z')).toBe(true);
    expect(() => parseCron('cron(* * * * ? *)')).toThrow(/at most every 5 minutes/);
  });

  it('It should fire <weekday>#<n> on the n-th such weekday of the month only', () => {
    // 2030-01-08 and 2030-01-15 are the second and third Tuesdays.
    expect(firesAt('cron(0 8 ? * 3#2 *)', '2030-01-08T08:00:00Z')).toBe(true);
    expect(firesAt('cron(0 8 ? * TUE#2 *)', '2030-01-08T08:00:00Z')).toBe(true);
    expect(firesAt('cron(0 8 ? * 3#2 *)', '2030-01-15T08:00:00Z')).toBe(false);
    expect(firesAt('cron(0 8 ? * 3#2 *)', '2030-01-09T08:00:00Z')).toBe(false);
  });

  it('It should evaluate a cron in its time zone, following daylight saving time', () => {
    // 09:00 in Berlin: 08:00 UTC in winter, 07:00 UTC in summer.
    expect(firesAt('cron(0 9 * * ? *)', '2030-01-15T08:00:00Z', 'Europe/Berlin')).toBe(true);
    expect(firesAt('cron(0 9 * * ? *)', '2030-07-15T07:00:00Z', 'Europe/Berlin')).toBe(true);
    expect(firesAt('cron(0 9 * * ? *)', '2030-07-15T08:00:00Z', 'Europe/Berlin')).toBe(false);
  });

  it.each([
    ['rate(0 minutes)', /positive whole number/],
    ['rate(1 minutes)', /write rate\(1 minute\)/],
    ['rate(30 seconds)', /none of rate\(value unit\)/],
    ['cron(0 8 * * ?)', /six fields/],
    ['cron(0 8 ? * 2#6 *)', /week number after "#" must be 1-5/],
    ['cron(0 8 ? * 2#1,4 *)', /"#" entry must be the field's only entry/],
    ['cron(0 8 LW * ? *)', /EventBridge Scheduler takes L and <day>W in Day-of-month/],
    ['at(2030-13-01T00:00:00)', /not a date and time that exists/],
    ['at(2030-01-01 00:00:00)', /none of rate\(value unit\)/],
  ])('It should refuse %s, saying why', (expression, why) => {
    expect(() => parseSchedulerExpression(expression)).toThrow(why);
  });

  it('It should keep refusing # in Glue crawler schedules', () => {
    expect(() => parseCron('cron(0 8 ? * 3#2 *)')).toThrow(/Glue takes L and <day>W/);
  });
});

describe('wall clocks of a time zone', () => {
  it('It should find the instant a zone shows a wall-clock time, across daylight saving time', () => {
    const noon = { year: 2030, month: 1, day: 15, hour: 12, minute: 0, second: 0 };
    expect(new Date(instantOf(noon, 'Europe/Berlin')).toISOString()).toBe('2030-01-15T11:00:00.000Z');
    expect(new Date(instantOf({ ...noon, month: 7 }, 'Europe/Berlin')).toISOString()).toBe(
      '2030-07-15T10:00:00.000Z',
    );
    expect(new Date(instantOf(noon, 'UTC')).toISOString()).toBe('2030-01-15T12:00:00.000Z');
    expect(new Date(instantOf(noon, 'America/New_York')).toISOString()).toBe('2030-01-15T17:00:00.000Z');
  });

  it('It should give the weekday as cron numbers it, 1 = Sunday', () => {
    expect(wallClockAt(Date.parse('2030-01-06T12:00:00Z'), 'UTC').weekday).toBe(1);
    // Late Saturday in New York is already Sunday in UTC.
    expect(wallClockAt(Date.parse('2030-01-06T02:00:00Z'), 'America/New_York').weekday).toBe(7);
  });
});
