#!/usr/bin/env node
// The `flinkflow` command (package.json "bin"). It runs cli/main.ts through tsx, so a clean clone works
// after `npm ci` without a build step.
//
// The Lambda handlers the CLI loads (the local runner binds them) use middy 7, which publishes ESM only
// under the `import` export condition; CommonJS `require` finds no entry unless Node resolves with that
// condition too. So the command re-runs itself once with `--conditions=import` (Node 22 can require ESM).
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const flag = '--conditions=import';
if (!process.execArgv.includes(flag)) {
  // The terminal sends Ctrl-C to the child too; the child stops what it started and exits 130. This
  // parent only waits for it, so it must not die of the signal first.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  const result = spawnSync(
    process.execPath,
    [flag, ...process.execArgv, __filename, ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  if (result.error) {
    console.error(`flinkflow: cannot start Node.js: ${result.error.message}`);
    process.exit(1);
  }
  process.exit(
    result.status ?? (result.signal ? 128 + (require('node:os').constants.signals[result.signal] ?? 0) : 1),
  );
}

require('tsx/cjs/api').register();
const cli = require(path.join(__dirname, '..', 'main.ts'));
const io = cli.processIo();
cli.runCli(process.argv.slice(2), io).then((code) => {
  io.dispose();
  // Exit once stdout is flushed: idle keep-alive sockets of the SDK clients would hold the process open.
  process.stdout.write('', () => process.exit(code));
});
