import { barChart, timeChart, type ChartSpec } from './charts.js';
import { h } from './dom.js';
import type { Bars, TimeSeries } from './series.js';

/** One chart of a section: what it says (spec) and what it draws, lines over time or bars. */
export type ChartDescription = ChartSpec & ({ lines: TimeSeries } | { bars: Bars });

/** A section's charts, in order, in one `charts` block; the block is on the page before they are drawn, since a chart takes its width from it. */
export function renderCharts(target: HTMLElement, charts: readonly ChartDescription[], leftOut?: string): void {
  const block = h('div', { class: 'charts' });
  target.appendChild(block);
  for (const chart of charts) {
    if ('bars' in chart) barChart(block, chart, chart.bars);
    else timeChart(block, chart, chart.lines);
  }
  if (leftOut !== undefined) target.appendChild(h('p', { class: 'note', 'data-left-out': 'charts' }, leftOut));
}

/** At most this many charts of one kind (per operation, per unit): thousands of names in the logs would take the page minutes to draw. */
export const MAX_CHARTS_PER_KIND = 12;

/** Charts of one kind, and a note counting what was left out (undefined when nothing was). */
export interface ChartsPer {
  charts: ChartDescription[];
  leftOut: string | undefined;
}

/**
 * One chart per value of `key` over the rows that have it, in sorted order: the MAX_CHARTS_PER_KIND
 * values of the largest total `weight`, the others counted in `leftOut`. Without rows, the empty chart `none`.
 */
export function chartsPer<T>(
  rows: readonly T[],
  key: (row: T) => string,
  chart: (value: string, ofValue: readonly T[]) => ChartDescription,
  none: ChartSpec,
  kept: { weight: (row: T) => number; what: string; by: string; view: string },
): ChartsPer {
  const byValue = new Map<string, T[]>();
  for (const row of rows) {
    const value = key(row);
    const ofValue = byValue.get(value);
    if (ofValue) ofValue.push(row);
    else byValue.set(value, [row]);
  }
  if (byValue.size === 0) return { charts: [{ ...none, lines: { times: [], series: [] } }], leftOut: undefined };
  const weightOf = (ofValue: readonly T[]): number => ofValue.reduce((total, row) => total + kept.weight(row), 0);
  const ranked = [...byValue].map(([value, ofValue]) => ({ value, ofValue, weight: weightOf(ofValue) }));
  ranked.sort((a, b) => b.weight - a.weight || compare(a.value, b.value));
  const shown = ranked.slice(0, MAX_CHARTS_PER_KIND).sort((a, b) => compare(a.value, b.value));
  const left = ranked.length - shown.length;
  return {
    charts: shown.map(({ value, ofValue }) => chart(value, ofValue)),
    leftOut:
      left > 0
        ? `${left.toLocaleString('en-US')} more ${kept.what} not charted (charted: the ${MAX_CHARTS_PER_KIND} with the most ${kept.by}); /api/query/${kept.view} has every one`
        : undefined,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
