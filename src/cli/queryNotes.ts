import { resourceMatch, type ViewFilters } from '../lib/querying/filters.js';

/** What a query that found no rows searched for: every filter in the user's words, and where. */
export function nothingFound(view: string, filters: ViewFilters, where: string): string {
  const searched: string[] = [];
  if (filters.resourceId) {
    const match = resourceMatch(filters.resourceId);
    const given = filters.resourceId.trim();
    searched.push(match.kind === 'id' ? `resource id ${given} (any case)` : `resource named ${given} (the last segment of its id, any case)`);
  }
  if (filters.correlationId) searched.push(`correlation id ${filters.correlationId} (any case)`);
  if (filters.from) searched.push(`from ${filters.from}`);
  if (filters.to) searched.push(`to ${filters.to} (exclusive)`);
  const what = searched.length > 0 ? `for ${searched.join(', ')}` : 'at all';
  return (
    `no ${view} rows ${what} in ${where}` +
    (searched.length > 0 ? '' : `: no logs this view reads have been processed into them yet ("acs-logs health" shows what was read)`)
  );
}

const DAY_MS = 86_400_000;

/**
 * Day buckets are whole days: a `--from`/`--to` inside a day still returns that day's whole counts.
 * Says so, so that a 3-hour range showing a day's total surprises no one. `readsDays`: the view reads
 * whole days whatever the granularity (retirement).
 */
export function dayBucketNote(filters: ViewFilters, bucketed: boolean, readsDays = false): string | undefined {
  if (!readsDays && (!bucketed || filters.granularity !== 'day')) return undefined;
  const partial = [filters.from, filters.to].filter((time): time is string => time !== undefined && Date.parse(time) % DAY_MS !== 0);
  if (partial.length === 0) return undefined;
  const inside = `${partial.join(' and ')} ${partial.length > 1 ? 'fall' : 'falls'} inside a day`;
  if (readsDays) return `this view sums whole days: ${inside}, and the whole of ${partial.length > 1 ? 'those days is' : 'that day is'} counted`;
  return `rows are whole days (--granularity day): ${inside}, and each row counts its whole day; use --granularity hour for just the hours asked`;
}
