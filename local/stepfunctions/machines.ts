/**
 * The state machines the local Step Functions endpoint serves. Each one is a module that renders the ASL
 * CDK deploys and runs it on aws-local-stepfunctions with the real task handlers bound; registering the
 * next machine is one line in `LocalStateMachines` and one in `machine-modules.ts` (its module).
 */

/** The provisioning machine's name on the local cloud (on AWS, CDK names it). */
export const ProvisioningStateMachineName = 'flinkflow-provisioning';
/** The redeploy machine's name on the local cloud. */
export const RedeployStateMachineName = 'flinkflow-redeploy';

/** The crawl-and-query machine's name on the local cloud. */
export const CrawlAndQueryStateMachineName = 'flinkflow-crawl-and-query';

export interface LocalStateMachineRegistration {
  /** The state machine's name: the last part of its ARN. */
  name: string;
}

/** The teardown machine's name on the local cloud (run-teardown.ts holds its module). */
export const TeardownStateMachineName = 'flinkflow-teardown';

export const LocalStateMachines: readonly LocalStateMachineRegistration[] = [
  { name: ProvisioningStateMachineName },
  { name: CrawlAndQueryStateMachineName },
  { name: TeardownStateMachineName },
  { name: RedeployStateMachineName },
];

/** One step of an execution as the interpreter reports it (state entered/exited/failed, retries, ...). */
export interface MachineEvent {
  type: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  state?: string;
  stateType?: string;
  error?: string;
  cause?: string;
  retryAttempt?: number;
  /** The state's input (entered) or output (exited), as the interpreter passed it. */
  input?: unknown;
  output?: unknown;
}

/** How an execution ended, as the machine's runner reports it. */
export interface MachineResult {
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  output?: unknown;
  error?: string | undefined;
  cause?: string | undefined;
}

/** What a registered module exports. */
export interface LocalMachineModule {
  /** The ASL, rendered from the same CDK code that deploys it. */
  definition(): object;
  /** Loads what the executions will need (e.g. the task handlers' modules), before the first one. */
  prepare?(): Promise<void>;
  /**
   * Runs one execution with `env` as the task handlers' environment (endpoints, region, deployment
   * settings); aborting stops it between states.
   */
  run(options: {
    /** The ASL `definition()` returned (rendered once per local cloud, not per execution). */
    definition: object;
    input: unknown;
    env: Readonly<Record<string, string>>;
    onEvent: (event: MachineEvent) => void;
    signal: AbortSignal;
  }): Promise<MachineResult>;
}

/** The ARN Step Functions gives a state machine. */
export function stateMachineArn(region: string, account: string, name: string): string {
  return `arn:aws:states:${region}:${account}:stateMachine:${name}`;
}

/** The ARNs of every registered machine, by name, for the state file and the CLI. */
export function localStateMachineArns(region: string, account: string): Record<string, string> {
  return Object.fromEntries(
    LocalStateMachines.map((m) => [m.name, stateMachineArn(region, account, m.name)]),
  );
}
