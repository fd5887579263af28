/**
 * Renders the crawl-and-query state machine to ASL JSON without AWS credentials, as render.ts does for
 * provisioning: the local runner executes it (binding each Lambda task by state name) and the docs draw it.
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { CrawlLambdaTasks } from './crawl-contract';
import { CrawlAndQueryStateMachine, type CrawlTaskFunctions } from './crawl-and-query';
import { renderedFunctionArn, synthesizeMachineDefinition } from './render';

let cached: string | undefined;

/** The crawl-and-query machine's ASL, as Step Functions would receive it. Each call returns a fresh copy. */
export function renderCrawlAndQueryAsl(): StateMachineDefinition {
  cached ??= synthesizeMachineDefinition('CrawlAndQueryRender', (stack) => {
    const functions = Object.fromEntries(
      CrawlLambdaTasks.map((task) => [
        task,
        lambda.Function.fromFunctionAttributes(stack, `${task}Function`, {
          functionArn: renderedFunctionArn(task),
          sameEnvironment: true,
        }),
      ]),
    ) as unknown as CrawlTaskFunctions;
    new CrawlAndQueryStateMachine(stack, 'CrawlAndQuery', { functions });
  });
  return JSON.parse(cached) as StateMachineDefinition;
}
