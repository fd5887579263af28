/**
 * The crawl schedule: Glue crawlers take only cron expressions with six fields and run at most every
 * 5 minutes, while users (and EventBridge Scheduler) also write `rate(...)`. A rate that a Glue cron can
 * express exactly is converted; anything else gets an error saying what to write instead.
 */

/** The shortest interval Glue accepts between scheduled crawls. */
export const MIN_CRAWL_INTERVAL_MINUTES = 5;

export type ScheduleResult = { ok: true; glueCron: string } | { ok: false; message: string };

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface CronField {
  label: string;
  min: number;
  max: number;
  names?: string[];
  /** Extra tokens this field takes besides values, ranges, `*` and steps (Glue's `?`, `L`, `W`, `#`). */
  special?: RegExp;
}

const FIELDS: CronField[] = [
  { label: 'minutes', min: 0, max: 59 },
  { label: 'hours', min: 0, max: 23 },
  { label: 'day-of-month', min: 1, max: 31, special: /^(\?|L|LW|L-\d{1,2}|\d{1,2}W)$/ },
  { label: 'month', min: 1, max: 12, names: MONTHS },
  { label: 'day-of-week', min: 1, max: 7, names: WEEKDAYS, special: /^(\?|L|[1-7]L|[1-7]#[1-5])$/ },
  { label: 'year', min: 1970, max: 2199 },
];

function valueOf(text: string, field: CronField): number | undefined {
  const byName = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (byName >= 0) return byName + field.min;
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= field.min && n <= field.max ? n : undefined;
}

/** Expands one cron field to its values, or explains why it is invalid. `?`/`L`/`W` give no values. */
function expandField(text: string, field: CronField): { values: number[] } | { error: string } {
  const values: number[] = [];
  for (const token of text.split(',')) {
    if (field.special?.test(token.toUpperCase())) continue;
    const match = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(token);
    if (!match) return { error: `"${token}" is not a valid ${field.label} entry` };
    const [, base = '', stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) return { error: `the step in "${token}" must be at least 1` };
    let from = field.min;
    let to = field.max;
    if (base !== '*') {
      const [startText = '', endText] = base.split('-');
      const start = valueOf(startText, field);
      const end =
        endText === undefined ? (stepText === undefined ? start : field.max) : valueOf(endText, field);
      if (start === undefined || end === undefined || end < start) {
        return { error: `"${token}" is outside ${field.label} ${field.min}-${field.max}` };
      }
      from = start;
      to = end;
    }
    for (let v = from; v <= to; v += step) values.push(v);
  }
  return { values };
}

function validateCron(body: string): ScheduleResult {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) {
    return {
      ok: false,
      message: `a cron expression has six fields (minutes hours day-of-month month day-of-week year), got ${parts.length}; for example cron(0/15 * * * ? *)`,
    };
  }
  const expanded: number[][] = [];
  for (const [i, field] of FIELDS.entries()) {
    const result = expandField(parts[i] ?? '', field);
    if ('error' in result) return { ok: false, message: `${result.error}; for example cron(0/15 * * * ? *)` };
    expanded.push(result.values);
  }
  if ((parts[2] === '?') === (parts[4] === '?')) {
    return {
      ok: false,
      message:
        'exactly one of day-of-month and day-of-week must be "?" (Glue cannot take both); for example cron(0/15 * * * ? *)',
    };
  }
  const minutes = [...new Set(expanded[0])].sort((a, b) => a - b);
  const gaps = minutes.map((m, i) =>
    i + 1 < minutes.length ? (minutes[i + 1] as number) - m : 60 - m + (minutes[0] as number),
  );
  if (minutes.length > 0 && Math.min(...gaps) < MIN_CRAWL_INTERVAL_MINUTES) {
    return {
      ok: false,
      message: `Glue runs a crawler at most every ${MIN_CRAWL_INTERVAL_MINUTES} minutes, and "${parts[0]}" runs it more often; for example cron(0/15 * * * ? *)`,
    };
  }
  return { ok: true, glueCron: `cron(${parts.join(' ')})` };
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
  const cron = /^cron\((.*)\)$/s.exec(expression.trim());
  if (cron) return validateCron(cron[1] ?? '');
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
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
