/**
 * Glue's crawler schedules: `cron(Minutes Hours Day-of-month Month Day-of-week Year)` as AWS writes them,
 * in UTC. The local endpoint checks each minute which SCHEDULED crawlers are due and starts them, as Glue
 * does. Supported in each field: `*`, `?`, numbers, `a-b`, `a,b`, `x/step` and `*`/step, month and weekday
 * names (JAN, MON); day-of-week counts 1 = SUN .. 7 = SAT. `L`, `W` and `#` are refused.
 */

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: FieldSpec[] = [
  { name: 'Minutes', min: 0, max: 59 },
  { name: 'Hours', min: 0, max: 23 },
  { name: 'Day-of-month', min: 1, max: 31 },
  { name: 'Month', min: 1, max: 12, names: MONTHS },
  { name: 'Day-of-week', min: 1, max: 7, names: WEEKDAYS },
  { name: 'Year', min: 1970, max: 2199 },
];

/** A parsed schedule: the allowed values of each field (undefined = any). */
export type CronSchedule = (Set<number> | undefined)[];

function parseValue(text: string, spec: FieldSpec, expression: string): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  const value = named >= 0 ? named + spec.min : Number(text);
  if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
    throw new Error(`${spec.name} value "${text}" of ${expression} is out of ${spec.min}-${spec.max}`);
  }
  return value;
}

function parseField(text: string, spec: FieldSpec, expression: string): Set<number> | undefined {
  if (text === '*' || text === '?') return undefined;
  if (/[LW#]/.test(text))
    throw new Error(`${spec.name} "${text}" of ${expression}: L, W and # are not supported locally`);
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new Error(`${spec.name} step "${stepText}" of ${expression} is not a positive integer`);
    let from: number;
    let to: number;
    if (range === '*') {
      from = spec.min;
      to = spec.max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      from = parseValue(a, spec, expression);
      to = parseValue(b, spec, expression);
    } else {
      from = parseValue(range, spec, expression);
      to = stepText === undefined ? from : spec.max;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** Parses `cron(...)`; throws a message naming the field that is wrong. */
export function parseCron(expression: string): CronSchedule {
  const match = /^cron\((.*)\)$/.exec(expression.trim());
  const fields = match?.[1]?.trim().split(/\s+/) ?? [];
  if (fields.length !== 6) {
    throw new Error(
      `${expression} is not cron(Minutes Hours Day-of-month Month Day-of-week Year) with six fields`,
    );
  }
  return fields.map((field, i) => parseField(field, FIELDS[i] as FieldSpec, expression));
}

/** Whether the schedule fires in the UTC minute of `date`. */
export function cronMatches(schedule: CronSchedule, date: Date): boolean {
  const actual = [
    date.getUTCMinutes(),
    date.getUTCHours(),
    date.getUTCDate(),
    date.getUTCMonth() + 1,
    date.getUTCDay() + 1,
    date.getUTCFullYear(),
  ];
  return schedule.every((allowed, i) => allowed === undefined || allowed.has(actual[i] as number));
}
