import { renderCharts } from '../chartSection.js';
import { formatNumber, quantityText } from '../dom.js';
import { pivot, totalsOfMaps } from '../series.js';
import { percentText } from '../share.js';
import type { CallVolumeRow } from '../../lib/querying/queryRows.js';

/** Call volume: calls and call minutes over time, impacted and recorded calls, by call type and endpoint type. */
export function renderCallVolume(target: HTMLElement, rows: readonly CallVolumeRow[], step: number): void {
  const calls = rows.reduce((sum, row) => sum + row.calls, 0);
  const impacted = rows.reduce((sum, row) => sum + row.impactedCalls, 0);
  const recorded = rows.reduce((sum, row) => sum + row.recordedCalls, 0);
  const points = rows.flatMap((row) => [
    { bucket: row.bucket, key: 'calls', value: row.calls },
    { bucket: row.bucket, key: 'impacted', value: row.impactedCalls },
    { bucket: row.bucket, key: 'recorded', value: row.recordedCalls },
  ]);
  const byKind = pivot(points, { bucket: (p) => p.bucket, key: (p) => p.key, value: (p) => p.value, step });
  byKind.series.sort((a, b) => ORDER.indexOf(a.label) - ORDER.indexOf(b.label));
  const minutes = pivot(
    rows.flatMap((row) => [
      { bucket: row.bucket, key: 'call minutes', value: row.callSeconds / 60 },
      { bucket: row.bucket, key: 'participant minutes', value: row.participantSeconds / 60 },
    ]),
    { bucket: (p) => p.bucket, key: (p) => p.key, value: (p) => p.value, step },
  );
  minutes.series.sort((a, b) => a.label.localeCompare(b.label));
  renderCharts(target, [
    {
      id: 'call-volume-calls',
      title: 'Calls, impacted and recorded',
      unit: 'calls',
      note: 'by the hour or day the call started; impacted: at least one poor stream; recorded: at least one recording summary',
      caption: () =>
        `${quantityText(calls, 'calls')}: ${formatNumber(impacted)} impacted (${percentText(impacted, calls)}), ${formatNumber(recorded)} recorded (${percentText(recorded, calls)})`,
      lines: byKind,
    },
    {
      id: 'call-volume-minutes',
      title: 'Call minutes',
      unit: 'minutes',
      note: "call minutes: each call's duration; participant minutes: the sum over its legs",
      caption: () =>
        `${formatNumber(rows.reduce((sum, row) => sum + row.callSeconds, 0) / 60)} call minutes, ${formatNumber(rows.reduce((sum, row) => sum + row.participantSeconds, 0) / 60)} participant minutes`,
      lines: minutes,
    },
    { id: 'call-volume-by-call-type', title: 'Calls by call type', unit: 'calls', bars: totalsOfMaps(rows, (r) => r.byCallType) },
    { id: 'call-volume-by-endpoint-type', title: 'Legs by endpoint type', unit: 'legs', bars: totalsOfMaps(rows, (r) => r.byEndpointType) },
  ]);
}

const ORDER = ['calls', 'impacted', 'recorded'];
