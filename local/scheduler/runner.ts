/**
 * The local EventBridge Scheduler's runner: what makes schedules fire. The schedules live in moto (behind
 * the validating gateway); on every tick the runner reads the ENABLED ones, works out which are due by
 * the time source it was given, and invokes their targets as the service does: StartExecution for a
 * state machine, SendMessage for a queue, Publish for a topic, with the target's Input. A failed
 * invocation is retried by the target's RetryPolicy and then sent to its dead-letter queue with the
 * message attributes the Scheduler user guide documents ("Configuring a schedule's dead-letter queue",
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html).
 *
 * Time comes from `now()` and ticks either from a timer (the daemon) or from `tick()` calls (tests move a
 * clock of their own and tick), so no test waits for a minute to pass.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  DeleteScheduleCommand,
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  ListSchedulesCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  cronMatchesMinute,
  parseSchedulerExpression,
  type SchedulerExpression,
} from '../../workflow/schedule';
import { instantOf, wallClockAt } from './time';

const MINUTE = 60_000;
/** The API's defaults for a target without a RetryPolicy (API reference, RetryPolicy). */
const DEFAULT_MAX_RETRIES = 185;
const DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400;
/** A clock jump longer than this (a suspended laptop) is not replayed minute by minute. */
const MAX_CATCH_UP_MINUTES = 24 * 60;

export interface ScheduleRunnerOptions {
  /** Where the schedules are read (moto's scheduler, or the gateway). */
  schedulerEndpoint: string;
  /** The targets and the dead-letter queues. */
  statesEndpoint: string;
  sqsEndpoint: string;
  snsEndpoint: string;
  region: string;
  account: string;
  /** The time source; default the system clock. */
  now?: () => Date;
  /** Tick every this many ms; 0 starts no timer (the caller ticks). Default 0. */
  tickMs?: number;
  /**
   * The wait before the first retry, doubled for each further one up to a minute. AWS does not publish
   * its back-off; these are local choices. Default 1000 ms.
   */
  retryBaseMs?: number;
  log?: (line: string) => void;
  /**
   * Where the runner keeps each schedule's timing (next rate occurrence, last cron minute, whether a
   * one-time schedule fired) across restarts; written after a tick that changed it, loaded at start.
   * Without it, every schedule starts its timing afresh, as a new one does.
   */
  stateFile?: string;
}

/** One invocation attempt of a schedule's target, as a tick reports it. */
export interface Invocation {
  scheduleArn: string;
  targetArn: string;
  scheduledTime: string;
  /** 0 for the first attempt, n for the n-th retry. */
  retry: number;
  outcome: 'invoked' | 'retry-pending' | 'dead-lettered' | 'dropped';
  /** What the target answered: the execution ARN, the message id. */
  result?: string;
  error?: { code: string; message: string };
}

export interface ScheduleRunner {
  /** Runs one tick now (after any tick in progress) and reports the invocations it made. */
  tick(): Promise<Invocation[]>;
  /** Stops the timer, waits for the tick in progress and releases the clients. */
  stop(): Promise<void>;
}

type Schedule = GetScheduleCommandOutput;

interface Tracked {
  /** What the schedule said when it was last (re)read: a change restarts its timing. */
  version: string;
  /** The ScheduleExpression as written, parsed into `expression`. */
  text: string;
  expression: SchedulerExpression;
  /** rate: the next occurrence (epoch ms); at: the one occurrence, until it fired. */
  nextDue?: number;
  /** cron: the last minute (epoch minutes) already considered. */
  lastMinute?: number;
}

interface PendingRetry {
  schedule: Schedule;
  scheduledTime: number;
  retry: number;
  dueAt: number;
  executionId: string;
}

class TargetError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function errorOf(error: unknown): { code: string; message: string } {
  if (error instanceof TargetError) return { code: error.code, message: error.message };
  const e = error as { name?: string; message?: string };
  return { code: e.name ?? 'Error', message: e.message ?? String(error) };
}

/** The runner's timing as saved: everything of Tracked but the parsed expression. */
type SavedTracked = Omit<Tracked, 'expression'>;

function trackedText(tracked: Map<string, Tracked>): string {
  const schedules: Record<string, SavedTracked> = {};
  for (const [arn, entry] of tracked) {
    schedules[arn] = {
      version: entry.version,
      text: entry.text,
      ...(entry.nextDue !== undefined ? { nextDue: entry.nextDue } : {}),
      ...(entry.lastMinute !== undefined ? { lastMinute: entry.lastMinute } : {}),
    };
  }
  return `${JSON.stringify({ version: 1, schedules }, null, 2)}\n`;
}

/** The timing saved in `file` (none when there is no file yet); a file it did not write is an error. */
export function loadTracked(file: string): Map<string, Tracked> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw e;
  }
  const unreadable = (why: string, cause?: unknown) =>
    new Error(
      `The schedule runner's saved timing ${file} cannot be read (${why}). Start the local cloud with ` +
        '`flinkflow local up --fresh` to discard the saved data.',
      cause === undefined ? undefined : { cause },
    );
  let saved: { version?: unknown; schedules?: Record<string, SavedTracked> } | null;
  try {
    saved = JSON.parse(text) as typeof saved;
  } catch (e) {
    throw unreadable(`not JSON: ${(e as Error).message}`, e);
  }
  if (saved?.version !== 1 || typeof saved.schedules !== 'object' || saved.schedules === null) {
    throw unreadable('not the version 1 layout the runner writes');
  }
  const tracked = new Map<string, Tracked>();
  for (const [arn, entry] of Object.entries(saved.schedules)) {
    try {
      tracked.set(arn, { ...entry, expression: parseSchedulerExpression(entry.text) });
    } catch (e) {
      throw unreadable(`${arn}: ${(e as Error).message}`, e);
    }
  }
  return tracked;
}

/** The context attributes the Scheduler replaces in a target's Input (user guide, "Adding context attributes"). */
export function withContextAttributes(
  input: string,
  context: { scheduleArn: string; scheduledTime: string; executionId: string; attempt: number },
): string {
  return input
    .replaceAll('<aws.scheduler.schedule-arn>', context.scheduleArn)
    .replaceAll('<aws.scheduler.scheduled-time>', context.scheduledTime)
    .replaceAll('<aws.scheduler.execution-id>', context.executionId)
    .replaceAll('<aws.scheduler.attempt-number>', String(context.attempt));
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function startScheduleRunner(options: ScheduleRunnerOptions): ScheduleRunner {
  const log = options.log ?? (() => undefined);
  const now = () => (options.now ? options.now() : new Date()).getTime();
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const common = { region: options.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const scheduler = new SchedulerClient({ ...common, endpoint: options.schedulerEndpoint });
  const sfn = new SFNClient({ ...common, endpoint: options.statesEndpoint });
  const sqs = new SQSClient({ ...common, endpoint: options.sqsEndpoint });
  const sns = new SNSClient({ ...common, endpoint: options.snsEndpoint });
  const tracked = options.stateFile ? loadTracked(options.stateFile) : new Map<string, Tracked>();
  let savedText = options.stateFile ? trackedText(tracked) : '';
  const saveTracked = () => {
    if (!options.stateFile) return;
    const text = trackedText(tracked);
    if (text === savedText) return;
    mkdirSync(path.dirname(options.stateFile), { recursive: true });
    writeFileSync(`${options.stateFile}.tmp`, text);
    renameSync(`${options.stateFile}.tmp`, options.stateFile);
    savedText = text;
  };
  const unusable = new Set<string>();
  let pending: PendingRetry[] = [];

  /** The full schedules (GetSchedule) by ARN, re-read only when ListSchedules shows a change. */
  const details = new Map<string, { modified: number | undefined; schedule: Schedule }>();

  const enabledSchedules = async (): Promise<Schedule[]> => {
    const summaries: { Arn: string; Name: string; GroupName: string; modified: number | undefined }[] = [];
    let NextToken: string | undefined;
    do {
      const page = await scheduler.send(new ListSchedulesCommand({ State: 'ENABLED', NextToken }));
      for (const s of page.Schedules ?? []) {
        if (s.Name && s.Arn) {
          summaries.push({
            Arn: s.Arn,
            Name: s.Name,
            GroupName: s.GroupName ?? 'default',
            modified: s.LastModificationDate?.getTime(),
          });
        }
      }
      NextToken = page.NextToken;
    } while (NextToken);
    const listed = new Set(summaries.map((s) => s.Arn));
    for (const arn of [...details.keys()]) if (!listed.has(arn)) details.delete(arn);
    const schedules: Schedule[] = [];
    for (const { Arn, Name, GroupName, modified } of summaries) {
      const known = details.get(Arn);
      if (known && known.modified === modified) {
        schedules.push(known.schedule);
        continue;
      }
      try {
        const schedule = await scheduler.send(new GetScheduleCommand({ Name, GroupName }));
        details.set(Arn, { modified, schedule });
        schedules.push(schedule);
      } catch (error) {
        // Deleted between the listing and now: nothing to fire.
        if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
      }
    }
    return schedules.filter((s) => s.State === 'ENABLED');
  };

  const sqsQueueUrl = async (queueArn: string): Promise<string> => {
    const [, , , , account, name] = queueArn.split(':');
    const { QueueUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }),
    );
    return QueueUrl as string;
  };

  /** Calls the target once: the templated targets the local cloud serves. */
  const invokeTarget = async (arn: string, input: string | undefined): Promise<string> => {
    const service = arn.split(':')[2];
    if (service === 'states') {
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: arn, ...(input !== undefined ? { input } : {}) }),
      );
      return executionArn as string;
    }
    if (service === 'sqs') {
      const { MessageId } = await sqs.send(
        new SendMessageCommand({ QueueUrl: await sqsQueueUrl(arn), MessageBody: input ?? '{}' }),
      );
      return MessageId as string;
    }
    if (service === 'sns') {
      const { MessageId } = await sns.send(new PublishCommand({ TopicArn: arn, Message: input ?? '{}' }));
      return MessageId as string;
    }
    throw new TargetError(
      'UnsupportedTarget',
      `The local scheduler invokes state machines, SQS queues and SNS topics; ${arn} is none of them.`,
    );
  };

  const deadLetter = async (
    attempt: PendingRetry,
    input: string | undefined,
    error: { code: string; message: string },
    condition: 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds',
  ): Promise<boolean> => {
    const { schedule } = attempt;
    const queueArn = schedule.Target?.DeadLetterConfig?.Arn;
    if (!queueArn) return false;
    const text = (value: string) => ({ DataType: 'String', StringValue: value });
    try {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: await sqsQueueUrl(queueArn),
          // The payload the target was to receive; the attributes say what happened to it.
          MessageBody: input ?? '{}',
          MessageAttributes: {
            ERROR_CODE: text(error.code),
            ERROR_MESSAGE: text(error.message.slice(0, 2000)),
            EXECUTION_ID: text(attempt.executionId),
            EXHAUSTED_RETRY_CONDITION: text(condition),
            IS_PAYLOAD_TRUNCATED: text('false'),
            RETRY_ATTEMPTS: text(String(attempt.retry)),
            SCHEDULED_TIME: text(isoSeconds(attempt.scheduledTime)),
            SCHEDULE_ARN: text(schedule.Arn as string),
            TARGET_ARN: text(schedule.Target?.Arn as string),
          },
        }),
      );
      return true;
    } catch (dlqError) {
      // As on AWS the event is then lost; the log says so rather than dropping it silently.
      log(
        `${schedule.Arn}: could not deliver to the dead-letter queue ${queueArn}: ${errorOf(dlqError).message}`,
      );
      return false;
    }
  };

  const attemptInvocation = async (attempt: PendingRetry, at: number): Promise<Invocation> => {
    const { schedule } = attempt;
    const targetArn = schedule.Target?.Arn as string;
    const input =
      schedule.Target?.Input === undefined
        ? undefined
        : withContextAttributes(schedule.Target.Input, {
            scheduleArn: schedule.Arn as string,
            scheduledTime: isoSeconds(attempt.scheduledTime),
            executionId: attempt.executionId,
            attempt: attempt.retry + 1,
          });
    const report = {
      scheduleArn: schedule.Arn as string,
      targetArn,
      scheduledTime: isoSeconds(attempt.scheduledTime),
      retry: attempt.retry,
    };
    try {
      const result = await invokeTarget(targetArn, input);
      log(
        `${schedule.Arn}: invoked ${targetArn} (${result})${attempt.retry ? ` on retry ${attempt.retry}` : ''}`,
      );
      return { ...report, outcome: 'invoked', result };
    } catch (caught) {
      const error = errorOf(caught);
      const policy = schedule.Target?.RetryPolicy;
      const maxRetries = policy?.MaximumRetryAttempts ?? DEFAULT_MAX_RETRIES;
      const maxAgeMs = (policy?.MaximumEventAgeInSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS) * 1000;
      const dueAt = at + Math.min(retryBaseMs * 2 ** attempt.retry, MINUTE);
      const condition =
        attempt.retry >= maxRetries
          ? 'MaximumRetryAttempts'
          : dueAt - attempt.scheduledTime > maxAgeMs
            ? 'MaximumEventAgeInSeconds'
            : undefined;
      if (!condition) {
        pending.push({ ...attempt, retry: attempt.retry + 1, dueAt });
        log(
          `${schedule.Arn}: ${targetArn} failed (${error.code}: ${error.message}); retry ${attempt.retry + 1} at ${isoSeconds(dueAt)}`,
        );
        return { ...report, outcome: 'retry-pending', error };
      }
      const delivered = await deadLetter(attempt, input, error, condition);
      log(
        `${schedule.Arn}: ${targetArn} failed (${error.code}: ${error.message}); ${condition} reached, ` +
          (delivered
            ? `sent to ${schedule.Target?.DeadLetterConfig?.Arn}`
            : 'event dropped (no dead-letter queue took it)'),
      );
      return { ...report, outcome: delivered ? 'dead-lettered' : 'dropped', error };
    }
  };

  /** The occurrences of a schedule due by `at`, updating its tracking. */
  const dueOccurrences = (schedule: Schedule, at: number): number[] => {
    const arn = schedule.Arn as string;
    const zone = schedule.ScheduleExpressionTimezone ?? 'UTC';
    const start = schedule.StartDate?.getTime();
    const end = schedule.EndDate?.getTime();
    const version = JSON.stringify([
      schedule.LastModificationDate?.getTime(),
      schedule.ScheduleExpression,
      zone,
      start,
      end,
    ]);
    let entry = tracked.get(arn);
    if (!entry || entry.version !== version) {
      const text = schedule.ScheduleExpression as string;
      const expression = parseSchedulerExpression(text);
      entry = { version, text, expression };
      // A new or changed schedule starts now: a rate at once (or at its StartDate), a cron from the
      // next minute, a one-time schedule at its time.
      if (expression.kind === 'rate') entry.nextDue = start !== undefined && start > at ? start : at;
      if (expression.kind === 'cron') entry.lastMinute = Math.floor(at / MINUTE);
      if (expression.kind === 'at') entry.nextDue = instantOf(expression.at, zone);
      tracked.set(arn, entry);
    }
    const inWindow = (t: number) => (start === undefined || t >= start) && (end === undefined || t <= end);
    const due: number[] = [];
    const { expression } = entry;
    if (expression.kind === 'rate' && entry.nextDue !== undefined && entry.nextDue <= at) {
      if (inWindow(entry.nextDue)) due.push(entry.nextDue);
      // Missed occurrences are not replayed: the next one is the first after now.
      const every = expression.minutes * MINUTE;
      const skipped = Math.floor((at - entry.nextDue) / every) + 1;
      entry.nextDue += skipped * every;
    } else if (expression.kind === 'cron' && entry.lastMinute !== undefined) {
      const current = Math.floor(at / MINUTE);
      const from = Math.max(entry.lastMinute + 1, current - MAX_CATCH_UP_MINUTES);
      let fired: number | undefined;
      for (let minute = from; minute <= current; minute++) {
        if (
          cronMatchesMinute(expression.cron, wallClockAt(minute * MINUTE, zone)) &&
          inWindow(minute * MINUTE)
        ) {
          fired = minute * MINUTE;
        }
      }
      // At most one occurrence per tick: a clock that jumped does not fire a backlog.
      if (fired !== undefined) due.push(fired);
      entry.lastMinute = current;
    } else if (expression.kind === 'at' && entry.nextDue !== undefined && entry.nextDue <= at) {
      if (inWindow(entry.nextDue)) due.push(entry.nextDue);
      delete entry.nextDue;
    }
    return due;
  };

  const runTick = async (): Promise<Invocation[]> => {
    const at = now();
    const invocations: Invocation[] = [];
    const schedules = await enabledSchedules();
    const enabled = new Set(schedules.map((s) => s.Arn as string));
    // Deleted and disabled schedules are forgotten: re-enabling one starts its timing afresh.
    for (const arn of [...tracked.keys()]) if (!enabled.has(arn)) tracked.delete(arn);
    for (const schedule of schedules) {
      let due: number[];
      try {
        due = dueOccurrences(schedule, at);
      } catch (error) {
        // The gateway refuses such expressions; one that reached moto another way cannot fire. Said once
        // per version of the schedule, not at every tick.
        const said = `${schedule.Arn} ${String(schedule.LastModificationDate?.getTime())}`;
        if (!unusable.has(said)) {
          unusable.add(said);
          log(`${schedule.Arn}: cannot be evaluated and does not fire: ${(error as Error).message}`);
        }
        continue;
      }
      for (const scheduledTime of due) {
        const attempt = { schedule, scheduledTime, retry: 0, dueAt: at, executionId: randomUUID() };
        invocations.push(await attemptInvocation(attempt, at));
      }
      const oneTimeDone =
        tracked.get(schedule.Arn as string)?.expression.kind === 'at' &&
        tracked.get(schedule.Arn as string)?.nextDue === undefined;
      if (oneTimeDone && schedule.ActionAfterCompletion === 'DELETE') {
        await scheduler.send(
          new DeleteScheduleCommand({ Name: schedule.Name, GroupName: schedule.GroupName }),
        );
        log(`${schedule.Arn}: one-time schedule done, deleted (ActionAfterCompletion DELETE)`);
      }
    }
    saveTracked();
    const ready = pending.filter((p) => p.dueAt <= at);
    pending = pending.filter((p) => p.dueAt > at);
    for (const retry of ready) invocations.push(await attemptInvocation(retry, at));
    return invocations;
  };

  let chain: Promise<unknown> = Promise.resolve();
  const tick = (): Promise<Invocation[]> => {
    const run = chain.then(runTick);
    chain = run.catch(() => undefined);
    return run;
  };
  const tickMs = options.tickMs ?? 0;
  const timer =
    tickMs > 0
      ? setInterval(() => {
          tick().catch((error: unknown) =>
            log(`tick failed: ${errorOf(error).code}: ${errorOf(error).message}`),
          );
        }, tickMs)
      : undefined;
  timer?.unref();

  return {
    tick,
    stop: async () => {
      if (timer) clearInterval(timer);
      await chain;
      for (const client of [scheduler, sfn, sqs, sns]) client.destroy();
    },
  };
}
