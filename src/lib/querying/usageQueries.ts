import { USAGE_TABLE } from '../aggregating/index.js';
import { compareStrings } from '../aggregating/rowValues.js';
import { microsToNumber } from '../aggregating/usage/quantity.js';
import { usageRowSchema, type UsageStoredRow } from '../aggregating/usage/usageRows.js';
import { parseStoredRow } from '../storage/storedRows.js';
import type { TableStore } from '../storage/TableStore.js';
import type { ViewFilters } from './filters.js';
import type { SameShape, UsageRow } from './queryRows.js';
import { readBuckets, type BucketRows } from './scanBuckets.js';

/** The stored row without its granularity, its sum in units: what `query usage` shows. */
type UsageValues = Omit<UsageStoredRow, 'granularity' | 'quantityMicros'> & { quantity: number };

/** The rows of `usage`: billing usage per bucket, by UsageType and UnitType. */
export const USAGE_ROWS: BucketRows<SameShape<UsageRow, UsageValues>> = {
  table: USAGE_TABLE,
  toRow: (stored) => {
    const row = parseStoredRow(usageRowSchema, USAGE_TABLE, stored);
    return {
      bucket: row.bucket,
      resourceId: row.resourceId,
      usageType: row.usageType,
      unitType: row.unitType,
      quantity: microsToNumber(row.quantityMicros),
      records: row.records,
    };
  },
  compare: (a, b) =>
    compareStrings(a.bucket, b.bucket) ||
    compareStrings(a.resourceId, b.resourceId) ||
    compareStrings(a.usageType, b.usageType) ||
    compareStrings(a.unitType, b.unitType),
};

/** Billing usage per bucket, by UsageType and UnitType. */
export function queryUsage(tables: TableStore, filters: ViewFilters): Promise<UsageRow[]> {
  return readBuckets(tables, filters, USAGE_ROWS);
}
