import { CheckpointStore, FILES_TABLE, SWEEP_STATE_PARTITION } from '../processing/checkpoints.js';
import { FileFailureStore, type FileFailure } from '../processing/fileFailures.js';
import { QUARANTINE_TABLE } from '../processing/quarantine.js';
import { callTimeIndexState } from '../processing/callTimeIndexBuild.js';
import { mapConcurrently } from '../processing/concurrency.js';
import { isPending, quarantineWaitingSchema } from '../processing/quarantineRows.js';
import { olderVersionReadAt, sweepStateRowSchema } from '../processing/checkpointRows.js';
import { odata, type TableStore } from '../storage/TableStore.js';
import { parseStoredRow } from '../storage/storedRows.js';
import type { ContainerHealth, Health, ReplacedFile, SameShape, StuckFile } from './queryRows.js';

/** Replaced files listed per container: the newest ones, so the answer stays small. */
export const REPLACED_FILES_LISTED = 20;

export interface HealthOptions {
  /**
   * Also report the containers in which quarantine entries wait or files are stuck (a `backfill
   * --container` of a container no setting names), and those the timer or `watch` swept: health is
   * never `ok` while something waits, wherever it is.
   */
  alsoFound?: boolean;
}

/** Per container: newest file seen, how far processing has got, quarantine counts and stuck files. */
export async function readHealth(tables: TableStore, containers: readonly string[], now = Date.now(), options: HealthOptions = {}): Promise<Health> {
  const checkpoints = new CheckpointStore(tables);
  // Independent reads, so their requests overlap: health's time is its longest read, not their sum.
  const [{ waiting, replayed }, failing, swept, callTimeIndex] = await Promise.all([
    quarantineByContainer(tables),
    stuckFiles(tables),
    sweptContainers(tables),
    callTimeIndexState(tables),
  ]);
  // Read after the index was complete by a version that does not list the calls it writes.
  const listedSince = callTimeIndex.state === 'complete' ? callTimeIndex.completedAt : null;
  const reported = options.alsoFound ? [...new Set([...containers, ...waiting.keys(), ...failing.keys(), ...swept.keys()])] : containers;
  const read = await mapConcurrently(reported, CONTAINERS_READ_AT_ONCE, (container) =>
    containerHealth(checkpoints, container, replayed.get(container) ?? 0, listedSince),
  );
  const result: ContainerHealth[] = [];
  // A stuck file is its failure row as stored.
  const stuck: SameShape<StuckFile, FileFailure>[] = [];
  let filesReadByOlderVersions = 0;
  for (const { health, readByOlderVersions } of read) {
    filesReadByOlderVersions += readByOlderVersions;
    if (health.newestRecordAt) health.lagSeconds = Math.max(0, Math.round((now - Date.parse(health.newestRecordAt)) / 1000));
    health.quarantined = waiting.get(health.container) ?? 0;
    health.lastSweepAt = swept.get(health.container) ?? null;
    const failures = failing.get(health.container) ?? [];
    health.stuckFiles = failures.length;
    stuck.push(...failures);
    result.push(health);
  }
  const degraded = stuck.length > 0 || result.some((health) => health.quarantined > 0);
  return {
    status: degraded ? 'degraded' : 'ok',
    checkedAt: new Date(now).toISOString(),
    containers: result,
    stuck,
    callTimeIndex: listedSince === null ? callTimeIndex : { ...callTimeIndex, filesReadByOlderVersions },
  };
}

/** Containers whose checkpoints are read at once: each is one partition, paged on its own. */
const CONTAINERS_READ_AT_ONCE = 8;

/** One container's totals from its checkpoints, and how many files an older version read since `listedSince`. */
async function containerHealth(
  checkpoints: CheckpointStore,
  container: string,
  replayedRecords: number,
  listedSince: string | null,
): Promise<{ health: ContainerHealth; readByOlderVersions: number }> {
  let readByOlderVersions = 0;
  const health: ContainerHealth = {
    container,
    files: 0,
    openFiles: 0,
    newestFile: null,
    newestFileSeenAt: null,
    lastProcessedAt: null,
    newestRecordAt: null,
    lagSeconds: null,
    pendingBytes: 0,
    records: 0,
    badLines: 0,
    unsupported: 0,
    replayedRecords,
    quarantined: 0,
    lastSweepAt: null,
    replacements: 0,
    replacedFiles: [],
    stuckFiles: 0,
  };
  for await (const checkpoint of checkpoints.listForHealth(container)) {
    health.files++;
    health.records += checkpoint.records;
    health.badLines += checkpoint.badLines;
    health.unsupported += checkpoint.unsupported;
    const readByOlderAt = olderVersionReadAt(checkpoint);
    if (listedSince !== null && readByOlderAt !== null && readByOlderAt > listedSince) readByOlderVersions++;
    if (checkpoint.replacements > 0) {
      health.replacements += checkpoint.replacements;
      keepNewest(health.replacedFiles, {
        path: checkpoint.path,
        generation: checkpoint.generation,
        replacements: checkpoint.replacements,
        replacedAt: checkpoint.replacedAt,
        because: checkpoint.replacedBecause,
      });
    }
    if (!checkpoint.sealed) {
      health.openFiles++;
      health.pendingBytes += Math.max(0, checkpoint.length - checkpoint.offset);
    }
    if (health.newestFileSeenAt === null || checkpoint.firstSeenAt > health.newestFileSeenAt) {
      health.newestFileSeenAt = checkpoint.firstSeenAt;
      health.newestFile = checkpoint.path;
    }
    if (checkpoint.bytes > 0 && (health.lastProcessedAt === null || checkpoint.updatedAt > health.lastProcessedAt)) {
      health.lastProcessedAt = checkpoint.updatedAt;
    }
    if (checkpoint.lastRecordAt && (health.newestRecordAt === null || checkpoint.lastRecordAt > health.newestRecordAt)) {
      health.newestRecordAt = checkpoint.lastRecordAt;
    }
  }
  return { health, readByOlderVersions };
}

/**
 * Per container, in one pass over the quarantine: the entries waiting for a replay (not applied, not
 * dismissed), and the records replays applied (an entry partly applied has them too).
 */
async function quarantineByContainer(tables: TableStore): Promise<{ waiting: Map<string, number>; replayed: Map<string, number> }> {
  const waiting = new Map<string, number>();
  const replayed = new Map<string, number>();
  // The keys too: a row that does not parse is named by them.
  for await (const row of tables.query(QUARANTINE_TABLE, undefined, ['PartitionKey', 'RowKey', 'container', 'replayedAt', 'replayedRecords', 'dismissedAt'])) {
    const entry = parseStoredRow(quarantineWaitingSchema, QUARANTINE_TABLE, row);
    if (isPending(entry)) waiting.set(entry.container, (waiting.get(entry.container) ?? 0) + 1);
    if (entry.replayedRecords) replayed.set(entry.container, (replayed.get(entry.container) ?? 0) + entry.replayedRecords);
  }
  return { waiting, replayed };
}

/** Stuck files (their failure rows as stored), per container. */
async function stuckFiles(tables: TableStore): Promise<Map<string, FileFailure[]>> {
  const byContainer = new Map<string, FileFailure[]>();
  for await (const failure of new FileFailureStore(tables).list()) {
    const list = byContainer.get(failure.container) ?? [];
    list.push(failure);
    byContainer.set(failure.container, list);
  }
  return byContainer;
}

/** When each container's last sweep completed (the sweep state's partition). */
async function sweptContainers(tables: TableStore): Promise<Map<string, string>> {
  const swept = new Map<string, string>();
  for await (const row of tables.query(FILES_TABLE, odata`PartitionKey eq ${SWEEP_STATE_PARTITION}`)) {
    swept.set(row.rowKey, parseStoredRow(sweepStateRowSchema, FILES_TABLE, row).sweptAt);
  }
  return swept;
}

/** Inserts in newest-first order (unknown times last) and drops what falls past the limit. */
function keepNewest(list: ReplacedFile[], file: ReplacedFile): void {
  const newer = (a: ReplacedFile, b: ReplacedFile): boolean => (a.replacedAt ?? '') > (b.replacedAt ?? '');
  let at = list.length;
  while (at > 0 && newer(file, list[at - 1] as ReplacedFile)) at--;
  if (at >= REPLACED_FILES_LISTED) return;
  list.splice(at, 0, file);
  if (list.length > REPLACED_FILES_LISTED) list.pop();
}
