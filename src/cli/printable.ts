import { printable } from '../lib/printable.js';

export { printable, printableJson, printableValue } from '../lib/printable.js';

/**
 * A message for one line of the terminal: its line breaks (a service's message may span lines) as
 * single spaces, then printable. Messages of failed commands and storage warnings carry names and
 * text from storage and from the logs.
 */
export function oneLine(text: string): string {
  return printable(text.replace(/[ \t]*\r?\n[ \t]*/g, ' '));
}

/** Text of several lines (the command line's own messages), each line printable. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}
