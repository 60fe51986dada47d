import { clipped, formatNumber, h } from './dom.js';

/** Characters of a text cell shown; the rest is in its title. */
export const CELL_CHARS = 80;

export interface Column<T> {
  title: string;
  cell: (row: T) => string | number | Node | null;
  numeric?: boolean;
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
}

/** A table of the first `limit` rows, saying how many rows there are in all. */
export function dataTable<T>(columns: readonly Column<T>[], rows: readonly T[], options: TableOptions<T>): HTMLElement {
  const limit = options.limit ?? 300;
  const shown = rows.slice(0, limit);
  const wrapper = h('div', { class: 'table', 'data-table': options.id, 'data-rows': String(rows.length) });
  if (rows.length === 0) {
    wrapper.appendChild(h('p', { class: 'empty' }, options.empty ?? 'no data in this range'));
    return wrapper;
  }
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
    const onRowClick = options.onRowClick;
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
  const head = h('thead', {}, h('tr', {}, ...columns.map((column) => h('th', column.numeric ? { class: 'num' } : {}, column.title))));
  const hint: Record<string, string> = options.onRowClick
    ? { 'aria-description': 'a row opens its details: Enter or Space; arrow keys move between rows' }
    : {};
  wrapper.appendChild(
    h('div', { class: 'scroll', role: 'region', 'aria-label': options.label }, h('table', { ...hint, 'aria-label': options.label }, head, body)),
  );
  wrapper.appendChild(
    h(
      'p',
      { class: 'count' },
      rows.length > limit ? `showing the first ${formatNumber(limit)} of ${formatNumber(rows.length)} rows` : `${formatNumber(rows.length)} row(s)`,
    ),
  );
  return wrapper;
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
