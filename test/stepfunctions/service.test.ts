/**
 * The local Step Functions endpoint's own rules, without running a machine: how the interpreter's events
 * become the API's history events, and the errors StartExecution and the readers answer with.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { operationOf } from '../../local/common/aws-json-server';
import { AwsServiceError } from '../../local/common/errors';
import { ExecutionHistory } from '../../local/stepfunctions/history';
import { createStepFunctionsService } from '../../local/stepfunctions/service';

const ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:flinkflow-provisioning';

describe('ExecutionHistory', () => {
  it('It should record a Lambda task retried, then caught, as Step Functions does', () => {
    // Prepare
    const history = new ExecutionHistory();
    history.states = {
      CreateStream: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:1:function:f', TimeoutSeconds: 300 },
      Marker: { Type: 'Pass' },
    };
    const at = 1_700_000_000_000;

    // Act
    history.started('{"pipelineName":"x"}', 'arn:aws:iam::000000000000:role/r', at);
    for (const event of [
      { type: 'StateEntered', state: 'CreateStream', stateType: 'Task', input: { a: 1 } },
      { type: 'StateFailed', state: 'CreateStream', stateType: 'Task', error: 'TransientError', cause: 'c1' },
      { type: 'StateRetried', state: 'CreateStream', stateType: 'Task', retryAttempt: 1 },
      {
        type: 'StateFailed',
        state: 'CreateStream',
        stateType: 'Task',
        error: 'States.Timeout',
        cause: 'late',
      },
      { type: 'StateCaught', state: 'CreateStream', stateType: 'Task' },
      { type: 'StateEntered', state: 'Marker', stateType: 'Pass', input: {} },
      { type: 'StateExited', state: 'Marker', stateType: 'Pass', output: { b: 2 } },
    ])
      history.record({ ...event, timestamp: at + 1000 });
    history.ended({ status: 'FAILED', error: 'TransientError', cause: 'doc' }, at + 2000);

    // Assess
    expect(history.events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionTimedOut',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionFailed',
    ]);
    expect(history.events.map((e) => [e.id, e.previousEventId])).toEqual(
      history.events.map((_, i) => [i + 1, i]),
    );
    expect(history.events[2]).toMatchObject({
      timestamp: (at + 1000) / 1000,
      lambdaFunctionScheduledEventDetails: {
        resource: 'arn:aws:lambda:us-east-1:1:function:f',
        input: '{"a":1}',
        timeoutInSeconds: 300,
      },
    });
    // The retry is scheduled with the state's input again.
    expect(history.events[5]).toMatchObject({ lambdaFunctionScheduledEventDetails: { input: '{"a":1}' } });
    expect(history.events[4]).toMatchObject({
      lambdaFunctionFailedEventDetails: { error: 'TransientError', cause: 'c1' },
    });
    expect(history.events[10]).toMatchObject({
      stateExitedEventDetails: { name: 'Marker', output: '{"b":2}' },
    });
    expect(history.events.at(-1)).toMatchObject({
      executionFailedEventDetails: { error: 'TransientError', cause: 'doc' },
    });
  });
});

describe('the Step Functions endpoint without a deployment', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'flinkflow-sfn-unit-'));
  const service = createStepFunctionsService({
    region: 'us-east-1',
    account: '000000000000',
    dataDir,
    taskEnvironment: async () => ({ missing: 'Nothing is deployed to this local cloud yet.' }),
  });
  const call = async (operation: string, input: Record<string, unknown>) => {
    try {
      const method = operationOf(service.provider, operation);
      if (!method) throw new Error(`The Step Functions provider has no ${operation}`);
      return await method(input);
    } catch (error) {
      return error instanceof AwsServiceError ? { error: error.code, message: error.message } : error;
    }
  };

  afterAll(async () => {
    await service.shutdown();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('It should fail the execution at once and say what to deploy', async () => {
    // Act
    const started = (await call('StartExecution', { stateMachineArn: ARN, name: 'n1', input: '{}' })) as {
      executionArn: string;
    };
    await new Promise((r) => setTimeout(r, 20));
    const described = await call('DescribeExecution', { executionArn: started.executionArn });

    // Assess
    expect(described).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: 'Nothing is deployed to this local cloud yet.',
    });
  });

  it.each([
    ['StartExecution', { stateMachineArn: ARN, input: '{not json' }, 'InvalidExecutionInput'],
    ['StartExecution', { stateMachineArn: ARN, name: 'a/b', input: '{}' }, 'InvalidName'],
    ['StartExecution', { stateMachineArn: 'arn:aws:states:us-east-1:000000000000:activity:x' }, 'InvalidArn'],
    ['StartExecution', {}, 'ValidationException'],
    [
      'DescribeExecution',
      { executionArn: `${ARN.replace('stateMachine', 'execution')}:none` },
      'ExecutionDoesNotExist',
    ],
    ['ListExecutions', { stateMachineArn: ARN, maxResults: 5000 }, 'ValidationException'],
    ['ListExecutions', { stateMachineArn: ARN, nextToken: '!!' }, 'InvalidToken'],
    ['StopExecution', { executionArn: ARN }, 'InvalidArn'],
  ])('It should answer %s %j with %s', async (operation, input, code) => {
    // Act
    const answer = await call(operation, input);

    // Assess
    expect(answer).toMatchObject({ error: code });
  });
});
