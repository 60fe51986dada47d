import { clipped, formatNumber, h } from './dom.js';

/** Characters of a text cell shown; the rest is in its title. */
export const CELL_CHARS = 80;

export interface Column<T> {
  title: string;
  cell: (row: T) => string | number | Node | null;
  numeric?: boolean;
  /** What the column sorts by where its cell is written for reading (`12 min 5 s`, `3 of 40`); else the cell's number or text. */
  sort?: (row: T) => string | number | null | undefined;
}

export interface TableOptions<T> {
  /** `data-table` on the wrapper (the browser tests find tables by it). */
  id: string;
  /** The table's name for a screen reader: its scrolling box is a Tab stop of its own where nothing in it is. */
  label: string;
  /** Rows drawn at most: a page stays fast with thousands of rows; the count says how many there are. */
  limit?: number;
  onRowClick?: (row: T) => void;
  empty?: string;
  /** Kept by a caller that draws the table again (the calls' search), so that its order stays. */
  order?: TableOrder;
}

/** The column a table is sorted by, if any. */
export interface TableOrder {
  sorted?: { column: number; descending: boolean };
}

/** Where the tables' orders are kept (the page's URL), by table id and column title: a link or a reload shows the same order. */
export interface OrderStore {
  get(table: string): { column: string; descending: boolean } | undefined;
  set(table: string, order: { column: string; descending: boolean }): void;
}

let orderStore: OrderStore | undefined;

/** Keeps every table's order in `store`, and draws each table in the order it holds. */
export function keepOrdersIn(store: OrderStore): void {
  orderStore = store;
}

/**
 * A table of the first `limit` rows, saying how many rows there are in all. A column's heading sorts
 * every row by it (not only those drawn): numbers largest first, text from A, again to reverse; empty
 * cells last either way. The order is kept in the order store (the page's URL).
 */
export function dataTable<T>(columns: readonly Column<T>[], rows: readonly T[], options: TableOptions<T>): HTMLElement {
  const limit = options.limit ?? 300;
  const wrapper = h('div', { class: 'table', 'data-table': options.id, 'data-rows': String(rows.length) });
  if (rows.length === 0) {
    wrapper.appendChild(h('p', { class: 'empty' }, options.empty ?? 'no data in this range'));
    return wrapper;
  }
  const hint: Record<string, string> = options.onRowClick
    ? { 'aria-description': 'a row opens its details: Enter or Space; arrow keys move between rows' }
    : {};
  const headings = columns.map((column) => h('th', column.numeric ? { class: 'num' } : {}));
  const table = h('table', { ...hint, 'aria-label': options.label }, h('thead', {}, h('tr', {}, ...headings)), h('tbody'));
  const count = h('p', { class: 'count' });
  const order = options.order ?? {};
  if (order.sorted === undefined) {
    // The order a link or a reload gives, by the column's title.
    const kept = orderStore?.get(options.id);
    const column = kept === undefined ? -1 : columns.findIndex((candidate) => candidate.title === kept.column);
    if (kept !== undefined && column >= 0) order.sorted = { column, descending: kept.descending };
  }
  const draw = (): void => {
    const sorted = order.sorted;
    const ordered = sorted === undefined ? rows : sortedRows(rows, columns[sorted.column] as Column<T>, sorted.descending);
    table.replaceChild(tableBody(columns, ordered.slice(0, limit), options.onRowClick), table.tBodies[0] as HTMLTableSectionElement);
    headings.forEach((heading, index) => {
      const column = columns[index] as Column<T>;
      const direction = sorted?.column === index ? (sorted.descending ? 'descending' : 'ascending') : undefined;
      if (direction === undefined) heading.removeAttribute('aria-sort');
      else heading.setAttribute('aria-sort', direction);
      // The arrow is for the eye: a screen reader hears the order from aria-sort, not `black down-pointing small triangle`.
      const arrow = direction === undefined ? '' : h('span', { 'aria-hidden': 'true' }, direction === 'descending' ? ' ▾' : ' ▴');
      const button = h('button', { type: 'button', class: 'sort' }, column.title, arrow);
      button.addEventListener('click', () => {
        order.sorted = sorted?.column === index ? { column: index, descending: !sorted.descending } : { column: index, descending: sortsNumbers(rows, column) };
        orderStore?.set(options.id, { column: column.title, descending: order.sorted.descending });
        draw();
        (headings[index]?.firstElementChild as HTMLElement | null)?.focus();
      });
      heading.replaceChildren(button);
    });
    const by = sorted === undefined ? '' : `, by ${(columns[sorted.column] as Column<T>).title}${sorted.descending ? ', largest first' : ''}`;
    count.textContent =
      rows.length > limit ? `showing the first ${formatNumber(limit)} of ${formatNumber(rows.length)} rows${by}` : `${formatNumber(rows.length)} row(s)${by}`;
  };
  draw();
  wrapper.appendChild(h('div', { class: 'scroll', role: 'region', 'aria-label': options.label }, table));
  wrapper.appendChild(count);
  return wrapper;
}

/** A column's sort value of a row: its `sort`, else its cell's number or text; null for an empty cell (`–`). */
function sortKey<T>(column: Column<T>, row: T): string | number | null {
  const value = column.sort ? column.sort(row) : column.cell(row);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return value === '' || value === '–' ? null : value;
  if (value instanceof Node) return value.textContent || null;
  return null;
}

/** Whether a column sorts numbers (then largest first at the first click: the longest calls, the most failures). */
function sortsNumbers<T>(rows: readonly T[], column: Column<T>): boolean {
  for (const row of rows) {
    const key = sortKey(column, row);
    if (key !== null) return typeof key === 'number';
  }
  return false;
}

/** Text in the order `localeCompare(…, 'en', { numeric: true })` gives, made once: that call builds its collator anew each time, seconds for a sort of 40,000 rows. */
const TEXT_ORDER = new Intl.Collator('en', { numeric: true });

/** The rows ordered by a column's sort value, stable, empty values last. */
function sortedRows<T>(rows: readonly T[], column: Column<T>, descending: boolean): T[] {
  const keyed = rows.map((row, index) => ({ row, index, key: sortKey(column, row) }));
  keyed.sort((a, b) => {
    if (a.key === null || b.key === null) return a.key === b.key ? a.index - b.index : a.key === null ? 1 : -1;
    const order = typeof a.key === 'number' && typeof b.key === 'number' ? a.key - b.key : TEXT_ORDER.compare(String(a.key), String(b.key));
    return (descending ? -order : order) || a.index - b.index;
  });
  return keyed.map((entry) => entry.row);
}

/** The drawn rows; with `onRowClick`, one Tab stop for the whole body, the arrow keys moving between rows. */
function tableBody<T>(columns: readonly Column<T>[], shown: readonly T[], onRowClick: ((row: T) => void) | undefined): HTMLTableSectionElement {
  const body = h('tbody');
  for (const row of shown) {
    const tr = h(
      'tr',
      {},
      ...columns.map((column) => {
        const value = column.cell(row);
        if (typeof value === 'string') {
          const { text, title } = clipped(value, CELL_CHARS);
          return h('td', { ...(column.numeric ? { class: 'num' } : {}), ...(title === undefined ? {} : { title }) }, text);
        }
        return h('td', column.numeric ? { class: 'num' } : {}, typeof value === 'number' ? formatNumber(value) : (value ?? '–'));
      }),
    );
    if (onRowClick) {
      tr.classList.add('clickable');
      // One Tab stop for the whole table (the first row); the arrow keys move between rows.
      tr.tabIndex = body.childElementCount === 0 ? 0 : -1;
      // The row opened becomes the table's Tab stop: closing what it opened returns there.
      tr.addEventListener('click', () => {
        makeTabStop(tr);
        onRowClick(row);
      });
      tr.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          makeTabStop(tr);
          onRowClick(row);
        } else if (ROW_KEYS[event.key] !== undefined) {
          event.preventDefault();
          moveFocus(tr, ROW_KEYS[event.key] as RowMove);
        }
      });
    }
    body.appendChild(tr);
  }
  return body;
}

type RowMove = 'previous' | 'next' | 'first' | 'last';
const ROW_KEYS: Readonly<Record<string, RowMove>> = { ArrowUp: 'previous', ArrowDown: 'next', Home: 'first', End: 'last' };

/** Moves the table's one Tab stop to another row and focuses it. */
function moveFocus(from: HTMLTableRowElement, move: RowMove): void {
  const rows = [...(from.parentElement?.children ?? [])] as HTMLTableRowElement[];
  const at = rows.indexOf(from);
  const to = rows[move === 'first' ? 0 : move === 'last' ? rows.length - 1 : move === 'next' ? Math.min(rows.length - 1, at + 1) : Math.max(0, at - 1)];
  if (!to || to === from) return;
  makeTabStop(to);
  to.focus();
}

/** Makes `row` its table's one Tab stop. */
function makeTabStop(row: HTMLTableRowElement): void {
  for (const other of row.parentElement?.children ?? []) (other as HTMLElement).tabIndex = other === row ? 0 : -1;
}
