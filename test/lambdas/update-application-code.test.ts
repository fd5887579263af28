/**
 * UpdateApplicationCode one case at a time: when the version counts as applied, the operation it then
 * follows, the request without a ConditionalToken, the statuses it waits out or refuses with their
 * messages, and the bound on concurrent-change refusals.
 */
import '../support/quiet-logs';
import {
  type ApplicationDetail,
  DescribeApplicationCommand,
  KinesisAnalyticsV2Client,
  ListApplicationOperationsCommand,
  UpdateApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { run } from '../../lambdas/update-application-code';
import { awsError } from '../support/aws-errors';
import { application, clockAfter, redeployState, T0 } from '../support/redeploy';

const kda = mockClient(KinesisAnalyticsV2Client);
beforeEach(() => kda.reset());

const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error & { cause?: unknown },
  );

describe('UpdateApplicationCode', () => {
  it('It should follow the newest update operation when the version is already applied', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('UPDATING', 4, 'v2'));
    kda.on(ListApplicationOperationsCommand).resolves({
      ApplicationOperationInfoList: [
        { OperationId: 'op-old', StartTime: new Date('2026-12-01T10:00:00Z') },
        { OperationId: 'op-undated' },
        { OperationId: 'op-new', StartTime: new Date('2026-12-01T11:00:00Z') },
        { OperationId: 'op-mid', StartTime: new Date('2026-12-01T10:30:00Z') },
      ],
    });

    const result = await run(redeployState(), clockAfter(7));

    expect(kda).toHaveReceivedCommandWith(ListApplicationOperationsCommand, {
      ApplicationName: 'ticks-demo-app',
      Operation: 'UpdateApplication',
    });
    expect(result).toEqual({
      operationId: 'op-new',
      fromApplicationVersionId: 3,
      toApplicationVersionId: 4,
      startedAt: '2026-12-01T12:00:07.000Z',
      conflicts: 0,
    });
    expect(kda.commandCalls(UpdateApplicationCommand)).toHaveLength(0);
  });

  it('It should follow an applied version without an operation id when none is listed', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 4, 'v2'));
    kda.on(ListApplicationOperationsCommand).resolves({});

    expect(await run(redeployState(), clockAfter(0))).toEqual({
      fromApplicationVersionId: 3,
      toApplicationVersionId: 4,
      startedAt: T0,
      conflicts: 0,
    });
  });

  it.each([
    ['the same version at another key', { key: 'code/other.zip' }],
    ['another version at the same key', { versionId: 'v1' }],
  ])('It should not take %s for the version applied', async (_case, config) => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 3, 'v2'));
    kda.on(UpdateApplicationCommand).resolves({ OperationId: 'op-1' });

    await run(redeployState({}, config), clockAfter(0));

    expect(kda.commandCalls(UpdateApplicationCommand)).toHaveLength(1);
    expect(kda.commandCalls(ListApplicationOperationsCommand)).toHaveLength(0);
  });

  it('It should update an application without a code location or a token by its version, and count the next version', async () => {
    const answer = application('RUNNING', 3, 'v1');
    const detail = answer.ApplicationDetail as Partial<ApplicationDetail>;
    delete detail.ApplicationConfigurationDescription;
    delete detail.ConditionalToken;
    kda.on(DescribeApplicationCommand).resolves(answer);
    kda.on(UpdateApplicationCommand).resolves({});

    const result = await run(redeployState(), clockAfter(0));

    expect(kda.commandCalls(UpdateApplicationCommand)[0]?.args[0].input).toEqual({
      ApplicationName: 'ticks-demo-app',
      CurrentApplicationVersionId: 3,
      ApplicationConfigurationUpdate: {
        ApplicationCodeConfigurationUpdate: {
          CodeContentUpdate: {
            S3ContentLocationUpdate: { FileKeyUpdate: 'code/flinkflow-app.zip', ObjectVersionUpdate: 'v2' },
          },
        },
      },
    });
    expect(result).toEqual({
      fromApplicationVersionId: 3,
      toApplicationVersionId: 4,
      startedAt: T0,
      conflicts: 0,
    });
  });

  it.each(['UPDATING', 'AUTOSCALING', 'MAINTENANCE', 'STARTING', 'ROLLING_BACK'])(
    'It should wait out %s as TransientError that says so',
    async (status) => {
      kda.on(DescribeApplicationCommand).resolves(application(status, 3, 'v1'));
      expect(await caught(run(redeployState(), clockAfter(0)))).toMatchObject({
        name: 'TransientError',
        message: `Application ticks-demo-app is ${status}; the update waits until that ends`,
      });
      expect(kda.commandCalls(UpdateApplicationCommand)).toHaveLength(0);
    },
  );

  it('It should refuse an application that stopped, saying nothing changed, and one without a status as UNKNOWN', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('READY', 3, 'v1'));
    expect(await caught(run(redeployState(), clockAfter(0)))).toMatchObject({
      name: 'ApplicationNotRunningError',
      message:
        'Application ticks-demo-app became READY before the update, so there is no running job to update; the application was not changed',
    });
    const answer = application('RUNNING', 3, 'v1');
    delete (answer.ApplicationDetail as Partial<ApplicationDetail>).ApplicationStatus;
    kda.on(DescribeApplicationCommand).resolves(answer);
    expect(await caught(run(redeployState(), clockAfter(0)))).toMatchObject({
      message: expect.stringMatching(/^Application ticks-demo-app became UNKNOWN before the update/),
    });
  });

  it('It should pass any other update error through unchanged', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 3, 'v1'));
    const invalid = awsError('InvalidArgumentException');
    kda.on(UpdateApplicationCommand).rejects(invalid);
    expect(await caught(run(redeployState(), clockAfter(0)))).toBe(invalid);
    expect(kda.commandCalls(UpdateApplicationCommand)).toHaveLength(1);
  });

  it('It should go through after two concurrent changes, counting them', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 3, 'v1'));
    kda
      .on(UpdateApplicationCommand)
      .rejectsOnce(awsError('ConcurrentModificationException'))
      .rejectsOnce(awsError('ConcurrentModificationException'))
      .resolves({ OperationId: 'op-1' });

    expect(await run(redeployState(), clockAfter(0))).toMatchObject({ operationId: 'op-1', conflicts: 2 });
  });

  it('It should hand the third concurrent change to the machine retry, with the last refusal as cause', async () => {
    kda.on(DescribeApplicationCommand).resolves(application('RUNNING', 3, 'v1'));
    const conflict = awsError('ConcurrentModificationException');
    kda.on(UpdateApplicationCommand).rejects(conflict);

    const error = await caught(run(redeployState(), clockAfter(0)));

    expect(error).toMatchObject({
      name: 'TransientError',
      message:
        'Application ticks-demo-app changed 3 times while the update was being made (ConcurrentModificationException); the update is retried on fresh state',
    });
    expect(error?.cause).toBe(conflict);
    expect(kda.commandCalls(UpdateApplicationCommand)).toHaveLength(3);
    expect(kda.commandCalls(DescribeApplicationCommand)).toHaveLength(3);
  });
});
