import { chartsPer, renderCharts } from '../chartSection.js';
import { MONTH_SECONDS } from '../charts.js';
import { clipped, formatNumber, h, shortResource } from '../dom.js';
import { pivot, totalsBy } from '../series.js';
import { dataTable } from '../table.js';
import { unitOf } from '../units.js';
import type { RetirementRow } from '../../lib/querying/queryRows.js';

/** Retirement: billed quantity per month and usage type with its fate on 2028-09-30. */
export function renderRetirement(target: HTMLElement, rows: readonly RetirementRow[]): void {
  target.appendChild(
    h(
      'p',
      { class: 'note', 'data-note': 'retirement' },
      'Microsoft retires the standalone Communication Services on 2028-09-30 and decommissions their Azure Monitor telemetry after that date. ',
      'These aggregates are rows in your own storage account, read from the logs archived there, so this history stays readable afterwards.',
    ),
  );
  // Minutes and megabytes do not share an axis: one chart per unit, however it is spelled.
  const perUnit = chartsPer(
    rows,
    (row) => unitOf(row.unitType).key,
    (unit, ofUnit) => ({
      id: `retirement-${unit}`,
      title: `${unit === '' ? 'Quantity' : capitalized(unitOf(unit).plural)} by month and fate`,
      unit: unitOf(unit).plural,
      note: 'one line per usage type, named with its fate on 2028-09-30',
      step: MONTH_SECONDS,
      lines: pivot(ofUnit, { bucket: (r) => `${r.month}-01T00:00:00Z`, key: (r) => `${r.usageType} (${r.fate})`, value: (r) => r.quantity }),
    }),
    { id: 'retirement', title: 'Usage by month and fate', unit: '' },
    { weight: (row) => row.records, what: 'units', by: 'records', view: 'retirement' },
  );
  renderCharts(
    target,
    [
      ...perUnit.charts,
      {
        id: 'retirement-records-by-fate',
        title: 'Usage records by fate',
        unit: 'records',
        note: 'retired, breaking change (kept only for Teams-aligned scenarios), unaffected, or unknown (a usage type the mapping does not name)',
        bars: totalsBy(
          rows,
          (r) => r.fate,
          (r) => r.records,
        ),
      },
    ],
    perUnit.leftOut,
  );
  target.appendChild(h('h3', {}, 'Usage by month, with its fate'));
  target.appendChild(
    dataTable(
      [
        { title: 'month', cell: (r) => r.month },
        { title: 'resource', cell: (r) => shortResource(r.resourceId) },
        { title: 'usage type', cell: (r) => r.usageType || '(none)' },
        { title: 'unit', cell: (r) => r.unitType || '(none)' },
        { title: 'quantity', cell: (r) => r.quantity, numeric: true },
        { title: 'records', cell: (r) => r.records, numeric: true },
        { title: 'service', cell: (r) => r.service },
        { title: 'fate', cell: (r) => h('span', { class: `fate fate-${r.fate.replace(/ /g, '-')}` }, r.fate) },
        { title: 'source', cell: (r) => h('span', { class: 'source', title: r.source }, clipped(r.source, 60).text), sort: (r) => r.source },
      ],
      rows,
      { id: 'retirement', label: 'billed usage by month', empty: 'no billed usage in this range' },
    ),
  );
  const unknown = rows.filter((row) => row.fate === 'unknown').reduce((sum, row) => sum + row.records, 0);
  if (unknown > 0)
    target.appendChild(
      h(
        'p',
        { class: 'note' },
        `${formatNumber(unknown)} record(s) have a usage type the mapping does not name (docs/RETIREMENT.md): their fate is unknown, not guessed.`,
      ),
    );
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
