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
  /** The call opened in the drill-down. */
  call: string;
}

export const DEFAULT_STATE: Readonly<DashboardState> = { from: '', to: '', granularity: 'hour', resource: '', search: '', call: '' };

/** The names in the query string; `code` (the Functions key) is carried through untouched. */
const KEYS: ReadonlyArray<keyof DashboardState> = ['from', 'to', 'granularity', 'resource', 'search', 'call'];

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
    call: call.trim() === '' ? '' : call,
  };
}

/** The query string for a state, keeping parameters the page does not own (the function key) and leaving defaults out. */
export function writeState(state: DashboardState, current: string): string {
  const params = new URLSearchParams(current);
  for (const key of KEYS) {
    const value = state[key];
    if (value === '' || value === DEFAULT_STATE[key]) params.delete(key);
    else params.set(key, value);
  }
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
