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
  return [...renderChunks(rows, format, columns, options)].join('');
}

/** CSV rows rendered per chunk: enough to keep writes few, few enough to keep each chunk small. */
const CSV_ROWS_PER_CHUNK = 500;

/**
 * `render`'s text in pieces, row by row for JSON and CSV: the text of a large view is never one
 * string (43,000 calls as JSON are 121 MB, and were held three times over while escaped and joined).
 */
export function* renderChunks(rows: readonly object[], format: Format, columns: readonly string[], options: TableOptions = {}): Generator<string> {
  if (format === 'json') {
    if (rows.length === 0) {
      yield '[]\n';
      return;
    }
    // Each element as JSON.stringify(rows, null, 2) would write it: its lines indented once more.
    yield '[\n';
    for (const [index, row] of rows.entries()) yield `  ${jsonElement(row, columns)}${index === rows.length - 1 ? '\n' : ',\n'}`;
    yield ']\n';
    return;
  }
  if (format === 'csv') {
    const cell = csvCellOf(options);
    yield stringify([columns]);
    for (let start = 0; start < rows.length; start += CSV_ROWS_PER_CHUNK) {
      const chunk = rows.slice(start, start + CSV_ROWS_PER_CHUNK);
      yield stringify(chunk.map((row) => columns.map((column) => cell((row as Record<string, unknown>)[column]))));
    }
    return;
  }
  if (rows.length === 0) {
    yield '(no rows)\n';
    return;
  }
  yield renderTable(
    rows,
    columns.map((name) => tableColumn(name, options.granularity)),
    options.maxWidth,
  );
}

/** A row as an element of the JSON array: as JSON.stringify(rows, null, 2) writes it, its lines indented once more. */
function jsonElement(row: object, columns: readonly string[]): string {
  return terminalSafeJson(pick(row, columns)).replace(/\n/g, '\n  ');
}

function csvCellOf(options: TableOptions): (value: unknown) => string {
  return options.terminal ? (value: unknown) => printable(csvCell(value)) : csvCell;
}

/**
 * JSON or CSV written a row at a time, the text renderChunks writes for the same rows: a listing as
 * long as the store's (a quarantine of 100,000 entries) is written as it is read, never held.
 */
export class StreamedRows {
  private written = 0;
  private readonly cell: (value: unknown) => string;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly format: 'json' | 'csv',
    private readonly columns: readonly string[],
    options: TableOptions = {},
  ) {
    this.cell = csvCellOf(options);
  }

  async add(row: object): Promise<void> {
    const first = this.written === 0;
    this.written++;
    const record = row as Record<string, unknown>;
    const text =
      this.format === 'json'
        ? `${first ? '[\n' : ',\n'}  ${jsonElement(row, this.columns)}`
        : (first ? stringify([this.columns]) : '') + stringify([this.columns.map((column) => this.cell(record[column]))]);
    await writeChunks(this.out, [text]);
  }

  /** Closes the text: `[]` or the array's end, the header alone when no row came. */
  async end(): Promise<void> {
    const text = this.format === 'json' ? (this.written === 0 ? '[]\n' : '\n]\n') : this.written === 0 ? stringify([this.columns]) : '';
    if (text !== '') await writeChunks(this.out, [text]);
  }
}

/** Writes `chunks` to `out`, waiting whenever it asks to (a slow pipe does not make them pile up in memory). */
export async function writeChunks(out: NodeJS.WritableStream, chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) if (!out.write(chunk)) await drained(out);
}

function drained(out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error): void => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = (): void => settle();
    const onError = (error: Error): void => settle(error);
    const onClose = (): void => settle(new Error('the output was closed before the view was written'));
    out.once('drain', onDrain);
    out.once('error', onError);
    out.once('close', onClose);
  });
}

/** The row with only `columns`, in their order (every field when `columns` names them all). */
function pick(row: object, columns: readonly string[]): object {
  const record = row as Record<string, unknown>;
  return Object.fromEntries(columns.map((column) => [column, record[column] ?? null]));
}
