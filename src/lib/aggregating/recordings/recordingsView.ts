import { joinKey } from '../../storage/keys.js';
import { forHourAndDay } from '../hourAndDay.js';
import { resourceDayPartition } from '../partitions.js';
import type { NormalizedRecord, RecordingSummaryRecord } from '../../normalizing/types.js';
import { addTo, bumpCount, keyOf, secondsToMs } from '../rowValues.js';
import { dayBucket, hourBucket } from '../timeBuckets.js';
import type { AggregateView, Route, RowData } from '../types.js';
import { closeRow } from '../openValues.js';

export const RECORDINGS_TABLE = 'Recordings';

/**
 * Recording summaries per resource and per hour and day in which the recording started
 * (RecordingStartTime; the summary's own time when it has none): recordings, recording length as
 * integer milliseconds, chunks, audio channels, and counts by FormatType, ChannelType, ContentType
 * and RecordingEndReason (JSON maps with sorted keys). One partition per resource and UTC day holds
 * the day's hourly rows (`h|YYYY-MM-DDTHH`) and its daily row (`d|YYYY-MM-DD`), changed together.
 * Every summary counts, with or without a CorrelationId.
 */
export const recordingsView: AggregateView = {
  table: RECORDINGS_TABLE,

  route(record: NormalizedRecord): Route | null {
    if (record.category !== 'CallRecordingSummary') return null;
    const time = recordingTime(record);
    const day = dayBucket(time);
    return {
      partitionKey: resourceDayPartition(record.resourceId, day),
      rowKeys: [joinKey('h', hourBucket(time).slice(0, 13)), joinKey('d', day.slice(0, 10))],
    };
  },

  apply(record: NormalizedRecord, rows: RowData[]): void {
    if (record.category !== 'CallRecordingSummary') return;
    const time = recordingTime(record);
    forHourAndDay(rows, time, (row, granularity, bucket) => {
      if (row['recordings'] === undefined) {
        row['resourceId'] = record.resourceId;
        row['granularity'] = granularity;
        row['bucket'] = bucket;
      }
      addTo(row, 'recordings', 1);
      addTo(row, 'recordingMs', record.recordingLengthSeconds === null ? 0 : secondsToMs(record.recordingLengthSeconds));
      addTo(row, 'chunks', record.chunkCount ?? 0);
      addTo(row, 'audioChannels', record.audioChannelsCount ?? 0);
      bumpCount(row, 'byFormat', keyOf(record.formatType));
      bumpCount(row, 'byChannel', keyOf(record.channelType));
      bumpCount(row, 'byContent', keyOf(record.contentType));
      bumpCount(row, 'byEndReason', keyOf(record.recordingEndReason));
    });
  },

  finalize: closeRow,
};

/** A recording is counted when it started; a summary without a start time, when it was logged. */
export function recordingTime(record: RecordingSummaryRecord): number {
  return record.recordingStartTime ?? record.time;
}
