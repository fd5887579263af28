/**
 * Renders the provisioning state machine to ASL JSON without AWS credentials: the construct is synthesized
 * in a throw-away stack whose task functions are stand-ins with fixed ARNs. The local runner executes this
 * ASL (binding each Lambda task by state name, so the ARNs never matter) and the docs draw it.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { ProvisionLambdaTasks } from './contract';
import { lambdaFolderName, type ProvisioningTaskFunctions } from './provisioning';
import { ProvisioningStateMachine } from './provisioning-state-machine';

export const RenderAccount = '123456789012';
export const RenderRegion = 'us-east-1';

/** The stand-in ARN a task's Resource has in the rendered ASL. */
export function renderedFunctionArn(task: string): string {
  return `arn:aws:lambda:${RenderRegion}:${RenderAccount}:function:flinkflow-${lambdaFolderName(task)}`;
}

let cached: string | undefined;

/** The provisioning machine's ASL, as Step Functions would receive it. Each call returns a fresh copy. */
export function renderProvisioningAsl(): StateMachineDefinition {
  cached ??= synthesizeDefinitionString();
  return JSON.parse(cached) as StateMachineDefinition;
}

function synthesizeDefinitionString(): string {
  return synthesizeDefinition('ProvisioningRender', (stack) => {
    const functions = standInFunctions(stack, ProvisionLambdaTasks) as unknown as ProvisioningTaskFunctions;
    new ProvisioningStateMachine(stack, 'Provisioning', { functions });
  });
}

/** A stand-in function per task, with the ARN `renderedFunctionArn` gives it. */
export function standInFunctions(stack: Stack, tasks: readonly string[]): Record<string, lambda.IFunction> {
  return Object.fromEntries(
    tasks.map((task) => [
      task,
      lambda.Function.fromFunctionAttributes(stack, `${task}Function`, {
        functionArn: renderedFunctionArn(task),
        sameEnvironment: true,
      }),
    ]),
  );
}

/**
 * Synthesizes a throw-away stack in which `addMachine` builds one state machine, and returns that
 * machine's literal DefinitionString. Every machine's renderer goes through here.
 */
export function synthesizeDefinition(stackName: string, addMachine: (stack: Stack) => void): string {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, stackName, {
    env: { account: RenderAccount, region: RenderRegion },
  });
  addMachine(stack);
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Properties: { DefinitionString?: unknown } }>;
  };
  const machines = Object.values(template.Resources).filter(
    (r) => r.Type === 'AWS::StepFunctions::StateMachine',
  );
  const definition = machines[0]?.Properties.DefinitionString;
  if (machines.length !== 1 || typeof definition !== 'string') {
    throw new Error(
      `Expected one state machine with a literal DefinitionString in the render stack, found ${machines.length} ` +
        `(definition type ${typeof definition}); a token in the chain would explain a non-literal definition.`,
    );
  }
  return definition;
}
