import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';
import { UsageError } from './errors.js';

export const FORMATS = ['table', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

export function parseFormat(value: string): Format {
  if ((FORMATS as readonly string[]).includes(value)) return value as Format;
  throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${value}"`);
}

/** Renders flat objects: a JSON array, CSV with a header row, or a terminal table. */
export function render(rows: readonly object[], format: Format, columns: readonly string[]): string {
  if (format === 'json') return JSON.stringify(rows, null, 2) + '\n';
  if (format === 'csv') return stringify([columns as string[], ...rows.map((row) => columns.map((column) => csvCell((row as Record<string, unknown>)[column])))]);
  if (rows.length === 0) return '(no rows)\n';
  const table = new Table({ head: [...columns], style: { head: [], border: [] }, chars: NO_ROW_LINES });
  for (const row of rows) table.push(columns.map((column) => tableCell((row as Record<string, unknown>)[column])));
  return table.toString() + '\n';
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Rows without separator lines between them: denser, easier to scan. */
const NO_ROW_LINES = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

const ISO_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/;
const RESOURCE_NAME = /\/COMMUNICATIONSERVICES\/([^/]+)$/i;
const MAX_CELL = 48;

/** Tables are for reading: resource ids by name, times without milliseconds, objects as `key=value`. */
function tableCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (Array.isArray(value)) text = value.every((item) => typeof item !== 'object') ? value.join(', ') : `${value.length} items`;
  else if (typeof value === 'object') text = Object.entries(value as Record<string, unknown>).map(([key, v]) => `${key}=${readableNumber(v)}`).join(' ');
  else if (typeof value === 'string') {
    const time = ISO_TIME.exec(value);
    const resource = RESOURCE_NAME.exec(value);
    text = time ? `${time[1]} ${time[2]}` : resource ? (resource[1] as string) : value;
  } else text = String(readableNumber(value));
  return text.length > MAX_CELL ? text.slice(0, MAX_CELL - 1) + '…' : text;
}

/** At most three decimals in tables (JSON and CSV keep full precision). */
function readableNumber(value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value;
}
