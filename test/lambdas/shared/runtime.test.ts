import { pollUntil } from '../../../lambdas/shared/runtime';
import { fakeTime } from '../../support/time';

describe('pollUntil', () => {
  it('It should return the first value the probe yields, doubling the wait up to the maximum', async () => {
    // Prepare
    const time = fakeTime();
    let calls = 0;

    // Act
    const result = await pollUntil(
      time,
      { timeoutMs: 60_000, intervalMs: 1_000, maxIntervalMs: 3_000 },
      async () => (++calls === 5 ? 'ready' : undefined),
    );

    // Assess
    expect(result).toBe('ready');
    expect(time.sleeps).toEqual([1_000, 2_000, 3_000, 3_000]);
  });

  it('It should give up with undefined at the deadline, never sleeping past it', async () => {
    // Prepare
    const time = fakeTime();

    // Act
    const result = await pollUntil(
      time,
      { timeoutMs: 5_000, intervalMs: 2_000, maxIntervalMs: 10_000 },
      async () => undefined,
    );

    // Assess
    expect(result).toBeUndefined();
    expect(time.sleeps).toEqual([2_000, 3_000]);
  });
});
