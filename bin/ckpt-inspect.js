#!/usr/bin/env node
'use strict';
// The CLI is bundled into dist/cli.js by `npm run build`.
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('ckpt-inspect: dist/cli.js is missing; run `npm run build` first.\n');
  process.exit(2);
}
// A closed pipe (`ckpt-inspect … | head`) ends the report quietly.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const argv = process.argv.slice(2);
const { main, exitsWhenWritten } = require(cli);
main(argv).then((code) => {
  process.exitCode = code;
  if (!exitsWhenWritten(argv)) return;
  // The report is done once its output is written: leave then, instead of waiting for the event
  // loop to wind down and the heap to be torn down. A write's callback runs after every write
  // before it has been handed to the system, on either stream.
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
});
