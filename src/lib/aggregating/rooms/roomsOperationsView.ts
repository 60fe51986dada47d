import { encodeKeyPart, joinKey } from '../../storage/keys.js';
import type { NormalizedRecord } from '../../normalizing/types.js';
import { resourceDayPartition } from '../partitions.js';
import { addTo, dayBucket, hourBucket, type AggregateView, type Route, type RowData } from '../types.js';

export const ROOMS_OPERATIONS_TABLE = 'RoomsOperations';

/**
 * Rooms API operations counted per resource and per hour and day of the record's own time, by
 * OperationName, OperationVersion, ResultType and ResultSignature. One partition per resource and
 * UTC day holds that day's hourly rows (`h|...`) and daily rows (`d|...`), so both change in one
 * transaction.
 */
export const roomsOperationsView: AggregateView = {
  table: ROOMS_OPERATIONS_TABLE,

  route(record: NormalizedRecord): Route | null {
    if (record.category !== 'RoomsOperational') return null;
    const day = dayBucket(record.time);
    const hour = hourBucket(record.time);
    const dims = joinKey(
      encodeKeyPart(record.operationName),
      encodeKeyPart(record.operationVersion ?? ''),
      encodeKeyPart(record.resultType ?? ''),
      encodeKeyPart(record.resultSignature ?? ''),
    );
    return {
      partitionKey: roomsOperationsPartition(record.resourceId, day),
      rowKeys: [joinKey('h', hour.slice(0, 13), dims), joinKey('d', dims)],
    };
  },

  apply(record: NormalizedRecord, rows: RowData[]): void {
    if (record.category !== 'RoomsOperational') return;
    const buckets = [
      ['hour', hourBucket(record.time)],
      ['day', dayBucket(record.time)],
    ] as const;
    rows.forEach((row, i) => {
      const bucket = buckets[i];
      if (!bucket) return;
      if (row['count'] === undefined) {
        row['resourceId'] = record.resourceId;
        row['granularity'] = bucket[0];
        row['bucket'] = bucket[1];
        row['operationName'] = record.operationName;
        row['operationVersion'] = record.operationVersion;
        row['resultType'] = record.resultType;
        row['resultSignature'] = record.resultSignature;
      }
      addTo(row, 'count', 1);
    });
  },
};

/** Partition of one resource's UTC day: `<resource>|YYYY-MM-DD`. */
export const roomsOperationsPartition = resourceDayPartition;
