// The jest configuration StrykerJS runs (stryker.config.mjs): the `unit` project of jest.config.js as a
// top-level config, because the jest runner runs one configuration and would otherwise run all three
// projects (local and e2e start real servers and Flink).
const fs = require('node:fs');
const path = require('node:path');
const { projects } = require('./jest.config.js');

const { displayName: _name, ...unit } = projects.find((project) => project.displayName === 'unit');

// Stryker runs the tests in a copy of the repository under .flinkflow/ and does not link node_modules
// there when it is itself a symlink (as in a worktree): Node still finds the packages in a parent
// folder, but the `<rootDir>/node_modules` of the middy mapping would not exist, so map to where it is.
function nodeModulesWith(file, from = __dirname) {
  const candidate = path.join(from, 'node_modules', file);
  if (fs.existsSync(candidate)) return path.join(from, 'node_modules');
  const parent = path.dirname(from);
  if (parent === from) throw new Error(`${file} is not installed: run \`make node-deps\``);
  return nodeModulesWith(file, parent);
}
const middy = nodeModulesWith('@middy/core/index.js');

/** @type {import('jest').Config} */
module.exports = {
  ...unit,
  rootDir: __dirname,
  moduleNameMapper: { '^@middy/(core|util)$': `${middy}/@middy/$1/index.js` },
  // The suites of the mutated folders only. The others (infra/ with its CDK synths, the local cloud's
  // units) take seconds to load per file, which each mutant's run would pay.
  // MUTATION_TESTS='test/a.test.ts,test/b/*.test.ts' narrows a run to the suites that cover the mutated
  // group: Stryker's own `testFiles` option narrows the dry run only, and each mutant's run would still
  // load every suite that imports the mutated file.
  testMatch: process.env['MUTATION_TESTS']
    ? process.env['MUTATION_TESTS'].split(',').map((glob) => `<rootDir>/${glob.trim()}`)
    : ['<rootDir>/test/{lambdas,workflow,cli}/**/*.test.ts'],
  testPathIgnorePatterns: [
    ...unit.testPathIgnorePatterns,
    // Tests local/ and waits a real 10 s health-settle period per test.
    '<rootDir>/test/workflow/local-runner.test.ts',
    // The whole machine on aws-local-stepfunctions (15 s a file) and the CLI as a child process (9 s):
    // they reach nearly every line of lambdas/, workflow/ and cli/, so every mutant there would run
    // them. MUTATION_WHOLE_MACHINE=1 keeps them (the definition is also checked, faster, by the docs suite).
    ...(process.env['MUTATION_WHOLE_MACHINE'] === '1'
      ? []
      : ['<rootDir>/test/workflow/provisioning-(machine|cost).test.ts', '<rootDir>/test/cli/bin.test.ts']),
  ],
};
