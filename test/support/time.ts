/**
 * A controllable clock for tasks that poll: `sleep` advances `now` instead of waiting, so polling
 * loops run instantly and deterministically, and the tests can assert how long a task "waited".
 */
export interface FakeTime {
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** Every sleep requested, in order (milliseconds). */
  sleeps: number[];
}

export function fakeTime(start = '2026-11-25T12:00:00.000Z'): FakeTime {
  let current = new Date(start).getTime();
  const sleeps: number[] = [];
  return {
    now: () => new Date(current),
    sleep: async (ms: number) => {
      sleeps.push(ms);
      current += ms;
    },
    sleeps,
  };
}
