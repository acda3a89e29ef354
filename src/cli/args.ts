// One argument parser for every subcommand (node:util parseArgs): a command is a table entry with
// its option specs, its help text and a run function; `--opt=value`, `--opt value`, `--` and
// per-command `--help` come from here, so a new subcommand is one module and one line in main.ts.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { escapeText } from './output.js';

export const PROG = 'ckpt-inspect';

export interface OptionDef {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Name of the value in the help text (`FILE`, `N`…). */
  arg?: string;
  /** The values a string option accepts. */
  choices?: readonly string[];
  help: string;
}

export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface Parsed {
  values: OptionValues;
  positionals: string[];
}

export interface Command {
  /** The subcommand's name (`set`), or '' for the report (`ckpt-inspect FILE`). */
  name: string;
  /** Usage lines without the program name: `set FILE PATH=VALUE... [-o OUT] [--force]`. */
  synopsis: string[];
  /** One line for the command list of `ckpt-inspect --help`. */
  summary: string;
  /** Text between the usage and the option list. */
  description: string;
  options: Record<string, OptionDef>;
  /** Text after the option list (exit status, examples). */
  epilogue?: string;
  run(p: Parsed): number | Promise<number>;
}

const CLI_ERROR = Symbol.for('ckpt-inspect.CliError');

/**
 * A failure to report as `ckpt-inspect: FILE: message`. `usage` adds the "Try … --help" line;
 * `exit` is the status (2 unless said otherwise).
 */
export class CliError extends Error {
  readonly file: string | undefined;
  readonly usage: boolean;
  readonly exit: number;
  command = '';
  /** Marks a CliError of either bundle (see `is`). */
  readonly [CLI_ERROR] = true;
  constructor(message: string, opts: { file?: string; usage?: boolean; exit?: number } = {}) {
    super(message);
    this.file = opts.file;
    this.usage = opts.usage ?? false;
    this.exit = opts.exit ?? 2;
  }

  /**
   * A CliError made by this module or by its copy in the subcommands' bundle (dist/cli-commands.js,
   * loaded only when a subcommand runs), whose class is another object than this one.
   */
  static is(e: unknown): e is CliError {
    return e instanceof Error && (e as Partial<Record<typeof CLI_ERROR, unknown>>)[CLI_ERROR] === true;
  }
}

/** A usage error: wrong options or operands. */
export class UsageError extends CliError {
  constructor(message: string, file?: string) {
    super(message, { usage: true, ...(file !== undefined ? { file } : {}) });
  }
}

const HELP: OptionDef = { type: 'boolean', short: 'h', help: 'show this help and exit' };

function optionLines(options: Record<string, OptionDef>): string[] {
  const rows = Object.entries({ ...options, help: HELP }).map(([name, o]) => {
    const arg = o.type === 'string' ? ` ${o.choices ? o.choices.join('|') : (o.arg ?? 'VALUE')}` : '';
    return [`${o.short ? `-${o.short}, ` : '    '}--${name}${arg}`, o.help] as const;
  });
  const w = Math.min(34, Math.max(...rows.map(([l]) => l.length)));
  return rows.map(([l, h]) => (l.length > w ? `  ${l}\n  ${' '.repeat(w)}  ${h}` : `  ${l.padEnd(w)}  ${h}`));
}

export function commandHelp(c: Command): string {
  // A synopsis line that starts with spaces continues the one before.
  const usage = c.synopsis.map((s, i) => (i > 0 && s.startsWith(' ') ? `       ${' '.repeat(PROG.length)}${s}` : `${i === 0 ? 'usage: ' : '       '}${PROG} ${s}`));
  const parts = [usage.join('\n'), '', c.description.trimEnd(), '', 'Options:', ...optionLines(c.options)];
  if (c.epilogue) parts.push('', c.epilogue.trimEnd());
  return parts.join('\n') + '\n';
}

export function tryHelp(command: string): string {
  return `Try '${PROG}${command ? ` ${command}` : ''} --help'.`;
}

/** Parse `argv` with the command's option table; `--help` anywhere before `--` wins. */
export function parseCommand(c: Command, argv: string[]): Parsed | 'help' {
  const dd = argv.indexOf('--');
  const head = dd < 0 ? argv : argv.slice(0, dd);
  if (head.includes('--help') || head.includes('-h')) return 'help';
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, o] of Object.entries(c.options)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  let r: { values: OptionValues; positionals: string[] };
  try {
    r = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as { values: OptionValues; positionals: string[] };
  } catch (e) {
    throw new UsageError(parseArgsMessage(e, c, argv));
  }
  for (const [name, o] of Object.entries(c.options)) {
    const v = r.values[name];
    if (o.choices && v !== undefined) {
      for (const x of Array.isArray(v) ? v : [v]) {
        if (typeof x === 'string' && !o.choices.includes(x)) throw new UsageError(`--${name} takes ${o.choices.join(', ')}, not '${escapeText(x)}'`);
      }
    }
  }
  return r;
}

/** parseArgs' messages are several lines long and name internals; say it in one line. */
function parseArgsMessage(e: unknown, c: Command, argv: string[]): string {
  const err = e as { code?: string; message?: string };
  const m = /'([^']*)'/.exec(err.message ?? '');
  // parseArgs names an option as "-o, --output <value>": say it as the user wrote it.
  const forms = (m?.[1] ?? '').replace(/ <value>$/, '').split(', ');
  const typed = argv.find((a) => forms.includes(a.replace(/=.*$/s, '')));
  const opt = escapeText(typed?.replace(/=.*$/s, '') ?? forms[forms.length - 1] ?? '?');
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${opt}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const def = Object.entries(c.options).find(([n, o]) => opt === `--${n}` || (o.short && opt === `-${o.short}`));
      if (def && def[1].type === 'boolean') return `option '${opt}' takes no value`;
      return `option '${opt}' needs a value (write ${opt.startsWith('--') ? `${opt}=VALUE` : `${opt}VALUE`} for a value that starts with '-')`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${opt}'`;
    default:
      return (err.message ?? String(e)).split('\n')[0] ?? 'bad arguments';
  }
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return typeof v === 'string' ? v : undefined;
}

export function strs(p: Parsed, name: string): string[] {
  const v = p.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

export function flag(p: Parsed, name: string): boolean {
  const v = p.values[name];
  return Array.isArray(v) ? v.length > 0 : v === true;
}
