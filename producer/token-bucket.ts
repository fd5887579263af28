import type { Clock } from './clock';

/**
 * A token bucket: `ratePerSecond` tokens flow in continuously up to `capacity`. Taking a token that is not
 * there yet is not allowed; ask `msUntilAvailable` and sleep first. Starts full, so a run begins with one
 * burst of `capacity` and then holds the rate.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
    private readonly clock: Pick<Clock, 'now'>,
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be > 0, got ${ratePerSecond}`);
    if (!(capacity >= 1)) throw new RangeError(`capacity must be >= 1, got ${capacity}`);
    this.tokens = capacity;
    this.updatedAt = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsedMs = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsedMs * this.ratePerSecond) / 1000);
    this.updatedAt = now;
  }

  /** Milliseconds to wait until `n` tokens are available; 0 when they are already. */
  msUntilAvailable(n = 1): number {
    this.refill();
    const missing = n - this.tokens;
    // A tiny epsilon keeps float rounding from asking for a 0.0000001 ms sleep forever.
    return missing <= 1e-9 ? 0 : Math.ceil((missing * 1000) / this.ratePerSecond);
  }

  /** Takes `n` tokens; returns false (and takes nothing) when there are not enough. */
  tryTake(n = 1): boolean {
    this.refill();
    if (this.tokens + 1e-9 < n) return false;
    this.tokens -= n;
    return true;
  }
}
