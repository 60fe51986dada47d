import { createHash } from 'node:crypto';
import type { AggregateView } from '../aggregating/types.js';
import { categoryFromContainer, resourceIdFromBlobPath } from '../normalizing/index.js';
import type { Category, NormalizeContext } from '../normalizing/types.js';
import { Framer } from '../reading/index.js';
import type { FramedItem, FramerPosition } from '../reading/types.js';
import type { LogFileRef, LogFileStat, LogSource } from '../storage/LogSource.js';
import { fileKey } from '../storage/LogSource.js';
import type { TableStore } from '../storage/TableStore.js';
import { applyExactlyOnce } from './applyExactlyOnce.js';
import { CheckpointStore, fileGenerationId, freshCheckpoint, type Checkpoint } from './checkpoints.js';
import type { Logger } from './logger.js';
import { Interpreter, type Interpreted } from './interpret.js';
import { QuarantineStore } from './quarantine.js';
import type { ProcessSettings } from './settings.js';

/** Bytes framed at a time: a piece's lines are garbage before the young generation fills. */
const FRAME_PIECE_BYTES = 256 * 1024;

/** Bytes hashed to recognise a file that was replaced under the same name. */
const FINGERPRINT_BYTES = 256;

export interface ProcessDeps {
  source: LogSource;
  tables: TableStore;
  views: readonly AggregateView[];
  settings: ProcessSettings;
  logger: Logger;
  now?: () => number;
}

export interface ProcessOptions {
  /** Category for records that carry none (the CLI's `--category`); else taken from the container. */
  category?: Category;
  /** Whether the file will not grow any more: its last partial line is then read (or quarantined) and it is sealed. */
  isFinal?: (file: LogFileRef, stat: LogFileStat, now: number) => boolean;
  /** The file's properties as a listing just returned them: saves measuring it again on the first pass. */
  listedStat?: LogFileStat;
}

export type FileStatus = 'processed' | 'unchanged' | 'missing' | 'sealed';

export interface FileRunResult {
  file: LogFileRef;
  status: FileStatus;
  bytes: number;
  records: number;
  unsupported: number;
  /** Bad lines (and bad records of `{"records":[...]}` lines) one by one; a run of them is one quarantine entry. */
  badLines: number;
  segments: number;
  replaced: boolean;
  /** Bytes after the last complete line, waiting for the rest of their line. */
  pendingBytes: number;
}

/**
 * Reads what is new in one file and applies it exactly once: segment by segment, quarantine rows
 * first, then aggregates (guarded by high-water marks), then the checkpoint under its ETag. Any
 * crash or race between those writes is repaired by the next run; a lost checkpoint race re-reads.
 */
export async function processFile(file: LogFileRef, deps: ProcessDeps, options: ProcessOptions = {}): Promise<FileRunResult> {
  const now = deps.now ?? Date.now;
  const checkpoints = new CheckpointStore(deps.tables);
  const quarantine = new QuarantineStore(deps.tables);
  const result: FileRunResult = {
    file, status: 'unchanged', bytes: 0, records: 0, unsupported: 0, badLines: 0, segments: 0, replaced: false, pendingBytes: 0,
  };
  const context: NormalizeContext = {
    fileCategory: options.category ?? categoryFromContainer(file.container),
    resourceIdFromPath: resourceIdFromBlobPath(file.path),
  };

  let knownStat = options.listedStat;
  // Bytes read past where the last segment stopped: the next segment starts with them.
  let carry: ReadAhead | undefined;
  for (;;) {
    const loaded = await checkpoints.get(file);
    let checkpoint = loaded?.checkpoint ?? freshCheckpoint(file, now());
    if (checkpoint.sealed && result.segments > 0) break;
    // A listing is a hint. One taken before another run read further looks like a shorter (replaced)
    // file; one that makes the file final may predate a late append. Either way, measure again; a
    // sealed file the listing shows unchanged has nothing to read, so it costs no further request.
    const listed = knownStat;
    knownStat = undefined;
    const trusted = listed !== undefined && listed.length >= checkpoint.offset
      && ((checkpoint.sealed && listed.length === checkpoint.offset) || !(options.isFinal?.(file, listed, now()) ?? false));
    const stat = trusted ? listed : await deps.source.stat(file);
    if (checkpoint.sealed) {
      // A sealed file that grew after all (a very late append) is opened again: nothing is lost.
      if (!stat || stat.length <= checkpoint.offset) {
        result.status = 'sealed';
        break;
      }
      deps.logger.warn('sealed file grew; reading the new bytes', { file: fileKey(file) });
      checkpoint = { ...checkpoint, sealed: false };
    }
    if (!stat) {
      if (loaded && !checkpoint.sealed) {
        await checkpoints.save({ ...checkpoint, sealed: true, updatedAt: new Date(now()).toISOString() }, loaded.etag);
      }
      result.status = 'missing';
      break;
    }
    if (loaded && (await wasReplaced(deps.source, file, checkpoint, stat))) {
      deps.logger.warn('file replaced or truncated; reading it again as a new generation', { file: fileKey(file) });
      checkpoint = { ...freshCheckpoint(file, now()), generation: checkpoint.generation + 1, replacements: checkpoint.replacements + 1,
        records: checkpoint.records, unsupported: checkpoint.unsupported, badLines: checkpoint.badLines, bytes: checkpoint.bytes,
        firstSeenAt: checkpoint.firstSeenAt };
      result.replaced = true;
    }

    const final = options.isFinal?.(file, stat, now()) ?? false;
    if (checkpoint.offset >= stat.length && !final) {
      // A file announced while still empty (as Event Grid announces diagnostic logs) is registered for the tail.
      if (!loaded && !(await checkpoints.save(withStat(checkpoint, stat, now()), undefined))) continue;
      break;
    }

    const segment = await readSegment(deps.source, file, checkpoint, stat.length, final, deps.settings, context, now(), carry);
    carry = undefined;
    const consumed = segment.end.offset - checkpoint.offset;
    result.pendingBytes = stat.length - segment.end.offset;
    const sealNow = final && segment.end.offset >= stat.length;
    if (consumed === 0 && !sealNow && !result.replaced) {
      if (!loaded && !(await checkpoints.save(withStat(checkpoint, stat, now()), undefined))) continue;
      break;
    }

    const generationId = fileGenerationId(file, checkpoint.generation);
    const outcome = segment.outcome;
    await quarantine.put(file, outcome.quarantined);
    await applyExactlyOnce(deps.tables, deps.views, outcome.records, {
      fileId: generationId,
      fileKey: fileKey(file),
      concurrency: deps.settings.partitionConcurrency,
    });

    const next: Checkpoint = {
      ...checkpoint,
      offset: segment.end.offset,
      newlines: segment.end.newlines,
      mode: segment.end.mode,
      etag: stat.etag,
      length: stat.length,
      createdOn: stat.createdOn,
      ...(segment.fingerprint ?? {}),
      sealed: sealNow,
      records: checkpoint.records + outcome.records.length,
      unsupported: checkpoint.unsupported + outcome.unsupported,
      badLines: checkpoint.badLines + outcome.badLines,
      bytes: checkpoint.bytes + consumed,
      updatedAt: new Date(now()).toISOString(),
      lastRecordAt: maxIso(checkpoint.lastRecordAt, outcome.lastRecordAt),
    };
    if (!(await checkpoints.save(next, loaded?.etag))) continue; // another run moved first: re-read and go on from there

    result.status = 'processed';
    result.segments++;
    result.bytes += consumed;
    result.records += outcome.records.length;
    result.unsupported += outcome.unsupported;
    result.badLines += outcome.badLines;
    carry = segment.rest;
    if (sealNow || segment.end.offset >= stat.length || !segment.full) break;
  }

  if (result.status === 'processed') {
    deps.logger.info('file processed', {
      file: fileKey(file), records: result.records, badLines: result.badLines, unsupported: result.unsupported,
      bytes: result.bytes, segments: result.segments, pendingBytes: result.pendingBytes,
    });
  }
  return result;
}

interface ReadAhead {
  offset: number;
  bytes: Buffer;
}

interface Segment {
  outcome: Interpreted;
  end: FramerPosition;
  /** True when the segment stopped at a budget with more bytes available. */
  full: boolean;
  fingerprint?: { fingerprint: string; fingerprintLength: number };
  /** Bytes already read from `end.offset` on (the rest of the chunk where a budget stopped the segment). */
  rest?: ReadAhead;
}

/**
 * Reads from the checkpoint on, framing and interpreting each chunk as it arrives, until the file's
 * end or the first line (or document element) past a budget: bytes read, records and quarantine
 * entries held, quarantined text held. Budgets are checked after every line, so a flood of tiny bad
 * lines cannot pile up within one read.
 */
async function readSegment(
  source: LogSource,
  file: LogFileRef,
  checkpoint: Checkpoint,
  length: number,
  final: boolean,
  settings: ProcessSettings,
  context: NormalizeContext,
  now: number,
  readAhead?: ReadAhead,
): Promise<Segment> {
  const start: FramerPosition = { offset: checkpoint.offset, newlines: checkpoint.newlines, mode: checkpoint.mode };
  const framer = new Framer({ start, maxUnitBytes: settings.maxUnitBytes, maxRawBytes: settings.maxRawBytes });
  const interpreter = new Interpreter(context, checkpoint.generation, file, settings.maxRawBytes, now);
  const withinBudget = (item: FramedItem): boolean => {
    interpreter.addItem(item);
    return item.end - start.offset < settings.segmentBytes
      && interpreter.records.length + interpreter.quarantined.length < settings.segmentRecords
      && interpreter.quarantinedChars < settings.segmentQuarantinedChars;
  };
  let fingerprint: Segment['fingerprint'];
  let readPosition = start.offset;
  let full = false;
  let rest: ReadAhead | undefined;
  while (readPosition < length && !full) {
    const ahead = readAhead !== undefined && readAhead.offset === readPosition ? readAhead.bytes.subarray(0, length - readPosition) : undefined;
    readAhead = undefined;
    const chunk = ahead ?? (await source.read(file, readPosition, Math.min(length, readPosition + settings.readChunkBytes)));
    if (chunk.length === 0) break;
    if (readPosition === 0) fingerprint = fingerprintOf(chunk);
    // Framed in small pieces so that each piece's lines are interpreted and dropped while still young.
    for (let from = 0; from < chunk.length && !full; from += FRAME_PIECE_BYTES) {
      full = framer.pushTo(chunk.subarray(from, Math.min(chunk.length, from + FRAME_PIECE_BYTES)), withinBudget);
    }
    if (full) {
      const at = framer.position.offset - readPosition;
      if (at >= 0 && at < chunk.length) rest = { offset: framer.position.offset, bytes: chunk.subarray(at) };
    }
    readPosition += chunk.length;
  }
  if (!full && readPosition >= length) interpreter.add(framer.finish(final));
  return { outcome: interpreter.result(), end: framer.position, full, fingerprint, ...(rest ? { rest } : {}) };
}

/** A file was replaced when it shrank, was created anew, or its first bytes changed. */
async function wasReplaced(source: LogSource, file: LogFileRef, checkpoint: Checkpoint, stat: LogFileStat): Promise<boolean> {
  if (stat.length < checkpoint.offset) return true;
  if (checkpoint.createdOn !== null && stat.createdOn !== null && checkpoint.createdOn !== stat.createdOn) return true;
  if (checkpoint.fingerprintLength === 0 || stat.length <= checkpoint.offset) return false;
  const head = await source.read(file, 0, checkpoint.fingerprintLength);
  return fingerprintOf(head).fingerprint !== checkpoint.fingerprint;
}

function fingerprintOf(firstBytes: Buffer): { fingerprint: string; fingerprintLength: number } {
  const head = firstBytes.subarray(0, FINGERPRINT_BYTES);
  return { fingerprint: createHash('sha256').update(head).digest('base64url'), fingerprintLength: head.length };
}

/** A checkpoint that records what the file looked like, without having consumed anything. */
function withStat(checkpoint: Checkpoint, stat: LogFileStat, now: number): Checkpoint {
  return { ...checkpoint, etag: stat.etag, length: stat.length, createdOn: stat.createdOn, updatedAt: new Date(now).toISOString() };
}

function maxIso(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}
