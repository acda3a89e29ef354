// The named subcommands, as main.ts loads them when one is run or described. The bundle puts them
// in dist/cli-commands.js, apart from the report (dist/cli.js) that a user waits on most: loading
// restore's and capture's code (ssh, the helper cache, child_process, crypto) cost a large part of
// the report's start-up.
export { captureCommand } from './capture.js';
export { diffCommand } from './diff.js';
export { encodeCommand, setCommand } from './edit.js';
export { fixCommand } from './fix.js';
export { restoreCommand } from './restore.js';
