import { renderCharts, type ChartDescription } from '../chartSection.js';
import { formatNumber, quantityText } from '../dom.js';
import { largestSeries, pivot } from '../series.js';
import { percentText, shareText } from '../share.js';
import type { CallQualityRow, QualityStats } from '../../lib/querying/queryRows.js';

/** Lines per chart at most; the rest add up in one line. */
const MAX_LINES = 8;

interface Metric {
  id: string;
  title: string;
  unit: string;
  stats: (row: CallQualityRow) => QualityStats;
  /** From the API's unit to the chart's. */
  scale: number;
  threshold: string;
}

/** The three Avg values behind Microsoft's poor-stream rule, with its thresholds. */
const METRICS: readonly Metric[] = [
  { id: 'jitter', title: 'Jitter', unit: 'ms', stats: (r) => r.jitterMs, scale: 1, threshold: 'poor above 30 ms' },
  { id: 'round-trip', title: 'Round trip', unit: 'ms', stats: (r) => r.roundTripMs, scale: 1, threshold: 'poor above 500 ms' },
  { id: 'packet-loss', title: 'Packet loss', unit: '%', stats: (r) => r.packetLoss, scale: 100, threshold: 'poor above 10 %' },
];

const PERCENTILES = ['p50', 'p95'] as const;

/** Call quality: streams and poor streams per media type over time, and p50/p95 of jitter, round trip and packet loss. */
export function renderCallQuality(target: HTMLElement, rows: readonly CallQualityRow[], step: number): void {
  const streams = rows.reduce((sum, row) => sum + row.streams, 0);
  const poor = rows.reduce((sum, row) => sum + row.poorStreams, 0);
  renderCharts(target, [
    {
      id: 'call-quality-streams',
      title: 'Streams by media type',
      unit: 'streams',
      note: 'by the hour or day their call started',
      lines: largestSeries(pivot(rows, { bucket: (r) => r.bucket, key: (r) => r.mediaType, value: (r) => r.streams, step }), MAX_LINES),
    },
    {
      id: 'call-quality-poor-streams',
      title: 'Poor streams by media type',
      unit: 'streams',
      note: 'average jitter above 30 ms, packet loss above 10 % or round trip above 500 ms',
      caption: () => `${formatNumber(poor)} of ${quantityText(streams, 'streams')} poor (${percentText(poor, streams)})`,
      lines: largestSeries(pivot(rows, { bucket: (r) => r.bucket, key: (r) => r.mediaType, value: (r) => r.poorStreams, step }), MAX_LINES),
    },
    ...METRICS.map((metric) => metricChart(rows, metric, streams, step)),
  ]);
}

function metricChart(rows: readonly CallQualityRow[], metric: Metric, streams: number, step: number): ChartDescription {
  const points = rows.flatMap((row) => {
    const stats = metric.stats(row);
    return PERCENTILES.map((p) => ({ bucket: row.bucket, key: `${row.mediaType} ${p}`, value: stats[p] === null ? null : stats[p] * metric.scale }));
  });
  const lines = pivot(points, { bucket: (p) => p.bucket, key: (p) => p.key, value: (p) => p.value, combine: 'max', missing: null, step });
  lines.series.sort((a, b) => a.label.localeCompare(b.label));
  const highest = Math.max(0, ...rows.map((row) => (metric.stats(row).max ?? 0) * metric.scale));
  return {
    id: `call-quality-${metric.id}`,
    title: `${metric.title} (stream averages)`,
    unit: metric.unit,
    note: `p50 and p95 of the streams' averages (${metric.threshold}); where a bucket has several resources, the highest of their percentiles (an upper bound)`,
    caption: () =>
      `highest stream average ${metric.unit === '%' ? shareText(highest) : `${formatNumber(highest)} ${metric.unit}`} over ${quantityText(streams, 'streams')}`,
    lines,
  };
}
