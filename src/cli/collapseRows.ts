import { compareStrings } from '../lib/aggregating/rowValues.js';
import { VIEWS } from '../lib/querying/views.js';

/**
 * Rows that agree on every shown column but the additive ones become one row, those summed (a
 * hidden operationVersion no longer shows as two identical-looking rows). Any other shown value
 * (durationMs) must agree too, and so must an additive field's unit, so nothing is merged that cannot be.
 */
export function collapseRows(view: string, rows: readonly object[], shown: readonly string[]): object[] {
  const definition = Object.hasOwn(VIEWS, view) ? VIEWS[view] : undefined;
  const additive = (definition?.additive ?? []).filter((field) => shown.includes(field));
  if (additive.length === 0) return [...rows];
  // A quantity shown without its unit (Minute, Megabyte) is summed per unit: rows of two units stay apart.
  const units = additive.map((field) => definition?.unitOf?.[field]).filter((unit): unit is string => unit !== undefined && !shown.includes(unit));
  const keyFields = [...shown.filter((field) => !additive.includes(field)), ...units];
  const groups = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    const key = JSON.stringify(keyFields.map((field) => record[field] ?? null));
    const group = groups.get(key);
    if (!group) {
      groups.set(key, Object.fromEntries(shown.map((field) => [field, record[field]])));
      continue;
    }
    for (const field of additive) group[field] = sum(group[field], record[field]);
  }
  const identity = definition?.identity ?? [];
  const keys = identity.filter((field) => shown.includes(field) && !additive.includes(field));
  // Rows sorted by a key not shown (the resource) would read unsorted: Audio, NAT, Audio again. Sorted by the keys shown, stably.
  if (keys.length === identity.length) return [...groups.values()];
  return [...groups.values()].sort((a, b) => {
    for (const key of keys) {
      const order = compareValues(a[key], b[key]);
      if (order !== 0) return order;
    }
    return 0;
  });
}

/** Nulls first, numbers by value, the rest as text by code unit (as the views sort). */
function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return compareStrings(String(a), String(b));
}

function sum(a: unknown, b: unknown): number {
  // Rounded to the microunit: sums of decimals such as seconds must not print 0.30000000000000004.
  return Math.round(((typeof a === 'number' ? a : 0) + (typeof b === 'number' ? b : 0)) * 1e6) / 1e6;
}
