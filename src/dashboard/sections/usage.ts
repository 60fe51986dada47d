import { chartsPer, renderCharts } from '../chartSection.js';
import { pivot } from '../series.js';
import type { UsageRow } from '../../lib/querying/queryRows.js';

/** Usage: one chart per unit (minutes and megabytes do not share an axis), a line per usage type. */
export function renderUsage(target: HTMLElement, rows: readonly UsageRow[], step: number): void {
  const perUnit = chartsPer(
    rows,
    (row) => row.unitType,
    (unit, ofUnit) => ({
      id: `usage-${unit}`,
      title: `Usage in ${unit.toLowerCase()}s`,
      unit: unit.toLowerCase(),
      lines: pivot(ofUnit, { bucket: (r) => r.bucket, key: (r) => r.usageType, value: (r) => r.quantity, step }),
    }),
    { id: 'usage', title: 'Usage', unit: '' },
    { weight: (row) => row.records, what: 'units', by: 'records', view: 'usage' },
  );
  renderCharts(target, perUnit.charts, perUnit.leftOut);
}
