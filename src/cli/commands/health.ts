import { readHealth } from '../../lib/querying/health.js';
import type { ContainerHealth, Health } from '../../lib/querying/queryRows.js';
import type { CallTimeIndexHealth } from '../../lib/aggregating/calls/callTimeIndexHealth.js';
import { LOCAL_CONTAINER } from '../../lib/storage/LocalLogSource.js';
import { fileName } from '../../lib/storage/fileName.js';
import { displayWidth } from '../displayWidth.js';
import { durationText } from '../../lib/durationText.js';
import { decideExit } from '../decidedExit.js';
import { ExitStatus } from '../errors.js';
import { render, terminalSafeJson } from '../format.js';
import { terminalWidth } from '../terminalWidth.js';
import { oneLine, printable } from '../printable.js';
import { containersFrom } from '../containers.js';
import { cliSettings } from '../settings.js';
import { openStorage, type StorageFlags } from '../storageSession.js';

export interface HealthFlags extends StorageFlags {
  container?: string[];
  format: 'table' | 'json';
  /** Exit 3 when degraded: for scripts that gate on it. Without it, a health report that was read is exit 0. */
  failOnDegraded?: boolean;
}

/** Exit code of `health --fail-on-degraded` when the status is degraded (1 stays "could not read health"). */
export const DEGRADED_EXIT_CODE = 3;

export const CONTAINER_COLUMNS = [
  'container',
  'files',
  'openFiles',
  'records',
  'badLines',
  'quarantined',
  'stuckFiles',
  'replacements',
  'pendingBytes',
  'lag',
  'newestRecordAt',
  'lastProcessedAt',
  'lastSweepAt',
];

/** The columns a narrower terminal gives up first, last first; the rest always show. */
const DROPPED_FIRST = ['lastSweepAt', 'replacements', 'openFiles', 'pendingBytes', 'newestRecordAt', 'lastProcessedAt'];

/**
 * The containers' table within `width` where it can be: every column if they fit, else without the
 * columns a glance needs least (JSON has them all), and the rest cut to fit.
 */
export function containersTable(health: readonly ContainerHealth[], width: number): string {
  const containers = health.map((container) => ({ ...container, lag: container.lagSeconds === null ? null : durationText(container.lagSeconds) }));
  let columns = CONTAINER_COLUMNS;
  for (const dropped of DROPPED_FIRST) {
    if (widest(render(containers, 'table', columns)) <= width) break;
    columns = columns.filter((column) => column !== dropped);
  }
  return render(containers, 'table', columns, { maxWidth: width });
}

function widest(text: string): number {
  return Math.max(...text.split('\n').map(displayWidth));
}

/** `acs-logs health`: what `/api/health` returns, read from the same tables. */
export async function healthCommand(flags: HealthFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<Health> {
  const settings = cliSettings(flags);
  const storage = await openStorage(flags, settings.tablePrefix);
  const where = `tables ${settings.tablePrefix}* of ${storage.where}`;
  let health: Health;
  try {
    // Single files given to `process` live in the container `local`: by default their health shows too.
    const given = flags.container ?? [];
    const containers = given.length > 0 ? given : [...containersFrom(undefined, settings), LOCAL_CONTAINER];
    // By default, also any other container something waits in (a backfill of a container no setting names).
    health = await readHealth(storage.tables, containers, Date.now(), { alsoFound: given.length === 0 });
  } finally {
    await storage.close();
  }
  // A gate on health must not pass on a store this very command made: that is a mistyped or forgotten --data-dir.
  if (flags.failOnDegraded && storage.origin === 'embedded' && flags.earlyAttach?.fresh === true) {
    throw new ExitStatus(`no store to check: ${storage.where}; give the --data-dir that process, backfill or watch used`, 1);
  }
  // "ok" only says that nothing failed: a store nothing was ever read into (a mistyped --data-dir) says so too.
  const nothingRead = health.containers.every((container) => container.files === 0 && container.quarantined === 0);
  // Nor may it pass on tables no run ever touched (a mistyped --table-prefix or account): no file, no sweep, no failure.
  if (flags.failOnDegraded && nothingRead && health.stuck.length === 0 && health.containers.every((container) => container.lastSweepAt === null)) {
    throw new ExitStatus(
      `nothing was ever read into ${where} (no file, no sweep of the timer or watch): give the --table-prefix and storage that process, backfill or watch used`,
      1,
    );
  }
  if (nothingRead) {
    err.write(
      oneLine(
        `note: no file of the containers shown has been read into ${where} yet, so nothing has failed either: ` +
          'run process, backfill or watch first, or check which store (and --container) you meant',
      ) + '\n',
    );
  }
  // The table leaves out `local` while no single file was ever given to `process` (JSON keeps every container).
  const listed = flags.container && flags.container.length > 0 ? health : withoutUnusedLocal(health);
  // Which category each container named by a setting holds: records passed over there are of a category read now.
  const categories = new Map(Object.entries(settings.containers).map(([category, container]) => [container, category]));
  const degraded = flags.failOnDegraded && health.status === 'degraded' ? `status degraded: ${reasons(health)}` : undefined;
  // Decided before the report is written: a closed output must not turn the gate's exit 3 into 0.
  if (degraded !== undefined) decideExit({ code: DEGRADED_EXIT_CODE, message: degraded });
  out.write(flags.format === 'json' ? terminalSafeJson(health) + '\n' : readable(listed, terminalWidth(out), categories));
  if (degraded !== undefined) throw new ExitStatus(degraded, DEGRADED_EXIT_CODE);
  return health;
}

function withoutUnusedLocal(health: Health): Health {
  return { ...health, containers: health.containers.filter((container) => container.container !== LOCAL_CONTAINER || container.files > 0) };
}

/** The health report as a table and lines: what to look at, and the command that shows it. */
export function readable(health: Health, width: number, categories: ReadonlyMap<string, string>): string {
  const lines = [`status: ${health.status}` + (health.status === 'degraded' ? ` (${reasons(health)})` : '') + ` at ${health.checkedAt}`, ''];
  lines.push(containersTable(health.containers, width).trimEnd());
  if (health.callTimeIndex) lines.push('', callTimeIndexLine(health.callTimeIndex));
  lines.push(...passedOverLines(health.containers, categories));
  if (health.stuck.length > 0) {
    lines.push('', `${health.stuck.length} stuck file(s): they hold back nothing else and are retried with backoff; their records count once they read`);
    for (const file of health.stuck) {
      // Paths and errors come from storage: shown, never acted on by the terminal.
      lines.push(`  ${printable(fileName(file))}`);
      lines.push(`    ${file.failures} failure(s) since ${file.firstFailedAt}, last ${file.lastFailedAt}, next retry ${file.nextRetryAt}`);
      lines.push(`    last error: ${printable(file.lastError)}`);
    }
  }
  const quarantined = health.containers.reduce((sum, container) => sum + container.quarantined, 0);
  if (quarantined > 0) {
    lines.push(
      '',
      `${quarantined} quarantine entr${quarantined === 1 ? 'y' : 'ies'}: lines that could not be read (counted in badLines, the rest of their files is read); ` +
        'see them with `acs-logs quarantine list` on the same store, then replay them after a fix or dismiss them (docs/OPERATIONS.md, Quarantine)',
    );
  }
  const replaced = health.containers.flatMap((container) => container.replacedFiles.map((file) => ({ container: container.container, ...file })));
  if (replaced.length > 0) {
    lines.push('', 'files found replaced (bytes already read had changed; read again as a new generation, see docs/ARCHITECTURE.md#file-identity-rules):');
    for (const file of replaced) {
      lines.push(
        printable(
          `  ${fileName(file)}: generation ${file.generation}, ${file.replacements} replacement(s), last ${file.replacedAt ?? 'at an unknown time'} (${file.because ?? 'reason not kept'})`,
        ),
      );
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * Records that containers of a category read now hold and a run passed over: most likely read by an
 * older version that did not read that category. Their checkpoints are past them, so only new tables count them.
 */
function passedOverLines(containers: readonly ContainerHealth[], categories: ReadonlyMap<string, string>): string[] {
  const passedOver = containers.filter((container) => container.unsupported > 0 && categories.has(container.container));
  if (passedOver.length === 0) return [];
  return [
    '',
    'records passed over as of a category not read, which no run reads again (records of another category, or read by a version that did not read that category yet):',
    ...passedOver.map((container) => printable(`  ${container.container}: ${container.unsupported} (${categories.get(container.container) ?? ''})`)),
    'to count them, process the logs again into new tables: a new --table-prefix (ACS_LOGS_TABLE_PREFIX) with backfill or process (docs/OPERATIONS.md, Reprocessing from scratch)',
  ];
}

function callTimeIndexLine(index: CallTimeIndexHealth): string {
  switch (index.state) {
    case 'complete':
      if (index.filesReadByOlderVersions)
        return (
          `time index of calls: complete since ${index.completedAt ?? 'an unknown time'}, but ${index.filesReadByOlderVersions} file(s) were read since ` +
          'by an older version, which may not list the calls it writes: ranged calls queries may leave those calls out; ' +
          'once every writer runs this version, run acs-logs reindex-calls'
        );
      return `time index of calls: complete since ${index.completedAt ?? 'an unknown time'}`;
    case 'listing':
      return 'time index of calls: listing the calls stored before it (queries of a time range read the whole Calls table until it ends)';
    case 'waiting':
      return 'time index of calls: not made yet; the next process, backfill, watch or timer run makes it';
  }
}

function reasons(health: Health): string {
  const quarantined = health.containers.reduce((sum, container) => sum + container.quarantined, 0);
  const parts: string[] = [];
  if (health.stuck.length > 0) parts.push(`${health.stuck.length} stuck file(s)`);
  if (quarantined > 0) parts.push(`${quarantined} quarantine entr${quarantined === 1 ? 'y' : 'ies'}`);
  if (health.logsAccount) parts.push(`the logs account could not be read: ${health.logsAccount.error}`);
  return parts.join(', ');
}
