import type { Logger } from '../lib/processing/logger.js';

/** One readable line per event: `<file>: <message> (key=value ...)`. */
export function lineLogger(out: NodeJS.WritableStream | undefined): Logger {
  const line = (level: string, message: string, fields?: Record<string, unknown>): void => {
    if (!out) return;
    const file = typeof fields?.['file'] === 'string' ? `${fields['file']}: ` : '';
    const rest = Object.entries(fields ?? {}).filter(([key]) => key !== 'file').map(([key, value]) => `${key}=${value}`).join(' ');
    out.write(`${level}${file}${message}${rest ? ` (${rest})` : ''}\n`);
  };
  return {
    info: (message, fields) => line('', message, fields),
    warn: (message, fields) => line('warning: ', message, fields),
    error: (message, fields) => line('error: ', message, fields),
  };
}
