import { compareStrings } from '../aggregating/rowValues.js';
import { microsToNumber } from '../aggregating/usage/quantity.js';
import { usageRowSchema } from '../aggregating/usage/usageRows.js';
import { fateOf } from '../aggregating/usage/retirementFates.js';
import { USAGE_TABLE } from '../aggregating/usage/usageView.js';
import { parseStoredRow } from '../storage/storedRows.js';
import type { TableStore } from '../storage/TableStore.js';
import type { ViewFilters } from './filters.js';
import type { RetirementRow } from './queryRows.js';
import { scanBuckets } from './scanBuckets.js';

/**
 * Billing usage per resource and month by UsageType and UnitType, each with what happens to its
 * service on the retirement date. Read from the Usage table's daily rows (so `--from/--to` select
 * days) and summed exactly; the fate is looked up when queried, so a corrected mapping applies to
 * every month already kept.
 */
export async function queryRetirement(tables: TableStore, filters: ViewFilters): Promise<RetirementRow[]> {
  const months = new Map<string, { month: string; resourceId: string; usageType: string; unitType: string; micros: bigint; records: number }>();
  for await (const row of scanBuckets(tables, USAGE_TABLE, { ...filters, granularity: 'day' })) {
    const { bucket, resourceId, usageType, unitType, quantityMicros, records } = parseStoredRow(usageRowSchema, USAGE_TABLE, row);
    const month = bucket.slice(0, 7);
    const key = JSON.stringify([month, resourceId, usageType, unitType]);
    let entry = months.get(key);
    if (!entry) months.set(key, (entry = { month, resourceId, usageType, unitType, micros: 0n, records: 0 }));
    entry.micros += quantityMicros;
    entry.records += records;
  }
  return [...months.values()]
    .map((m) => {
      const fate = fateOf(m.usageType);
      return {
        month: m.month,
        resourceId: m.resourceId,
        usageType: m.usageType,
        unitType: m.unitType,
        quantity: microsToNumber(m.micros),
        records: m.records,
        service: fate.service,
        fate: fate.fate,
        source: fate.source,
      };
    })
    .sort(
      (a, b) =>
        compareStrings(a.month, b.month) ||
        compareStrings(a.resourceId, b.resourceId) ||
        compareStrings(a.usageType, b.usageType) ||
        compareStrings(a.unitType, b.unitType),
    );
}
