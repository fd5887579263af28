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

type LocalRunner = (options: {
  input: Record<string, unknown>;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}) => Promise<LocalProvisionResult>;

/**
 * Runs the provisioning state machine on the local runner (local/stepfunctions) against the local cloud
 * whose endpoints are in the environment.
 */
export async function provisionLocally(
  input: Record<string, unknown>,
  onProgress: (event: ProgressEvent) => void,
  signal: AbortSignal,
): Promise<LocalProvisionResult> {
  let runner: LocalRunner | undefined;
  try {
    // Loaded on use: the runner pulls in every task handler, which `produce` and `local up` never need.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    runner = (require('../local/stepfunctions') as { runProvisioningLocally?: LocalRunner })
      .runProvisioningLocally;
  } catch (error) {
    throw new EnvironmentError(
      `The local state-machine runner (local/stepfunctions) cannot be loaded: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (!runner) throw new EnvironmentError('local/stepfunctions does not export runProvisioningLocally.');
  return runner({ input, onProgress, signal });
}
