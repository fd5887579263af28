/** The operating-system errors a local service expects, told apart from every other error. */
import { spawnSync } from 'node:child_process';
import { isErrno } from '../../local/common/errors';

describe('isErrno', () => {
  it('It should recognise the ESRCH of signalling a process that is gone (a Node error from outside the test realm)', () => {
    // Prepare: a pid that existed and has been reaped.
    const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
    let thrown: unknown;

    // Act
    try {
      process.kill(gone, 0);
    } catch (e) {
      thrown = e;
    }

    // Assess
    expect(isErrno(thrown, 'ESRCH')).toBe(true);
    expect(isErrno(thrown, 'ENOENT')).toBe(false);
  });

  it.each([
    ['an error without a code', new Error('boom')],
    ['a string', 'ESRCH'],
    ['undefined', undefined],
    ['an object whose code is not a string', { code: 3 }],
  ])('It should not take %s for an expected OS error', (_what, value) => {
    // Act
    const result = isErrno(value, 'ESRCH', '3');

    // Assess
    expect(result).toBe(false);
  });
});
