/**
 * Wraps a task's pure `run` function into its Lambda handler: the same middleware for every task, so
 * the logs and error names of all functions look alike.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { MiddlewareObj, MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { ProvisionLambdaTask } from '../../workflow/contract';
import type { CrawlLambdaTask } from '../../workflow/crawl-contract';
import type { RedeployFunctionName } from '../../workflow/redeploy-contract';
import type { TeardownLambdaTask } from '../../workflow/teardown-contract';
import { logger } from './logger';

/** The state a task function serves, in any of the machines. */
export type TaskName = ProvisionLambdaTask | CrawlLambdaTask | TeardownLambdaTask | RedeployFunctionName;

/**
 * Logs the start, the end (with the result) and the failure (with the error's name, which is what the
 * state machine matches) of each invocation. It never changes the result or swallows an error.
 */
export function taskLogging<E, R>(task: TaskName): MiddlewareObj<E, R, Error, Context> {
  return {
    name: 'flinkflow-task-logging',
    before: () => {
      logger.appendKeys({ task });
      logger.info('task started');
    },
    after: (request) => {
      logger.info('task succeeded', { result: request.response as unknown });
    },
    onError: (request) => {
      const error = request.error;
      // Stryker disable OptionalChaining: middy calls onError only after setting request.error.
      logger.error('task failed', {
        errorName: error?.name,
        errorMessage: error?.message,
        cause: error?.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : undefined,
      });
      // Stryker restore OptionalChaining
    },
  };
}

type Middy = (typeof import('@middy/core'))['default'];
let middyModule: Promise<Middy> | undefined;

/**
 * middy 7 is published as ESM only (no `require` export), while this project compiles to CommonJS. A
 * dynamic import loads it everywhere the handlers run: in the Lambda bundle (esbuild inlines it), under
 * tsx and node (the local Step Functions runner, the CLI), and in jest (mapped in jest.config.js).
 */
function loadMiddy(): Promise<Middy> {
  middyModule ??= import('@middy/core').then((module) => module.default);
  return middyModule;
}

/**
 * The Lambda handler of a task: `middy(run)` with the Lambda context injected into the logger and the
 * task logging middleware. Built on the first invocation (see loadMiddy), then reused.
 */
export function taskHandler<E, R>(
  task: TaskName,
  run: (event: E) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  let built: Promise<MiddyfiedHandler<E, R, Error, Context>> | undefined;
  const build = async () =>
    (await loadMiddy())<E, R, Error, Context>()
      .use(injectLambdaContext(logger, { resetKeys: true }))
      .use(taskLogging<E, R>(task))
      .handler((event: E) => run(event));
  return async (event, context) => {
    built ??= build();
    const handler = await built;
    return handler(event, context);
  };
}
