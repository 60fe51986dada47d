import { z } from 'zod';
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
