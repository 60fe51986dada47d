import { cutToWidth, displayWidth } from './displayWidth.js';
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
  // Each cell measured once; when the table is fitted, no further than the terminal (a column is never wider).
  const cellWidths = cells.map((line) => line.map((cell) => displayWidth(cell, maxWidth)));
  const headerWidths = columns.map((column) => displayWidth(column.header));
  const widths = columns.map((_, i) => Math.max(headerWidths[i] as number, ...cellWidths.map((line) => line[i] as number)));
  if (maxWidth !== undefined)
    fit(
      widths,
      headerWidths.map((w) => Math.max(w, MIN_CUT_WIDTH)),
      maxWidth,
    );
  const line = (values: readonly string[], valueWidths: readonly number[]): string =>
    values
      .map((value, i) => {
        const size = widths[i] as number;
        const fits = (valueWidths[i] as number) <= size;
        const shown = fits ? value : cutToWidth(value, size, columns[i]?.keepEnd === true);
        return pad(shown, fits ? (valueWidths[i] as number) : displayWidth(shown), size, numeric[i] === true);
      })
      .join(GAP)
      .trimEnd();
  const out = [
    line(
      columns.map((column) => column.header),
      headerWidths,
    ),
    widths.map((w) => '─'.repeat(w)).join(GAP),
  ];
  cells.forEach((values, row) => out.push(line(values, cellWidths[row] as number[])));
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

/** The text, `width` columns wide, padded to `size`. */
function pad(text: string, width: number, size: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, size - width));
  return right ? fill + text : text + fill;
}
