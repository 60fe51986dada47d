import { encodeKeyPart, joinKey } from '../../storage/keys.js';
import type { NormalizedRecord } from '../../normalizing/types.js';
import { forHourAndDay, hourAndDayRoute } from '../hourAndDay.js';
import { addTo } from '../rowValues.js';
import type { AggregateView, Route, RowData } from '../types.js';

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
    const dims = joinKey(
      encodeKeyPart(record.operationName),
      encodeKeyPart(record.operationVersion ?? ''),
      encodeKeyPart(record.resultType ?? ''),
      encodeKeyPart(record.resultSignature ?? ''),
    );
    return hourAndDayRoute(record.resourceId, record.time, dims);
  },

  apply(record: NormalizedRecord, rows: RowData[]): void {
    if (record.category !== 'RoomsOperational') return;
    forHourAndDay(rows, record.time, (row, granularity, bucket) => {
      if (row['count'] === undefined) {
        row['resourceId'] = record.resourceId;
        row['granularity'] = granularity;
        row['bucket'] = bucket;
        row['operationName'] = record.operationName;
        row['operationVersion'] = record.operationVersion;
        row['resultType'] = record.resultType;
        row['resultSignature'] = record.resultSignature;
      }
      addTo(row, 'count', 1);
    });
  },
};
