import { TokenBucket } from '../../producer';
import { FakeClock } from './fakes';

describe('TokenBucket', () => {
  it('It should allow a burst of its capacity and then refill at its rate', () => {
    // Prepare
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 5, clock);

    // Act
    const burst = Array.from({ length: 6 }, () => bucket.tryTake());
    const waitForNext = bucket.msUntilAvailable();
    clock.t += 100;
    const afterRefill = bucket.tryTake();

    // Assess
    expect(burst).toEqual([true, true, true, true, true, false]);
    expect(waitForNext).toBe(100);
    expect(afterRefill).toBe(true);
  });

  it('It should never hold more than its capacity however long it was idle', () => {
    // Prepare
    const clock = new FakeClock();
    const bucket = new TokenBucket(100, 3, clock);

    // Act
    clock.t += 60_000;
    const taken = Array.from({ length: 4 }, () => bucket.tryTake());

    // Assess
    expect(taken).toEqual([true, true, true, false]);
  });

  it('It should reject a rate that is not positive', () => {
    // Act / Assess
    expect(() => new TokenBucket(0, 1, new FakeClock())).toThrow('ratePerSecond must be > 0');
  });
});
