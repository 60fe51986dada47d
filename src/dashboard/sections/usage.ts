import { timeChart } from '../charts.js';
import { h } from '../dom.js';
import { pivot } from '../series.js';
import type { UsageRow } from '../../lib/querying/queryRows.js';

/** Usage: one chart per unit (minutes and megabytes do not share an axis), a line per usage type. */
export function renderUsage(target: HTMLElement, rows: readonly UsageRow[]): void {
  const charts = h('div', { class: 'charts' });
  target.appendChild(charts);
  const units = [...new Set(rows.map((row) => row.unitType))].sort();
  for (const unit of units) {
    const ofUnit = rows.filter((row) => row.unitType === unit);
    timeChart(
      charts,
      { id: `usage-${unit}`, title: `Usage in ${unit.toLowerCase()}s`, unit: unit.toLowerCase() },
      pivot(ofUnit, { bucket: (r) => r.bucket, key: (r) => r.usageType, value: (r) => r.quantity }),
    );
  }
  if (units.length === 0) timeChart(charts, { id: 'usage', title: 'Usage', unit: '' }, { times: [], series: [] });
}
