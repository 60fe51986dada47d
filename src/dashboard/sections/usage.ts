import { chartsPer, renderCharts } from '../chartSection.js';
import { pivot } from '../series.js';
import { unitOf } from '../units.js';
import type { UsageRow } from '../../lib/querying/queryRows.js';

/** Usage: one chart per unit however it is spelled (minutes and megabytes do not share an axis), a line per usage type. */
export function renderUsage(target: HTMLElement, rows: readonly UsageRow[], step: number): void {
  const perUnit = chartsPer(
    rows,
    (row) => unitOf(row.unitType).key,
    (unit, ofUnit) => ({
      id: `usage-${unit}`,
      title: unit === '' ? 'Usage without a unit' : `Usage in ${unitOf(unit).plural}`,
      unit: unitOf(unit).plural,
      lines: pivot(ofUnit, { bucket: (r) => r.bucket, key: (r) => r.usageType, value: (r) => r.quantity, step }),
    }),
    { id: 'usage', title: 'Usage', unit: '' },
    { weight: (row) => row.records, what: 'units', by: 'records', view: 'usage' },
  );
  renderCharts(target, perUnit.charts, perUnit.leftOut);
}
