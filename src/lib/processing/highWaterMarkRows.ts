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
  /**
   * Positions at or past `mark` already in the partition, while a write that groups its records by
   * row is under way (JSON `[start, end, start, end, ...]`, sorted half-open ranges).
   */
  applied: z.string().optional(),
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

/** A file's mark in a partition: every record before `mark` is in, and those at the `applied` positions. */
export interface FileMark {
  mark: number;
  applied: PositionSet;
}

export function fileMarkOf(table: string, row: StoredRow | undefined): FileMark {
  if (!row) return { mark: 0, applied: new PositionSet() };
  const parsed = parseStoredRow(highWaterMarkRowSchema, table, row);
  if (parsed.applied === undefined) return { mark: parsed.mark, applied: new PositionSet() };
  const applied = PositionSet.parse(parsed.applied);
  if (!applied) throw new Error(`table ${table}, partition ${row.partitionKey}, row ${row.rowKey}: applied is not a list of position ranges`);
  return { mark: parsed.mark, applied };
}

/** Record positions as sorted, disjoint half-open ranges. */
export class PositionSet {
  constructor(private ranges: number[] = []) {}

  static parse(text: string): PositionSet | undefined {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (!Array.isArray(value) || value.length % 2 !== 0) return undefined;
    let previous = -1;
    for (const bound of value) {
      if (typeof bound !== 'number' || !Number.isSafeInteger(bound) || bound <= previous) return undefined;
      previous = bound;
    }
    return new PositionSet(value as number[]);
  }

  get size(): number {
    return this.ranges.length / 2;
  }

  has(position: number): boolean {
    // The last range starting at or before `position`, by binary search over the starts.
    let low = 0;
    let high = this.ranges.length / 2 - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if ((this.ranges[2 * middle] as number) <= position) low = middle + 1;
      else high = middle - 1;
    }
    return high >= 0 && position < (this.ranges[2 * high + 1] as number);
  }

  /** This set and `positions` (in any order) together, in one pass. */
  with(positions: readonly number[]): PositionSet {
    const added: number[] = [];
    for (const position of [...positions].sort((a, b) => a - b)) {
      if (added.length > 0 && position <= (added[added.length - 1] as number)) {
        added[added.length - 1] = Math.max(added[added.length - 1] as number, position + 1);
      } else added.push(position, position + 1);
    }
    const merged: number[] = [];
    let i = 0;
    let j = 0;
    while (i < this.ranges.length || j < added.length) {
      const fromOwn = j >= added.length || (i < this.ranges.length && (this.ranges[i] as number) <= (added[j] as number));
      const start = fromOwn ? (this.ranges[i] as number) : (added[j] as number);
      const end = fromOwn ? (this.ranges[i + 1] as number) : (added[j + 1] as number);
      if (fromOwn) i += 2;
      else j += 2;
      if (merged.length > 0 && start <= (merged[merged.length - 1] as number)) merged[merged.length - 1] = Math.max(merged[merged.length - 1] as number, end);
      else merged.push(start, end);
    }
    return new PositionSet(merged);
  }

  /** The same set without positions before `mark`. */
  from(mark: number): PositionSet {
    const kept: number[] = [];
    for (let i = 0; i < this.ranges.length; i += 2) {
      const end = this.ranges[i + 1] as number;
      if (end <= mark) continue;
      kept.push(Math.max(this.ranges[i] as number, mark), end);
    }
    return new PositionSet(kept);
  }

  toText(): string {
    return JSON.stringify(this.ranges);
  }
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
