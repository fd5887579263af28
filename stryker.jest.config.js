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
};
