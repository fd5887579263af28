/**
 * Schedule expressions, the one parser of the project: Glue's time-based crawler schedules (ValidateInput
 * checks and converts the input's crawlSchedule with it, the local Glue endpoint checks
 * CreateCrawler/UpdateCrawler schedules and fires them with it) and EventBridge Scheduler's rate, cron and
 * at expressions (`parseSchedulerExpression`: the local scheduler checks and fires schedules with it).
 *
 * Glue takes `cron(Minutes Hours Day-of-month Month Day-of-week Year)` in UTC, at most one run every
 * 5 minutes, with `, - * /` in every field, `?` in day-of-month or day-of-week (exactly one of them), `L`
 * and `<day>W` in day-of-month and `L` in day-of-week (Glue developer guide, "Time-based schedules for
 * jobs and crawlers"). `#`, `L-<n>`, `LW` and `<weekday>L` are not in Glue's list, so Glue crons refuse
 * them with the same message everywhere; EventBridge Scheduler's crons take `#` and refuse the other three. Users may also write `rate(...)`: a rate that a Glue cron
 * expresses exactly is converted, anything else gets an error saying what to write instead.
 */

/** The shortest interval Glue accepts between scheduled runs. */
export const MIN_CRAWL_INTERVAL_MINUTES = 5;

/** The schedule example every message ends with. */
const EXAMPLE = 'for example cron(0/15 * * * ? *)';

export type ScheduleResult = { ok: true; glueCron: string } | { ok: false; message: string };

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  label: string;
  min: number;
  max: number;
  names?: string[];
  /** Whether `?` is allowed (day-of-month and day-of-week). */
  any?: boolean;
}

const FIELDS: readonly FieldSpec[] = [
  { label: 'Minutes', min: 0, max: 59 },
  { label: 'Hours', min: 0, max: 23 },
  { label: 'Day-of-month', min: 1, max: 31, any: true },
  { label: 'Month', min: 1, max: 12, names: MONTHS },
  { label: 'Day-of-week', min: 1, max: 7, names: WEEKDAYS, any: true },
  { label: 'Year', min: 1970, max: 2199 },
];

/**
 * One parsed field. `values` undefined means any value (`*` or `?`). Day-of-month may also hold `last`
 * (L: the month's last day) and `nearestWeekday` (`<day>W`: the weekday nearest that day, in its month);
 * day-of-week `last` (L: the week's last day, Saturday) and, in EventBridge Scheduler's cron only, `nth`
 * (`<weekday>#<n>`: the n-th such weekday of the month).
 */
export interface CronField {
  values: Set<number> | undefined;
  last?: boolean;
  nearestWeekday?: number[];
  nth?: { weekday: number; n: number };
}

/**
 * Where the two cron dialects differ: Glue runs a crawler at most every 5 minutes and has no `#`;
 * EventBridge Scheduler fires at most once a minute and takes `<weekday>#<n>` in Day-of-week (EventBridge
 * user guide, "Cron expressions reference": Day-of-month `, - * ? / L W`, Day-of-week `, - * ? L #`).
 */
interface CronDialect {
  service: string;
  minIntervalMinutes: number;
  nthWeekday: boolean;
  example: string;
}

const GLUE_CRON: CronDialect = {
  service: 'Glue',
  minIntervalMinutes: MIN_CRAWL_INTERVAL_MINUTES,
  nthWeekday: false,
  example: EXAMPLE,
};

const SCHEDULER_CRON: CronDialect = {
  service: 'EventBridge Scheduler',
  minIntervalMinutes: 1,
  nthWeekday: true,
  example: 'for example cron(0/15 * * * ? *), rate(15 minutes) or at(2030-01-01T08:00:00)',
};

/** A parsed Glue cron: its six fields, in Glue's order. */
export type CronSchedule = readonly CronField[];

class ScheduleError extends Error {}

function fail(message: string): never {
  throw new ScheduleError(message);
}

function valueOf(text: string, spec: FieldSpec, token: string): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  const value = named >= 0 ? named + spec.min : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
    fail(
      Number.isNaN(value) && !/^\d+$/.test(text)
        ? `${spec.label} entry "${token}" is not valid: use numbers${spec.names ? ` or names (${spec.names[0]}-${spec.names.at(-1)})` : ''}, ranges a-b, lists a,b and steps x/n`
        : `${spec.label} value "${token}" is outside ${spec.min}-${spec.max}`,
    );
  }
  return value;
}

function parseField(text: string, spec: FieldSpec, dialect: CronDialect = GLUE_CRON): CronField {
  if (text === '*') return { values: undefined };
  if (text === '?') {
    if (!spec.any) fail(`${spec.label} cannot be "?": only Day-of-month or Day-of-week can`);
    return { values: undefined };
  }
  const field: CronField = { values: new Set() };
  const tokens = text.split(',');
  for (const token of tokens) {
    const upper = token.toUpperCase();
    const nth = /^([A-Z]{3}|\d)#(\d)$/.exec(upper);
    if (dialect.nthWeekday && spec.label === 'Day-of-week' && nth) {
      if (tokens.length > 1) fail(`${spec.label} "${text}": a "#" entry must be the field's only entry`);
      const n = Number(nth[2]);
      if (n < 1 || n > 5) fail(`${spec.label} "${token}": the week number after "#" must be 1-5`);
      field.nth = { weekday: valueOf(nth[1] as string, spec, token), n };
      continue;
    }
    if (spec.label === 'Day-of-month' && upper === 'L') {
      field.last = true;
      continue;
    }
    if (spec.label === 'Day-of-month' && /^\d{1,2}W$/.test(upper)) {
      (field.nearestWeekday ??= []).push(valueOf(upper.slice(0, -1), spec, token));
      continue;
    }
    if (spec.label === 'Day-of-week' && upper === 'L') {
      field.last = true;
      continue;
    }
    if (/[LW#]/.test(upper) && !/^[A-Z]{3}$/.test(upper.split(/[-/]/)[0] ?? '')) {
      fail(
        dialect.nthWeekday
          ? `${spec.label} "${token}" is not supported: ${dialect.service} takes L and <day>W in Day-of-month and L and <weekday>#<n> in Day-of-week only (no L-n, LW or <weekday>L)`
          : `${spec.label} "${token}" is not supported: Glue takes L and <day>W in Day-of-month and L in Day-of-week only (no #, L-n, LW or <weekday>L)`,
      );
    }
    const match = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(token);
    if (!match)
      fail(`${spec.label} entry "${token}" is not valid: use values, ranges a-b, lists a,b and steps x/n`);
    const [, base = '', stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) fail(`${spec.label} step in "${token}" must be at least 1`);
    let from = spec.min;
    let to = spec.max;
    if (base !== '*') {
      const [startText = '', endText] = base.split('-');
      from = valueOf(startText, spec, token);
      to = endText === undefined ? (stepText === undefined ? from : spec.max) : valueOf(endText, spec, token);
      if (to < from) fail(`${spec.label} range "${token}" ends before it starts`);
    }
    for (let v = from; v <= to; v += step) field.values?.add(v);
  }
  return field;
}

function parseCronBody(body: string, dialect: CronDialect = GLUE_CRON): CronSchedule {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) {
    fail(
      `a cron expression has six fields (Minutes Hours Day-of-month Month Day-of-week Year), got ${parts.length}`,
    );
  }
  if ((parts[2] === '?') === (parts[4] === '?')) {
    fail(`exactly one of Day-of-month and Day-of-week must be "?" (${dialect.service} cannot take both)`);
  }
  const schedule = parts.map((part, i) => parseField(part, FIELDS[i] as FieldSpec, dialect));
  const minutes = [...(schedule[0]?.values ?? range(0, 59))].sort((a, b) => a - b);
  const gaps = minutes.map((m, i) =>
    i + 1 < minutes.length ? (minutes[i + 1] as number) - m : 60 - m + (minutes[0] as number),
  );
  if (Math.min(...gaps) < dialect.minIntervalMinutes) {
    fail(
      `Glue runs a crawler at most every ${MIN_CRAWL_INTERVAL_MINUTES} minutes, and "${parts[0]}" runs it more often`,
    );
  }
  return schedule;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/**
 * Parses a Glue `cron(...)` expression; throws an Error whose message says which field is wrong and how
 * (the local Glue endpoint answers CreateCrawler with it as Glue would).
 */
export function parseCron(expression: string): CronSchedule {
  const cron = /^cron\((.*)\)$/s.exec(expression.trim());
  try {
    if (!cron) {
      fail(
        `"${expression}" is not cron(Minutes Hours Day-of-month Month Day-of-week Year) with six fields (Glue takes cron only)`,
      );
    }
    return parseCronBody(cron[1] ?? '');
  } catch (error) {
    if (error instanceof ScheduleError) throw new Error(`${error.message}; ${EXAMPLE}`, { cause: error });
    throw error;
  }
}

function rateToCron(amount: number, unit: string): ScheduleResult {
  const minutes = unit.startsWith('minute') ? amount : unit.startsWith('hour') ? amount * 60 : amount * 1440;
  if (minutes < MIN_CRAWL_INTERVAL_MINUTES) {
    return {
      ok: false,
      message: `Glue runs a crawler at most every ${MIN_CRAWL_INTERVAL_MINUTES} minutes; use rate(5 minutes) or longer`,
    };
  }
  if (minutes < 60 && 60 % minutes === 0) return { ok: true, glueCron: `cron(0/${minutes} * * * ? *)` };
  if (minutes === 60) return { ok: true, glueCron: 'cron(0 * * * ? *)' };
  if (minutes % 60 === 0 && minutes < 1440 && 1440 % minutes === 0) {
    return { ok: true, glueCron: `cron(0 0/${minutes / 60} * * ? *)` };
  }
  if (minutes === 1440) return { ok: true, glueCron: 'cron(0 0 * * ? *)' };
  return {
    ok: false,
    message:
      `rate(${amount} ${unit}) has no exact Glue cron equivalent (Glue takes cron only); use minutes that divide 60 ` +
      '(5, 10, 15, 20, 30), hours that divide 24, rate(1 day), or write a cron(...) expression',
  };
}

/**
 * Checks a crawl schedule and returns it as the Glue cron expression the crawler gets.
 * Accepts `cron(<6 fields>)` and `rate(<n> minute[s]|hour[s]|day[s])`.
 */
export function parseCrawlSchedule(expression: string): ScheduleResult {
  const trimmed = expression.trim();
  if (/^cron\(/.test(trimmed)) {
    try {
      parseCron(trimmed);
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
    const body = /^cron\((.*)\)$/s.exec(trimmed)?.[1] ?? '';
    return { ok: true, glueCron: `cron(${body.trim().split(/\s+/).join(' ')})` };
  }
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(trimmed);
  if (rate) {
    const amount = Number(rate[1]);
    const unit = rate[2] ?? '';
    if (amount < 1) return { ok: false, message: 'a rate must be at least 1' };
    if ((amount === 1) !== !unit.endsWith('s')) {
      return {
        ok: false,
        message: `write rate(1 ${unit.replace(/s$/, '')}) for one unit and rate(${amount} ${unit.replace(/s?$/, 's')}) for more`,
      };
    }
    return rateToCron(amount, unit);
  }
  return {
    ok: false,
    message: `"${expression}" is neither cron(...) nor rate(...); for example cron(0/15 * * * ? *) or rate(15 minutes)`,
  };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The weekday (Mon-Fri) nearest `day` within its month, as Glue's `<day>W` means it. */
function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysInMonth(year, month);
  const target = Math.min(day, last);
  const weekday = new Date(Date.UTC(year, month - 1, target)).getUTCDay();
  if (weekday === 6) return target === 1 ? 3 : target - 1; // Saturday: Friday, or Monday the 3rd
  if (weekday === 0) return target === last ? target - 2 : target + 1; // Sunday: Monday, or Friday
  return target;
}

/** A minute of a wall clock (month 1-12, weekday 1 = Sunday as in cron), in whatever time zone. */
export interface WallClockMinute {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

/** Whether the schedule fires in the UTC minute of `date`. */
export function cronMatches(schedule: CronSchedule, date: Date): boolean {
  return cronMatchesMinute(schedule, {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    weekday: date.getUTCDay() + 1,
  });
}

/** Whether the schedule fires in the given wall-clock minute (EventBridge Scheduler's time zones). */
export function cronMatchesMinute(schedule: CronSchedule, clock: WallClockMinute): boolean {
  const { year, month, day } = clock;
  const actual = [clock.minute, clock.hour, day, month, clock.weekday, year];
  return schedule.every((field, i) => {
    const value = actual[i] as number;
    if (field.nth) return value === field.nth.weekday && Math.ceil(day / 7) === field.nth.n;
    const plain = field.values === undefined || field.values.has(value);
    if (!field.last && !field.nearestWeekday) return plain;
    const listed = field.values !== undefined && field.values.has(value);
    if (i === 2) {
      return (
        listed ||
        (field.last === true && day === daysInMonth(year, month)) ||
        (field.nearestWeekday ?? []).some((d) => nearestWeekday(year, month, d) === day)
      );
    }
    return listed || (field.last === true && value === 7);
  });
}

/**
 * An EventBridge Scheduler schedule expression (API reference, CreateSchedule `ScheduleExpression`):
 * `rate(<n> minute[s]|hour[s]|day[s])`, `cron(<6 fields>)` evaluated in the schedule's time zone at most
 * once a minute, or `at(yyyy-mm-ddThh:mm:ss)`, a one-time schedule in that time zone.
 */
export type SchedulerExpression =
  | { kind: 'rate'; minutes: number }
  | { kind: 'cron'; cron: CronSchedule }
  | {
      kind: 'at';
      at: { year: number; month: number; day: number; hour: number; minute: number; second: number };
    };

/**
 * Parses an EventBridge Scheduler expression; throws an Error whose message says what is wrong and what
 * to write instead (the local scheduler answers CreateSchedule/UpdateSchedule with it as a
 * ValidationException).
 */
export function parseSchedulerExpression(expression: string): SchedulerExpression {
  const trimmed = expression.trim();
  const cron = /^cron\((.*)\)$/s.exec(trimmed);
  if (cron) {
    try {
      return { kind: 'cron', cron: parseCronBody(cron[1] ?? '', SCHEDULER_CRON) };
    } catch (error) {
      if (error instanceof ScheduleError) {
        throw new Error(`${error.message}; ${SCHEDULER_CRON.example}`, { cause: error });
      }
      throw error;
    }
  }
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(trimmed);
  if (rate) {
    const amount = Number(rate[1]);
    const unit = rate[2] ?? '';
    if (amount < 1) throw new Error(`"${expression}": a rate must be a positive whole number`);
    if ((amount === 1) !== !unit.endsWith('s')) {
      throw new Error(
        `"${expression}": write rate(1 ${unit.replace(/s$/, '')}) for one unit and rate(${amount} ${unit.replace(/s?$/, 's')}) for more`,
      );
    }
    const perUnit = unit.startsWith('minute') ? 1 : unit.startsWith('hour') ? 60 : 1440;
    return { kind: 'rate', minutes: amount * perUnit };
  }
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(trimmed);
  if (at) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const probe = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    if (
      probe.getUTCFullYear() !== year ||
      probe.getUTCMonth() !== month - 1 ||
      probe.getUTCDate() !== day ||
      hour > 23 ||
      minute > 59 ||
      second > 59
    ) {
      throw new Error(`"${expression}" is not a date and time that exists; write at(yyyy-mm-ddThh:mm:ss)`);
    }
    return { kind: 'at', at: { year, month, day, hour, minute, second } };
  }
  throw new Error(
    `"${expression}" is none of rate(value unit), cron(fields) or at(yyyy-mm-ddThh:mm:ss); ${SCHEDULER_CRON.example}`,
  );
}
