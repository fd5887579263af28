#!/usr/bin/env node
/**
 * kinesalite in a process of its own, bound to 127.0.0.1 (its CLI listens on every interface).
 * Arguments: the kinesalite options as JSON, the port (0 picks a free one). Prints
 * "kinesalite listening on <port>" once it listens; local/kinesis/kinesis-server.ts waits for that line.
 * With a `path` option its streams live in LevelDB there and outlive the process.
 */
'use strict';
const fs = require('node:fs');
const kinesalite = require('kinesalite');
const kinesaliteDb = require('kinesalite/db');

const [settingsJson, portText] = process.argv.slice(2);
const settings = JSON.parse(settingsJson ?? '{}');
// kinesalite opens its database without telling anyone; its store is caught here so that the server only
// says it is ready once LevelDB is open, and a database that cannot open fails the start with its reason.
const createStore = kinesaliteDb.create;
let store;
kinesaliteDb.create = (options) => (store = createStore(options));
// LevelDB creates its own folder but not the ones above it.
if (settings.path) fs.mkdirSync(settings.path, { recursive: true });
const server = kinesalite(settings);
const listen = () =>
  server.listen(Number(portText ?? 0), '127.0.0.1', () =>
    console.log(`kinesalite listening on ${server.address().port}`),
  );
if (settings.path) {
  store.db.once('open', listen);
  store.db.once('error', (error) => {
    console.error(`kinesalite cannot open its LevelDB database in ${settings.path}: ${error.message}`);
    process.exit(1);
  });
} else {
  listen();
}
// A stream is CREATING, DELETING or UPDATING for a few hundred ms, and kinesalite finishes the change on
// a timer; stopped before it fires, the saved stream would stay in that status for good. So the stop
// waits out the longest transition before it closes the database.
const settleMs =
  Math.max(settings.createStreamMs ?? 500, settings.deleteStreamMs ?? 500, settings.updateStreamMs ?? 500) +
  100;
let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  setTimeout(() => {
    // kinesalite's close closes the LevelDB database first, then the HTTP server (which, on Node 19 and
    // later, also closes idle keep-alive connections).
    server.close((error) => {
      if (error) {
        console.error(`kinesalite could not close its database: ${error.message}`);
        process.exit(1);
      }
      process.exit(0);
    });
  }, settleMs);
});
// If the daemon dies without stopping it (SIGKILL), this process is re-parented: leave with it.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000).unref();
