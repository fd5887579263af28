#!/usr/bin/env node
// The `flinkflow` command (package.json "bin"): runs cli/main.ts in a child Node.js process set up as
// the project needs, so a clean clone works after `npm ci` without a build step.
//
// - Node.js 22 (package.json "engines"): the one the npm package `node` installs into
//   node_modules/.bin when the Node running this file is older (`npx` and `npm run` already put that
//   folder first on PATH, so they start here on 22 and the child uses the same binary).
// - `--import tsx`: TypeScript for both require() and import().
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const root = path.resolve(__dirname, '..', '..');
// package.json "engines" is the one place that states the Node.js version (">=22").
const engines = require(path.join(root, 'package.json')).engines.node;
const REQUIRED_MAJOR = Number(/^>=(\d+)$/.exec(engines)?.[1]);
if (!REQUIRED_MAJOR) {
  console.error(
    `flinkflow: package.json "engines.node" must read ">=<major>", not ${JSON.stringify(engines)}.`,
  );
  process.exit(3);
}
const projectNode = path.join(root, 'node_modules', 'node', 'bin', 'node');
const major = Number(process.versions.node.split('.')[0]);
let nodeBinary = process.execPath;
if (major < REQUIRED_MAJOR) {
  if (!fs.existsSync(projectNode)) {
    console.error(
      `flinkflow: needs Node.js ${REQUIRED_MAJOR}, this is ${process.version}, and the project's own ` +
        `(${projectNode}) is not installed. Run \`make deps\` (or \`npm ci\`) in the project first.`,
    );
    process.exit(3);
  }
  nodeBinary = projectNode;
}

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
  ['--import', tsxLoader, path.join(root, 'cli', 'main.ts'), ...process.argv.slice(2)],
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
