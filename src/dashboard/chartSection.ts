import { barChart, timeChart, type ChartSpec } from './charts.js';
import { h } from './dom.js';
import type { Bars, TimeSeries } from './series.js';

/** One chart of a section: what it says (spec) and what it draws, lines over time or bars. */
export type ChartDescription = ChartSpec & ({ lines: TimeSeries } | { bars: Bars });

/** A section's charts, in order, in one `charts` block; the block is on the page before they are drawn, since a chart takes its width from it. */
export function renderCharts(target: HTMLElement, charts: readonly ChartDescription[]): void {
  const block = h('div', { class: 'charts' });
  target.appendChild(block);
  for (const chart of charts) {
    if ('bars' in chart) barChart(block, chart, chart.bars);
    else timeChart(block, chart, chart.lines);
  }
}

/** One chart per value of `key` (in sorted order) over the rows that have it; without rows, the empty chart `none`. */
export function chartsPer<T>(
  rows: readonly T[],
  key: (row: T) => string,
  chart: (value: string, ofValue: readonly T[]) => ChartDescription,
  none: ChartSpec,
): ChartDescription[] {
  const values = [...new Set(rows.map(key))].sort();
  if (values.length === 0) return [{ ...none, lines: { times: [], series: [] } }];
  return values.map((value) =>
    chart(
      value,
      rows.filter((row) => key(row) === value),
    ),
  );
}
