/**
 * The CLI's ties to the local cloud (local/cloud.ts) and the local state-machine runner
 * (local/stepfunctions/), kept in one file so that commands and tests see plain functions.
 */
import {
  localCloudStatus,
  readState,
  sdkEnvironment,
  startLocalCloud,
  stopLocalCloud,
  type LocalCloudState,
} from '../local/cloud';
import { EnvironmentError } from './errors';
import type { ProgressEvent } from './progress';
import type { LocalProvisionResult } from './local-run/run';

export { localCloudStatus, sdkEnvironment, startLocalCloud, stopLocalCloud, type LocalCloudState };

/** The running local cloud's state, or an error that says how to start one. */
export async function requireRunningCloud(): Promise<LocalCloudState> {
  const status = await localCloudStatus();
  if (!status.running || !status.state) {
    throw new EnvironmentError(
      'The local cloud is not running. Start it with `flinkflow local up` (or use `flinkflow local run`).',
    );
  }
  return status.state;
}

/** Points this process's AWS SDK clients at the local cloud (the SDK reads AWS_ENDPOINT_URL_<SERVICE>). */
export function useLocalEndpoints(
  state: LocalCloudState,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const environment = sdkEnvironment(state);
  Object.assign(env, environment);
  return environment;
}

export { readState };

/** The local runner's event (local/stepfunctions/run-provisioning.ts ProvisioningEvent). */
export interface LocalRunnerEvent {
  type: string;
  timestamp: number;
  state?: string;
  error?: string;
  cause?: string;
  retryAttempt?: number;
}

type LocalRunner = (options: {
  input: unknown;
  env: Readonly<Record<string, string>>;
  waitSeconds?: number;
  onEvent?: (event: LocalRunnerEvent) => void;
  signal?: AbortSignal;
}) => Promise<LocalProvisionResult>;

/** Maps the local runner's events to the progress events `provision` prints for AWS executions too. */
export function progressFromLocalEvent(event: LocalRunnerEvent): ProgressEvent | undefined {
  const at = event.timestamp;
  switch (event.type) {
    case 'ExecutionStarted':
      return { type: 'executionStarted', at };
    case 'StateEntered':
      return event.state ? { type: 'stateEntered', state: event.state, at } : undefined;
    case 'StateExited':
      return event.state ? { type: 'stateExited', state: event.state, at } : undefined;
    case 'StateFailed':
      return {
        type: 'taskFailed',
        ...(event.state ? { state: event.state } : {}),
        error: event.error ?? 'Error',
        cause: event.cause ?? '',
        at,
      };
    case 'ExecutionSucceeded':
      return { type: 'executionSucceeded', output: undefined, at };
    case 'ExecutionFailed':
    case 'ExecutionTimeout':
    case 'ExecutionAborted':
      return {
        type: 'executionFailed',
        status:
          event.type === 'ExecutionFailed'
            ? 'FAILED'
            : event.type === 'ExecutionTimeout'
              ? 'TIMED_OUT'
              : 'ABORTED',
        error: event.error ?? event.type,
        cause: event.cause ?? '',
        at,
      };
    default:
      return undefined;
  }
}

/**
 * Runs the provisioning state machine on the local runner (local/stepfunctions) with `env`: the local
 * cloud's SDK environment plus the deployment settings (deployLocally).
 */
export async function provisionLocally(
  input: Record<string, unknown>,
  env: Record<string, string>,
  onProgress: (event: ProgressEvent) => void,
  signal?: AbortSignal,
): Promise<LocalProvisionResult> {
  let runner: LocalRunner | undefined;
  try {
    // Loaded on use: the runner pulls in every task handler, which `produce` and `local up` never need.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    runner = (require('../local/stepfunctions/run-provisioning') as { runProvisioningLocally?: LocalRunner })
      .runProvisioningLocally;
  } catch (error) {
    throw new EnvironmentError(
      `The local state-machine runner (local/stepfunctions) cannot be loaded: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (!runner)
    throw new EnvironmentError(
      'local/stepfunctions/run-provisioning does not export runProvisioningLocally.',
    );
  return runner({
    input,
    env,
    ...(signal ? { signal } : {}),
    onEvent: (event) => {
      const progress = progressFromLocalEvent(event);
      if (progress) onProgress(progress);
    },
  });
}
