import '../../support/quiet-logs';
import {
  DescribeApplicationCommand,
  DescribeApplicationOperationCommand,
  KinesisAnalyticsV2Client,
  ListApplicationOperationsCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { mockClient } from 'aws-sdk-client-mock';
import {
  describeApplication,
  failureReason,
  pollDelaySeconds,
  statusKind,
} from '../../../lambdas/shared/application-status';
import { resolveDeps } from '../../../lambdas/shared/runtime';
import { awsError } from '../../support/aws-errors';

const kda = mockClient(KinesisAnalyticsV2Client);

beforeEach(() => {
  kda.reset();
});

describe('statusKind', () => {
  it.each([
    ['RUNNING', 'RUNNING'],
    ['STARTING', 'WAITING'],
    ['UPDATING', 'WAITING'],
    ['AUTOSCALING', 'WAITING'],
    ['MAINTENANCE', 'WAITING'],
    ['READY', 'FAILED'],
    ['STOPPING', 'FAILED'],
    ['FORCE_STOPPING', 'FAILED'],
    ['ROLLING_BACK', 'FAILED'],
    ['ROLLED_BACK', 'FAILED'],
    ['DELETING', 'FAILED'],
    ['SOME_FUTURE_STATUS', 'WAITING'],
    ['', 'WAITING'],
    [undefined, 'WAITING'],
  ])('It should take the status %s as %s for a start in progress', (status, kind) => {
    // Act
    const result = statusKind(status);

    // Assess
    expect(result).toBe(kind);
  });
});

describe('pollDelaySeconds', () => {
  it('It should wait 60 s, then 40 s three times, then grow by half up to 120 s', () => {
    // Act
    const delays = [-1, 0, 1, 2, 3, 4, 5, 6, 7, 20].map((attempt) => pollDelaySeconds(attempt));

    // Assess
    expect(delays).toEqual([60, 60, 40, 40, 40, 60, 90, 120, 120, 120]);
  });
});

describe('describeApplication', () => {
  it('It should return the detail of the named application', async () => {
    // Prepare
    kda
      .on(DescribeApplicationCommand, { ApplicationName: 'ticks-demo-app' })
      .resolves({ ApplicationDetail: { ApplicationStatus: 'RUNNING' } as never });

    // Act
    const detail = await describeApplication(resolveDeps(), 'ticks-demo-app');

    // Assess
    expect(detail.ApplicationStatus).toBe('RUNNING');
  });

  it('It should fail with the application name when the service returns no detail', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves({});

    // Act
    const act = describeApplication(resolveDeps(), 'ticks-demo-app');

    // Assess
    await expect(act).rejects.toThrow('DescribeApplication of ticks-demo-app returned no detail');
  });
});

describe('failureReason', () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 25, 12, minute));

  it('It should give the error of the newest failed operation and the rollback that followed it', async () => {
    // Prepare
    kda.on(ListApplicationOperationsCommand).resolves({
      ApplicationOperationInfoList: [
        { Operation: 'CreateApplication', OperationId: 'undated', OperationStatus: 'FAILED' },
        { Operation: 'StartApplication', OperationId: 'old', OperationStatus: 'FAILED', StartTime: at(1) },
        { Operation: 'UpdateApplication', OperationId: 'new', OperationStatus: 'FAILED', StartTime: at(5) },
        { Operation: 'StartApplication', OperationId: 'ok', OperationStatus: 'SUCCESSFUL', StartTime: at(3) },
      ],
    });
    kda
      .on(DescribeApplicationOperationCommand, { OperationId: 'new' })
      .resolves({
        ApplicationOperationInfoDetails: {
          Operation: 'UpdateApplication',
          StartTime: at(5),
          EndTime: at(6),
          OperationStatus: 'FAILED',
          OperationFailureDetails: {
            RollbackOperationId: 'rollback-1',
            ErrorInfo: { ErrorString: 'ModuleNotFoundError: pyflink' },
          },
        },
      })
      .on(DescribeApplicationOperationCommand, { OperationId: 'old' })
      .resolves({})
      .on(DescribeApplicationOperationCommand, { OperationId: 'undated' })
      .resolves({});

    // Act
    const reason = await failureReason(resolveDeps(), 'ticks-demo-app');

    // Assess
    expect(reason).toBe(
      'UpdateApplication new failed: ModuleNotFoundError: pyflink (rolled back by operation rollback-1)',
    );
    expect(kda).toHaveReceivedCommandWith(ListApplicationOperationsCommand, {
      ApplicationName: 'ticks-demo-app',
      Limit: 10,
    });
  });

  it.each([
    ['no details', {}],
    ['no failure details', { ApplicationOperationInfoDetails: {} }],
    ['no error info', { ApplicationOperationInfoDetails: { OperationFailureDetails: {} } }],
  ])(
    'It should say so when the failed operation carries no error message and no rollback (%s)',
    async (_what, details) => {
      // Prepare
      kda.on(ListApplicationOperationsCommand).resolves({
        ApplicationOperationInfoList: [{ OperationId: 'op-1', OperationStatus: 'FAILED' }],
      });
      kda.on(DescribeApplicationOperationCommand).resolves(details as never);

      // Act
      const reason = await failureReason(resolveDeps(), 'ticks-demo-app');

      // Assess
      expect(reason).toBe('operation op-1 failed: no error message given');
    },
  );

  it('It should name the newest operation and its status when none failed', async () => {
    // Prepare
    kda.on(ListApplicationOperationsCommand).resolves({
      ApplicationOperationInfoList: [
        { Operation: 'StartApplication', OperationId: 'a', OperationStatus: 'SUCCESSFUL', StartTime: at(1) },
        { Operation: 'StopApplication', OperationId: 'b', OperationStatus: 'IN_PROGRESS', StartTime: at(2) },
      ],
    });

    // Act
    const reason = await failureReason(resolveDeps(), 'ticks-demo-app');

    // Assess
    expect(reason).toBe(
      'the latest operation (StopApplication) is IN_PROGRESS; no failed operation reported',
    );
    expect(kda).not.toHaveReceivedCommand(DescribeApplicationOperationCommand);
  });

  it('It should say unknown for an operation without name or status, and ignore a failed one without id', async () => {
    // Prepare
    kda.on(ListApplicationOperationsCommand).resolves({
      ApplicationOperationInfoList: [{ OperationStatus: 'FAILED' }],
    });

    // Act
    const reason = await failureReason(resolveDeps(), 'ticks-demo-app');

    // Assess
    expect(reason).toBe('the latest operation (unknown) is FAILED; no failed operation reported');
  });

  it('It should say that the service reports no operations', async () => {
    // Prepare
    kda.on(ListApplicationOperationsCommand).resolves({});

    // Act
    const reason = await failureReason(resolveDeps(), 'ticks-demo-app');

    // Assess
    expect(reason).toBe('the service reports no operations for the application');
  });

  it('It should answer with the lookup error instead of failing', async () => {
    // Prepare
    kda.on(ListApplicationOperationsCommand).rejects(awsError('AccessDeniedException', { statusCode: 403 }));

    // Act
    const reason = await failureReason(resolveDeps(), 'ticks-demo-app');

    // Assess
    expect(reason).toBe(
      "no reason available (AccessDeniedException when listing the application's operations)",
    );
  });

  it('It should say unknown for an operation with neither name nor status', async () => {
    // Prepare
    kda
      .on(ListApplicationOperationsCommand)
      .resolves({ ApplicationOperationInfoList: [{ OperationId: 'x' }] });

    // Act / Assess
    await expect(failureReason(resolveDeps(), 'ticks-demo-app')).resolves.toBe(
      'the latest operation (unknown) is unknown; no failed operation reported',
    );
  });

  it('It should answer "lookup failed" when the lookup throws something other than an Error', async () => {
    // Prepare
    kda.on(ListApplicationOperationsCommand).callsFake(() => Promise.reject('not an Error'));

    // Act / Assess
    await expect(failureReason(resolveDeps(), 'ticks-demo-app')).resolves.toBe(
      "no reason available (lookup failed when listing the application's operations)",
    );
  });
});
