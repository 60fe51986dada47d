import { USAGE_TABLE } from '../aggregating/index.js';
import { compareStrings } from '../aggregating/rowValues.js';
import { microsToNumber, readMicros } from '../aggregating/usage/quantity.js';
import type { TableStore } from '../storage/TableStore.js';
import { numberOr, type ViewFilters } from './filters.js';
import { scanBuckets } from './scanBuckets.js';

/** One row of `query usage`: a stable contract (docs/RECORDINGS.md). */
export interface UsageRow {
  bucket: string;
  resourceId: string;
  usageType: string;
  unitType: string;
  /** Sum of Quantity, exact to 6 decimals (summed as integer micro-units). */
  quantity: number;
  records: number;
}

/** Billing usage per bucket, by UsageType and UnitType. */
export async function queryUsage(tables: TableStore, filters: ViewFilters): Promise<UsageRow[]> {
  const rows: UsageRow[] = [];
  for await (const row of scanBuckets(tables, USAGE_TABLE, filters)) {
    const d = row.data;
    rows.push({
      bucket: String(d['bucket']),
      resourceId: String(d['resourceId']),
      usageType: typeof d['usageType'] === 'string' ? d['usageType'] : '',
      unitType: typeof d['unitType'] === 'string' ? d['unitType'] : '',
      quantity: microsToNumber(readMicros(d['quantityMicros'])),
      records: numberOr(d['records'], 0) as number,
    });
  }
  return rows.sort(
    (a, b) =>
      compareStrings(a.bucket, b.bucket) || compareStrings(a.resourceId, b.resourceId) || compareStrings(a.usageType, b.usageType) ||
      compareStrings(a.unitType, b.unitType),
  );
}
