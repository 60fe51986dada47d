import type { Writable } from 'node:stream';
import { UsageError } from './errors.js';

/**
 * The columns a table shows by default: the few that answer the view's question, whose headers fit
 * 80 characters. `--wide` shows every field, `--columns` the ones named.
 */
export const DEFAULT_TABLE_COLUMNS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'rooms-operations': ['bucket', 'resourceId', 'operationName', 'resultSignature', 'count'],
  rooms: ['roomId', 'createdAt', 'deletedAt', 'participantsCount'],
  calls: ['correlationId', 'recordingCount', 'operationCount', 'matched'],
  recordings: ['bucket', 'resourceId', 'recordings', 'recordingSeconds'],
  'recording-operations': ['bucket', 'operationName', 'resultSignature', 'sdkType', 'count', 'durationMs'],
  usage: ['bucket', 'resourceId', 'usageType', 'unitType', 'quantity', 'records'],
  'recordings-per-call': ['recordings', 'calls'],
});

/** Fields that add up across rows: a table that hides some of a view's keys sums them over the rows that look alike. */
const ADDITIVE_FIELDS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'rooms-operations': ['count'],
  recordings: ['recordings', 'recordingSeconds', 'chunks', 'audioChannels'],
  'recording-operations': ['count', 'failed'],
  usage: ['quantity', 'records'],
  'recordings-per-call': ['calls'],
});

/**
 * Rows that agree on every shown column but the additive ones become one row, those summed (a
 * hidden operationVersion no longer shows as two identical-looking rows). Any other shown value
 * (durationMs) must agree too, so nothing is merged that cannot be.
 */
export function collapseRows(view: string, rows: readonly object[], shown: readonly string[]): object[] {
  const additive = (ADDITIVE_FIELDS[view] ?? []).filter((field) => shown.includes(field));
  if (additive.length === 0) return [...rows];
  const groups = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    const key = JSON.stringify(shown.filter((field) => !additive.includes(field)).map((field) => record[field] ?? null));
    const group = groups.get(key);
    if (!group) {
      groups.set(key, Object.fromEntries(shown.map((field) => [field, record[field]])));
      continue;
    }
    for (const field of additive) group[field] = sum(group[field], record[field]);
  }
  return [...groups.values()];
}

function sum(a: unknown, b: unknown): number {
  // Rounded to the microunit: sums of decimals such as seconds must not print 0.30000000000000004.
  return Math.round(((typeof a === 'number' ? a : 0) + (typeof b === 'number' ? b : 0)) * 1e6) / 1e6;
}

export interface ColumnFlags {
  /** Comma-separated field names. */
  columns?: string;
  wide?: boolean;
}

export interface ColumnChoice {
  columns: readonly string[];
  /** Whether the table is cut to the terminal's width (not with --wide). */
  fit: boolean;
}

/** The fields to show: `--columns` (checked against the view's fields), every field with `--wide`, else the view's defaults. */
export function chooseColumns(view: string, fields: readonly string[], flags: ColumnFlags): ColumnChoice {
  if (flags.columns !== undefined && flags.wide) throw new UsageError('give --columns or --wide, not both');
  if (flags.columns !== undefined) {
    const names = flags.columns.split(',').map((name) => name.trim()).filter((name) => name !== '');
    const unknown = names.filter((name) => !fields.includes(name));
    if (names.length === 0 || unknown.length > 0) {
      const what = names.length === 0 ? '--columns names no column' : `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}`;
      throw new UsageError(`${what} for ${view}: choose from ${fields.join(', ')}`);
    }
    return { columns: [...new Set(names)], fit: true };
  }
  if (flags.wide) return { columns: fields, fit: false };
  return { columns: DEFAULT_TABLE_COLUMNS[view] ?? fields, fit: true };
}

const NOT_A_TERMINAL_WIDTH = 80;

/** The width tables fit: the terminal's; when output is not a terminal, `$COLUMNS`, else 80. */
export function terminalWidth(out: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): number {
  const stream = out as Writable & { isTTY?: boolean; columns?: number };
  if (stream.isTTY && typeof stream.columns === 'number' && stream.columns > 0) return stream.columns;
  const fromEnv = Number(env['COLUMNS']);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : NOT_A_TERMINAL_WIDTH;
}
