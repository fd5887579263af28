/**
 * DescribeRedeployFailure one case at a time: the Fail state's error for each way a re-deploy ends, the
 * summary a user reads for each, what it says when the application cannot be read, and the fields it
 * falls back on when the execution failed before its configuration existed.
 */
import '../support/quiet-logs';
import {
  type ApplicationDetail,
  DescribeApplicationCommand,
  KinesisAnalyticsV2Client,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { run } from '../../lambdas/describe-redeploy-failure';
import type { RedeployRollback, RedeploySnapshot, RedeployWhy } from '../../workflow/redeploy-contract';
import { awsError } from '../support/aws-errors';
import { application, redeployState, T0 } from '../support/redeploy';

const kda = mockClient(KinesisAnalyticsV2Client);
beforeEach(() => kda.reset());

const why: RedeployWhy = {
  failedStep: 'CheckApplicationHealth',
  error: 'ApplicationUnhealthyError',
  cause: JSON.stringify({ errorType: 'X', errorMessage: 'the job restarted 3 times', trace: [] }),
};
const rollback = (overrides: Partial<RedeployRollback> = {}): RedeployRollback => ({
  kind: 'requested',
  startedAt: T0,
  attempt: 3,
  phase: 'DONE',
  nextWaitSeconds: 0,
  applicationStatus: 'RUNNING',
  applicationVersionId: 5,
  ...overrides,
});
const snapshot: RedeploySnapshot = { snapshotName: 'redeploy-abc', snapshotStatus: 'READY', reused: false };
const describeIt = async (event: Parameters<typeof run>[0]) => {
  const out = await run(event);
  return { error: out.Error, failure: JSON.parse(out.Cause) as Record<string, unknown> };
};
const now = 'application ticks-demo-app version 5 is RUNNING on code version v1';

describe('DescribeRedeployFailure', () => {
  it('It should report a rollback the service did by itself, with every field of the failure', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 5, 'v1'));

    // The resolved configuration wins over the raw input it came from.
    const input = { ...redeployState().input, pipelineName: 'raw-name', versionId: 'raw-version' };
    const out = await describeIt(
      redeployState({ input, why, snapshot, rollback: rollback({ kind: 'system' }) }),
    );

    expect(kda).toHaveReceivedCommandWith(DescribeApplicationCommand, { ApplicationName: 'ticks-demo-app' });
    expect(out).toEqual({
      error: 'RedeployRolledBackError',
      failure: {
        pipelineName: 'ticks-demo',
        failedStep: 'CheckApplicationHealth',
        error: 'ApplicationUnhealthyError',
        reason: 'the job restarted 3 times',
        attemptedObjectVersion: 'v2',
        rolledBack: true,
        rollbackKind: 'system',
        running: { applicationVersionId: 5, applicationStatus: 'RUNNING', objectVersion: 'v1' },
        snapshotName: 'redeploy-abc',
        summary: `The re-deploy of code version v2 failed at CheckApplicationHealth (the job restarted 3 times); the service rolled the application back and ${now}.`,
      },
    });
  });

  it('It should not call a rollback still WAITING a rollback, and keep the original error', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('ROLLING_BACK', 5, 'v1'));

    const out = await describeIt(redeployState({ why, rollback: rollback({ phase: 'WAITING' }) }));

    expect(out.error).toBe('ApplicationUnhealthyError');
    expect(out.failure).toMatchObject({ rolledBack: false, rollbackKind: 'requested' });
    expect(out.failure).not.toHaveProperty('snapshotName');
    expect(out.failure['summary']).toBe(
      'The re-deploy of code version v2 failed at CheckApplicationHealth before the application was changed (the job restarted 3 times); application ticks-demo-app version 5 is ROLLING_BACK on code version v1.',
    );
  });

  it('It should say nothing was rolled back when the update never took effect', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 3, 'v1'));

    const out = await describeIt(
      redeployState({
        why: { ...why, failedStep: 'DescribeUpdate', error: 'UpdateFailedError' },
        rollback: rollback({ kind: 'not-needed' }),
      }),
    );

    expect(out.error).toBe('UpdateFailedError');
    expect(out.failure).toMatchObject({ rolledBack: false, rollbackKind: 'not-needed' });
    expect(out.failure['summary']).toBe(
      'The re-deploy of code version v2 failed at DescribeUpdate before the update took effect (the job restarted 3 times); nothing was rolled back and application ticks-demo-app version 3 is RUNNING on code version v1.',
    );
  });

  it('It should say the rollback failed too, over a rollback that had reached DONE', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('READY', 5, 'v2'));

    const out = await describeIt(
      redeployState({
        why,
        rollback: rollback(),
        rollbackError: { Error: 'RollbackFailedError', Cause: 'plain text cause' },
      }),
    );

    expect(out.error).toBe('RollbackFailedError');
    expect(out.failure['rolledBack']).toBe(true);
    expect(out.failure['summary']).toBe(
      'The re-deploy of code version v2 failed at CheckApplicationHealth (the job restarted 3 times) and the rollback failed too: plain text cause. Now application ticks-demo-app version 5 is READY on code version v2.',
    );
  });

  it('It should say what runs is unknown, and why, when the application cannot be read', async () => {
    kda.on(DescribeApplicationCommand).rejects(awsError('AccessDeniedException'));

    const out = await describeIt(redeployState({ why, rollback: rollback() }));

    expect(out.error).toBe('RedeployRolledBackError');
    expect(out.failure).not.toHaveProperty('running');
    expect(out.failure['summary']).toBe(
      'The re-deploy of code version v2 failed at CheckApplicationHealth (the job restarted 3 times); the application was rolled back and what runs now is unknown (the application could not be read: AccessDeniedException).',
    );
  });

  it('It should say the lookup failed when what was thrown is not an error', async () => {
    kda.on(DescribeApplicationCommand).callsFake(() => Promise.reject('not an Error'));

    const out = await describeIt(redeployState({ why }));

    expect(out.failure['summary']).toMatch(
      /; what runs now is unknown \(the application could not be read: lookup failed\)\.$/,
    );
  });

  it('It should read an application without status, version or code as UNKNOWN, 0 and unknown', async () => {
    const answer = application('RUNNING', 5, 'v1');
    delete (answer.ApplicationDetail as Partial<ApplicationDetail>).ApplicationStatus;
    delete (answer.ApplicationDetail as Partial<ApplicationDetail>).ApplicationVersionId;
    delete answer.ApplicationDetail.ApplicationConfigurationDescription;
    kda.on(DescribeApplicationCommand).resolves(answer);

    const out = await describeIt(redeployState({ why }));

    expect(out.failure['running']).toEqual({ applicationVersionId: 0, applicationStatus: 'UNKNOWN' });
    expect(out.failure['summary']).toMatch(
      /; application ticks-demo-app version 0 is UNKNOWN on code version unknown\.$/,
    );
  });

  it('It should take the pipeline and version from the raw input when the configuration was never resolved', async () => {
    const out = await describeIt({
      input: { pipelineName: 'ticks-raw', versionId: 'v7', bucketName: 7 },
      why: { ...why, failedStep: 'ValidateRedeploy', error: 'InvalidInputError' },
      snapshot,
    });

    expect(kda.calls()).toHaveLength(0);
    expect(out.error).toBe('InvalidInputError');
    expect(out.failure).toEqual({
      pipelineName: 'ticks-raw',
      failedStep: 'ValidateRedeploy',
      error: 'InvalidInputError',
      reason: 'the job restarted 3 times',
      attemptedObjectVersion: 'v7',
      rolledBack: false,
      summary:
        'The re-deploy of code version v7 failed at ValidateRedeploy before the application was changed (the job restarted 3 times); what runs now is unknown.',
    });
  });

  it('It should fall back to unknown for input fields that are missing, not strings, or in no object', async () => {
    for (const input of [{ pipelineName: 3, versionId: ['v1'] }, null, undefined]) {
      const out = await describeIt({ input });
      expect(out).toEqual({
        error: 'InvalidInputError',
        failure: {
          pipelineName: 'unknown',
          failedStep: 'unknown',
          error: 'unknown',
          reason: 'no cause given',
          attemptedObjectVersion: 'unknown',
          rolledBack: false,
          summary:
            'The re-deploy of code version unknown failed at unknown before the application was changed (no cause given); what runs now is unknown.',
        },
      });
    }
  });
});
