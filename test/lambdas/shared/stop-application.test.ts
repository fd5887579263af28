import {
  DescribeApplicationCommand,
  KinesisAnalyticsV2Client,
  StopApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { resolveDeps } from '../../../lambdas/shared/runtime';
import { forceStopApplication } from '../../../lambdas/shared/stop-application';
import { ErrorName } from '../../../workflow/contract';
import { appStatus } from '../../support/applications';
import { awsError } from '../../support/aws-errors';

const kda = mockClient(KinesisAnalyticsV2Client);
const noStatus = { ApplicationDetail: { ApplicationName: 'app' } } as never;

beforeEach(() => {
  kda.reset();
});

describe('forceStopApplication', () => {
  it('It should let an error other than a missing application through from the first look', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).rejects(awsError('AccessDeniedException'));

    // Act / Assess
    await expect(forceStopApplication(resolveDeps(), 'app')).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(kda).not.toHaveReceivedCommand(StopApplicationCommand);
  });

  it('It should leave an application without a status as it is, calling it UNKNOWN', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(noStatus);

    // Act / Assess
    await expect(forceStopApplication(resolveDeps(), 'app')).resolves.toBe(
      'it is UNKNOWN, a status from which the service does not allow a force stop, so it was left as it is',
    );
    expect(kda).not.toHaveReceivedCommand(StopApplicationCommand);
  });

  it('It should let a stop error other than ResourceInUseException through', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolves(appStatus('RUNNING'));
    kda.on(StopApplicationCommand).rejects(awsError('AccessDeniedException'));

    // Act / Assess
    await expect(forceStopApplication(resolveDeps(), 'app')).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(kda).toHaveReceivedCommandTimes(DescribeApplicationCommand, 1);
  });

  it('It should retry a stop the service refused while the application is busy, keeping the refusal as the cause', async () => {
    // Prepare
    const refusal = awsError('ResourceInUseException');
    kda.on(DescribeApplicationCommand).resolves(appStatus('RUNNING'));
    kda.on(StopApplicationCommand).rejects(refusal);

    // Act
    const act = forceStopApplication(resolveDeps(), 'app');

    // Assess
    await expect(act).rejects.toMatchObject({
      name: ErrorName.Transient,
      message: 'Application app is RUNNING; the force stop is retried',
      cause: refusal,
    });
  });

  it('It should call a refused stop UNKNOWN when the application then has no status', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolvesOnce(appStatus('RUNNING')).resolves(noStatus);
    kda.on(StopApplicationCommand).rejects(awsError('ResourceInUseException'));

    // Act / Assess
    await expect(forceStopApplication(resolveDeps(), 'app')).rejects.toMatchObject({
      name: ErrorName.Transient,
      message: 'Application app is UNKNOWN; the force stop is retried',
    });
  });

  it('It should call a passing status that ends without a status UNKNOWN and leave the application', async () => {
    // Prepare
    kda.on(DescribeApplicationCommand).resolvesOnce(appStatus('MAINTENANCE')).resolves(noStatus);

    // Act
    const outcome = await forceStopApplication(resolveDeps({ sleep: async () => undefined }), 'app');

    // Assess
    expect(outcome).toBe(
      'it was MAINTENANCE, and once that ended it is UNKNOWN, a status from which the service does not allow a force stop, so it was left as it is',
    );
  });
});
