/**
 * Managed Flink responses and status checks for the start-loop task tests (StartApplication,
 * DescribeApplication, ForceStopApplication).
 */
import type { ApplicationDetail, ApplicationStatus } from '@aws-sdk/client-kinesis-analytics-v2';
import type { ApplicationStatusCheck } from '../../workflow/contract';
import { pollDelaySeconds } from '../../lambdas/shared/application-status';
import { fakeTime } from './time';

/** When StartApplication ran in these tests. */
export const T0 = '2026-11-25T12:00:00.000Z';

/** A DescribeApplication response with the given status. */
export function appStatus(
  status: ApplicationStatus | string,
  version = 1,
): { ApplicationDetail: ApplicationDetail } {
  return {
    ApplicationDetail: {
      ApplicationARN: 'arn:aws:kinesisanalytics:eu-west-1:123456789012:application/ticks-demo-app',
      ApplicationName: 'ticks-demo-app',
      RuntimeEnvironment: 'FLINK-1_20' as ApplicationDetail['RuntimeEnvironment'],
      ApplicationStatus: status as ApplicationStatus,
      ApplicationVersionId: version,
    },
  };
}

/** The status check a previous poll (or StartApplication, attempt 0) wrote. */
export function waiting(
  attempt: number,
  overrides: Partial<ApplicationStatusCheck> = {},
): ApplicationStatusCheck {
  return {
    phase: 'WAITING',
    startedAt: T0,
    applicationStatus: 'STARTING',
    applicationVersionId: 1,
    attempt,
    nextWaitSeconds: pollDelaySeconds(attempt),
    ...overrides,
  };
}

/** A clock `seconds` after StartApplication. */
export function clockAt(seconds: number) {
  const time = fakeTime(T0);
  void time.sleep(seconds * 1000);
  return { now: time.now };
}
