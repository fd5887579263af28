/**
 * Renders the crawl-and-query state machine to ASL JSON without AWS credentials, as render.ts does for
 * provisioning: the local runner executes it (binding each Lambda task by state name) and the docs draw it.
 */
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { CrawlLambdaTasks } from './crawl-contract';
import { CrawlAndQueryStateMachine, type CrawlTaskFunctions } from './crawl-and-query';
import { standInFunctions, synthesizeDefinition } from './render';

let cached: string | undefined;

/** The crawl-and-query machine's ASL, as Step Functions would receive it. Each call returns a fresh copy. */
export function renderCrawlAndQueryAsl(): StateMachineDefinition {
  cached ??= synthesizeDefinition('CrawlAndQueryRender', (stack) => {
    const functions = standInFunctions(stack, CrawlLambdaTasks) as unknown as CrawlTaskFunctions;
    new CrawlAndQueryStateMachine(stack, 'CrawlAndQuery', { functions });
  });
  return JSON.parse(cached) as StateMachineDefinition;
}
