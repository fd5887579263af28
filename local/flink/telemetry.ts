/**
 * What a local Managed Flink application reports to CloudWatch, as the service does: the job's metrics
 * (namespace AWS/KinesisAnalytics, dimension Application) with PutMetricData, and its log events, in
 * the service's JSON shape, to the log stream of the application's CloudWatchLoggingOptions with
 * PutLogEvents. Both are batched on timers and never block the job: a failed call is logged to the
 * endpoint's log and retried at the next tick.
 */
import fs from 'node:fs';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { RunnerMetrics } from './runner';
import { isErrno } from '../common/errors';

export const METRICS_NAMESPACE = 'AWS/KinesisAnalytics';

export interface JobMetrics {
  numRestarts: number;
  numberOfCompletedCheckpoints: number;
  numberOfFailedCheckpoints: number;
}

export type MessageType = 'ERROR' | 'WARN' | 'INFO';

/** One application log event, the fields Managed Flink writes (its JSON message body). */
export interface LogEvent {
  timestamp: number;
  messageType: MessageType;
  message: string;
  logger: string;
  threadName?: string;
  locationInformation?: string;
  throwableInformation?: string;
}

/** `arn:aws:logs:<region>:<account>:log-group:<group>:log-stream:<stream>` as group and stream. */
export function parseLogStreamArn(arn: string): { logGroupName: string; logStreamName: string } | undefined {
  const match = /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:(.+):log-stream:(.+)$/.exec(arn);
  return match ? { logGroupName: match[1] ?? '', logStreamName: match[2] ?? '' } : undefined;
}

const ZERO: JobMetrics = { numRestarts: 0, numberOfCompletedCheckpoints: 0, numberOfFailedCheckpoints: 0 };
// PutLogEvents takes at most 10,000 events per call; a queue beyond this drops its oldest events (and
// says so in the stream) rather than growing without bound while CloudWatch Logs is unreachable.
const MAX_BATCH = 1_000;
const MAX_QUEUE = 10_000;
const MAX_EVENT_CHARS = 32_000;

export interface TelemetryOptions {
  applicationName: string;
  applicationArn: string;
  /** The current version id, read at each event (it changes with updates). */
  versionId: () => number;
  /** LogStreamARNs of the application's CloudWatchLoggingOptions, read at each flush. */
  logStreamArns: () => readonly string[];
  cloudWatch?: CloudWatchClient;
  logs?: CloudWatchLogsClient;
  /** Totals to count on from (those saved when the endpoint last stopped); default zero. */
  initialTotals?: JobMetrics;
  /** The endpoint's log. */
  log: (line: string) => void;
}

/**
 * One application's telemetry between a StartApplication and its stop: the metric totals over every run
 * of the job (a restarted process adds its predecessor's counts and one restart), the queue of log
 * events, and the tails of the runs' Flink logs.
 */
export class ApplicationTelemetry {
  private base: JobMetrics = { ...ZERO };
  private current: JobMetrics = { ...ZERO };
  private queue: LogEvent[] = [];
  private dropped = 0;
  private flushing: Promise<void> | undefined;
  private readonly tails = new Set<LogTail>();
  private missingStreamReported = new Set<string>();

  constructor(private readonly options: TelemetryOptions) {
    if (options.initialTotals) this.base = { ...options.initialTotals };
  }

  /** The newest metrics the runner reported for the current run. */
  runMetrics(metrics: RunnerMetrics): void {
    this.current = {
      numRestarts: metrics.numRestarts,
      numberOfCompletedCheckpoints: metrics.numberOfCompletedCheckpoints,
      numberOfFailedCheckpoints: metrics.numberOfFailedCheckpoints,
    };
  }

  /** The current run ended; `restarted`: it died and the endpoint restarts the job (one more restart). */
  endRun(restarted: boolean): void {
    this.base = {
      numRestarts: this.base.numRestarts + this.current.numRestarts + (restarted ? 1 : 0),
      numberOfCompletedCheckpoints:
        this.base.numberOfCompletedCheckpoints + this.current.numberOfCompletedCheckpoints,
      numberOfFailedCheckpoints: this.base.numberOfFailedCheckpoints + this.current.numberOfFailedCheckpoints,
    };
    this.current = { ...ZERO };
  }

  /** A restart attempt that failed before the job ran: one more restart. */
  failedRestart(): void {
    this.base.numRestarts += 1;
  }

  totals(): JobMetrics {
    return {
      numRestarts: this.base.numRestarts + this.current.numRestarts,
      numberOfCompletedCheckpoints:
        this.base.numberOfCompletedCheckpoints + this.current.numberOfCompletedCheckpoints,
      numberOfFailedCheckpoints: this.base.numberOfFailedCheckpoints + this.current.numberOfFailedCheckpoints,
    };
  }

  /** PutMetricData of the totals, now. */
  async publishMetrics(): Promise<void> {
    const cloudWatch = this.options.cloudWatch;
    if (!cloudWatch) return;
    const totals = this.totals();
    const now = new Date();
    try {
      await cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: METRICS_NAMESPACE,
          MetricData: (Object.keys(totals) as (keyof JobMetrics)[]).map((name) => ({
            MetricName: name,
            Dimensions: [{ Name: 'Application', Value: this.options.applicationName }],
            Timestamp: now,
            Value: totals[name],
            Unit: 'Count',
          })),
        }),
      );
    } catch (e) {
      this.options.log(
        `flink: ${this.options.applicationName} PutMetricData failed (${errorText(e)}); the next tick retries`,
      );
    }
  }

  /** Queues one log event; sent by the next flush. */
  event(event: LogEvent): void {
    this.queue.push(event);
    if (this.queue.length > MAX_QUEUE) {
      this.dropped += this.queue.length - MAX_QUEUE;
      this.queue.splice(0, this.queue.length - MAX_QUEUE);
    }
  }

  /** Follows a run's Flink log and queues its WARN and ERROR lines (with their stack traces). */
  follow(file: string): { stop(): void } {
    const tail = new LogTail(file, (event) => this.event(event));
    this.tails.add(tail);
    return {
      stop: () => {
        tail.read(true);
        this.tails.delete(tail);
      },
    };
  }

  /** Reads the followed logs and sends the queued events; one flush at a time. */
  flush(): Promise<void> {
    for (const tail of this.tails) tail.read(false);
    if (!this.flushing) {
      this.flushing = this.send().finally(() => {
        this.flushing = undefined;
      });
    }
    return this.flushing;
  }

  private async send(): Promise<void> {
    const logs = this.options.logs;
    if (!logs || (!this.queue.length && !this.dropped)) return;
    const streams = this.options
      .logStreamArns()
      .map((arn) => ({ arn, parsed: parseLogStreamArn(arn) }))
      .filter((s) => s.parsed !== undefined);
    if (!streams.length) {
      this.queue = [];
      return;
    }
    if (this.dropped) {
      this.queue.unshift({
        timestamp: this.queue[0]?.timestamp ?? Date.now(),
        messageType: 'WARN',
        logger: 'flinkflow.local.telemetry',
        message: `${this.dropped} log events were dropped: CloudWatch Logs could not take them in time.`,
      });
      this.dropped = 0;
    }
    const batch = this.queue.slice(0, MAX_BATCH);
    // PutLogEvents wants the events of a batch in chronological order.
    const logEvents = batch
      .map((e) => ({ timestamp: e.timestamp, message: JSON.stringify(this.body(e)) }))
      .sort((a, b) => a.timestamp - b.timestamp);
    let delivered = true;
    for (const { arn, parsed } of streams) {
      try {
        await logs.send(new PutLogEventsCommand({ ...parsed!, logEvents }));
        this.missingStreamReported.delete(arn);
      } catch (e) {
        delivered = false;
        if (!this.missingStreamReported.has(arn)) {
          this.missingStreamReported.add(arn);
          this.options.log(
            `flink: ${this.options.applicationName} PutLogEvents to ${arn} failed (${errorText(e)}); ` +
              'create the log group and stream (CreateApplication does) or fix CloudWatchLoggingOptions; retrying',
          );
        }
      }
    }
    // Undelivered events stay queued for the next flush; the queue's bound keeps that finite.
    if (delivered) this.queue.splice(0, batch.length);
  }

  private body(event: LogEvent): Record<string, string> {
    return {
      applicationARN: this.options.applicationArn,
      applicationVersionId: String(this.options.versionId()),
      locationInformation: event.locationInformation ?? event.logger,
      logger: event.logger,
      message: event.message,
      messageType: event.messageType,
      threadName: event.threadName ?? '',
      throwableInformation: event.throwableInformation ?? '',
    };
  }
}

// The runner's log4j layout: `%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c [%t] %x - %m%n`.
const LOG_LINE =
  /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\s+(\S+)\s+\[(.*?)\]\s+- (.*)$/;
// Java frames and causes, and a Python UDF's traceback inside a cause (indented `File ...` lines and its
// closing `SomethingError: ...` line), so the root cause reaches the event's throwable.
const STACK_LINE =
  /^(\s+\S|\s*\.\.\. \d+ more|Caused by: |Traceback \(most recent call last\)|[\w.$]+(Exception|Error)\b)/;

/** Reads a Flink log from where it left off; WARN/ERROR lines become events, stack lines their throwable. */
class LogTail {
  private offset = 0;
  private partial = '';
  private pending: LogEvent | undefined;

  constructor(
    private readonly file: string,
    private readonly emit: (event: LogEvent) => void,
  ) {}

  read(final: boolean): void {
    let text = '';
    try {
      const fd = fs.openSync(this.file, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        if (size > this.offset) {
          const buffer = Buffer.alloc(Math.min(size - this.offset, 4 * 1024 * 1024));
          const read = fs.readSync(fd, buffer, 0, buffer.length, this.offset);
          this.offset += read;
          text = buffer.subarray(0, read).toString('utf8');
        }
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      // The run has not created its log yet; the next read looks again.
      if (!isErrno(e, 'ENOENT')) throw e;
    }
    const lines = (this.partial + text).split('\n');
    this.partial = final ? '' : (lines.pop() ?? '');
    for (const line of lines) this.line(line);
    if (final) this.release();
  }

  private line(line: string): void {
    const match = LOG_LINE.exec(line);
    if (match) {
      this.release();
      const [, when, level, logger, thread, message] = match;
      if (level !== 'WARN' && level !== 'ERROR' && level !== 'FATAL') return;
      this.pending = {
        timestamp: Date.parse(`${(when ?? '').replace(' ', 'T').replace(',', '.')}`) || Date.now(),
        messageType: level === 'WARN' ? 'WARN' : 'ERROR',
        logger: logger ?? '',
        threadName: thread ?? '',
        message: message ?? '',
      };
      return;
    }
    if (this.pending && STACK_LINE.test(line)) {
      const throwable = this.pending.throwableInformation;
      this.pending.throwableInformation = throwable ? `${throwable}\n${line}` : line;
      if (this.pending.throwableInformation.length > MAX_EVENT_CHARS) {
        this.pending.throwableInformation = this.pending.throwableInformation.slice(0, MAX_EVENT_CHARS);
      }
      return;
    }
    this.release();
  }

  private release(): void {
    if (this.pending) this.emit(this.pending);
    this.pending = undefined;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
