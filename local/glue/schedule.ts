/**
 * Glue's crawler schedules, parsed and matched by the project's one schedule parser
 * (workflow/schedule.ts): the local endpoint checks each minute which SCHEDULED crawlers are due, in UTC.
 */
export { cronMatches, parseCron, type CronSchedule } from '../../workflow/schedule';
