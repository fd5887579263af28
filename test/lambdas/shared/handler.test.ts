import { restoreLogLevel } from '../../support/info-logs';
import { ApplicationStartFailedError } from '../../../lambdas/shared/errors';
import { taskHandler } from '../../../lambdas/shared/handler';
import { logger } from '../../../lambdas/shared/logger';
import { ErrorName } from '../../../workflow/contract';
import { fakeLambdaContext } from '../../support/lambda-context';

/** The JSON lines the task logger wrote to stdout and stderr while `act` ran, parsed. */
async function logsOf(act: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await act().catch(() => undefined);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('taskHandler', () => {
  afterAll(restoreLogLevel);

  it("It should return the run's result and log the start and the result with the task and the request id", async () => {
    // Prepare
    const handler = taskHandler('CreateBucket', async (event: { bucket: string }) => ({
      bucketName: event.bucket,
      created: true,
    }));
    let result: unknown;

    // Act
    const logs = await logsOf(async () => {
      result = await handler({ bucket: 'b-1' }, fakeLambdaContext({ awsRequestId: 'request-1' }));
    });

    // Assess
    expect(result).toEqual({ bucketName: 'b-1', created: true });
    expect(logs).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'task started',
        task: 'CreateBucket',
        function_request_id: 'request-1',
      }),
      expect.objectContaining({
        level: 'INFO',
        message: 'task succeeded',
        task: 'CreateBucket',
        result: { bucketName: 'b-1', created: true },
      }),
    ]);
  });

  it('It should rethrow the very error of the run, so the machine matches its name, and log its name, message and cause', async () => {
    // Prepare
    const cause = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const failure = new ApplicationStartFailedError('the application went to READY', { cause });
    const handler = taskHandler('StartApplication', async () => {
      throw failure;
    });
    let thrown: unknown;

    // Act
    const logs = await logsOf(async () => {
      await handler({}, fakeLambdaContext()).catch((error: unknown) => {
        thrown = error;
      });
    });

    // Assess
    expect(thrown).toBe(failure);
    expect((thrown as Error).name).toBe(ErrorName.ApplicationStartFailed);
    expect(logs.map((line) => line['message'])).toEqual(['task started', 'task failed']);
    expect(logs[1]).toMatchObject({
      level: 'ERROR',
      task: 'StartApplication',
      errorName: 'ApplicationStartFailedError',
      errorMessage: 'the application went to READY',
      cause: 'ThrottlingException: Rate exceeded',
    });
  });

  it('It should log no cause for an error without one, and none for a cause that is not an Error', async () => {
    // Prepare
    const plain = taskHandler('CreateStream', async () => {
      throw new Error('plain');
    });
    const odd = taskHandler('CreateStream', async () => {
      throw new Error('odd', { cause: 'a string' });
    });

    // Act
    const logs = await logsOf(async () => {
      await plain({}, fakeLambdaContext()).catch(() => undefined);
      await odd({}, fakeLambdaContext()).catch(() => undefined);
    });

    // Assess
    const failures = logs.filter((line) => line['message'] === 'task failed');
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({ errorName: 'Error', errorMessage: 'plain' });
    expect(failures[0]).not.toHaveProperty('cause');
    expect(failures[1]).toMatchObject({ errorMessage: 'odd' });
    expect(failures[1]).not.toHaveProperty('cause');
  });

  it('It should not carry log keys that one invocation added into the next', async () => {
    // Prepare
    const handler = taskHandler('CreateStream', async (event: { streamName?: string }) => {
      if (event.streamName) logger.appendKeys({ streamName: event.streamName });
      return 'ok';
    });

    // Act
    const logs = await logsOf(async () => {
      await handler({ streamName: 'ticks' }, fakeLambdaContext());
      await handler({}, fakeLambdaContext());
    });

    // Assess
    const succeeded = logs.filter((line) => line['message'] === 'task succeeded');
    expect(succeeded).toHaveLength(2);
    expect(succeeded[0]).toMatchObject({ streamName: 'ticks' });
    expect(succeeded[1]).not.toHaveProperty('streamName');
  });

  it('It should run the task anew and log its own request id on every invocation', async () => {
    // Prepare
    let runs = 0;
    const handler = taskHandler('CreateCrawler', async () => ++runs);

    // Act
    const logs = await logsOf(async () => {
      await handler({}, fakeLambdaContext({ awsRequestId: 'first' }));
      await handler({}, fakeLambdaContext({ awsRequestId: 'second' }));
    });

    // Assess
    expect(runs).toBe(2);
    expect(logs.filter((line) => line['message'] === 'task succeeded')).toEqual([
      expect.objectContaining({ function_request_id: 'first', result: 1 }),
      expect.objectContaining({ function_request_id: 'second', result: 2 }),
    ]);
  });
});
