import { restoreOffsetPlus } from '../lib/querying/queryTimeText.js';

/** What the page shows, as its URL's query string: a link or a reload shows the same. Pure. */
export interface DashboardState {
  from: string;
  to: string;
  /** `hour` or `day` (a link may say `DAY`); anything else is kept, for the API to refuse and the page to say so. */
  granularity: string;
  resource: string;
  /** Text searched for in the calls table's CorrelationIds. */
  search: string;
  /** Text searched for in the rooms table's room ids. */
  room: string;
  /** The call opened in the drill-down. */
  call: string;
  /** The order the tables' headings chose: `calls.duration.desc,rooms.room.asc` (tableSort reads it). */
  sort: string;
  /**
   * The time range is the URL's or the user's, even when both bounds are empty (`?from=`: all of
   * the history). Without it the page opens on the last days of data (defaultFrom).
   */
  rangeGiven: boolean;
}

export const DEFAULT_STATE: Readonly<DashboardState> = {
  from: '',
  to: '',
  granularity: 'hour',
  resource: '',
  search: '',
  room: '',
  call: '',
  sort: '',
  rangeGiven: false,
};

/**
 * Longest search typed or pasted: the ids searched are kept to 1,024 characters (MAX_ID_CHARS), so a
 * longer text finds nothing, and the search is in the page's URL, which the server refuses above 16 KiB
 * (a reload or a link of a page holding a pasted page of text would be a 431).
 */
export const MAX_SEARCH_CHARS = 1_024;

/**
 * Longest search as the URL writes it: a character there is up to 9 (`中` is `%E4%B8%AD`), so two
 * boxes of 1,024 such characters made an 18 KB link (431); 1,024 of `é` (6 each) still fit whole.
 */
export const MAX_SEARCH_URL_CHARS = 6_144;

/** The longest start of `text` (whole characters) that the URL writes in at most `limit` characters. */
export function withinUrlChars(text: string, limit: number): string {
  let length = 0;
  let end = 0;
  for (const character of text) {
    // As URLSearchParams writes it: a lone surrogate as U+FFFD (%EF%BF%BD), a space as `+`.
    length += new URLSearchParams({ c: character }).toString().length - 2;
    if (length > limit) return text.slice(0, end);
    end += character.length;
  }
  return text;
}

/** The names in the query string; `code` (the Functions key) is carried through untouched. */
const KEYS: ReadonlyArray<Exclude<keyof DashboardState, 'rangeGiven'>> = ['from', 'to', 'granularity', 'resource', 'search', 'room', 'call', 'sort'];

export function readState(search: string): DashboardState {
  const params = new URLSearchParams(search);
  const text = (name: string): string => (params.get(name) ?? '').trim();
  const granularity = text('granularity').toLowerCase() || 'hour';
  // A CorrelationId is kept as given: one logged with spaces around it is opened as it is.
  const call = params.get('call') ?? '';
  // A link written by hand with `+02:00` reads as the API reads it, and shows so in its box.
  return {
    from: restoreOffsetPlus(text('from')),
    to: restoreOffsetPlus(text('to')),
    granularity,
    resource: text('resource'),
    search: text('search'),
    room: text('room'),
    call: call.trim() === '' ? '' : call,
    sort: text('sort'),
    // `?from=` (empty) is a choice too: no bound, not the default range.
    rangeGiven: params.has('from') || params.has('to'),
  };
}

/**
 * The query string for a state, keeping parameters the page does not own (the function key) and
 * leaving defaults out; a range given with no bound at all is written `from=`, so a reload keeps it.
 */
export function writeState(state: DashboardState, current: string): string {
  const params = new URLSearchParams(current);
  for (const key of KEYS) {
    const value = state[key];
    if (value === '' || value === DEFAULT_STATE[key]) params.delete(key);
    else params.set(key, value);
  }
  if (state.rangeGiven && state.from === '' && state.to === '') params.set('from', '');
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** The API's filter parameters for a state (the calls drill-down adds its own correlationId). */
export function apiFilters(state: DashboardState): URLSearchParams {
  const params = new URLSearchParams({ granularity: state.granularity });
  if (state.from) params.set('from', state.from);
  if (state.to) params.set('to', state.to);
  if (state.resource) params.set('resource', state.resource);
  return params;
}

/** Days the page opens on when its URL gives no range: the newest record's UTC day and the six before it. */
export const DEFAULT_RANGE_DAYS = 7;

/**
 * The `from` the page opens on when its URL gives no range: the start of the UTC day six days
 * before the day of the newest record (`YYYY-MM-DD`), or undefined when there is no record.
 */
export function defaultFrom(newestRecordTimes: ReadonlyArray<string | null | undefined>): string | undefined {
  const times = newestRecordTimes.map((time) => (time ? Date.parse(time) : Number.NaN)).filter((time) => Number.isFinite(time));
  if (times.length === 0) return undefined;
  const newest = new Date(Math.max(...times));
  const start = Date.UTC(newest.getUTCFullYear(), newest.getUTCMonth(), newest.getUTCDate() - (DEFAULT_RANGE_DAYS - 1));
  return new Date(start).toISOString().slice(0, 10);
}

/** The column a table is sorted by, by the column's title, as the URL keeps it. */
export interface TableSort {
  column: string;
  descending: boolean;
}

/** The order `sort` (the URL's) gives the table `table`, if any: its entry `table.column.asc` or `table.column.desc`. */
export function tableSort(sort: string, table: string): TableSort | undefined {
  for (const entry of sort.split(',')) {
    const direction = entry.slice(entry.lastIndexOf('.') + 1);
    const column = entry.slice(table.length + 1, entry.lastIndexOf('.'));
    if (entry.startsWith(`${table}.`) && column !== '' && (direction === 'asc' || direction === 'desc')) return { column, descending: direction === 'desc' };
  }
  return undefined;
}

/** `sort` with the table's order replaced by `order`, the other tables' kept. */
export function withTableSort(sort: string, table: string, order: TableSort): string {
  const others = sort.split(',').filter((entry) => entry !== '' && !entry.startsWith(`${table}.`));
  return [...others, `${table}.${order.column}.${order.descending ? 'desc' : 'asc'}`].join(',');
}
