import { VIEWS } from '../lib/querying/views.js';

/**
 * Rows that agree on every shown column but the additive ones become one row, those summed (a
 * hidden operationVersion no longer shows as two identical-looking rows). Any other shown value
 * (durationMs) must agree too, so nothing is merged that cannot be.
 */
export function collapseRows(view: string, rows: readonly object[], shown: readonly string[]): object[] {
  const additive = ((Object.hasOwn(VIEWS, view) ? VIEWS[view]?.additive : undefined) ?? []).filter((field) => shown.includes(field));
  if (additive.length === 0) return [...rows];
  const groups = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    const key = JSON.stringify(shown.filter((field) => !additive.includes(field)).map((field) => record[field] ?? null));
    const group = groups.get(key);
    if (!group) {
      groups.set(key, Object.fromEntries(shown.map((field) => [field, record[field]])));
      continue;
    }
    for (const field of additive) group[field] = sum(group[field], record[field]);
  }
  return [...groups.values()];
}

function sum(a: unknown, b: unknown): number {
  // Rounded to the microunit: sums of decimals such as seconds must not print 0.30000000000000004.
  return Math.round(((typeof a === 'number' ? a : 0) + (typeof b === 'number' ? b : 0)) * 1e6) / 1e6;
}
