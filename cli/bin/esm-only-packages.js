// Preloaded by bin/flinkflow.js. middy 7 (@middy/*) publishes ESM only, under the `import` export
// condition, so a CommonJS require() of it finds no entry point. This hook resolves those packages, and
// only those, with the `import` condition added; Node 22 then loads the ESM module for require().
// Adding the condition for every package instead breaks others (e.g. ajv's JSON files).
'use strict';
const { registerHooks } = require('node:module');

const ESM_ONLY = /^@middy\//;

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (ESM_ONLY.test(specifier) && !context.conditions.includes('import')) {
      return nextResolve(specifier, { ...context, conditions: [...context.conditions, 'import'] });
    }
    return nextResolve(specifier, context);
  },
});
