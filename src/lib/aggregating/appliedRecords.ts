import { z } from 'zod';
import { parseStoredRow } from '../storage/storedRows.js';
import type { StoredRow } from '../storage/TableStore.js';
import { SUMMARY_PENDING_FIELD, SUMMARY_SEQUENCE_FIELD } from './types.js';

const appliedRecords = z.number().int().nonnegative();

/** A summary row's count of records applied to its partition (SUMMARY_SEQUENCE_FIELD). */
const summarySequenceSchema = z.object({ [SUMMARY_SEQUENCE_FIELD]: appliedRecords.optional() });
/** Where partitions written by older versions kept that count: a `~seq` row with `n`. */
export const legacySequenceRowSchema = z.object({ n: appliedRecords });

/**
 * The count of records applied to a partition so far: from its summary row, else from the `~seq` row
 * an older version kept, else 0. A count of the wrong type is an error, not 0: the call's later
 * versions would be taken for older ones.
 */
export function appliedRecordsOf(table: string, summaryRow: StoredRow | undefined, legacyRow: StoredRow | undefined): number {
  const own = summaryRow ? parseStoredRow(summarySequenceSchema, table, summaryRow)[SUMMARY_SEQUENCE_FIELD] : undefined;
  if (own !== undefined) return own;
  return legacyRow ? parseStoredRow(legacySequenceRowSchema, table, legacyRow).n : 0;
}

const summaryPendingSchema = z.object({ [SUMMARY_PENDING_FIELD]: appliedRecords.optional() });

/** Records applied to the partition's rows that its summary does not reflect yet (SUMMARY_PENDING_FIELD): 0 when none. */
export function pendingRecordsOf(table: string, summaryRow: StoredRow | undefined): number {
  return (summaryRow ? parseStoredRow(summaryPendingSchema, table, summaryRow)[SUMMARY_PENDING_FIELD] : undefined) ?? 0;
}
