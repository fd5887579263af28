import '../support/quiet-logs';
import { pollDelaySeconds } from '../../lambdas/shared/application-status';

describe('The poll schedule', () => {
  it('It should see a 3-minute start by the 4th status check and stay bounded for the longest allowed start', () => {
    // Prepare
    const cumulative: number[] = [];
    let total = 0;
    for (let attempt = 0; total < 3600; attempt++) {
      total += pollDelaySeconds(attempt);
      cumulative.push(total);
    }

    // Act
    const checksFor180s = cumulative.findIndex((t) => t >= 180) + 1;

    // Assess
    expect(cumulative.slice(0, 4)).toEqual([60, 100, 140, 180]);
    expect(checksFor180s).toBe(4);
    expect(cumulative.length).toBeLessThanOrEqual(35);
    expect(Math.max(...cumulative.map((_, i) => pollDelaySeconds(i)))).toBe(120);
  });
});
