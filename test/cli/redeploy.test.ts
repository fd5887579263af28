/** `flinkflow redeploy`: the upload, finding the execution by its derived name, and what it prints. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { redeployCommand, type RedeployCommandDeps } from '../../cli/commands/redeploy';
import { redeployExecutionName } from '../../workflow/redeploy-contract';
import { fakeIo } from './fakes';

const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:flinkflow-redeploy';
const BUCKET = 'flinkflow-ticks-demo-123456789012-eu-west-1';
const zipPath = path.join(mkdtempSync(path.join(tmpdir(), 'flinkflow-cli-redeploy-')), 'code.zip');
writeFileSync(zipPath, 'PK zip bytes');

const at = (seconds: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, seconds));
const historyOf = (end: object) => [
  { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
  {
    id: 2,
    type: 'TaskStateEntered',
    timestamp: at(1),
    stateEnteredEventDetails: { name: 'ValidateRedeploy' },
  },
  { id: 3, type: 'TaskStateExited', timestamp: at(2), stateExitedEventDetails: { name: 'ValidateRedeploy' } },
  { id: 4, timestamp: at(60), ...end },
];

function fakes(options: { versionId?: string | undefined; appearAfter?: number; end?: object } = {}) {
  const calls: { command: string; input: Record<string, unknown> }[] = [];
  let historyCalls = 0;
  let clock = 0;
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    calls.push({ command: command.constructor.name, input: command.input });
    if (command instanceof PutObjectCommand)
      return { VersionId: 'versionId' in options ? options.versionId : 'v7' };
    if (command instanceof GetExecutionHistoryCommand) {
      historyCalls += 1;
      if (historyCalls <= (options.appearAfter ?? 1)) {
        const error = new Error('no such execution');
        error.name = 'ExecutionDoesNotExist';
        throw error;
      }
      return {
        events: historyOf(
          options.end ?? {
            type: 'ExecutionSucceeded',
            executionSucceededEventDetails: { output: JSON.stringify(successOutput) },
          },
        ),
      };
    }
    throw new Error(`unexpected ${command.constructor.name}`);
  };
  const deps: RedeployCommandDeps = {
    target: async () => ({
      s3: { send } as never,
      sfn: { send } as never,
      account: '123456789012',
      region: 'eu-west-1',
      stateMachineArn: MACHINE,
    }),
    sleep: async (ms) => {
      clock += ms;
    },
    now: () => clock,
  };
  return { deps, calls };
}

const successOutput = {
  pipelineName: 'ticks-demo',
  applicationName: 'ticks-demo-app',
  codeObject: { key: 'code/flinkflow-app.zip', versionId: 'v7' },
  applicationVersionId: 8,
  previous: { applicationVersionId: 7, applicationStatus: 'RUNNING', objectVersion: 'v6' },
  alreadyDeployed: false,
  snapshotName: 'redeploy-abc',
  health: { restarts: 0, completedCheckpoints: 3, settleSeconds: 120, checks: 3 },
  canary: {
    phase: 'PASSED',
    notBefore: '2026-12-01T12:00:03.000Z',
    verdict: {
      checks: [
        { check: 'freshness', passed: true },
        { check: 'uniqueness', passed: true },
        { check: 'sanity', passed: true },
      ],
    },
  },
  timings: { startedAt: 'x', finishedAt: 'y' },
};

describe('flinkflow redeploy', () => {
  it('It should upload the zip under the code key and follow the execution named after its version', async () => {
    const io = fakeIo();
    const { deps, calls } = fakes({ appearAfter: 2 });

    const code = await redeployCommand(zipPath, { pipeline: 'ticks-demo' }, io, deps);

    expect(code).toBe(0);
    expect(calls[0]).toMatchObject({
      command: 'PutObjectCommand',
      input: { Bucket: BUCKET, Key: 'code/flinkflow-app.zip', ChecksumAlgorithm: 'SHA256' },
    });
    const name = redeployExecutionName({
      bucketName: BUCKET,
      key: 'code/flinkflow-app.zip',
      versionId: 'v7',
    });
    expect(
      calls.filter((c) => c.command === 'GetExecutionHistoryCommand').map((c) => c.input['executionArn']),
    ).toEqual(Array(3).fill(`arn:aws:states:eu-west-1:123456789012:execution:flinkflow-redeploy:${name}`));
    expect(io.stderr.join('\n')).toMatch(
      /> ValidateRedeploy[\s\S]*ok ValidateRedeploy[\s\S]*Execution SUCCEEDED/,
    );
    expect(io.stdout.join('\n')).toMatch(
      /ticks-demo-app version 8 runs code version v7\n {2}before {7}version 7 on code version v6/,
    );
    expect(io.stdout.join('\n')).toContain(
      '  canary       PASSED: freshness ok, uniqueness ok, sanity ok on the windows since 2026-12-01T12:00:03.000Z',
    );
  });

  it('It should fail with the summary of what runs now when the re-deploy was rolled back', async () => {
    const io = fakeIo();
    const cause = JSON.stringify({
      failedStep: 'CheckApplicationHealth',
      summary: 'The re-deploy of code version v7 failed; version 9 is RUNNING on code version v6.',
    });
    const { deps } = fakes({
      end: {
        type: 'ExecutionFailed',
        executionFailedEventDetails: { error: 'RedeployRolledBackError', cause },
      },
    });

    await expect(redeployCommand(zipPath, { pipeline: 'ticks-demo' }, io, deps)).rejects.toMatchObject({
      name: 'OperationFailedError',
      message: expect.stringMatching(
        /Re-deploy FAILED: RedeployRolledBackError\n {2}The re-deploy of code version v7 failed; version 9 is RUNNING on code version v6\./,
      ),
    });
  });

  it('It should say where to look when the upload starts no execution in time', async () => {
    const { deps } = fakes({ appearAfter: 1000 });
    await expect(
      redeployCommand(zipPath, { pipeline: 'ticks-demo', startTimeoutSeconds: 10 }, fakeIo(), deps),
    ).rejects.toMatchObject({
      name: 'OperationFailedError',
      message: expect.stringMatching(/No re-deploy started within 10 s.*EventBridge notifications/),
    });
  });

  it('It should refuse an unversioned upload, a missing zip and a bad pipeline name', async () => {
    await expect(
      redeployCommand(zipPath, { pipeline: 'ticks-demo' }, fakeIo(), fakes({ versionId: undefined }).deps),
    ).rejects.toMatchObject({
      name: 'OperationFailedError',
      message: expect.stringMatching(/no object version/),
    });
    await expect(
      redeployCommand('/nonexistent/code.zip', { pipeline: 'ticks-demo' }, fakeIo(), fakes().deps),
    ).rejects.toMatchObject({ name: 'UsageError' });
    await expect(
      redeployCommand(zipPath, { pipeline: 'Ticks_Demo' }, fakeIo(), fakes().deps),
    ).rejects.toMatchObject({ name: 'UsageError' });
  });
});
