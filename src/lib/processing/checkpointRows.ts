import { z } from 'zod';
import { FRAMING_MODES } from '../reading/types.js';
import { storedJson, storedNullable } from '../storage/storedRows.js';

const count = z.number().int().nonnegative();

/** An offset the file ended at when it was read to its end, with the fingerprint of the bytes before it. */
export const earlierEndSchema = z.object({ offset: count, tailFingerprint: z.string(), tailFingerprintLength: count });

/** Kept as JSON text in one property (Table Storage has no arrays). */
const earlierEndsText = storedJson(z.array(earlierEndSchema), []);

/**
 * The last line of a sealed file when it ended inside it and was quarantined as `truncated`: where a
 * framer reads it again (`offset`, `newlines`, `mode`, as its quarantine entry) and where it ended.
 */
export const truncatedTailSchema = z.object({ offset: count, newlines: count, mode: z.enum(FRAMING_MODES), end: count });

/** Kept as JSON text in one property; empty or absent when the file did not end inside a line. */
const truncatedTailText = storedJson(truncatedTailSchema.nullable(), null);

/**
 * Saved before a segment's quarantine rows are written: entries of `generation` may exist up to `end`,
 * past the offset, from a read whose checkpoint never moved (killed, or failing). The next read of
 * those bytes takes the lines they hold as that read judged them (earlierQuarantine.ts).
 */
export const quarantineAttemptSchema = z.object({ generation: count, end: count });

const quarantineAttemptText = storedJson(quarantineAttemptSchema.nullable(), null);

/**
 * Saved before a replaced file's new generation is first written: its number and the digest of its
 * first bytes. A read killed before its checkpoint moved leaves marks of that generation behind: the
 * same bytes found again go on as it, other bytes (replaced again) take a number of their own.
 */
export const startedGenerationSchema = z.object({ generation: count, fingerprint: z.string(), fingerprintLength: count });

const startedGenerationText = storedJson(startedGenerationSchema.nullable(), null);

/**
 * A file that was first found holding every byte a local file outside a tree had read (that file
 * downloaded or copied from it, and processed first): from `offset` on, its generation `generation`
 * goes on with that file's high-water marks (its `container`, `path` and `fileGeneration`), so a
 * record either read is applied once between them.
 */
export const continuesSchema = z.object({ generation: count, container: z.string(), path: z.string(), fileGeneration: count, offset: count });

const continuesText = storedJson(continuesSchema.nullable(), null);

/**
 * A checkpoint row of the Files table (partition = container, row = path). Fields that older versions
 * did not write read as what those versions meant: no file ETag, no tail fingerprint, no earlier ends,
 * never replaced. The file's ETag is stored as `fileEtag`: `etag` is the row's own.
 */
const checkpointFields = z.object({
  container: z.string(),
  path: z.string(),
  /** Bumped when the file is replaced or truncated; high-water marks are per generation. */
  generation: count,
  offset: count,
  newlines: count,
  mode: z.enum(FRAMING_MODES).default('auto'),
  /** The file's ETag when last looked at. */
  fileEtag: z.string().default(''),
  length: count,
  createdOn: storedNullable(z.number()),
  /** SHA-256 (base64url) of the first `fingerprintLength` consumed bytes (at most 256): part of the file's identity. */
  fingerprint: z.string().default(''),
  fingerprintLength: count.default(0),
  /** SHA-256 (base64url) of the `tailFingerprintLength` bytes just before `offset` (at most 512). */
  tailFingerprint: z.string().default(''),
  tailFingerprintLength: count.default(0),
  /** Earlier ends of the file that were read to the end, newest last (at most 8): an older copy is recognised by them. */
  earlierEnds: earlierEndsText.default([]),
  /**
   * The local file (absolute path) whose bytes the offset was last read from or checked against;
   * absent when the blob itself was read. A shorter copy found later is an older copy when it is
   * the start of that file (or of the blob, when the command can read the account).
   */
  readFrom: storedNullable(z.string()),
  /** The file stopped growing and was read to its end: the tail no longer looks at it. */
  sealed: z.boolean().default(false),
  /** Set when the file was sealed ending inside a line: if it grows after all, that line is read again, whole. */
  truncatedTail: truncatedTailText.default(null),
  quarantineAttempt: quarantineAttemptText.default(null),
  startedGeneration: startedGenerationText.default(null),
  continues: continuesText.default(null),
  records: count,
  unsupported: count.default(0),
  badLines: count,
  bytes: count,
  replacements: count.default(0),
  /** When the file was last found replaced (ISO), and what told: `shrunk`, `head` or `tail`. */
  replacedAt: storedNullable(z.string()),
  replacedBecause: storedNullable(z.string()),
  firstSeenAt: z.string(),
  updatedAt: z.string(),
  /** Latest record time seen in this file (ISO), for lag reporting. */
  lastRecordAt: storedNullable(z.string()),
  /**
   * Saved by a version that lists the calls it writes in the time index of calls. Every save writes
   * it, and a save replaces the row: absent, an older version read the file last (health tells).
   */
  listsCalls: z.boolean().default(false),
  /**
   * When a version that does not list the calls it writes last saved the file (ISO), kept by this
   * version's later saves: those calls stay out of the index until reindex-calls (health tells).
   */
  olderVersionReadAt: storedNullable(z.string()),
});

/** When an older version, which does not list the calls it writes, last saved this checkpoint; null when none did. */
export function olderVersionReadAt(checkpoint: { listsCalls: boolean; olderVersionReadAt: string | null; updatedAt: string }): string | null {
  return checkpoint.listsCalls ? checkpoint.olderVersionReadAt : checkpoint.updatedAt;
}

export const checkpointRowSchema = checkpointFields.transform(({ fileEtag, ...rest }) => ({
  ...rest,
  etag: fileEtag,
  // Read from the row, so that this version's next save, which says it lists calls, still says an older one read the file.
  olderVersionReadAt: olderVersionReadAt(rest),
}));

/**
 * What health reads of a checkpoint: a third of the row's bytes (no fingerprints, earlier ends or
 * framer state), asked for by name, so a year of files costs half the time to go through.
 */
export const checkpointHealthSchema = checkpointFields.pick({
  path: true,
  generation: true,
  offset: true,
  length: true,
  sealed: true,
  records: true,
  unsupported: true,
  badLines: true,
  bytes: true,
  replacements: true,
  replacedAt: true,
  replacedBecause: true,
  firstSeenAt: true,
  updatedAt: true,
  lastRecordAt: true,
  listsCalls: true,
  olderVersionReadAt: true,
});

export const CHECKPOINT_HEALTH_PROPERTIES: readonly string[] = Object.keys(checkpointHealthSchema.shape);

export type CheckpointHealth = z.output<typeof checkpointHealthSchema>;

/** Per-file progress. Advanced only after every record before `offset` is in every aggregate. */
export type Checkpoint = z.output<typeof checkpointRowSchema>;
export type EarlierEnd = z.output<typeof earlierEndSchema>;
export type TruncatedTail = z.output<typeof truncatedTailSchema>;
export type QuarantineAttempt = z.output<typeof quarantineAttemptSchema>;
export type StartedGeneration = z.output<typeof startedGenerationSchema>;
export type Continues = z.output<typeof continuesSchema>;

/** The row a checkpoint is stored as. */
export function checkpointRowData(checkpoint: Checkpoint): Record<string, unknown> {
  const { etag: fileEtag, earlierEnds, truncatedTail, quarantineAttempt, startedGeneration, continues, ...rest } = checkpoint;
  return {
    ...rest,
    listsCalls: true,
    fileEtag,
    earlierEnds: JSON.stringify(earlierEnds),
    truncatedTail: truncatedTail === null ? '' : JSON.stringify(truncatedTail),
    quarantineAttempt: quarantineAttempt === null ? '' : JSON.stringify(quarantineAttempt),
    startedGeneration: startedGeneration === null ? '' : JSON.stringify(startedGeneration),
    continues: continues === null ? '' : JSON.stringify(continues),
  };
}

/** The sweep's state per container (Files table, partition `~state`, row = container). */
export const sweepStateRowSchema = z.object({
  /** Epoch milliseconds when the last completed sweep began, by this machine's clock (it times the sweep interval). */
  sweepStartedAt: z.number(),
  sweptAt: z.string(),
  /**
   * The latest last-modified time (epoch ms, by storage's clock) of a blob any completed sweep listed;
   * 0 while none was (the next sweep looks at every blob), absent in rows of older versions.
   */
  newestModified: z.number().optional(),
});

export type SweepStateRow = z.output<typeof sweepStateRowSchema>;

/**
 * A local file's name by the digest of its first bytes (Files table, partition `~local`, row = digest).
 * `continuedBy`: the blob or laid-out file (`container/path`) that went on from this local file's
 * read (continuedCopies.ts); only one may, so that a second blob with the same bytes counts as its own.
 */
export const localContentRowSchema = z.object({
  path: z.string(),
  container: z.string().optional(),
  continuedBy: z.string().optional(),
  /**
   * What the named file's read of these bytes came to, kept when the file was replaced (a download
   * saved over it): its checkpoint then holds the new content, and a blob of these bytes goes on from this.
   */
  replacedRead: storedJson(
    z
      .object({
        generation: count,
        offset: count,
        newlines: count,
        mode: z.enum(FRAMING_MODES),
        fingerprint: z.string(),
        fingerprintLength: count,
        tailFingerprint: z.string(),
        tailFingerprintLength: count,
        truncatedTail: truncatedTailSchema.nullable(),
      })
      .nullable(),
    null,
  ).default(null),
});

export type LocalContentRow = z.output<typeof localContentRowSchema>;
export type ReplacedRead = NonNullable<LocalContentRow['replacedRead']>;

/** A new name's row: the file it names, nothing gone on from it yet. */
export function newNameRowData(file: { container: string; path: string }): Record<string, unknown> {
  return localContentRowData({ path: file.path, container: file.container, replacedRead: null });
}

/** The row a name is stored as. */
export function localContentRowData(row: LocalContentRow): Record<string, unknown> {
  const { replacedRead, ...rest } = row;
  return { ...rest, replacedRead: replacedRead === null ? '' : JSON.stringify(replacedRead) };
}
