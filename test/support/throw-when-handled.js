// Preloaded by tests (NODE_OPTIONS=--require) into the process whose script name ends with
// $FLINKFLOW_TEST_THROW_IN (`main.ts`, the CLI; `daemon.ts`, the local cloud): some time
// ($FLINKFLOW_TEST_THROW_AFTER_MS, 500 unless set) after that process installs its handler for uncaught
// exceptions, an error that nothing handles. Inert in every other process.
'use strict';
const script = process.env.FLINKFLOW_TEST_THROW_IN;
if (script && process.argv.some((arg) => arg.endsWith(script))) {
  const afterMs = Number(process.env.FLINKFLOW_TEST_THROW_AFTER_MS ?? 500);
  const on = process.on.bind(process);
  process.on = (event, listener) => {
    const result = on(event, listener);
    if (event === 'uncaughtException') {
      setTimeout(() => {
        throw new Error(`planted in ${script} by a test`);
      }, afterMs);
    }
    return result;
  };
}
