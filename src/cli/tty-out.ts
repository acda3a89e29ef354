// What ckpt-inspect writes to stdout and stderr: messages that may hold outside text (file names,
// image text, JSON values, error messages that quote them) go through the shared escaping function,
// so nothing from outside reaches the terminal as a control character or escape sequence.
import { escapeText, jsonForTerminal } from '../shared/escape.js';

/** One message line on stderr, escaped as a whole (an embedded newline is shown, not obeyed). */
export function printErr(message: string): void {
  process.stderr.write(`${escapeText(message)}\n`);
}

/** A JSON value on stdout, one line, with every character a terminal obeys written as a JSON escape. */
export function printJson(value: unknown): void {
  process.stdout.write(`${jsonForTerminal(JSON.stringify(value))}\n`);
}
