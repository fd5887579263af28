/**
 * A thin gateway in front of moto's EventBridge Scheduler (REST JSON: `POST|PUT|GET|DELETE
 * /schedules/{Name}`, `GET /schedules`, schedule groups, tags). moto keeps the schedules; it does not
 * check what a schedule says, so the gateway refuses, as the API does with a 400 ValidationException, a
 * create or update whose expression, time zone, flexible time window, target, retry policy, dead-letter
 * queue or state would never work, using the project's one schedule parser (workflow/schedule.ts).
 * It also gives an update without `State` the API's default, ENABLED (moto would store none).
 * Everything else passes through unchanged.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSchedulerExpression } from '../../workflow/schedule';

export interface SchedulerGateway {
  url: string;
  close(): Promise<void>;
}

/** CreateSchedule's limits, from the API reference (CreateSchedule, Target, RetryPolicy, DeadLetterConfig). */
const NAME = /^[0-9a-zA-Z\-_.]{1,64}$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const QUEUE_ARN = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9\-_]+$/;
const MAX_INPUT_CHARS = 8192;

function readBody(stream: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Whether the runtime knows the IANA time zone (Intl throws a RangeError for an unknown one). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function inRange(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * What is wrong with a CreateSchedule/UpdateSchedule request, one sentence each; empty when nothing is.
 * Both operations take the whole schedule (UpdateSchedule replaces every member), so one check serves.
 */
export function scheduleProblems(name: string, input: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (!NAME.test(name)) {
    problems.push(`Name "${name}" must be 1-64 characters of letters, digits, "-", "_" and "."`);
  }
  const expression = input['ScheduleExpression'];
  if (typeof expression !== 'string' || expression === '') {
    problems.push(
      'ScheduleExpression is required: rate(value unit), cron(fields) or at(yyyy-mm-ddThh:mm:ss)',
    );
  } else {
    try {
      parseSchedulerExpression(expression);
    } catch (error) {
      problems.push(`ScheduleExpression ${(error as Error).message}`);
    }
  }
  const zone = input['ScheduleExpressionTimezone'];
  if (zone !== undefined && (typeof zone !== 'string' || !isTimeZone(zone))) {
    problems.push(
      `ScheduleExpressionTimezone "${String(zone)}" is not a time zone: use an IANA name such as UTC or Europe/Berlin`,
    );
  }
  const window = input['FlexibleTimeWindow'];
  if (!isObject(window) || (window['Mode'] !== 'OFF' && window['Mode'] !== 'FLEXIBLE')) {
    problems.push('FlexibleTimeWindow is required, with Mode OFF or FLEXIBLE (e.g. {"Mode": "OFF"})');
  } else if (window['Mode'] === 'FLEXIBLE' && !inRange(window['MaximumWindowInMinutes'], 1, 1440)) {
    problems.push('FlexibleTimeWindow Mode FLEXIBLE needs MaximumWindowInMinutes between 1 and 1440');
  }
  const state = input['State'];
  if (state !== undefined && state !== 'ENABLED' && state !== 'DISABLED') {
    problems.push(`State "${String(state)}" must be ENABLED or DISABLED`);
  }
  const target = input['Target'];
  if (!isObject(target)) {
    problems.push(
      'Target is required, with Arn (what to invoke) and RoleArn (the role the scheduler assumes)',
    );
    return problems;
  }
  if (typeof target['Arn'] !== 'string' || !/^arn:/.test(target['Arn'])) {
    problems.push('Target.Arn must be the ARN of what the schedule invokes (e.g. a state machine)');
  }
  if (typeof target['RoleArn'] !== 'string' || !ROLE_ARN.test(target['RoleArn'])) {
    problems.push('Target.RoleArn must be an IAM role ARN, arn:aws:iam::<account>:role/<name>');
  }
  const targetInput = target['Input'];
  if (
    targetInput !== undefined &&
    (typeof targetInput !== 'string' || targetInput.length < 1 || targetInput.length > MAX_INPUT_CHARS)
  ) {
    problems.push(
      `Target.Input must be a string of 1-${MAX_INPUT_CHARS} characters (a JSON document as text)`,
    );
  }
  const retry = target['RetryPolicy'];
  if (retry !== undefined) {
    if (!isObject(retry)) problems.push('Target.RetryPolicy must be an object');
    else {
      const age = retry['MaximumEventAgeInSeconds'];
      const attempts = retry['MaximumRetryAttempts'];
      if (age !== undefined && !inRange(age, 60, 86_400)) {
        problems.push(
          `Target.RetryPolicy.MaximumEventAgeInSeconds ${String(age)} must be between 60 and 86400`,
        );
      }
      if (attempts !== undefined && !inRange(attempts, 0, 185)) {
        problems.push(
          `Target.RetryPolicy.MaximumRetryAttempts ${String(attempts)} must be between 0 and 185`,
        );
      }
    }
  }
  const dlq = target['DeadLetterConfig'];
  if (dlq !== undefined) {
    const arn = isObject(dlq) ? dlq['Arn'] : undefined;
    if (arn !== undefined && (typeof arn !== 'string' || !QUEUE_ARN.test(arn))) {
      problems.push(
        `Target.DeadLetterConfig.Arn "${String(arn)}" must be a standard SQS queue ARN, arn:aws:sqs:<region>:<account>:<name>`,
      );
    }
  }
  return problems;
}

/** Starts the gateway on a free port of 127.0.0.1, forwarding to moto at `upstream`. */
export function startSchedulerGateway(
  upstream: string,
  log: (line: string) => void = () => undefined,
): Promise<SchedulerGateway> {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true });

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => {
    const request = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host, 'content-length': String(body.length) },
        agent,
      },
      (answer) => {
        const headers = { ...answer.headers };
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    request.on('error', (error) => {
      log(`scheduler ${req.method} ${req.url} -> moto did not answer: ${error.message}`);
      reply(
        res,
        502,
        'ServiceUnavailable',
        `The local scheduler's store (moto, ${upstream}) did not answer: ${error.message}`,
      );
    });
    request.end(body);
  };

  const reply = (res: http.ServerResponse, status: number, type: string, message: string) => {
    if (res.headersSent) return void res.destroy();
    const body = JSON.stringify({ Message: message });
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'x-amzn-errortype': type,
    });
    res.end(body);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://scheduler').pathname;
    const schedule = /^\/schedules\/([^/]+)$/.exec(path);
    if (schedule && (req.method === 'POST' || req.method === 'PUT')) {
      const name = decodeURIComponent(schedule[1] as string);
      let input: unknown;
      try {
        input = body.length ? JSON.parse(body.toString('utf8')) : {};
      } catch (error) {
        return reply(
          res,
          400,
          'ValidationException',
          `The request body is not JSON: ${(error as Error).message}`,
        );
      }
      if (!isObject(input))
        return reply(res, 400, 'ValidationException', 'The request body must be a JSON object');
      const problems = scheduleProblems(name, input);
      if (problems.length > 0) {
        log(
          `${req.method === 'POST' ? 'CreateSchedule' : 'UpdateSchedule'} ${name} refused: ${problems.join('; ')}`,
        );
        return reply(res, 400, 'ValidationException', problems.join('; '));
      }
      if (req.method === 'PUT' && input['State'] === undefined) {
        // UpdateSchedule sets every member it is not given to its default; State's is ENABLED.
        body = Buffer.from(JSON.stringify({ ...input, State: 'ENABLED' }));
      }
    }
    forward(req, res, body);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`scheduler gateway error: ${String(error)}`);
      reply(res, 500, 'InternalServerException', String(error));
    });
  });
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            agent.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
