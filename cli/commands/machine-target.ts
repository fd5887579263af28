/**
 * Which state machine a command starts, and through which Step Functions endpoint: the local cloud's
 * (`--local`) or AWS's. The one place `provision`, `validate` and `destroy` resolve it, so the three
 * commands name the stack output and the environment variable the same way.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { EnvironmentError } from '../errors';
import type { CliIo } from '../io';

/** Where the local cloud's Step Functions API answers and the state machine it serves. */
export interface LocalStepFunctions {
  endpoint: string;
  region: string;
  stateMachineArn: string;
}

export interface MachineTargetDeps {
  /** An SFN client: AWS's (the SDK's standard configuration), or the local cloud's endpoint. */
  sfn(local?: LocalStepFunctions): Pick<SFNClient, 'send'>;
  /**
   * The running local cloud's Step Functions endpoint and this command's state machine, after deploying
   * to it what `cdk deploy` deploys on AWS; throws EnvironmentError when no local cloud runs.
   */
  localStepFunctions(): Promise<LocalStepFunctions>;
}

/** How a machine is found on AWS: the variable that holds its ARN and the stack output that gives it. */
export interface AwsMachine {
  variable: string;
  stackOutput: string;
}

export async function machineTarget(
  options: { local?: boolean; stateMachineArn?: string },
  io: CliIo,
  deps: MachineTargetDeps,
  aws: AwsMachine,
): Promise<{ stateMachineArn: string; sfn: Pick<SFNClient, 'send'> }> {
  if (options.local) {
    const local = await deps.localStepFunctions();
    return { stateMachineArn: options.stateMachineArn ?? local.stateMachineArn, sfn: deps.sfn(local) };
  }
  const stateMachineArn = options.stateMachineArn ?? io.env[aws.variable];
  if (!stateMachineArn) {
    throw new EnvironmentError(
      `Which state machine? Pass --state-machine-arn <arn> or set ${aws.variable} (the stack output ${aws.stackOutput}), or use --local.`,
    );
  }
  return { stateMachineArn, sfn: deps.sfn() };
}
