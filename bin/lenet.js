#!/usr/bin/env node
'use strict';
// Thin entry: the compiled CLI lives in dist/ (built by `npm ci` / `npm run build`).
let cli;
try {
  cli = require('../dist/src/cli.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && /dist[\\/]src[\\/]cli/.test(String(err.message))) {
    process.stderr.write('lenet: not built yet; run `npm run build` (npm ci and npm install build it too)\n');
    process.exit(1);
  }
  throw err;
}
// A closed pipe (`lenet ... | head`) ends the output, not the program with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
cli.main(process.argv);
