import { z } from 'zod';
import { storedJson, storedNullable } from '../storage/storedRows.js';
import type { CheckpointHealth } from './checkpointRows.js';

/**
 * A container's health rollup: what health reports of the container's checkpoints, kept in one row of
 * the container's own partition of the Files table (row `~health`, which no checkpoint's key can be:
 * `~` is escaped in paths). Every checkpoint save writes it in the same entity-group transaction as
 * the checkpoint, under both rows' ETags, so the two never disagree, after a crash or a lost race
 * alike; health then reads one row per container instead of every checkpoint.
 */
export const HEALTH_ROLLUP_ROW = '~health';

/** Bumped when the rollup's meaning changes: a row of another version is built again from the checkpoints. */
export const HEALTH_ROLLUP_VERSION = 1;

/** Replaced files the rollup keeps, newest first: as many as health lists. */
export const ROLLUP_REPLACED_FILES = 20;

const count = z.number().int().nonnegative();

/** One replaced file as health lists it, with the checkpoint's row key (equal times go in key order, as a scan reads them). */
export const rolledReplacedFileSchema = z.object({
  key: z.string(),
  path: z.string(),
  generation: count,
  replacements: count,
  replacedAt: z.string().nullable(),
  because: z.string().nullable(),
});

export type RolledReplacedFile = z.output<typeof rolledReplacedFileSchema>;

/**
 * The rollup row. Sums are kept as sums (a save adds what the checkpoint has now and takes away what
 * it had); each newest time with the key of the checkpoint that holds it. When that checkpoint's time
 * goes down (a clock behind another machine's, a replaced file read again from its start) the newest
 * of the others is not known here: the rollup is marked `stale`, health reads the checkpoints
 * themselves, and the next save builds the rollup again from them.
 */
export const healthRollupSchema = z.object({
  version: count,
  stale: z.boolean(),
  fileCount: count,
  openFileCount: count,
  pendingByteCount: count,
  recordCount: count,
  badLineCount: count,
  unsupportedCount: count,
  replacementCount: count,
  /** Checkpoints with at least one replacement. */
  replacedFileCount: count,
  newestFileSeenAt: storedNullable(z.string()),
  newestFile: storedNullable(z.string()),
  newestFileKey: storedNullable(z.string()),
  lastProcessedAt: storedNullable(z.string()),
  lastProcessedKey: storedNullable(z.string()),
  newestRecordAt: storedNullable(z.string()),
  newestRecordKey: storedNullable(z.string()),
  /** Checkpoints saved last by a version that does not list calls (`listsCalls` false), and the newest of their times. */
  olderFileCount: count,
  olderUpdatedAt: storedNullable(z.string()),
  olderUpdatedKey: storedNullable(z.string()),
  /** The newest replaced files (at most ROLLUP_REPLACED_FILES), newest first. */
  replacedFiles: storedJson(z.array(rolledReplacedFileSchema), []),
});

export type HealthRollup = z.output<typeof healthRollupSchema>;

export function emptyRollup(): HealthRollup {
  return {
    version: HEALTH_ROLLUP_VERSION,
    stale: false,
    fileCount: 0,
    openFileCount: 0,
    pendingByteCount: 0,
    recordCount: 0,
    badLineCount: 0,
    unsupportedCount: 0,
    replacementCount: 0,
    replacedFileCount: 0,
    newestFileSeenAt: null,
    newestFile: null,
    newestFileKey: null,
    lastProcessedAt: null,
    lastProcessedKey: null,
    newestRecordAt: null,
    newestRecordKey: null,
    olderFileCount: 0,
    olderUpdatedAt: null,
    olderUpdatedKey: null,
    replacedFiles: [],
  };
}

/**
 * The row the rollup is stored as. It also has the shape of a checkpoint that adds nothing (sealed,
 * no bytes, no records, seen at no time), so that a version before rollups, which reads every row of
 * the partition as a checkpoint, still answers health with it (counting it as one more file) rather
 * than failing on it; its own sums have names no checkpoint has.
 */
export function rollupRowData(rollup: HealthRollup): Record<string, unknown> {
  return {
    path: HEALTH_ROLLUP_ROW,
    generation: 0,
    offset: 0,
    newlines: 0,
    length: 0,
    sealed: true,
    records: 0,
    badLines: 0,
    bytes: 0,
    firstSeenAt: '',
    updatedAt: '',
    listsCalls: true,
    ...rollup,
    replacedFiles: JSON.stringify(rollup.replacedFiles),
  };
}

/** Whether health may answer from the rollup (not stale, and of this version). */
export function usableRollup(rollup: HealthRollup | undefined): rollup is HealthRollup {
  return rollup !== undefined && !rollup.stale && rollup.version === HEALTH_ROLLUP_VERSION;
}

/** What one checkpoint adds to its container's rollup. */
export interface Contribution {
  key: string;
  path: string;
  open: boolean;
  pendingBytes: number;
  records: number;
  badLines: number;
  unsupported: number;
  replacements: number;
  firstSeenAt: string;
  /** When it last had data processed: its last save, once it read any bytes. */
  processedAt: string | null;
  lastRecordAt: string | null;
  /** Its last save's time when that save did not list calls (an older version's). */
  olderUpdatedAt: string | null;
  replaced: RolledReplacedFile | null;
}

/** A checkpoint's contribution; `key` is its row key (the encoded path). */
export function contributionOf(key: string, checkpoint: CheckpointHealth): Contribution {
  return {
    key,
    path: checkpoint.path,
    open: !checkpoint.sealed,
    pendingBytes: checkpoint.sealed ? 0 : Math.max(0, checkpoint.length - checkpoint.offset),
    records: checkpoint.records,
    badLines: checkpoint.badLines,
    unsupported: checkpoint.unsupported,
    replacements: checkpoint.replacements,
    firstSeenAt: checkpoint.firstSeenAt,
    processedAt: checkpoint.bytes > 0 ? checkpoint.updatedAt : null,
    lastRecordAt: checkpoint.lastRecordAt,
    olderUpdatedAt: checkpoint.listsCalls ? null : checkpoint.updatedAt,
    replaced:
      checkpoint.replacements > 0
        ? {
            key,
            path: checkpoint.path,
            generation: checkpoint.generation,
            replacements: checkpoint.replacements,
            replacedAt: checkpoint.replacedAt,
            because: checkpoint.replacedBecause,
          }
        : null,
  };
}

/** The newer of two (time, key): a later time, or the same time and the key a scan reads first. */
function newer(time: string, key: string, than: string | null, thanKey: string | null): boolean {
  return than === null || time > than || (time === than && thanKey !== null && key < thanKey);
}

/** Newest first, as health's scan keeps them: unknown times last, equal times in key order. */
function ranksBefore(a: RolledReplacedFile, b: RolledReplacedFile): boolean {
  const at = a.replacedAt ?? '';
  const bt = b.replacedAt ?? '';
  return at > bt || (at === bt && a.key < b.key);
}

type NewestField = 'newestFileSeenAt' | 'lastProcessedAt' | 'newestRecordAt' | 'olderUpdatedAt';
type NewestKey = 'newestFileKey' | 'lastProcessedKey' | 'newestRecordKey' | 'olderUpdatedKey';

const SUMS = [
  'fileCount',
  'openFileCount',
  'pendingByteCount',
  'recordCount',
  'badLineCount',
  'unsupportedCount',
  'replacementCount',
  'replacedFileCount',
  'olderFileCount',
] as const;

/**
 * The rollup once `previous` (the checkpoint as stored, null for a new one) is saved as `next`. Pure:
 * the caller writes the result in the transaction that saves the checkpoint.
 */
export function applyContribution(rollup: HealthRollup, previous: Contribution | null, next: Contribution): HealthRollup {
  const out: HealthRollup = { ...rollup, replacedFiles: [...rollup.replacedFiles] };
  const add = (c: Contribution, sign: 1 | -1): void => {
    out.fileCount += sign;
    out.openFileCount += sign * (c.open ? 1 : 0);
    out.pendingByteCount += sign * c.pendingBytes;
    out.recordCount += sign * c.records;
    out.badLineCount += sign * c.badLines;
    out.unsupportedCount += sign * c.unsupported;
    out.replacementCount += sign * c.replacements;
    out.replacedFileCount += sign * (c.replaced ? 1 : 0);
    out.olderFileCount += sign * (c.olderUpdatedAt !== null ? 1 : 0);
  };
  if (previous) add(previous, -1);
  add(next, 1);
  // Only a rollup that missed a save (an older version's) can go below zero: it is built again.
  if (SUMS.some((sum) => out[sum] < 0)) {
    for (const sum of SUMS) out[sum] = Math.max(0, out[sum]);
    out.stale = true;
  }

  const newest = (field: NewestField, keyField: NewestKey, value: (c: Contribution) => string | null): void => {
    const held = previous !== null && out[keyField] === previous.key;
    const now = value(next);
    if (held && (now === null || now < (out[field] as string))) {
      // The checkpoint that held the newest time no longer does: which one does is not known here.
      out.stale = true;
      return;
    }
    if (now !== null && newer(now, next.key, out[field], out[keyField])) {
      out[field] = now;
      out[keyField] = next.key;
    }
  };
  newest('newestFileSeenAt', 'newestFileKey', (c) => c.firstSeenAt);
  if (out.newestFileKey === next.key) out.newestFile = next.path;
  newest('lastProcessedAt', 'lastProcessedKey', (c) => c.processedAt);
  newest('newestRecordAt', 'newestRecordKey', (c) => c.lastRecordAt);
  newest('olderUpdatedAt', 'olderUpdatedKey', (c) => c.olderUpdatedAt);

  // The list is the top of the replaced checkpoints, complete down to its last entry: one that ranks
  // below that entry is left out, unless the list holds every replaced checkpoint.
  const list = out.replacedFiles;
  const was = list.findIndex((file) => file.key === next.key);
  if (was >= 0) list.splice(was, 1);
  const complete = list.length >= out.replacedFileCount - (next.replaced ? 1 : 0);
  if (next.replaced) {
    const file = next.replaced;
    const last = list[list.length - 1];
    if (complete || (last !== undefined && ranksBefore(file, last))) {
      let at = list.length;
      while (at > 0 && ranksBefore(file, list[at - 1] as RolledReplacedFile)) at--;
      list.splice(at, 0, file);
    }
  }
  if (list.length > ROLLUP_REPLACED_FILES) list.length = ROLLUP_REPLACED_FILES;
  if (list.length < Math.min(ROLLUP_REPLACED_FILES, out.replacedFileCount)) out.stale = true;
  return out;
}

/** A rollup made from every checkpoint of a container. */
export function rollupOf(contributions: Iterable<Contribution>): HealthRollup {
  let rollup = emptyRollup();
  for (const contribution of contributions) rollup = applyContribution(rollup, null, contribution);
  return rollup;
}
