#!/usr/bin/env node
/**
 * A stand-in for flink-app/local_runner.py that speaks the same stdout protocol (docs/flink-app.md) in
 * milliseconds instead of the tens of seconds a PyFlink start takes. The endpoint's tests use it for
 * lifecycle edge cases (failures, hangs, crashes, savepoints) that the real job cannot be made to show
 * on demand; at least one test runs the real runner.
 *
 * What it does is read from the "code zip", which for this runner is a JSON document:
 *   {"behavior": "run" | "fail" | "exit" | "hang" | "crash" | "finish", "delayMs": 100, "error": "...",
 *    "tag": "v1", "startsChild": true,   (a process in its own session, as the real runner's JVM is)
 *    "metrics": {...}, "checkpoint": true}
 * "crash" reports RUNNING, then (crashAfterMs later) FAILED and exits 1; with "metrics" it first prints
 * that `metrics` line and an `exception` line, with "checkpoint" it first writes a completed checkpoint
 * <work-dir>/checkpoints/<job id>/chk-<n>/_metadata, as Flink would. "finish" reports RUNNING, then
 * FINISHED and exits 0. "run" with "checkpoint" writes chk-1 once RUNNING (and another every
 * "checkpointEveryMs"), with "metrics" prints that line once.
 * It records its arguments (the repeatable --flink-conf as the list `flinkConf`), environment and
 * properties in <work-dir>/received.json.
 */
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const args = {};
const flinkConf = [];
for (let i = 2; i < process.argv.length; i += 2) {
  const name = process.argv[i].replace(/^--/, '');
  if (name === 'flink-conf') flinkConf.push(process.argv[i + 1]);
  else args[name] = process.argv[i + 1];
}
const say = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

let spec;
try {
  spec = JSON.parse(fs.readFileSync(args['zip'], 'utf8'));
} catch (e) {
  say({ status: 'FAILED', error: `not a test code document: ${e.message}` });
  process.exit(1);
}
fs.mkdirSync(args['work-dir'], { recursive: true });
// Like the real runner, which starts Flink's CLI (the JVM) in a session of its own.
const grandchild = spec.startsChild
  ? spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], {
      detached: true,
      stdio: 'ignore',
    })
  : undefined;
fs.writeFileSync(
  path.join(args['work-dir'], 'received.json'),
  JSON.stringify({
    pid: process.pid,
    childPid: grandchild ? grandchild.pid : null,
    args,
    flinkConf,
    spec,
    properties: JSON.parse(fs.readFileSync(args['properties'], 'utf8')),
    env: {
      AWS_ENDPOINT_URL_KINESIS: process.env.AWS_ENDPOINT_URL_KINESIS,
      AWS_ENDPOINT_URL_S3: process.env.AWS_ENDPOINT_URL_S3,
      AWS_REGION: process.env.AWS_REGION,
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
    },
  }),
);
const delayMs = spec.delayMs ?? 100;
say({ status: 'STARTING' });
process.stderr.write(`fake runner for ${spec.tag ?? 'untagged'} code: ${spec.behavior}\n`);

process.on('SIGTERM', () => {
  let savepoint = null;
  if (args['savepoint-dir']) {
    savepoint = path.join(args['savepoint-dir'], `savepoint-${Date.now()}`);
    fs.mkdirSync(savepoint, { recursive: true });
    fs.writeFileSync(
      path.join(savepoint, '_metadata'),
      JSON.stringify({ tag: spec.tag, from: args['from-savepoint'] ?? null }),
    );
  }
  say({ status: 'STOPPED', savepoint });
  process.exit(0);
});

setTimeout(() => {
  switch (spec.behavior) {
    case 'fail':
      say({ status: 'FAILED', error: spec.error ?? 'the job failed' });
      process.exit(1);
      break;
    case 'exit':
      process.stderr.write(`${spec.error ?? 'boom'}\n`);
      process.exit(3);
      break;
    case 'hang':
      break;
    case 'finish':
      say({ status: 'RUNNING', jobId: 'd'.repeat(32) });
      setTimeout(() => {
        say({ status: 'FINISHED', jobId: 'd'.repeat(32) });
        process.exit(0);
      }, spec.finishAfterMs ?? 300);
      break;
    case 'crash':
      say({ status: 'RUNNING', jobId: 'c'.repeat(32) });
      if (spec.checkpoint) {
        const chk = path.join(args['work-dir'], 'checkpoints', 'c'.repeat(32), `chk-${Date.now()}`);
        fs.mkdirSync(chk, { recursive: true });
        fs.writeFileSync(path.join(chk, '_metadata'), 'checkpoint');
      }
      if (spec.metrics) {
        say({ metrics: spec.metrics });
        say({
          exception: {
            timestamp: Date.now(),
            error: spec.error ?? 'the job crashed',
            stacktrace: `java.lang.RuntimeException: ${spec.error ?? 'the job crashed'}\n\tat Fake.run(Fake.java:1)`,
          },
        });
      }
      setTimeout(() => {
        say({ status: 'FAILED', error: spec.error ?? 'the job crashed' });
        process.exit(1);
      }, spec.crashAfterMs ?? 300);
      break;
    default:
      say({ status: 'RUNNING', jobId: 'f'.repeat(32) });
      // A job that keeps running: with "checkpoint", one completed checkpoint (chk-1) then one every
      // checkpointEveryMs; with "metrics", that line once.
      if (spec.checkpoint) {
        let n = 0;
        const checkpoint = () => {
          n += 1;
          const chk = path.join(args['work-dir'], 'checkpoints', 'f'.repeat(32), `chk-${n}`);
          fs.mkdirSync(chk, { recursive: true });
          fs.writeFileSync(path.join(chk, '_metadata'), 'checkpoint');
        };
        checkpoint();
        if (spec.checkpointEveryMs) setInterval(checkpoint, spec.checkpointEveryMs);
      }
      if (spec.metrics) say({ metrics: spec.metrics });
  }
}, delayMs);
setInterval(() => undefined, 1 << 30);
