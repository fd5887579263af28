// StrykerJS over the TypeScript the unit suite covers: `make mutation` (mk/mutation.mk), results and
// how long a run takes in docs/benchmarks.md. Narrow a run with
// `make mutation MUTATE='lambdas/shared/**/*.ts'`.
// MUTATION_NAME names a run's reports and incremental file, so that narrowed runs keep their own.
const name = process.env['MUTATION_NAME'] ?? 'all';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: { projectType: 'custom', configFile: 'stryker.jest.config.js', enableFindRelatedTests: true },
  // perTest: each mutant runs only the tests that reached its code in the dry run.
  coverageAnalysis: 'perTest',
  // Mutants in code that runs when a module loads (constants, tables) are static: each would run the
  // whole suite (about a minute here). Left out; docs/benchmarks.md says how many there are.
  ignoreStatic: true,
  mutate: ['lambdas/**/*.ts', 'workflow/**/*.ts', 'cli/**/*.ts'],
  // The machine's 2 cores are shared: one jest worker per core at most.
  concurrency: 2,
  // Reruns test only the mutants whose code or tests changed since the last run.
  incremental: true,
  incrementalFile: `.flinkflow/mutation/${name}.incremental.json`,
  tempDirName: '.flinkflow/mutation-tmp',
  // The venv (a symlink to a shared folder) and build outputs are not needed by the unit suite.
  ignorePatterns: ['.venv', 'cdk.out', '.flinkflow', 'flink-app/target', 'flink-app/dist', 'coverage'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `.flinkflow/mutation/${name}.html` },
  jsonReporter: { fileName: `.flinkflow/mutation/${name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  timeoutMS: 30000,
  // The dry run is the whole unit suite, instrumented, on a shared machine.
  dryRunTimeoutMinutes: 20,
};
