/**
 * The CLI's ties to the local cloud (local/cloud.ts), kept in one file so that commands and tests see
 * plain functions.
 */
import {
  localCloudStatus,
  readState,
  sdkEnvironment,
  startLocalCloud as startCloud,
  stopLocalCloud,
  UncleanStopError,
  type LocalCloudState,
  type StartOptions,
} from '../local/cloud';
import { EnvironmentError } from './errors';

export { localCloudStatus, sdkEnvironment, stopLocalCloud, type LocalCloudState };

/**
 * Starts the local cloud (local/cloud.ts). A data folder left by a cloud that did not stop cleanly is
 * not a failure of the command but a decision the user must make (--fresh or --accept-saved): exit 3.
 */
export async function startLocalCloud(options: StartOptions = {}): Promise<LocalCloudState> {
  try {
    return await startCloud(options);
  } catch (e) {
    if (e instanceof UncleanStopError) throw new EnvironmentError(e.message, { cause: e });
    throw e;
  }
}

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

/** The ARN of a state machine the running local cloud serves (state file `stateMachines`), by its name. */
export function localMachineArn(state: LocalCloudState, name: string): string {
  const arn = state.stateMachines?.[name];
  if (!arn) {
    throw new EnvironmentError(
      `The running local cloud's state file names no ${name} state machine: an older flinkflow started it. Restart it: flinkflow local down && flinkflow local up.`,
    );
  }
  return arn;
}
