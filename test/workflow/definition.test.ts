import fs from 'node:fs';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ProvisionLambdaTasks, ProvisionState } from '../../workflow/contract';
import { lambdaFolderName, type ProvisioningTaskFunctions } from '../../workflow/provisioning';
import { ProvisioningStateMachine } from '../../workflow/provisioning-state-machine';
import { renderProvisioningAsl, renderedFunctionArn } from '../../workflow/render';

type AslState = Record<string, unknown>;

// One test reads the rendered definition: render.ts renders once per module load, so only the first
// test that renders reaches workflow/provisioning.ts (what per-test mutation coverage sees).
describe('the rendered definition', () => {
  it('It should fail with the original error, start the failure path from any input, collect the outputs and invoke each task by ARN', () => {
    // Act
    const s = renderProvisioningAsl().States as unknown as Record<string, AslState>;

    // Assess: the Fail state names the original error and carries the failure document as its cause.
    expect(s[ProvisionState.ProvisioningFailed]).toEqual({
      Type: 'Fail',
      ErrorPath: '$.error.Error',
      CausePath: '$.failure.Cause',
    });
    expect(s[ProvisionState.DescribeFailure]).toMatchObject({
      ResultSelector: { 'Cause.$': 'States.JsonToString($)' },
      Next: ProvisionState.ProvisioningFailed,
    });
    // ValidateInput's input may be no object: its Catch replaces the state by the error.
    expect(s[ProvisionState.ValidateInput]).toMatchObject({
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'ValidateInputFailed' }],
    });
    expect(s['ValidateInputFailed']).toEqual({
      Type: 'Pass',
      Parameters: { failedStep: 'ValidateInput', 'error.$': '$' },
      Next: ProvisionState.DescribeFailure,
    });
    expect(s[ProvisionState.CollectOutputs]).toMatchObject({
      Type: 'Pass',
      Parameters: expect.objectContaining({
        'pipelineName.$': '$.config.pipelineName',
        'streamArn.$': '$.stream.streamArn',
        codeObject: { 'key.$': '$.code.key', 'versionId.$': '$.code.versionId' },
      }),
    });
    for (const task of ProvisionLambdaTasks) {
      expect(renderedFunctionArn(task)).toBe(
        `arn:aws:lambda:us-east-1:123456789012:function:flinkflow-${lambdaFolderName(task)}`,
      );
      expect(JSON.stringify(s[task])).toContain(renderedFunctionArn(task));
    }
  });
});

describe('the task functions', () => {
  it('It should name each task after its folder under lambdas/', () => {
    // Prepare
    const folders = fs
      .readdirSync(path.join(__dirname, '..', '..', 'lambdas'))
      .filter((name) => name !== 'shared');

    // Act
    const named = ProvisionLambdaTasks.map(lambdaFolderName);

    // Assess
    expect(named).toContain('check-application-health');
    for (const folder of named) expect(folders).toContain(folder);
  });
});

describe('the deployable state machine construct', () => {
  function synth(options: { stateMachineName?: string; tracingEnabled?: boolean; withLogs?: boolean } = {}) {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Machine', { env: { account: '123456789012', region: 'eu-west-1' } });
    const functions = Object.fromEntries(
      ProvisionLambdaTasks.map((task) => [
        task,
        lambda.Function.fromFunctionArn(
          stack,
          task,
          `arn:aws:lambda:eu-west-1:123456789012:function:${task}`,
        ),
      ]),
    ) as unknown as ProvisioningTaskFunctions;
    const { withLogs, ...props } = options;
    new ProvisioningStateMachine(stack, 'Provisioning', {
      functions,
      ...props,
      ...(withLogs ? { logGroup: new logs.LogGroup(stack, 'Logs') } : {}),
    });
    return Template.fromStack(stack);
  }

  it('It should trace executions and leave the name and logging to the stack by default', () => {
    // Act
    const template = synth();

    // Assess
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      StateMachineName: Match.absent(),
      LoggingConfiguration: Match.absent(),
    });
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(JSON.stringify(machine)).toContain(
      'flinkflow provisioning: Kinesis stream, S3 bucket, Flink code, Managed Flink application, Glue crawler',
    );
  });

  it('It should take a name, a log group for the whole history and tracing off when told', () => {
    // Act
    const template = synth({
      stateMachineName: 'flinkflow-provisioning',
      tracingEnabled: false,
      withLogs: true,
    });

    // Assess
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(machine?.['Properties']).toMatchObject({
      StateMachineName: 'flinkflow-provisioning',
      TracingConfiguration: { Enabled: false },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
    });
  });
});
