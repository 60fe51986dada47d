import { joinKey } from '../../storage/keys.js';
import type { NormalizedRecord } from '../../normalizing/types.js';
import { addTo, clip, clipOrNull, dimensionKeyPart, msToMicros } from '../rowValues.js';
import type { AggregateView, Route, RowData } from '../types.js';
import { closeRow, openValue } from '../openValues.js';
import { addToSketch, decodeSketch, encodeSketch } from './durationSketch.js';
import { forHourAndDay, hourAndDayRoute } from '../hourAndDay.js';
import { isFailedResult } from '../failedResult.js';

export const RECORDING_OPERATIONS_TABLE = 'RecordingOperations';

/**
 * Call Recording API requests per resource and per hour and day of the record's time, by
 * OperationName, ResultSignature and SdkType: count, failed, and DurationMs as exact min and max,
 * an integer sum of microseconds (for the mean) and a DDSketch-style histogram (percentiles within
 * 1%, see durationSketch.ts). Hourly (`h|YYYY-MM-DDTHH|op|sig|sdk`) and daily (`d|op|sig|sdk`) rows
 * share the partition of the resource's UTC day and change in one transaction, so a day's sketch is
 * by construction the merge of its hours'.
 */
export const recordingOperationsView: AggregateView = {
  table: RECORDING_OPERATIONS_TABLE,

  route(record: NormalizedRecord): Route | null {
    if (record.category !== 'CallRecordingOperational') return null;
    const dims = joinKey(dimensionKeyPart(record.operationName), dimensionKeyPart(record.resultSignature), dimensionKeyPart(record.sdkType));
    return hourAndDayRoute(record.resourceId, record.time, dims);
  },

  apply(record: NormalizedRecord, rows: RowData[]): void {
    if (record.category !== 'CallRecordingOperational') return;
    const failed = isFailedResult(record.resultType, record.resultSignature);
    forHourAndDay(rows, record.time, (row, granularity, bucket) => {
      if (row['count'] === undefined) {
        row['resourceId'] = record.resourceId;
        row['granularity'] = granularity;
        row['bucket'] = bucket;
        row['operationName'] = clip(record.operationName);
        row['resultSignature'] = clipOrNull(record.resultSignature);
        row['sdkType'] = clipOrNull(record.sdkType);
      }
      addTo(row, 'count', 1);
      addTo(row, 'failed', failed ? 1 : 0);
      const duration = record.durationMs;
      if (duration === null) return;
      addTo(row, 'durationCount', 1);
      addTo(row, 'durationSumUs', msToMicros(duration));
      const min = row['durationMinMs'];
      if (typeof min !== 'number' || duration < min) row['durationMinMs'] = duration;
      const max = row['durationMaxMs'];
      if (typeof max !== 'number' || duration > max) row['durationMaxMs'] = duration;
      addToSketch(openValue(row, 'durationSketch', decodeSketch, encodeSketch), duration);
    });
  },

  finalize: closeRow,
};
