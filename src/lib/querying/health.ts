import { CheckpointStore, FILES_TABLE, SWEEP_STATE_PARTITION } from '../processing/checkpoints.js';
import { FileFailureStore, type FileFailure } from '../processing/fileFailures.js';
import { QUARANTINE_TABLE } from '../processing/quarantine.js';
import { isPending, quarantineReplayedSchema } from '../processing/quarantineRows.js';
import { sweepStateRowSchema } from '../processing/checkpointRows.js';
import { encodeKeyPart } from '../storage/keys.js';
import { odata, type TableStore } from '../storage/TableStore.js';
import { parseStoredRow } from '../storage/storedRows.js';
import type { ContainerHealth, Health, ReplacedFile, SameShape, StuckFile } from './queryRows.js';

/** Replaced files listed per container: the newest ones, so the answer stays small. */
export const REPLACED_FILES_LISTED = 20;

/** Per container: newest file seen, how far processing has got, quarantine counts and stuck files. */
export async function readHealth(tables: TableStore, containers: readonly string[], now = Date.now()): Promise<Health> {
  const checkpoints = new CheckpointStore(tables);
  await tables.ensureTable(QUARANTINE_TABLE);
  const result: ContainerHealth[] = [];
  // A stuck file is its failure row as stored.
  const stuck: SameShape<StuckFile, FileFailure>[] = [];
  const failures = new FileFailureStore(tables);
  for (const container of containers) {
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
      quarantined: 0,
      lastSweepAt: null,
      replacements: 0,
      replacedFiles: [],
      stuckFiles: 0,
    };
    for await (const checkpoint of checkpoints.listAll(container)) {
      health.files++;
      health.records += checkpoint.records;
      health.badLines += checkpoint.badLines;
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
    if (health.newestRecordAt) health.lagSeconds = Math.max(0, Math.round((now - Date.parse(health.newestRecordAt)) / 1000));
    // Quarantine partitions are "<container>/<path>" escaped: the container's range is "<container>!2F...".
    const prefix = `${encodeKeyPart(container)}!2F`;
    for await (const row of tables.query(QUARANTINE_TABLE, odata`PartitionKey ge ${prefix} and PartitionKey lt ${prefix.slice(0, -1) + 'G'}`, [
      'replayedAt',
      'dismissedAt',
    ])) {
      if (isPending(parseStoredRow(quarantineReplayedSchema, QUARANTINE_TABLE, row))) health.quarantined++;
    }
    const sweep = await tables.getRow(FILES_TABLE, SWEEP_STATE_PARTITION, container);
    health.lastSweepAt = sweep ? parseStoredRow(sweepStateRowSchema, FILES_TABLE, sweep).sweptAt : null;
    for await (const failure of failures.list(container)) {
      health.stuckFiles++;
      stuck.push(failure);
    }
    result.push(health);
  }
  const degraded = stuck.length > 0 || result.some((health) => health.quarantined > 0);
  return { status: degraded ? 'degraded' : 'ok', checkedAt: new Date(now).toISOString(), containers: result, stuck };
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
