/**
 * Finding the job's exception in the application's CloudWatch Logs stream, for the health gate's
 * UNHEALTHY reason. Kept apart from application-logs.ts so that CreateApplication, which only needs the
 * names, does not reach FilterLogEvents.
 */
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { ProvisionConfig } from '../../workflow/contract';
import { applicationLogging } from './application-logs';
import type { TaskDeps } from './runtime';

/** At most this many FilterLogEvents pages are read: a restart loop can log a lot, and the task is bounded. */
export const MAX_LOG_PAGES = 5;
/** An exception is cut to this many characters in a reason (Step Functions causes are at most 32 KB). */
export const MAX_EXCEPTION_CHARS = 1500;

/**
 * Managed Flink writes each log event as JSON: {"applicationARN", "applicationVersionId",
 * "locationInformation", "logger", "message", "messageType", "threadName", "throwableInformation"}.
 * The error of an event: its message and the first line(s) of its throwable, or undefined when the
 * event is not an error. Plain-text lines count when they name an exception.
 */
export function errorOfLogEvent(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    const event = parsed as { message?: unknown; messageType?: unknown; throwableInformation?: unknown };
    const throwable = throwableText(event.throwableInformation);
    const isError = event.messageType === 'ERROR' || throwable !== undefined;
    if (!isError) return undefined;
    const message = typeof event.message === 'string' ? event.message.trim() : '';
    return [message, throwable].filter((part) => part).join(': ') || undefined;
  }
  const line = text.trim();
  return /(Exception|Error)\b/.test(line) ? line : undefined;
}

/**
 * The throwable's first line (its class and message), and its root cause when that is another line: a
 * Flink task failure is logged as a wrapper ("AsynchronousException: Caught exception while processing
 * timer") whose last `Caused by:` (or, for a Python UDF, the traceback's last `SomethingError: ...` line)
 * names what the job's own code threw. Accepts the throwable as one string or as lines.
 */
function throwableText(value: unknown): string | undefined {
  const lines = (
    Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split('\n') : []
  )
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const first = lines[0];
  if (first === undefined) return undefined;
  const causes = lines
    .slice(1)
    .map((line) => line.replace(/^Caused by:\s*/, ''))
    .filter((line) => /^[\w.$]+(Exception|Error)(:|$)/.test(line));
  const root = causes[causes.length - 1];
  return root === undefined || root === first ? first : `${first} (root cause: ${root})`;
}

export type JobException = { found: true; exception: string } | { found: false; why: string };

/**
 * The latest error the job logged since `sinceMs`. Best effort: a failure to read the logs is
 * returned as a sentence, never thrown, because the health verdict must stand without it.
 */
export async function latestJobException(
  deps: TaskDeps,
  config: Pick<ProvisionConfig, 'pipelineName' | 'region' | 'account'>,
  sinceMs: number,
): Promise<JobException> {
  const { logGroupName, logStreamName } = applicationLogging(config);
  let latest: string | undefined;
  let latestAt = Number.NEGATIVE_INFINITY;
  try {
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_LOG_PAGES; page += 1) {
      const out = await deps.clients.logs.send(
        new FilterLogEventsCommand({
          logGroupName,
          logStreamNames: [logStreamName],
          startTime: sinceMs,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      for (const event of out.events ?? []) {
        // Stryker disable next-line StringLiteral: any text without "Exception" or "Error" reads as no error, as '' does.
        const error = errorOfLogEvent(event.message ?? '');
        const at = event.timestamp ?? 0;
        // The latest by event time; on a tie the one read last, as the service returns them in order.
        if (error !== undefined && at >= latestAt) {
          latest = error;
          latestAt = at;
        }
      }
      nextToken = out.nextToken;
      if (!nextToken) break;
    }
  } catch (error) {
    const name = error instanceof Error ? error.name : 'error';
    if (latest === undefined) {
      return {
        found: false,
        why: `the application's log stream ${logGroupName} could not be read (${name})`,
      };
    }
  }
  if (latest === undefined) {
    return { found: false, why: `no exception found in the application's log stream ${logGroupName}` };
  }
  const exception =
    latest.length > MAX_EXCEPTION_CHARS ? `${latest.slice(0, MAX_EXCEPTION_CHARS)}...` : latest;
  return { found: true, exception };
}
