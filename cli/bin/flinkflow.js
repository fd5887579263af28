#!/usr/bin/env node
// The `flinkflow` command (package.json "bin"): runs cli/main.ts in a child Node.js process set up as
// the project needs, so a clean clone works after `npm ci` without a build step.
//
// - Node.js 22: the project's own (the npm package `node`) when the one running this file is older;
//   aws-local-stepfunctions and middy 7 need 22.
// - `--import tsx`: TypeScript for both require() and import() (the local runner imports the Lambda
//   handlers with import()).
// - `--require esm-only-packages.js`: lets CommonJS require() middy 7, which publishes ESM only (see there).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const root = path.resolve(__dirname, '..', '..');
const projectNode = path.join(root, 'node_modules', 'node', 'bin', 'node');
const major = Number(process.versions.node.split('.')[0]);
const nodeBinary = major < 22 && fs.existsSync(projectNode) ? projectNode : process.execPath;

let tsxLoader;
try {
  tsxLoader = pathToFileURL(require.resolve('tsx', { paths: [root] })).href;
} catch {
  console.error('flinkflow: tsx is not installed. Run `make deps` (or `npm ci`) in the project first.');
  process.exit(3);
}

// The terminal sends Ctrl-C to the child too; the child stops what it started and exits 130. This
// parent only waits for it, so it must not die of the signal first.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
const result = spawnSync(
  nodeBinary,
  [
    '--require',
    path.join(__dirname, 'esm-only-packages.js'),
    '--import',
    tsxLoader,
    path.join(root, 'cli', 'main.ts'),
    ...process.argv.slice(2),
  ],
  {
    stdio: 'inherit',
    // The task handlers log every start and result at INFO; on a terminal only their warnings and errors
    // help. Set before any module loads (the logger reads it when constructed); a user's own value wins.
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL || 'WARN' },
  },
);
if (result.error) {
  console.error(`flinkflow: cannot start Node.js (${nodeBinary}): ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? (result.signal ? 128 + (os.constants.signals[result.signal] ?? 0) : 1));
