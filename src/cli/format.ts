import { stringify } from 'csv-stringify/sync';
import type { Granularity } from '../lib/querying/filters.js';
import { tableColumn } from './cells.js';
import { UsageError } from './errors.js';
import { renderTable } from './table.js';

export const FORMATS = ['table', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

export function parseFormat(value: string): Format {
  if ((FORMATS as readonly string[]).includes(value)) return value as Format;
  throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${value}"`);
}

export interface TableOptions {
  /** Buckets read as days or hours. */
  granularity?: Granularity;
  /** Cut the widest cells so that the table is at most this wide. */
  maxWidth?: number;
}

/** Renders flat objects: a JSON array, CSV with a header row, or a terminal table of `columns`. */
export function render(rows: readonly object[], format: Format, columns: readonly string[], options: TableOptions = {}): string {
  if (format === 'json')
    return (
      JSON.stringify(
        rows.map((row) => pick(row, columns)),
        null,
        2,
      ) + '\n'
    );
  if (format === 'csv') return stringify([columns, ...rows.map((row) => columns.map((column) => csvCell((row as Record<string, unknown>)[column])))]);
  if (rows.length === 0) return '(no rows)\n';
  return renderTable(
    rows,
    columns.map((name) => tableColumn(name, options.granularity)),
    options.maxWidth,
  );
}

/** The row with only `columns`, in their order (every field when `columns` names them all). */
function pick(row: object, columns: readonly string[]): object {
  const record = row as Record<string, unknown>;
  return Object.fromEntries(columns.map((column) => [column, record[column] ?? null]));
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
