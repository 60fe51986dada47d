import { chartsPer, renderCharts, type ChartDescription } from '../chartSection.js';
import { formatNumber, h, quantityText } from '../dom.js';
import { largestSeries, pivot, totalsBy } from '../series.js';
import { dataTable } from '../table.js';
import type { RecordingOperationsRow } from '../../lib/querying/queryRows.js';

const PERCENTILES = ['p50', 'p95', 'p99'] as const;

/** Recording operations: counts, p50/p95/p99 latency per operation, failures by SDK. */
export function renderRecordingOperations(target: HTMLElement, rows: readonly RecordingOperationsRow[], step: number): void {
  const failed = rows.filter((row) => row.failed > 0);
  const latencies = chartsPer(
    rows,
    (row) => row.operationName,
    (operation, ofOperation) => latencyChart(operation, ofOperation, step),
    { id: 'recording-latency', title: 'Latency', unit: 'ms' },
    { weight: (row) => row.count, what: 'operations', by: 'requests', view: 'recording-operations' },
  );
  renderCharts(
    target,
    [
      {
        id: 'recording-operations-count',
        title: 'Operations by operation',
        unit: 'operations',
        lines: largestSeries(pivot(rows, { bucket: (r) => r.bucket, key: (r) => r.operationName, value: (r) => r.count, step }), 8),
      },
      ...latencies.charts,
      {
        id: 'recording-failures-by-sdk',
        title: 'Failures by SDK',
        unit: 'failures',
        ...(rows.length > 0 ? { empty: 'no failures in this range' } : {}),
        bars: totalsBy(
          failed,
          (r) => r.sdkType || '(unknown)',
          (r) => r.failed,
        ),
      },
    ],
    latencies.leftOut,
  );
  const bySdkOperation = new Map<string, Pick<RecordingOperationsRow, 'sdkType' | 'operationName' | 'resultSignature' | 'failed'>>();
  for (const row of failed) {
    const key = JSON.stringify([row.sdkType, row.operationName, row.resultSignature]);
    const entry = bySdkOperation.get(key) ?? { sdkType: row.sdkType, operationName: row.operationName, resultSignature: row.resultSignature, failed: 0 };
    entry.failed += row.failed;
    bySdkOperation.set(key, entry);
  }
  target.appendChild(h('h3', {}, 'Failed operations by SDK'));
  target.appendChild(
    dataTable(
      [
        { title: 'SDK', cell: (r) => r.sdkType || '(unknown)' },
        { title: 'operation', cell: (r) => r.operationName },
        { title: 'result signature', cell: (r) => r.resultSignature },
        { title: 'failed', cell: (r) => r.failed, numeric: true },
      ],
      [...bySdkOperation.values()].sort((a, b) => b.failed - a.failed),
      { id: 'recording-failures', label: 'failed recording operations', empty: 'no failed recording operations in this range' },
    ),
  );
}

function latencyChart(operation: string, ofOperation: readonly RecordingOperationsRow[], step: number): ChartDescription {
  const points = ofOperation.flatMap((row) => PERCENTILES.map((p) => ({ bucket: row.bucket, key: p, value: row.durationMs[p] })));
  const latency = pivot(points, { bucket: (p) => p.bucket, key: (p) => p.key, value: (p) => p.value, combine: 'max', missing: null, step });
  latency.series.sort((a, b) => a.label.localeCompare(b.label));
  return {
    id: `recording-latency-${operation}`,
    title: `${operation} latency`,
    unit: 'ms',
    note: 'where a bucket has several result signatures or SDKs, the highest of their percentiles (an upper bound)',
    caption: () =>
      `highest p99 ${formatNumber(Math.max(...ofOperation.map((row) => row.durationMs.p99 ?? 0)))} ms over ${quantityText(
        ofOperation.reduce((sum, row) => sum + row.count, 0),
        'operations',
      )}`,
    lines: latency,
  };
}
