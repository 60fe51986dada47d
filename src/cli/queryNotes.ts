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
  // A range read as one ("for from X" and "for to Y" read as typos).
  const range =
    filters.from && filters.to
      ? `from ${filters.from} to ${filters.to} (exclusive)`
      : filters.from
        ? `from ${filters.from} on`
        : filters.to
          ? `before ${filters.to}`
          : undefined;
  const what = [...(searched.length > 0 ? [`for ${searched.join(', ')}`] : []), ...(range ? [range] : [])].join(' ') || 'at all';
  return (
    `no ${view} rows ${what} in ${where}` +
    (what !== 'at all'
      ? ''
      : `: nothing processed into them makes a row of this view yet, as when its logs were not read ("acs-logs health" shows what was read)`)
  );
}
