import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import {
  errorOfLogEvent,
  latestJobException,
  MAX_EXCEPTION_CHARS,
} from '../../../lambdas/shared/job-exception';
import { resolveDeps } from '../../../lambdas/shared/runtime';
import { awsError } from '../../support/aws-errors';
import { testConfig } from '../../support/provisioning';

const logs = mockClient(CloudWatchLogsClient);
const config = testConfig();
const SINCE = Date.parse('2026-11-25T12:00:00.000Z');

const event = (fields: Record<string, unknown>) =>
  JSON.stringify({ logger: 'org.apache.flink.x', ...fields });

beforeEach(() => {
  logs.reset();
});

describe('errorOfLogEvent', () => {
  it.each([
    [
      'an ERROR event without a throwable',
      event({ messageType: 'ERROR', message: ' Job failed ' }),
      'Job failed',
    ],
    ['an ERROR event with neither message nor throwable', event({ messageType: 'ERROR' }), undefined],
    [
      'an ERROR event whose message is not a string',
      event({ messageType: 'ERROR', message: 42, throwableInformation: 'java.io.IOException: disk' }),
      'java.io.IOException: disk',
    ],
    [
      'a throwable given as lines, blank and indented ones included',
      event({
        messageType: 'WARN',
        message: 'Task failed',
        throwableInformation: ['', '  java.lang.IllegalStateException: broken  ', '\tat a.b(C.java:1)'],
      }),
      'Task failed: java.lang.IllegalStateException: broken',
    ],
    [
      'a throwable whose only cause is itself',
      event({
        message: 'x',
        throwableInformation: 'java.lang.Error: same\nCaused by: java.lang.Error: same',
      }),
      'x: java.lang.Error: same',
    ],
    [
      'the last "Caused by:" line as the root cause, with or without a space after the colon',
      event({
        message: 'Job failed',
        throwableInformation:
          'org.apache.flink.runtime.JobException: Recovery is suppressed\n' +
          '\tat org.apache.flink.X.y(X.java:1)\n' +
          'Caused by: java.lang.RuntimeException: wrapped\n' +
          'Caused by:java.lang.ArithmeticException: / by zero\n' +
          '\t... 3 more',
      }),
      'Job failed: org.apache.flink.runtime.JobException: Recovery is suppressed (root cause: java.lang.ArithmeticException: / by zero)',
    ],
    [
      'an exception class ending a line as a cause',
      event({ message: 'm', throwableInformation: 'a.FirstException: one\nCaused by: b.SecondException' }),
      'm: a.FirstException: one (root cause: b.SecondException)',
    ],
    [
      'a throwable where no later line is an exception of its own',
      event({
        message: 'm',
        throwableInformation:
          'a.FirstException: one\n\tat b.SecondException.handle(X.java:1)\nsee c.ThirdError: docs',
      }),
      'm: a.FirstException: one',
    ],
    [
      'a JSON event that is neither an error nor has a throwable',
      event({ messageType: 'INFO', message: 'Exception counter 0' }),
      undefined,
    ],
    ['JSON null', 'null', undefined],
    ['a JSON array naming an exception, as plain text', '["java.lang.Exception"]', '["java.lang.Exception"]'],
    [
      'a plain-text line, trimmed',
      '  java.lang.OutOfMemoryError: heap  ',
      'java.lang.OutOfMemoryError: heap',
    ],
    ['a plain-text word that only contains Error', 'Errors: none so far', undefined],
  ])('It should read %s', (_kind, text, expected) => {
    expect(errorOfLogEvent(text)).toBe(expected);
  });
});

describe('latestJobException', () => {
  const error = (message: string) => event({ messageType: 'ERROR', message });

  it('It should read the application stream from the given time, page by page, and keep the latest error', async () => {
    // Prepare
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({
        events: [
          { timestamp: 30, message: error('third') },
          { timestamp: 10, message: error('first') },
        ],
        nextToken: 'page-2',
      })
      .resolvesOnce({
        events: [
          { timestamp: 20, message: error('second') },
          { timestamp: 40, message: 'INFO ok' },
        ],
      });

    // Act
    const found = await latestJobException(resolveDeps(), config, SINCE);

    // Assess
    expect(found).toEqual({ found: true, exception: 'third' });
    const [first, second] = logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input);
    expect(first).toEqual({
      logGroupName: '/aws/kinesis-analytics/ticks-demo-app',
      logStreamNames: ['kinesis-analytics-log-stream'],
      startTime: SINCE,
    });
    expect(second).toMatchObject({ nextToken: 'page-2', startTime: SINCE });
    expect(logs).toHaveReceivedCommandTimes(FilterLogEventsCommand, 2);
  });

  it('It should take the one read last among errors of the same time, and events without a time as the oldest', async () => {
    // Prepare
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        { timestamp: 5, message: error('earlier of the two') },
        { timestamp: 5, message: error('later of the two') },
        { message: error('undated') },
        { timestamp: 6 },
      ],
    });

    // Act
    const found = await latestJobException(resolveDeps(), config, SINCE);

    // Assess
    expect(found).toEqual({ found: true, exception: 'later of the two' });
  });

  it('It should take an undated error when it is the only one', async () => {
    // Prepare
    logs.on(FilterLogEventsCommand).resolves({ events: [{ message: error('undated') }] });

    // Act / Assess
    await expect(latestJobException(resolveDeps(), config, SINCE)).resolves.toEqual({
      found: true,
      exception: 'undated',
    });
  });

  it('It should read at most five pages', async () => {
    // Prepare
    logs.on(FilterLogEventsCommand).resolves({ events: [], nextToken: 'more' });

    // Act
    const found = await latestJobException(resolveDeps(), config, SINCE);

    // Assess
    expect(found).toEqual({
      found: false,
      why: "no exception found in the application's log stream /aws/kinesis-analytics/ticks-demo-app",
    });
    expect(logs).toHaveReceivedCommandTimes(FilterLogEventsCommand, 5);
  });

  it('It should keep what it found on the pages before a read failed', async () => {
    // Prepare
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [{ timestamp: 1, message: error('before the failure') }], nextToken: 'p2' })
      .rejects(awsError('ThrottlingException'));

    // Act / Assess
    await expect(latestJobException(resolveDeps(), config, SINCE)).resolves.toEqual({
      found: true,
      exception: 'before the failure',
    });
  });

  it('It should say the stream could not be read, naming the error, when nothing was found before it', async () => {
    // Prepare
    logs.on(FilterLogEventsCommand).rejects(awsError('ResourceNotFoundException'));

    // Act / Assess
    await expect(latestJobException(resolveDeps(), config, SINCE)).resolves.toEqual({
      found: false,
      why: "the application's log stream /aws/kinesis-analytics/ticks-demo-app could not be read (ResourceNotFoundException)",
    });
  });

  it('It should say "error" for a thrown value that is not an Error', async () => {
    // Prepare
    logs.on(FilterLogEventsCommand).callsFake(() => Promise.reject('a string'));

    // Act
    const found = await latestJobException(resolveDeps(), config, SINCE);

    // Assess
    expect(found).toEqual({ found: false, why: expect.stringContaining('could not be read (error)') });
  });

  it('It should cut an exception longer than the limit and mark the cut, and keep one of the limit whole', async () => {
    // Prepare
    const long = 'x'.repeat(MAX_EXCEPTION_CHARS + 1);
    const exact = 'y'.repeat(MAX_EXCEPTION_CHARS);
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [{ timestamp: 1, message: error(long) }] })
      .resolves({
        events: [{ timestamp: 1, message: error(exact) }],
      });

    // Act
    const cut = await latestJobException(resolveDeps(), config, SINCE);
    const whole = await latestJobException(resolveDeps(), config, SINCE);

    // Assess
    expect(cut).toEqual({ found: true, exception: `${'x'.repeat(MAX_EXCEPTION_CHARS)}...` });
    expect(whole).toEqual({ found: true, exception: exact });
  });
});
