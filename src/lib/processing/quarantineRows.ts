import { z } from 'zod';
import { FRAMING_MODES } from '../reading/types.js';
import { storedNullable } from '../storage/storedRows.js';

const count = z.number().int().nonnegative();

/** A record whose rows the store refused in one view: kept, with the service's answer, for replay there. */
export const STORAGE_REJECTED = 'storage_rejected';

/**
 * A quarantine entry (Quarantine table, partition per file): a run of consecutive lines (or document
 * elements) that could not be read, whatever their codes, or consecutive records of one
 * `{"records":[...]}` line that failed; kept where a user can list and replay it. A junk flood is one
 * entry per segment, not one per line.
 */
export const quarantinedLineSchema = z.object({
  container: z.string(),
  path: z.string(),
  generation: count,
  offset: count,
  /** Byte offset just past the bad unit: `[offset, end)` is read again on replay (0 in rows written before it was kept). */
  end: count.default(0),
  /** Unique position in the file (offset, or offset + index inside a `{"records":[...]}` line). */
  position: count,
  /** Line number of the first bad line. */
  line: count,
  /** Code and message of the first bad line (see `codes` when the lines failed in several ways). */
  code: z.string(),
  message: z.string(),
  /** A sample: the first bad lines' text, at most `maxRawBytes` in all. */
  raw: z.string(),
  /** The sample is not the whole text of the entry. */
  rawTruncated: z.boolean(),
  /**
   * Bad lines in the entry (`scope: 'units'`), or bad records of one line (`scope: 'records'`).
   * Rows written before runs existed have neither: one line, or one record when its code is a record's.
   */
  count: count.optional(),
  /** Line number of the last bad line. */
  lastLine: count.optional(),
  scope: z.enum(['units', 'records']).optional(),
  /** Framing mode at `offset`: replay frames `[offset, end)` again from there. */
  mode: z.enum(FRAMING_MODES).optional(),
  /** When the lines failed with several codes: each with its number of lines, e.g. `invalid_json 12, line_too_long 1`. */
  codes: z.string().optional(),
  /** After a replay that applied part of the entry: its lines that still do not read. */
  stillBadLines: count.optional(),
  quarantinedAt: z.string(),
  /** Category the file implied when the line was read (container or `--category`), for replays. */
  category: storedNullable(z.string()),
  /** For `storage_rejected`: the view (table) whose partition refused the record; a replay applies it there only. */
  view: z.string().optional(),
  viewPartition: z.string().optional(),
  /** Set once a replay applied the line's records. */
  replayedAt: z.string().optional(),
  replayedRecords: count.optional(),
  /** Set when a user put the entry aside (`quarantine dismiss`): not replayed, not counted by health. */
  dismissedAt: z.string().optional(),
  dismissedBecause: z.string().optional(),
  /**
   * Set when a user purged the entry's text (`quarantine purge`): `raw` is empty and `message` no
   * longer quotes the lines, which may carry personal data (caller IP addresses, user ids, phone numbers).
   */
  purgedAt: z.string().optional(),
});

export type QuarantinedLine = z.output<typeof quarantinedLineSchema>;

/** What health reads of a quarantine row: its container, whether a replay applied it (and how many records) or a user dismissed it. */
export const quarantineWaitingSchema = quarantinedLineSchema.pick({ container: true, replayedAt: true, replayedRecords: true, dismissedAt: true });

/** Whether the entry still waits for a replay: not applied, not dismissed. */
export function isPending(line: Pick<QuarantinedLine, 'replayedAt' | 'dismissedAt'>): boolean {
  return line.replayedAt === undefined && line.dismissedAt === undefined;
}
