import { displayWidth, graphemes, headWithin, tailWithin } from './displayWidth.js';
import { printable } from './printable.js';

/** One column of a terminal table: its name (as in JSON), its header, and how a value reads. */
export interface TableColumn {
  name: string;
  header: string;
  cell(value: unknown): string;
  /** A cut keeps the cell's end instead of its start. */
  keepEnd?: boolean;
}

/** Columns are separated by two spaces; no outer border, so every character carries data. */
const GAP = '  ';
/** Cells are never cut below this many characters. */
const MIN_CUT_WIDTH = 6;

/**
 * A plain table: a header row, a rule under it, then one line per row; numbers right-aligned.
 * With `maxWidth`, the widest cells are cut (with "…") until the table fits, never below the header's
 * width, so a set of columns whose headers fit always fits.
 */
export function renderTable(rows: readonly object[], columns: readonly TableColumn[], maxWidth?: number): string {
  const values = rows.map((row) => columns.map((column) => (row as Record<string, unknown>)[column.name]));
  const cells = values.map((line) => line.map((value, i) => printable((columns[i] as TableColumn).cell(value))));
  const numeric = columns.map(
    (_, i) => values.some((line) => typeof line[i] === 'number') && values.every((line) => typeof line[i] === 'number' || line[i] === null),
  );
  const widths = columns.map((column, i) => Math.max(width(column.header), ...cells.map((line) => width(line[i] as string))));
  if (maxWidth !== undefined)
    fit(
      widths,
      columns.map((column) => Math.max(width(column.header), MIN_CUT_WIDTH)),
      maxWidth,
    );
  const line = (values: readonly string[]): string =>
    values
      .map((value, i) => pad(cutText(value, widths[i] as number, columns[i]?.keepEnd === true), widths[i] as number, numeric[i] === true))
      .join(GAP)
      .trimEnd();
  const out = [line(columns.map((column) => column.header)), widths.map((w) => '─'.repeat(w)).join(GAP)];
  for (const values of cells) out.push(line(values));
  return out.join('\n') + '\n';
}

/** The width a table of these column widths takes. */
export function tableWidth(widths: readonly number[]): number {
  return widths.reduce((sum, w) => sum + w, 0) + GAP.length * Math.max(0, widths.length - 1);
}

/** Narrows the widest column, one column at a time, until the table fits or no column can give more. */
function fit(widths: number[], floors: readonly number[], maxWidth: number): void {
  while (tableWidth(widths) > maxWidth) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) {
      if ((widths[i] as number) > (floors[i] as number) && (widest < 0 || (widths[i] as number) > (widths[widest] as number))) widest = i;
    }
    if (widest < 0) return;
    widths[widest] = (widths[widest] as number) - 1;
  }
}

function width(text: string): number {
  return displayWidth(text);
}

/**
 * The text in at most `max` terminal columns (displayWidth: wide characters take two), cut with …
 * at its end, or at its start with `keepEnd`; a grapheme is never split.
 */
export function cutText(text: string, max: number, keepEnd = false): string {
  if (displayWidth(text) <= max) return text;
  const parts = graphemes(text);
  return keepEnd ? '…' + tailWithin(parts, max - 1) : headWithin(parts, max - 1) + '…';
}

function pad(text: string, size: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, size - width(text)));
  return right ? fill + text : text + fill;
}
