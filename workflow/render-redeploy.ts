/**
 * Renders the redeploy state machine to ASL JSON without AWS credentials, as render.ts does for the
 * provisioning machine: the construct in a throw-away stack with stand-in function ARNs. The local runner
 * executes this ASL and the docs draw it.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { RedeployLambdaTasks } from './redeploy-contract';
import { RedeployStateMachine, redeployFolderName, type RedeployTaskFunctions } from './redeploy';
import { RenderAccount, RenderRegion } from './render';

let cached: string | undefined;

/** The redeploy machine's ASL, as Step Functions would receive it. Each call returns a fresh copy. */
export function renderRedeployAsl(): StateMachineDefinition {
  cached ??= synthesize();
  return JSON.parse(cached) as StateMachineDefinition;
}

function synthesize(): string {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'RedeployRender', { env: { account: RenderAccount, region: RenderRegion } });
  const functions = Object.fromEntries(
    RedeployLambdaTasks.map((task) => [
      task,
      lambda.Function.fromFunctionAttributes(stack, `${task}Function`, {
        functionArn: `arn:aws:lambda:${RenderRegion}:${RenderAccount}:function:flinkflow-${redeployFolderName(task)}`,
        sameEnvironment: true,
      }),
    ]),
  ) as unknown as RedeployTaskFunctions;
  new RedeployStateMachine(stack, 'Redeploy', { functions });
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Properties: { DefinitionString?: unknown } }>;
  };
  const definition = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::StepFunctions::StateMachine',
  )?.Properties.DefinitionString;
  if (typeof definition !== 'string') {
    throw new Error(
      `The redeploy render stack has no state machine with a literal DefinitionString (got ${typeof definition})`,
    );
  }
  return definition;
}
