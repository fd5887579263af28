#!/usr/bin/env node
// The `flinkflow` command (package.json "bin"): runs cli/main.ts in a child Node.js process set up as
// the project needs, so a clean clone works after `npm ci` without a build step.
//
// - Node.js 22: the project's own (the npm package `node`) when the one running this file is older;
//   aws-local-stepfunctions and middy 7 need 22.
// - `--import tsx`: TypeScript for both require() and import().
// - `--require esm-only-packages.js`: lets CommonJS require() middy 7, which publishes ESM only (see there).
'use strict';
const { spawn } = require('node:child_process');
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

// Ctrl-C in a terminal reaches both processes (one process group); a signal sent to this parent alone
// (`kill`, a CI timeout) is passed on. The child stops what it started, then exits 130; this parent
// only waits for it and exits with its code. The child takes a repeated SIGINT within a second as the
// same Ctrl-C delivered twice, not as "force".
const child = spawn(
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
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('error', (error) => {
  console.error(`flinkflow: cannot start Node.js (${nodeBinary}): ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1));
});
