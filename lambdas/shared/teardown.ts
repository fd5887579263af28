/**
 * What the teardown tasks share: the execution state check, the two clients only teardown uses
 * (EventBridge Scheduler and EventBridge, kept out of the provisioning tasks' factory), and the one rule
 * for "already deleted".
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type {
  TeardownConfig,
  TeardownExecutionState,
  TeardownLambdaTask,
  TeardownResource,
} from '../../workflow/teardown-contract';
import { httpStatusOf, isAwsError } from './aws';
import { InvalidInputError } from './errors';
import { resolveDeps, type TaskDeps } from './runtime';

export interface TeardownDeps extends TaskDeps {
  scheduler: SchedulerClient;
  eventBridge: EventBridgeClient;
}

const COMMON = { retryMode: 'adaptive', maxAttempts: 3, customUserAgent: 'flinkflow' } as const;
let shared: { scheduler: SchedulerClient; eventBridge: EventBridgeClient } | undefined;

/** The real dependencies, with any the caller passed (tests pass mocked clients and a clock). */
export function resolveTeardownDeps(deps: Partial<TeardownDeps> = {}): TeardownDeps {
  // Endpoints come from AWS_ENDPOINT_URL_SCHEDULER / AWS_ENDPOINT_URL_EVENTBRIDGE, as for every client.
  shared ??= {
    scheduler: new SchedulerClient({ ...COMMON }),
    eventBridge: new EventBridgeClient({ ...COMMON }),
  };
  return { ...resolveDeps(deps), scheduler: shared.scheduler, eventBridge: shared.eventBridge, ...deps };
}

/** The error codes the services answer for a resource that does not exist. */
const NOT_FOUND = [
  'ResourceNotFoundException',
  'EntityNotFoundException',
  'NoSuchBucket',
  'NotFound',
  'NoSuchEntity',
];

/** True when `error` says the resource does not exist: for a delete, the work is already done. */
export function isNotFound(error: unknown): boolean {
  return isAwsError(error, ...NOT_FOUND) || httpStatusOf(error) === 404;
}

/** Checks that a teardown task received the execution state with the validated configuration. */
export function requireTeardownState(event: unknown, task: TeardownLambdaTask): TeardownExecutionState {
  const config = (event as { config?: Partial<TeardownConfig> } | null)?.config;
  if (typeof config !== 'object' || config === null || typeof config.pipelineName !== 'string') {
    throw new InvalidInputError([
      {
        field: 'config',
        message: `${task} expects the teardown execution state with the validated configuration at $.config (the output of ValidateTeardownInput); check the state's InputPath and the previous states' ResultPath`,
      },
    ]);
  }
  return event as TeardownExecutionState;
}

/** One resource's record for the teardown output. */
export function resource(
  kind: TeardownResource['kind'],
  name: string,
  outcome: TeardownResource['outcome'],
  detail?: string,
): TeardownResource {
  return { kind, name, outcome, ...(detail === undefined ? {} : { detail }) };
}
