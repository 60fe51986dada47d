import type { ViewFilters } from './filters.js';
import type { ViewDefinition } from './views.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** What the rows of the views without time buckets are. */
const UNBUCKETED_ROWS: Readonly<Record<string, string>> = {
  rooms: 'one per room',
  calls: 'one per call',
  retirement: 'months',
  'recordings-per-call': 'counts of calls by their number of recordings',
};

/** The views whose rows are not time buckets: a granularity changes nothing in them. */
export const UNBUCKETED_VIEWS: readonly string[] = Object.keys(UNBUCKETED_ROWS);

/**
 * A granularity given to a view without time buckets, which it changes nothing in; `setting` names it
 * as the caller's surface spells it (`--granularity`, `granularity`).
 */
export function granularityIgnored(view: string, definition: Pick<ViewDefinition, 'columns'>, setting: string): string | undefined {
  if (definition.columns.includes('bucket')) return undefined;
  return `${setting} does not apply to ${view}, whose rows are ${UNBUCKETED_ROWS[view] ?? 'not time buckets'}`;
}

/**
 * Bucketed rows are whole hours or days: a `from`/`to` inside a bucket still returns that bucket's
 * whole counts, while views of single calls or rooms filter exactly. Says so, so that a 15-minute
 * range showing an hour's total surprises no one. `granularity` names the setting as the caller's
 * surface spells it (`--granularity hour` on the command line, `granularity=hour` in the API).
 */
export function bucketNote(
  filters: ViewFilters,
  definition: Pick<ViewDefinition, 'columns' | 'readsDays'>,
  granularity: (value: string) => string,
): string | undefined {
  const readsDays = definition.readsDays === true;
  if (!readsDays && !definition.columns.includes('bucket')) return undefined;
  const unit = readsDays || filters.granularity === 'day' ? 'day' : 'hour';
  const size = unit === 'day' ? DAY_MS : HOUR_MS;
  const partial = [filters.from, filters.to].filter((time): time is string => time !== undefined && Date.parse(time) % size !== 0);
  if (partial.length === 0) return undefined;
  const inside = `${partial.join(' and ')} ${partial.length > 1 ? 'fall' : 'falls'} inside ${unit === 'day' ? 'a day' : 'an hour'}`;
  if (readsDays) return `this view sums whole days: ${inside}, and the whole of ${partial.length > 1 ? 'those days is' : 'that day is'} counted`;
  const rows = `rows are whole ${unit}s (${granularity(unit)}): ${inside}, and each row counts its whole ${unit}`;
  return unit === 'day' ? `${rows}; use ${granularity('hour')} for just the hours asked` : rows;
}
