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
      tr.tabIndex = 0;
      tr.addEventListener('click', () => onRowClick(row));
      tr.addEventListener('keydown', (event) => {
        if (event.key === 'Enter') onRowClick(row);
      });
    }
    body.appendChild(tr);
  }
  const head = h('thead', {}, h('tr', {}, ...columns.map((column) => h('th', column.numeric ? { class: 'num' } : {}, column.title))));
  wrapper.appendChild(h('div', { class: 'scroll' }, h('table', {}, head, body)));
  wrapper.appendChild(
    h(
      'p',
      { class: 'count' },
      rows.length > limit ? `showing the first ${formatNumber(limit)} of ${formatNumber(rows.length)} rows` : `${formatNumber(rows.length)} row(s)`,
    ),
  );
  return wrapper;
}
