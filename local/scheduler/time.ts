/**
 * Wall-clock time in a schedule's time zone (EventBridge Scheduler evaluates cron and at() expressions in
 * `ScheduleExpressionTimezone`, UTC by default), from the runtime's IANA time-zone data through Intl.
 */
import type { WallClockMinute } from '../../workflow/schedule';

export interface WallClock extends WallClockMinute {
  second: number;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The wall clock of `timeZone` at the instant `ms` (epoch milliseconds). */
export function wallClockAt(ms: number, timeZone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) parts[part.type] = part.value;
  return {
    year: Number(parts['year']),
    month: Number(parts['month']),
    day: Number(parts['day']),
    hour: Number(parts['hour']),
    minute: Number(parts['minute']),
    second: Number(parts['second']),
    weekday: WEEKDAYS.indexOf(parts['weekday'] ?? '') + 1,
  };
}

/**
 * The instant at which `timeZone`'s wall clock shows the given time. A time that a daylight-saving
 * change skips comes out an hour later, one it repeats at its first occurrence.
 */
export function instantOf(clock: Omit<WallClock, 'weekday'>, timeZone: string): number {
  const asUtc = Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second);
  const offsetAt = (ms: number) => {
    const seen = wallClockAt(ms, timeZone);
    return (
      Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute, seen.second) -
      Math.floor(ms / 1000) * 1000
    );
  };
  const first = asUtc - offsetAt(asUtc);
  return asUtc - offsetAt(first);
}
