import { joinKey } from '../../storage/keys.js';
import type { NormalizedRecord } from '../../normalizing/types.js';
import { addTo, clip, dimensionKeyPart } from '../rowValues.js';
import type { AggregateView, Route, RowData } from '../types.js';
import { forHourAndDay, hourAndDayRoute } from '../hourAndDay.js';
import { addMicros, toMicros } from './quantity.js';

export const USAGE_TABLE = 'Usage';

/**
 * Billing usage per resource and per hour and day of the record's time, by UsageType and UnitType:
 * records, and the quantity summed exactly as integer micro-units (a decimal string, see
 * quantity.ts). Hourly rows `h|YYYY-MM-DDTHH|usage|unit`, daily rows `d|usage|unit`, in the partition
 * of the resource's UTC day. Participant and user ids are never read.
 */
export const usageView: AggregateView = {
  table: USAGE_TABLE,

  route(record: NormalizedRecord): Route | null {
    if (record.category !== 'Usage') return null;
    const dims = joinKey(dimensionKeyPart(record.usageType), dimensionKeyPart(record.unitType));
    return hourAndDayRoute(record.resourceId, record.time, dims);
  },

  apply(record: NormalizedRecord, rows: RowData[]): void {
    if (record.category !== 'Usage') return;
    const micros = toMicros(record.quantity);
    forHourAndDay(rows, record.time, (row, granularity, bucket) => {
      if (row['records'] === undefined) {
        row['resourceId'] = record.resourceId;
        row['granularity'] = granularity;
        row['bucket'] = bucket;
        row['usageType'] = clip(record.usageType);
        row['unitType'] = clip(record.unitType);
      }
      addTo(row, 'records', 1);
      row['quantityMicros'] = addMicros(row['quantityMicros'], micros);
    });
  },
};
