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
  const cells = rows.map((row) => columns.map((column) => cell((row as Record<string, unknown>)[column])));
  if (format === 'csv') return stringify([columns as string[], ...cells]);
  if (rows.length === 0) return '(no rows)\n';
  const table = new Table({ head: [...columns], style: { head: [], border: [] } });
  for (const row of cells) table.push(row);
  return table.toString() + '\n';
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
