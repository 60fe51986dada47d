import type { Logger } from '../lib/logging.js';
import { printable } from './printable.js';

/**
 * One readable line per event: `<file>: <message> (key=value ...)`. Information goes to `out`;
 * warnings and errors to `problems` (stderr in the CLI) when given, else to `out`.
 */
export function lineLogger(out: NodeJS.WritableStream | undefined, problems: NodeJS.WritableStream | undefined = out): Logger {
  const line = (target: NodeJS.WritableStream | undefined, level: string, message: string, fields?: Record<string, unknown>): void => {
    if (!target) return;
    const file = typeof fields?.['file'] === 'string' ? `${fields['file']}: ` : '';
    const rest = Object.entries(fields ?? {})
      .filter(([key]) => key !== 'file')
      .map(([key, value]) => `${key}=${String(value)}`)
      .join(' ');
    // One line per event (a service's message may span lines); file names and messages come from the
    // logs' storage and disks: shown, never acted on by the terminal.
    const text = `${file}${message}${rest ? ` (${rest})` : ''}`.replace(/[ \t]*\r?\n[ \t]*/g, ' ');
    target.write(`${level}${printable(text)}\n`);
  };
  return {
    info: (message, fields) => line(out, '', message, fields),
    warn: (message, fields) => line(problems, 'warning: ', message, fields),
    error: (message, fields) => line(problems, 'error: ', message, fields),
  };
}
