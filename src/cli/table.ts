import { cutToWidth, displayWidth } from './displayWidth.js';
import { printableValue } from './printable.js';

/** One column of a terminal table: its name (as in JSON), its header, and how a value reads. */
export interface TableColumn {
  name: string;
  header: string;
  cell(value: unknown): string;
  /** A cut keeps the cell's end instead of its start. */
  keepEnd?: boolean;
  /** Cut only when nothing else can give: a cut time or `a/b/c` statistic would read as another value. */
  whole?: boolean;
}

/** Columns are separated by two spaces; no outer border, so every character carries data. */
const GAP = '  ';
/** Cells are never cut below this many characters. */
const MIN_CUT_WIDTH = 6;

/**
 * A plain table: a header row, a rule under it, then one line per row; numbers right-aligned.
 * With `maxWidth`, the widest cells are cut (with "…") until the table fits, never below the header's
 * width, so a set of columns whose headers fit always fits; `whole` columns and numbers are cut last,
 * and only when that makes the table fit.
 */
export function renderTable(rows: readonly object[], columns: readonly TableColumn[], maxWidth?: number): string {
  const { cells, cellWidths, headerWidths, widths } = measure(rows, columns, maxWidth);
  const numeric = numericColumns(rows, columns);
  if (maxWidth !== undefined) {
    const floors = headerWidths.map((w) => Math.max(w, MIN_CUT_WIDTH));
    // Other columns give first; then whole ones and numbers, so that headers that fit still always fit.
    fit(
      widths,
      columns.map((column, i) => (column.whole || numeric[i] ? (widths[i] as number) : (floors[i] as number))),
      maxWidth,
    );
    // A cut time or lag (`1009 d 13 h` as `1009 …`) reads as another value: worth it only when the table then fits.
    if (tableWidth(widths.map((w, i) => Math.min(w, floors[i] as number))) <= maxWidth) fit(widths, floors, maxWidth);
  }
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

/**
 * The columns a table of `maxWidth` shows: all of them when cutting other cells fits their whole
 * and numeric columns; otherwise those named in `leftOutFirst`, then the last ones, are left out (never the
 * first), as a cut time, number or statistic would mislead where a missing column is only missing.
 */
export function columnsThatFit(
  rows: readonly object[],
  columns: readonly TableColumn[],
  maxWidth: number,
  leftOutFirst: readonly string[] = [],
): { shown: TableColumn[]; leftOut: TableColumn[] } {
  const { headerWidths, widths } = measure(rows, columns, maxWidth);
  const numeric = numericColumns(rows, columns);
  // A column narrower than the least a cut leaves is as wide as it is.
  const floors = columns.map((column, i) =>
    column.whole || numeric[i] ? (widths[i] as number) : Math.min(widths[i] as number, Math.max(headerWidths[i] as number, MIN_CUT_WIDTH)),
  );
  // `leftOutFirst` (never the first column), then from the end.
  const order = [
    ...columns.flatMap((column, i) => (i > 0 && leftOutFirst.includes(column.name) ? [i] : [])),
    ...columns.map((_, i) => columns.length - 1 - i).filter((i) => i > 0 && !leftOutFirst.includes(columns[i]!.name)),
  ];
  const kept = new Set(columns.map((_, i) => i));
  for (const i of order) {
    if (tableWidth(floors.filter((_, k) => kept.has(k))) <= maxWidth) break;
    kept.delete(i);
  }
  return { shown: columns.filter((_, i) => kept.has(i)), leftOut: columns.filter((_, i) => !kept.has(i)) };
}

/**
 * Columns of numbers (some, and nothing else but nulls): right-aligned, and cut only when nothing
 * else can give, as `whole` ones are: `178,416…` would read as another quantity.
 */
function numericColumns(rows: readonly object[], columns: readonly TableColumn[]): boolean[] {
  return columns.map(
    (column) =>
      rows.some((row) => typeof (row as Record<string, unknown>)[column.name] === 'number') &&
      rows.every((row) => {
        const value = (row as Record<string, unknown>)[column.name];
        return typeof value === 'number' || value === null;
      }),
  );
}

/** Whether a table of these columns fits `maxWidth` with no cell cut. */
export function fitsUncut(rows: readonly object[], columns: readonly TableColumn[], maxWidth: number): boolean {
  return tableWidth(measure(rows, columns, maxWidth).widths) <= maxWidth;
}

/** Each cell's text and width (measured once; no further than `maxWidth`, which no column passes), and each column's. */
function measure(rows: readonly object[], columns: readonly TableColumn[], maxWidth: number | undefined) {
  const cells = rows.map((row) => columns.map((column) => printableValue(column.cell((row as Record<string, unknown>)[column.name]))));
  const cellWidths = cells.map((line) => line.map((cell) => displayWidth(cell, maxWidth)));
  const headerWidths = columns.map((column) => displayWidth(column.header));
  // A loop, not Math.max(...cells): a view of 200,000 rows would pass the limit on arguments.
  const widths = [...headerWidths];
  for (const line of cellWidths) line.forEach((width, i) => (widths[i] = Math.max(widths[i] as number, width)));
  return { cells, cellWidths, headerWidths, widths };
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
