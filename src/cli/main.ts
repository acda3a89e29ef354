// ckpt-inspect: the table of subcommands, dispatch, --help/--version, and how errors are reported.
import { CliError, commandHelp, parseCommand, PROG, tryHelp, type Command } from './args.js';
import { escapeText } from './output.js';
import { reportCommand } from './report.js';
import { VERSION } from './version.js';

export { CliError, UsageError } from './args.js';

/** The named subcommands (src/cli/subcommands.ts), loaded when one is run or described. */
const sub = () => require('./subcommands.js') as typeof import('./subcommands.js');
const SUBCOMMANDS: readonly (readonly [string, () => Command])[] = [
  ['set', () => sub().setCommand],
  ['encode', () => sub().encodeCommand],
  ['restore', () => sub().restoreCommand],
  ['capture', () => sub().captureCommand],
  ['fix', () => sub().fixCommand],
  ['diff', () => sub().diffCommand],
];

/** Every subcommand; the report is the command without a name (`ckpt-inspect FILE`). */
export function commands(): Command[] {
  return [reportCommand, ...SUBCOMMANDS.map(([, load]) => load())];
}

function usage(): string {
  const lines = [`usage: ${PROG} ${reportCommand.synopsis[0]}`];
  for (const c of commands()) if (c.name) lines.push(`       ${PROG} ${c.synopsis[0]}`);
  lines.push(`       ${PROG} COMMAND --help | --help | --version`);
  return lines.join('\n') + '\n';
}

function mainHelp(): string {
  const all = commands();
  const w = Math.max(...all.map((c) => c.name.length));
  return [
    usage(),
    commandHelp(reportCommand).split('\n').slice(reportCommand.synopsis.length + 1).join('\n').trimEnd(),
    '',
    'Commands:',
    ...all.filter((c) => c.name).map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    `'${PROG} COMMAND --help' describes a command.`,
    '',
  ].join('\n');
}

function report(e: CliError, command: string): number {
  const where = e.file !== undefined ? `${escapeText(e.file)}: ` : '';
  // Messages escape what they quote; escaping again changes nothing and covers one that forgot.
  process.stderr.write(`${PROG}: ${where}${escapeText(e.message)}\n`);
  if (e.usage) process.stderr.write(`${tryHelp(command)}\n`);
  return e.exit;
}

/**
 * The process may exit as soon as main's output is written (bin/ckpt-inspect.js): the report and
 * --help/--version leave nothing running. The subcommands run ssh and clean up after themselves,
 * and end when the event loop is empty.
 */
export function exitsWhenWritten(argv: string[]): boolean {
  return !SUBCOMMANDS.some(([name]) => name === argv[0]);
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) {
    process.stderr.write(usage() + `${tryHelp('')}\n`);
    return 2;
  }
  const first = argv[0] as string;
  if (first === '--help' || first === '-h') {
    process.stdout.write(mainHelp());
    return 0;
  }
  if (first === '--version' || first === '-V') {
    process.stdout.write(`${PROG} ${VERSION}\n`);
    return 0;
  }
  const cmd = SUBCOMMANDS.find(([name]) => name === first)?.[1]() ?? reportCommand;
  const rest = cmd === reportCommand ? argv : argv.slice(1);
  try {
    const p = parseCommand(cmd, rest);
    if (p === 'help') {
      process.stdout.write(cmd === reportCommand ? mainHelp() : commandHelp(cmd));
      return 0;
    }
    if (cmd === reportCommand && p.values.version === true) {
      process.stdout.write(`${PROG} ${VERSION}\n`);
      return 0;
    }
    return await cmd.run(p);
  } catch (e) {
    if (CliError.is(e)) return report(e, cmd.name);
    // Never a stack trace for bad input: an unexpected failure is reported as a bug, briefly.
    process.stderr.write(`${PROG}: internal error: ${escapeText(e instanceof Error ? e.message : String(e))}\n`);
    return 2;
  }
}
