/**
 * Import first in a test that reads the tasks' logs: the logger reads its level once, when its module
 * loads. `restoreLogLevel` (in afterAll) puts the previous level back for the next suites of the worker.
 */
const previous = process.env['POWERTOOLS_LOG_LEVEL'];
process.env['POWERTOOLS_LOG_LEVEL'] = 'INFO';

export function restoreLogLevel(): void {
  if (previous === undefined) delete process.env['POWERTOOLS_LOG_LEVEL'];
  else process.env['POWERTOOLS_LOG_LEVEL'] = previous;
}
