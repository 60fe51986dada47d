import { renderCharts } from '../chartSection.js';
import { quantityText } from '../dom.js';
import { pivot, totalsOfMaps } from '../series.js';
import type { RecordingsPerCallRow, RecordingsRow } from '../../lib/querying/queryRows.js';

/** Recordings: count and hours over time; by format, channel, content and end reason. */
export function renderRecordings(target: HTMLElement, rows: readonly RecordingsRow[], step: number): void {
  renderCharts(target, [
    {
      id: 'recordings-count',
      title: 'Recordings',
      unit: 'recordings',
      lines: pivot(rows, { bucket: (r) => r.bucket, key: () => 'recordings', value: (r) => r.recordings, step }),
    },
    {
      id: 'recordings-hours',
      title: 'Recorded hours',
      unit: 'hours',
      lines: pivot(rows, { bucket: (r) => r.bucket, key: () => 'hours', value: (r) => r.recordingSeconds / 3600, step }),
    },
    { id: 'recordings-by-format', title: 'By format', unit: 'recordings', bars: totalsOfMaps(rows, (r) => r.byFormat) },
    { id: 'recordings-by-channel', title: 'By channel', unit: 'recordings', bars: totalsOfMaps(rows, (r) => r.byChannel) },
    { id: 'recordings-by-content', title: 'By content', unit: 'recordings', bars: totalsOfMaps(rows, (r) => r.byContent) },
    { id: 'recordings-by-end-reason', title: 'By end reason', unit: 'recordings', bars: totalsOfMaps(rows, (r) => r.byEndReason) },
  ]);
}

/** How many calls had 0, 1, 2 ... recordings. */
export function renderRecordingsPerCall(target: HTMLElement, rows: readonly RecordingsPerCallRow[]): void {
  const sorted = [...rows].sort((a, b) => a.recordings - b.recordings);
  renderCharts(target, [
    {
      id: 'recordings-per-call',
      title: 'Recordings per call',
      unit: 'calls',
      note: 'calls by their number of recordings (0: operations of a call whose recording summary has not arrived)',
      caption: (calls) => quantityText(calls, 'calls'),
      bars: { labels: sorted.map((row) => String(row.recordings)), values: sorted.map((row) => row.calls), ordered: true },
    },
  ]);
}
