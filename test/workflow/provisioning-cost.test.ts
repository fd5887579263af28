/**
 * The budget for a happy-path provisioning whose application takes 3 minutes to start, health gate
 * included (30 state transitions, 14 Lambda invocations), measured
 * the way bench/provisioning/transitions.ts measures it (simulated time, real ASL, real task logic).
 */
import { measure, Targets } from '../../bench/provisioning/transitions';

describe('provisioning cost', () => {
  it('It should provision with a 3-minute application start and the health gate within 30 transitions and 14 Lambda invocations', async () => {
    // Prepare
    const startSeconds = 180;

    // Act
    const measurement = await measure(startSeconds);

    // Assess
    expect(measurement.status).toBe('SUCCEEDED');
    expect(measurement.stateTransitions).toBeLessThanOrEqual(Targets.transitions);
    expect(measurement.lambdaInvocations).toBeLessThanOrEqual(Targets.lambdaInvocations);
    // RUNNING is noticed by a poll, never before the application is up.
    expect(measurement.runningSeenAfterSeconds).toBeGreaterThanOrEqual(startSeconds);
    // The gate watched the job for its whole settle period (two 60 s checkpoint intervals by default).
    expect(measurement.healthChecks).toBeGreaterThanOrEqual(2);
    expect(measurement.healthGateSeconds).toBeGreaterThanOrEqual(120);
  });

  it('It should spend more polls on a slower start (so the counts above measure the loop)', async () => {
    // Prepare
    const quick = 60;
    const slow = 600;

    // Act
    const [fast, late] = [await measure(quick), await measure(slow)];

    // Assess
    expect(late.statusPolls).toBeGreaterThan(fast.statusPolls);
    expect(late.stateTransitions - fast.stateTransitions).toBe(3 * (late.statusPolls - fast.statusPolls));
  });
});
