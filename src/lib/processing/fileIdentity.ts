import { createHash } from 'node:crypto';
import type { LogFileRef, LogFileStat, LogSource } from '../storage/LogSource.js';
import type { Checkpoint, EarlierEnd, StartedGeneration } from './checkpoints.js';

/** Leading consumed bytes fingerprinted: a line edited at the head is caught. */
export const HEAD_BYTES = 256;
/** Consumed bytes just before the checkpoint offset fingerprinted: a truncate-and-rewrite with the same head is caught. */
export const TAIL_BYTES = 512;
/** Earlier ends kept per file. */
export const EARLIER_ENDS_KEPT = 8;

export type ReplacedBecause = 'shrunk' | 'head' | 'tail';

export type IdentityVerdict =
  | {
      kind: 'same';
      /** The ETag or creation time differs from the checkpoint's, and the bytes were checked. */
      hinted: boolean;
      /** The consumed bytes just before the offset, as read for the check. */
      before: Buffer;
      /** Bytes from the offset on read with them: the segment's first chunk. */
      firstChunk?: Buffer;
    }
  | { kind: 'replaced'; because: ReplacedBecause }
  /**
   * Shorter than the offset, but exactly the file as it was at an earlier end that was read, or the
   * start of the local copy that was read: an older copy, nothing to read.
   */
  | { kind: 'older' }
  /**
   * Shorter than the offset and still changing: perhaps the same file created again and growing
   * back (a blob deleted and created anew starts empty, as every append blob does), so nothing is
   * decided until it is at least as long as the offset or stops changing.
   */
  | { kind: 'shorter' }
  /** The file changed between being measured and read: measure again. */
  | { kind: 'unsure' };

export function digestOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64url');
}

/** A new ETag or creation time: the file may have been copied, re-downloaded or replaced. Not a verdict. */
export function hintsChanged(checkpoint: Checkpoint, stat: LogFileStat): boolean {
  // A checkpoint from before the ETag was kept: its head is checked once more, as it always was.
  if (checkpoint.etag === '') return checkpoint.offset > 0 && !checkpoint.sealed;
  if (checkpoint.etag !== stat.etag) return true;
  return checkpoint.createdOn !== null && stat.createdOn !== null && checkpoint.createdOn !== stat.createdOn;
}

/**
 * Is the file still the one the checkpoint read? It is when the bytes it consumed are the same: the
 * leading ones (checked when a hint says the file changed) and those just before the offset (checked
 * on every read, for free: the read starts that many bytes early and `readEnd` says how far it goes;
 * `null` when no segment is to be read, and then only a hint makes it look).
 */
export async function checkIdentity(
  source: LogSource,
  file: LogFileRef,
  checkpoint: Checkpoint,
  stat: LogFileStat,
  readEnd: number | null,
  options: { checkHead?: boolean; final?: boolean } = {},
): Promise<IdentityVerdict> {
  if (stat.length < checkpoint.offset) {
    const end = checkpoint.earlierEnds.find((earlier) => earlier.offset === stat.length);
    if (end && (await isEarlierEnd(source, file, checkpoint, end))) return { kind: 'older' };
    const start = await startsCopyRead(source, file, checkpoint, stat);
    if (start === 'unsure') return { kind: 'unsure' };
    if (start === 'yes') return { kind: 'older' };
    return options.final === false ? { kind: 'shorter' } : { kind: 'replaced', because: 'shrunk' };
  }
  const hinted = options.checkHead === true || hintsChanged(checkpoint, stat);
  if (!hinted && readEnd === null) return { kind: 'same', hinted, before: Buffer.alloc(0) };
  const tailLength = Math.min(checkpoint.tailFingerprintLength, checkpoint.offset);
  const start = checkpoint.offset - tailLength;
  const end = Math.max(readEnd ?? checkpoint.offset, checkpoint.offset);
  const window = end > start ? await source.read(file, start, end) : Buffer.alloc(0);
  if (window.length < tailLength) return { kind: 'unsure' };
  const before = window.subarray(0, tailLength);
  if (tailLength > 0 && digestOf(before) !== checkpoint.tailFingerprint) return { kind: 'replaced', because: 'tail' };
  if (hinted && checkpoint.fingerprintLength > 0) {
    const headLength = checkpoint.fingerprintLength;
    const head = start === 0 && window.length >= headLength ? window.subarray(0, headLength) : await source.read(file, 0, headLength);
    if (digestOf(head) !== checkpoint.fingerprint) return { kind: 'replaced', because: 'head' };
  }
  const firstChunk = window.subarray(tailLength);
  return { kind: 'same', hinted, before, ...(firstChunk.length > 0 ? { firstChunk } : {}) };
}

/**
 * The generation a replaced file is read as. Its number and first bytes are saved before anything of
 * it is written (`save`), because a read killed before its checkpoint moved leaves marks of that
 * generation behind: the same first bytes go on as it, other bytes (the file replaced again) take the
 * next number, whose marks are all still to come. An empty file reads nothing and is saved as is.
 */
export async function startedGenerationOf(
  source: LogSource,
  file: LogFileRef,
  checkpoint: Checkpoint,
  stat: LogFileStat,
): Promise<{ generation: StartedGeneration | null; save: boolean }> {
  const started =
    checkpoint.startedGeneration !== null && checkpoint.startedGeneration.generation > checkpoint.generation ? checkpoint.startedGeneration : null;
  const next = (started?.generation ?? checkpoint.generation) + 1;
  if (stat.length === 0) return { generation: started === null ? null : { generation: next, fingerprint: '', fingerprintLength: 0 }, save: false };
  // One read: a started generation's fingerprint covers at most HEAD_BYTES.
  const head = await source.read(file, 0, Math.min(HEAD_BYTES, stat.length));
  if (started !== null && head.length >= started.fingerprintLength && digestOf(head.subarray(0, started.fingerprintLength)) === started.fingerprint) {
    return { generation: started, save: false };
  }
  return { generation: { generation: next, fingerprint: digestOf(head), fingerprintLength: head.length }, save: true };
}

async function isEarlierEnd(source: LogSource, file: LogFileRef, checkpoint: Checkpoint, end: EarlierEnd): Promise<boolean> {
  const start = end.offset - end.tailFingerprintLength;
  const before = await source.read(file, start, end.offset);
  if (before.length !== end.tailFingerprintLength || digestOf(before) !== end.tailFingerprint) return false;
  const headLength = Math.min(checkpoint.fingerprintLength, end.offset);
  if (headLength < checkpoint.fingerprintLength) return start === 0; // the whole file was in the bytes just checked
  const head = start === 0 ? before.subarray(0, headLength) : await source.read(file, 0, headLength);
  return digestOf(head) === checkpoint.fingerprint;
}

/**
 * Is a shorter local file the start of the copy the checkpoint read (a download taken earlier than
 * the one read, found after it, in another folder; or, when the blob was read and the command can
 * read the account, the blob)? Only if that copy is still there and still holds what was consumed
 * (its first bytes and those before the offset), and this file's bytes equal its first bytes: both
 * are read in full, which only this rare case costs.
 */
async function startsCopyRead(source: LogSource, file: LogFileRef, checkpoint: Checkpoint, stat: LogFileStat): Promise<'yes' | 'no' | 'unsure'> {
  const copy = copyRead(source, file, checkpoint.readFrom);
  if (copy === undefined) return 'no';
  const copyStat = await copy.stat(file);
  if (!copyStat || copyStat.length < checkpoint.offset) return 'no';
  if ((await checkIdentity(copy, file, checkpoint, copyStat, null, { checkHead: true })).kind !== 'same') return 'no';
  const compared = await compareRange(
    (start, end) => source.read(file, start, end),
    (start, end) => copy.read(file, start, end),
    stat.length,
  );
  return compared === 'unreadable' ? 'unsure' : compared === 'same' ? 'yes' : 'no';
}

/** Reads bytes [start, end) of one side of a comparison. */
export type RangeReader = (start: number, end: number) => Promise<Buffer>;

/**
 * Whether two files hold the same first `end` bytes, read a chunk at a time; `unreadable` when either
 * gives fewer. A read that fails throws (a side whose failure means "cannot tell" says so by giving nothing).
 */
export async function compareRange(a: RangeReader, b: RangeReader, end: number): Promise<'same' | 'differ' | 'unreadable'> {
  for (let start = 0; start < end; start += COMPARED_CHUNK_BYTES) {
    const to = Math.min(end, start + COMPARED_CHUNK_BYTES);
    const [first, second] = await Promise.all([a(start, to), b(start, to)]);
    if (first.length !== to - start || second.length !== to - start) return 'unreadable';
    if (!first.equals(second)) return 'differ';
  }
  return 'same';
}

const COMPARED_CHUNK_BYTES = 1024 * 1024;

/** The copy a checkpoint read: the local file it names, or (naming none) the blob; not this file itself. */
function copyRead(source: LogSource, file: LogFileRef, readFrom: string | null): LogSource | undefined {
  if (readFrom === null) return source.locationOf?.(file) === undefined ? undefined : source.blobOf?.(file);
  return source.copyAt && source.locationOf?.(file) !== readFrom ? source.copyAt(file, readFrom) : undefined;
}

/** The ends kept after reading a file to `offset`, its end. */
export function withEarlierEnd(ends: readonly EarlierEnd[], end: EarlierEnd): EarlierEnd[] {
  return [...ends.filter((earlier) => earlier.offset !== end.offset), end].slice(-EARLIER_ENDS_KEPT);
}

export interface ConsumedFingerprints {
  fingerprint?: string;
  fingerprintLength?: number;
  tailFingerprint?: string;
  tailFingerprintLength?: number;
}

/**
 * Follows a segment's reads and keeps what the next identity check needs: the file's first bytes
 * (when the read started among them) and the bytes just before the framer's position, copied out so
 * the chunks they came from can go.
 */
export class ConsumedBytesTracker {
  private head: Buffer | undefined;
  private recent: Buffer;
  private recentEnd: number;
  private tail: Buffer | undefined;
  private tailEnd: number;

  /** `before` holds the bytes just before `offset`, where the segment starts. */
  constructor(offset: number, before: Buffer) {
    this.recent = before;
    this.recentEnd = offset;
    this.tail = before;
    this.tailEnd = offset;
    if (offset - before.length === 0) this.head = Buffer.from(before.subarray(0, HEAD_BYTES));
  }

  /** `piece` is the next bytes read (starting where the previous ended); `position` the framer's offset after them. */
  add(piece: Buffer, position: number): void {
    if (this.head && this.head.length < HEAD_BYTES) this.head = Buffer.concat([this.head, piece.subarray(0, HEAD_BYTES - this.head.length)]);
    const combinedStart = this.recentEnd - this.recent.length;
    const pieceEnd = this.recentEnd + piece.length;
    if (position !== this.tailEnd) {
      if (position < combinedStart || position > pieceEnd) {
        this.tail = undefined;
      } else {
        const from = Math.max(combinedStart, position - TAIL_BYTES);
        const fromRecent = this.recent.subarray(Math.min(this.recent.length, from - combinedStart), Math.min(this.recent.length, position - combinedStart));
        const fromPiece = piece.subarray(Math.max(0, from - this.recentEnd), Math.max(0, position - this.recentEnd));
        this.tail = Buffer.concat([fromRecent, fromPiece]);
      }
      this.tailEnd = position;
    }
    this.recent =
      piece.length >= TAIL_BYTES ? Buffer.from(piece.subarray(piece.length - TAIL_BYTES)) : Buffer.concat([this.recent, piece]).subarray(-TAIL_BYTES);
    this.recentEnd = pieceEnd;
  }

  /** Fingerprints of the consumed bytes up to `position`; a part left out could not be taken from what was read. */
  fingerprints(position: number): ConsumedFingerprints {
    const result: ConsumedFingerprints = {};
    if (this.head) {
      const head = this.head.subarray(0, Math.min(HEAD_BYTES, position));
      result.fingerprint = digestOf(head);
      result.fingerprintLength = head.length;
    }
    if (this.tail && this.tailEnd === position) {
      result.tailFingerprint = digestOf(this.tail);
      result.tailFingerprintLength = this.tail.length;
    }
    return result;
  }
}
