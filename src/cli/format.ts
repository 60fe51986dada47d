import { stringify } from 'csv-stringify/sync';
import type { Granularity } from '../lib/querying/filters.js';
import { csvCell } from '../lib/http/render.js';
import { tableColumn } from './cells.js';
import { UsageError } from './errors.js';
import { printable, printableJson } from './printable.js';
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
  /**
   * Output goes to a terminal: CSV cells then show the characters a terminal acts on as `\uXXXX`
   * (CSV has no escape of its own, so piped CSV keeps every character).
   */
  terminal?: boolean;
}

/**
 * JSON whose text holds none of the characters a terminal acts on: those JSON leaves as they are (DEL,
 * C1 controls, bidirectional and invisible format characters) are written as `\uXXXX` escapes, which
 * parse back to the same characters. JSON.stringify already escapes the C0 controls.
 */
export function terminalSafeJson(value: unknown): string {
  return printableJson(JSON.stringify(value, null, 2));
}

/** Whether a stream is a terminal (what a user reads, not a pipe or a file). */
export function isTerminal(out: NodeJS.WritableStream): boolean {
  return (out as { isTTY?: boolean }).isTTY === true;
}

/** Renders flat objects: a JSON array, CSV with a header row, or a terminal table of `columns`. */
export function render(rows: readonly object[], format: Format, columns: readonly string[], options: TableOptions = {}): string {
  if (format === 'json') return terminalSafeJson(rows.map((row) => pick(row, columns))) + '\n';
  if (format === 'csv') {
    const cell = options.terminal ? (value: unknown) => printable(csvCell(value)) : csvCell;
    return stringify([columns, ...rows.map((row) => columns.map((column) => cell((row as Record<string, unknown>)[column])))]);
  }
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
