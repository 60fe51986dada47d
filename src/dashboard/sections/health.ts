import { formatNumber, formatSeconds, formatTime, h } from '../dom.js';
import { dataTable } from '../table.js';
import { fileName } from '../../lib/storage/fileName.js';
import type { Health } from '../../lib/querying/queryRows.js';

/** Health: status, per container progress, lag, quarantine and stuck files. */
export function renderHealth(target: HTMLElement, health: Health): void {
  const quarantined = health.containers.reduce((sum, c) => sum + c.quarantined, 0);
  target.appendChild(
    h(
      'p',
      { class: `status status-${health.status}`, 'data-status': health.status },
      `status: ${health.status}`,
      health.status === 'degraded'
        ? ` (${formatNumber(quarantined)} quarantine entr${quarantined === 1 ? 'y' : 'ies'}, ${formatNumber(health.stuck.length)} stuck file(s)` +
            (health.logsAccount ? `; the logs account could not be read: ${health.logsAccount.error}` : '') +
            ')'
        : '',
      ` · checked ${formatTime(health.checkedAt)} UTC`,
    ),
  );
  // "ok" only says that nothing failed: a store nothing was ever read into (serve given the wrong --data-dir) says so.
  if (health.containers.every((c) => c.files === 0 && c.quarantined === 0)) {
    target.appendChild(
      h(
        'p',
        { class: 'note', 'data-note': 'nothing-read' },
        'no file of these containers has been read into this store yet, so nothing has failed either: run process, backfill or watch first, or check which store this dashboard was given.',
      ),
    );
  }
  target.appendChild(h('p', { class: 'note' }, 'lag: from the newest record read to the time of the check (large when old logs were processed).'));
  target.appendChild(
    dataTable(
      [
        { title: 'container', cell: (c) => c.container },
        { title: 'files', cell: (c) => c.files, numeric: true },
        { title: 'open files', cell: (c) => c.openFiles, numeric: true },
        { title: 'records', cell: (c) => c.records, numeric: true },
        { title: 'bad lines', cell: (c) => c.badLines, numeric: true },
        { title: 'quarantined', cell: (c) => c.quarantined, numeric: true },
        { title: 'stuck files', cell: (c) => c.stuckFiles, numeric: true },
        { title: 'lag', cell: (c) => formatSeconds(c.lagSeconds), sort: (c) => c.lagSeconds },
        { title: 'newest record', cell: (c) => formatTime(c.newestRecordAt) },
        { title: 'last processed', cell: (c) => formatTime(c.lastProcessedAt) },
      ],
      health.containers,
      { id: 'health-containers', label: 'log containers', empty: 'no containers' },
    ),
  );
  if (health.stuck.length > 0) {
    target.appendChild(h('h3', {}, 'Stuck files'));
    target.appendChild(
      dataTable(
        [
          { title: 'file', cell: (f) => fileName(f) },
          { title: 'failures', cell: (f) => f.failures, numeric: true },
          { title: 'since', cell: (f) => formatTime(f.firstFailedAt) },
          { title: 'next retry', cell: (f) => formatTime(f.nextRetryAt) },
          { title: 'last error', cell: (f) => f.lastError },
        ],
        health.stuck,
        { id: 'health-stuck', label: 'stuck files' },
      ),
    );
  }
}
