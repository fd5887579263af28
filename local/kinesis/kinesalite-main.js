#!/usr/bin/env node
/**
 * kinesalite in a process of its own, bound to 127.0.0.1 (its CLI listens on every interface).
 * Arguments: the kinesalite options as JSON, the port (0 picks a free one). Prints
 * "kinesalite listening on <port>" once it listens; local/kinesis/kinesis-server.ts waits for that line.
 */
'use strict';
const kinesalite = require('kinesalite');

const [settingsJson, portText] = process.argv.slice(2);
const server = kinesalite(JSON.parse(settingsJson ?? '{}'));
server.listen(Number(portText ?? 0), '127.0.0.1', () =>
  console.log(`kinesalite listening on ${server.address().port}`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
// If the daemon dies without stopping it (SIGKILL), this process is re-parented: leave with it.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000).unref();
