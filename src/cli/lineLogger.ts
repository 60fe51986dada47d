import type { Logger } from '../lib/logging.js';
import { oneLine } from './printable.js';

/**
 * One readable line per event: `<file>: <message> (key=value ...)`, information without its zero
 * counts. Information goes to `out`; warnings and errors to `problems` (stderr in the CLI) when
 * given, else to `out`.
 */
export function lineLogger(out: NodeJS.WritableStream | undefined, problems: NodeJS.WritableStream | undefined = out): Logger {
  const line = (target: NodeJS.WritableStream | undefined, level: string, message: string, fields?: Record<string, unknown>): void => {
    if (!target) return;
    const named = typeof fields?.['file'] === 'string' ? fields['file'] : undefined;
    // An information line names a blob by its resource's name; warnings and errors keep the whole id, to act on.
    const file = named === undefined ? '' : `${level === '' ? withShortResourceId(named) : named}: `;
    // An information line leaves out its zero counts (`badLines=0 unsupported=0 pendingBytes=0`): what is left is what happened.
    const rest = Object.entries(fields ?? {})
      .filter(([key, value]) => key !== 'file' && !(level === '' && value === 0))
      .map(([key, value]) => `${key}=${String(value)}`)
      .join(' ');
    // One line per event; file names and messages come from the logs' storage and disks: shown, never acted on by the terminal.
    target.write(`${level}${oneLine(`${file}${message}${rest ? ` (${rest})` : ''}`)}\n`);
  };
  return {
    info: (message, fields) => line(out, '', message, fields),
    warn: (message, fields) => line(problems, 'warning: ', message, fields),
    error: (message, fields) => line(problems, 'error: ', message, fields),
  };
}

/** The ARM id's path up to the resource's name, in Azure Monitor's blob names. */
const RESOURCE_ID_PREFIX = /(resourceId=)\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/[^/]+\/[^/]+\/(?=[^/]+\/)/i;

/**
 * `…/resourceId=/SUBSCRIPTIONS/<id>/RESOURCEGROUPS/<group>/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS1/y=…`
 * as `…/resourceId=…/ACS1/y=…`: a line per file of about 100 characters instead of 200.
 */
export function withShortResourceId(path: string): string {
  return path.replace(RESOURCE_ID_PREFIX, '$1…/');
}
