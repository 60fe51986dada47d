import { z } from 'zod';
import { SUMMARY_SEQUENCE_FIELD } from '../aggregating/types.js';
import { RESERVED_ROW_PREFIX } from '../storage/keys.js';
import { parseStoredRow } from '../storage/storedRows.js';
import type { StoredRow } from '../storage/TableStore.js';

/**
 * A file's high-water mark in an aggregate partition (row `~hwm|<file id>`): its records before
 * position `mark` are in the partition's rows. A mark misread as absent would apply them twice.
 */
export const highWaterMarkRowSchema = z.object({
  file: z.string(),
  mark: z.number().int().nonnegative(),
  updatedAt: z.string(),
});

export type HighWaterMarkRow = z.output<typeof highWaterMarkRowSchema>;

export function highWaterMarkRowKey(fileId: string): string {
  return `${RESERVED_ROW_PREFIX}hwm|${fileId}`;
}

/** The position from which the file's records are not yet in the partition (0: none are). */
export function markOf(table: string, row: StoredRow | undefined): number {
  return row ? parseStoredRow(highWaterMarkRowSchema, table, row).mark : 0;
}

const appliedRecords = z.number().int().nonnegative();

/** A summary row's count of records applied to its partition (SUMMARY_SEQUENCE_FIELD). */
const summarySequenceSchema = z.object({ [SUMMARY_SEQUENCE_FIELD]: appliedRecords.optional() });
/** Where partitions written by older versions kept that count: a `~seq` row with `n`. */
export const legacySequenceRowSchema = z.object({ n: appliedRecords });

/** The count of records applied to a partition so far: from its summary row, else its older `~seq` row, else 0. */
export function sequenceOf(table: string, summaryRow: StoredRow | undefined, legacyRow: StoredRow | undefined): number {
  const own = summaryRow ? parseStoredRow(summarySequenceSchema, table, summaryRow)[SUMMARY_SEQUENCE_FIELD] : undefined;
  if (own !== undefined) return own;
  return legacyRow ? parseStoredRow(legacySequenceRowSchema, table, legacyRow).n : 0;
}
