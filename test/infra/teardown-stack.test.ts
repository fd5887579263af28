/**
 * The teardown machine in the synthesized orchestrator stack: the deployed definition is the one the local
 * runner renders, each function has its state's timeout, and the functions' policies hold deletes only
 * on the pipeline's names. cdk-nag runs on the same synth (any unacknowledged finding fails it).
 */
import { Annotations, Template } from 'aws-cdk-lib/assertions';
import type { CfnElement } from 'aws-cdk-lib';
import { renderedFunctionArn } from '../../workflow/render';
import { renderTeardownAsl, TeardownTaskTimeoutSeconds } from '../../workflow/teardown';
import { TeardownLambdaTasks } from '../../workflow/teardown-contract';
import type { OrchestratorStack } from '../../infra/orchestrator-stack';
import { orchestratorApp } from './synth';

let stack: OrchestratorStack;
let template: Template;

beforeAll(() => {
  const built = orchestratorApp();
  stack = built.stack;
  built.app.synth();
  template = Template.fromStack(stack);
}, 120_000);

const logicalIdOf = (task: (typeof TeardownLambdaTasks)[number]) =>
  stack.getLogicalId(stack.teardown.functions[task].node.defaultChild as CfnElement);

describe('the teardown machine in the orchestrator stack', () => {
  it('It should deploy exactly the definition the local runner renders', () => {
    // Prepare
    const machineId = stack.getLogicalId(
      stack.teardown.stateMachine.stateMachine.node.defaultChild as CfnElement,
    );
    const taskOf = new Map(TeardownLambdaTasks.map((task) => [logicalIdOf(task), task]));
    const parts = (
      template.toJSON() as {
        Resources: Record<string, { Properties: { DefinitionString: { 'Fn::Join': [string, unknown[]] } } }>;
      }
    ).Resources[machineId]!.Properties.DefinitionString['Fn::Join'][1];

    // Act
    const deployed = JSON.parse(
      parts
        .map((part) =>
          typeof part === 'string'
            ? part
            : renderedFunctionArn(taskOf.get((part as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0])!),
        )
        .join(''),
    ) as unknown;

    // Assess
    expect(deployed).toEqual(renderTeardownAsl());
  });

  it("It should give each function its state's timeout and the deployment facts ValidateTeardownInput reads", () => {
    // Prepare
    const functions = template.findResources('AWS::Lambda::Function');

    // Act
    const settings = TeardownLambdaTasks.map((task) => {
      const props = functions[logicalIdOf(task)]!['Properties'] as {
        Timeout: number;
        Environment: { Variables: Record<string, unknown> };
      };
      return [task, props.Timeout, props.Environment.Variables['GLUE_DATABASE']];
    });

    // Assess
    expect(settings).toEqual(
      TeardownLambdaTasks.map((task) => [task, TeardownTaskTimeoutSeconds[task], 'flinkflow']),
    );
  });

  it('It should output the teardown machine ARN and report no unacknowledged cdk-nag finding', () => {
    // Prepare / Act
    const errors = Annotations.fromStack(stack).findError('*', /AwsSolutions-/);

    // Assess
    expect(Object.keys(template.findOutputs('TeardownStateMachineArn'))).toEqual(['TeardownStateMachineArn']);
    expect(errors).toEqual([]);
  });
});
