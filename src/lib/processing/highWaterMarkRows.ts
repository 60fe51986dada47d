import { z } from 'zod';
import { RESERVED_ROW_PREFIX } from '../storage/keys.js';
import { parseStoredRow } from '../storage/storedRows.js';
import type { StoredRow } from '../storage/TableStore.js';
import { SUMMARY_MARKS_FIELD } from '../aggregating/types.js';

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

/**
 * The marks a summary row carries (SUMMARY_MARKS_FIELD). A partition with a summary keeps its files'
 * marks there, and in `~hwm|` rows only for files it saw before, or once the map is full; a file's
 * mark is the larger of the two.
 */
const summaryMarksSchema = z.object({ [SUMMARY_MARKS_FIELD]: z.string().optional() });
const marksMapSchema = z.record(z.string(), z.number().int().nonnegative());

/** Past this many characters, a summary row takes no new file's mark (its files' rows do). */
export const MAX_SUMMARY_MARKS_CHARS = 32 * 1024;

export function summaryMarksOf(table: string, summaryRow: StoredRow | undefined): Map<string, number> {
  if (!summaryRow) return new Map();
  const text = parseStoredRow(summaryMarksSchema, table, summaryRow)[SUMMARY_MARKS_FIELD];
  if (text === undefined) return new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const marks = marksMapSchema.safeParse(parsed);
  if (!marks.success) {
    throw new Error(`table ${table}, partition ${summaryRow.partitionKey}, row ${summaryRow.rowKey}: ${SUMMARY_MARKS_FIELD} is not a map of file marks`);
  }
  return new Map(Object.entries(marks.data));
}

export function encodeSummaryMarks(marks: ReadonlyMap<string, number>): string {
  return JSON.stringify(Object.fromEntries([...marks].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}
