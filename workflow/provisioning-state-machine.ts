/**
 * The provisioning state machine as one construct, used by the orchestrator stack and by the ASL renderer,
 * so that the deployed definition and the locally executed one come from the same code.
 */
import { Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  buildProvisioningChain,
  ProvisionMachineTimeoutSeconds,
  type ProvisioningTaskFunctions,
} from './provisioning';

export interface ProvisioningStateMachineProps {
  /** One function per Lambda task. */
  readonly functions: ProvisioningTaskFunctions;
  /** Where execution history goes (level ALL, with execution data). Omitted only when rendering ASL. */
  readonly logGroup?: logs.ILogGroup;
  /** X-Ray tracing of executions. Default true. */
  readonly tracingEnabled?: boolean;
  readonly stateMachineName?: string;
}

/** The deployable provisioning state machine: the chain from workflow/provisioning.ts with its timeout. */
export class ProvisioningStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: ProvisioningStateMachineProps) {
    super(scope, id);
    const chain = buildProvisioningChain(this, props.functions);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      // Stryker disable next-line ConditionalExpression: CDK reads stateMachineName: undefined as the key left out.
      ...(props.stateMachineName === undefined ? {} : { stateMachineName: props.stateMachineName }),
      definitionBody: sfn.DefinitionBody.fromChainable(chain),
      timeout: Duration.seconds(ProvisionMachineTimeoutSeconds),
      tracingEnabled: props.tracingEnabled ?? true,
      comment:
        'flinkflow provisioning: Kinesis stream, S3 bucket, Flink code, Managed Flink application, Glue crawler',
      ...(props.logGroup === undefined
        ? {}
        : { logs: { destination: props.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true } }),
    });
  }
}
