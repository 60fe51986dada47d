import type { AggregateView } from '../aggregating/types.js';
import { keepDecodedLegStreams } from '../aggregating/calls/legStreams.js';
import { categoryFromContainer, resourceIdFromBlobPath, timeBoundsAt } from '../normalizing/index.js';
import type { Category, NormalizeContext } from '../normalizing/types.js';
import { Framer } from '../reading/index.js';
import type { FramedItem, FramerPosition } from '../reading/types.js';
import type { LogFileRef, LogFileStat, LogSource } from '../storage/LogSource.js';
import { fileKey } from '../storage/LogSource.js';
import { fileName, LOCAL_CONTAINER } from '../storage/fileName.js';
import type { TableStore } from '../storage/TableStore.js';
import { CheckpointStore, freshCheckpoint, marksIdOf, type Checkpoint, type QuarantineAttempt, type TruncatedTail } from './checkpoints.js';
import { continuationOf, keepReplacedRead, nameGrownBlob, readsFromStart } from './continuedCopies.js';
import { EarlierQuarantine } from './earlierQuarantine.js';
import {
  checkIdentity,
  ConsumedBytesTracker,
  digestOf,
  HEAD_BYTES,
  hintsChanged,
  startedGenerationOf,
  TAIL_BYTES,
  withEarlierEnd,
  type ConsumedFingerprints,
} from './fileIdentity.js';
import type { Logger } from '../logging.js';
import { Interpreter, type Interpreted } from './interpret.js';
import type { WriteGroup } from './overlappingRuns.js';
import { QuarantineStore } from './quarantine.js';
import { SegmentWriter, type FileTurn, type HeldRecords } from './segmentWriter.js';
import type { ProcessSettings } from './settings.js';
import { finalAt } from './sealing.js';

/** Files a process warned of as shorter than what was read, with the length it warned of (bounded: forgets all past MAX_REMEMBERED). */
class WarnedLengths {
  private static readonly MAX_REMEMBERED = 10_000;
  private readonly lengths = new Map<string, number>();

  /** Whether this file at this length is new to the process (and remembers it). */
  firstTime(file: string, length: number): boolean {
    if (this.lengths.get(file) === length) return false;
    if (this.lengths.size >= WarnedLengths.MAX_REMEMBERED) this.lengths.clear();
    this.lengths.set(file, length);
    return true;
  }
}

const warnedShorter = new WarnedLengths();

/** Bytes framed at a time: a piece's lines are garbage before the young generation fills. */
const FRAME_PIECE_BYTES = 256 * 1024;

/** Times a file that changes between being measured and read is measured again in one run. */
const MAX_UNSURE = 3;

export interface ProcessDeps {
  source: LogSource;
  tables: TableStore;
  views: readonly AggregateView[];
  settings: ProcessSettings;
  logger: Logger;
  now?: () => number;
  /**
   * Runs given the same group share one writer: their files' segments are written together (see
   * OverlappingRuns), and the writer's own messages (a shared write that failed) go to the group's
   * logger. Without it, the writer is this object's own.
   */
  writeGroup?: WriteGroup;
}

export interface ProcessOptions {
  /** Category for records that carry none (the CLI's `--category`); else taken from the container. */
  category?: Category;
  /** Whether the file will not grow any more: its last partial line is then read (or quarantined) and it is sealed. */
  isFinal?: (file: LogFileRef, stat: LogFileStat, now: number) => boolean;
  /** The file's properties as a listing just returned them: saves measuring it again on the first pass. */
  listedStat?: LogFileStat;
  /**
   * Start no segment after this time (epoch ms): the rest is left to the next run, from the checkpoint.
   * A Functions invocation still running at the host's time limit is ended by the host with the worker
   * it runs in (and every other invocation there), whatever it had started.
   */
  deadline?: number;
  /**
   * Called once before the first write of a file read from its start (new, or replaced), or read on
   * from within its first HEAD_BYTES (named by fewer then): a laid-out local file is named then
   * (localCopies.ts), so that a run stopped after the write has named it.
   */
  beforeFirstWrite?: (file: LogFileRef) => Promise<void>;
  /**
   * A stop asked for (`watch`'s first Ctrl-C), after which requests that failed an attempt are not
   * tried again, nor a write of several files that failed so, file by file (segmentWriter.ts).
   */
  stop?: AbortSignal;
}

/** `shorter`: shorter than the bytes already read and still changing; nothing decided yet (fileIdentity.ts). */
export type FileStatus = 'processed' | 'unchanged' | 'missing' | 'sealed' | 'shorter';

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
  /** This run read the file from its first byte (a new file, or a new generation of a replaced one). */
  fromStart: boolean;
  /** Bytes after the last complete line, waiting for the rest of their line. */
  pendingBytes: number;
  /**
   * Segments read and written whose checkpoint another run saved first: their rows went in once
   * (whichever run's write came first counts them), and their records count in that run's result.
   */
  overtaken: number;
  /** Left unfinished at the deadline: the next run reads on from the checkpoint (a new file's first run: from its start). */
  cut: boolean;
}

/**
 * Reads what is new in one file and applies it exactly once: segment by segment, quarantine rows
 * first, then aggregates (guarded by high-water marks), then the checkpoint under its ETag. Any
 * crash or race between those writes is repaired by the next run; a lost checkpoint race re-reads.
 */
export async function processFile(file: LogFileRef, deps: ProcessDeps, options: ProcessOptions = {}): Promise<FileRunResult> {
  const writer = segmentWriterOf(deps);
  // Taken before anything is awaited: the run's order of files is the order their segments are admitted in.
  const turn = writer.enter();
  try {
    return await readAndCommit(file, deps, options, writer, turn);
  } finally {
    turn.leave();
  }
}

/** One writer per run (per set of dependencies, or per write group): the files of a run share its writes and what it knows of partitions. */
const WRITERS = new WeakMap<object, SegmentWriter>();

export function segmentWriterOf(deps: ProcessDeps): SegmentWriter {
  const key = deps.writeGroup ?? deps;
  let writer = WRITERS.get(key);
  if (!writer) {
    keepDecodedLegStreams(deps.settings.decodedStreamChars);
    writer = new SegmentWriter({
      tables: deps.tables,
      views: deps.views,
      logger: deps.writeGroup?.logger ?? deps.logger,
      partitionConcurrency: deps.settings.partitionConcurrency,
      maxPartitionsInFlight: deps.settings.maxPartitionsInFlight,
      maxHeldRecords: deps.settings.heldRecords,
      readConcurrency: deps.settings.readConcurrency,
      cachedBytes: deps.settings.cachedBytes,
    });
    WRITERS.set(key, writer);
  }
  return writer;
}

async function readAndCommit(file: LogFileRef, deps: ProcessDeps, options: ProcessOptions, writer: SegmentWriter, turn: FileTurn): Promise<FileRunResult> {
  const now = deps.now ?? Date.now;
  const checkpoints = new CheckpointStore(deps.tables);
  const quarantine = new QuarantineStore(deps.tables);
  const result: FileRunResult = {
    file,
    status: 'unchanged',
    bytes: 0,
    records: 0,
    unsupported: 0,
    badLines: 0,
    segments: 0,
    replaced: false,
    fromStart: false,
    pendingBytes: 0,
    overtaken: 0,
    cut: false,
  };
  const pastDeadline = (): boolean => options.deadline !== undefined && now() >= options.deadline;
  // A local file's path: its checkpoint names the copy it read (see fileIdentity.ts, an older copy).
  const location = deps.source.locationOf?.(file) ?? null;
  // A copy read under the name of the file it copies is named to people by where it was read.
  const shownName = file.container === LOCAL_CONTAINER && location !== null ? location : fileName(file);
  const context: NormalizeContext = {
    fileCategory: options.category ?? categoryFromContainer(file.container),
    resourceIdFromPath: resourceIdFromBlobPath(file.path),
    timeBounds: timeBoundsAt(now(), deps.settings.earliestRecordTime, deps.settings.maxFutureMs),
  };

  let knownStat = options.listedStat;
  let unsure = 0;
  // A file read from its start looks once for a local copy of it read before (continuedCopies.ts).
  let lookedForCopy = false;
  // Bytes read past where the last segment stopped: the next segment starts with them.
  let carry: ReadAhead | undefined;
  let calledBeforeFirstWrite = false;
  let readsOnFromHead = false;
  for (;;) {
    const loaded = await checkpoints.get(file);
    let checkpoint = loaded?.checkpoint ?? freshCheckpoint(file, now());
    if (checkpoint.sealed && result.segments > 0) break;
    // A listing is a hint. One taken before another run read further looks like a shorter (replaced)
    // file; one that makes the file final may predate a late append. Either way, measure again; a
    // sealed file the listing shows unchanged has nothing to read, so it costs no further request.
    const listed = knownStat;
    knownStat = undefined;
    const trusted =
      listed !== undefined &&
      listed.length >= checkpoint.offset &&
      ((checkpoint.sealed && listed.length === checkpoint.offset) || !(options.isFinal?.(file, listed, now()) ?? false));
    const stat = trusted ? listed : await deps.source.stat(file);
    if (checkpoint.sealed) {
      if (!stat || (stat.length === checkpoint.offset && !hintsChanged(checkpoint, stat))) {
        result.status = 'sealed';
        break;
      }
      if (stat.length > checkpoint.offset) {
        // A sealed file that grew after all (a very late append) is opened again: nothing is lost.
        deps.logger.warn('sealed file grew; reading the new bytes', { file: shownName });
        checkpoint = { ...checkpoint, sealed: false };
      }
    }
    if (!stat) {
      if (loaded && !checkpoint.sealed) {
        await checkpoints.save({ ...checkpoint, sealed: true, updatedAt: new Date(now()).toISOString() }, loaded.etag);
      }
      result.status = 'missing';
      break;
    }

    // Named when it held fewer than its first HEAD_BYTES: named again by what it has now, before it is written.
    const grownPastName = loaded !== undefined && checkpoint.offset < HEAD_BYTES && stat.length > checkpoint.offset;
    if (grownPastName) readsOnFromHead = true;
    if (!lookedForCopy && stat.length > 0 && readsFromStart(checkpoint, loaded !== undefined)) {
      lookedForCopy = true;
      const continuation = await continuationOf(deps.source, deps.tables, file, stat, checkpoint);
      if (continuation.kind === 'continues') {
        deps.logger.info('holds every byte of a local copy read before: read on from where that copy stopped', {
          file: shownName,
          copy: fileName(continuation.copy),
          offset: continuation.checkpoint.offset,
        });
        // Saved, then looked at again as the row now stands. Another run saved first: looked for again,
        // a few times, as that row says (it may have registered the file, not read it).
        if (!(await checkpoints.save(continuation.checkpoint, loaded?.etag))) {
          lookedForCopy = false;
          if (++unsure > MAX_UNSURE) break;
        }
        continue;
      }
    } else if (!lookedForCopy && grownPastName) {
      // A blob here (continuedCopies.ts); a laid-out local file by beforeFirstWrite (localCopies.ts).
      lookedForCopy = true;
      await nameGrownBlob(deps.source, deps.tables, file, stat);
    }

    const final = options.isFinal?.(file, stat, now()) ?? false;
    let before: Buffer = Buffer.alloc(0);
    let firstChunk: Buffer | undefined;
    let hinted = false;
    if (loaded) {
      const reading = stat.length > checkpoint.offset || (final && !checkpoint.sealed);
      // Bytes carried over from the previous segment need not be read again: only the identity window is.
      const carried = carry !== undefined && carry.offset === checkpoint.offset;
      const readEnd = reading ? (carried ? checkpoint.offset : Math.min(stat.length, checkpoint.offset + deps.settings.readChunkBytes)) : null;
      // Without a policy every file is final (decided now); with one, a shorter file still changing waits.
      const identity = await checkIdentity(deps.source, file, checkpoint, stat, readEnd, { final: options.isFinal === undefined || final });
      if (identity.kind === 'unsure') {
        // It changed between being measured and read: measure again, a few times, then leave it to the next run.
        if (++unsure > MAX_UNSURE) break;
        continue;
      }
      if (identity.kind === 'older') {
        deps.logger.info('older copy of a file read further already: nothing to read', {
          file: shownName,
          length: stat.length,
          offset: checkpoint.offset,
        });
        if (checkpoint.sealed) result.status = 'sealed';
        break;
      }
      if (identity.kind === 'shorter') {
        // Warned once per file and length in a process: watch looks at it every pass until it is decided.
        // When it counts as stopped (--seal-after-minutes after its hour and its last change): a changed
        // download saved over an earlier one waits that long, which the warning says.
        const message =
          'shorter than the bytes already read, and still changing: read only once it grows back past them (the same file) or stops changing (then as a replaced file, at readAsReplacedAt if unchanged until then)';
        const readAsReplacedAt = new Date(finalAt(file, stat, deps.settings.sealAfterMs)).toISOString();
        const fields = { file: shownName, length: stat.length, offset: checkpoint.offset, readAsReplacedAt };
        if (warnedShorter.firstTime(fileKey(file), stat.length)) deps.logger.warn(message, fields);
        else deps.logger.info(message, fields);
        // A sealed file is opened again, so the tail looks at it until it is decided.
        if (checkpoint.sealed && !(await checkpoints.save({ ...withStat(checkpoint, stat, checkpoint.readFrom, now()), sealed: false }, loaded.etag))) continue;
        result.status = 'shorter';
        break;
      }
      if (identity.kind === 'replaced') {
        const started = await startedGenerationOf(deps.source, file, checkpoint, stat);
        if (started.save) {
          // Saved before anything of it is written, then looked at again as the row now stands (a file
          // replaced anew every time it is looked at is left to the next run after a few tries).
          if (!(await checkpoints.save({ ...checkpoint, startedGeneration: started.generation, updatedAt: new Date(now()).toISOString() }, loaded.etag)))
            continue;
          if (++unsure > MAX_UNSURE) break;
          continue;
        }
        await keepReplacedRead(deps.tables, file, checkpoint);
        deps.logger.warn('file replaced: bytes already read changed; reading it again as a new generation', {
          file: shownName,
          because: identity.because,
        });
        const generation = started.generation?.generation ?? checkpoint.generation + 1;
        checkpoint = {
          ...freshCheckpoint(file, now()),
          generation,
          replacements: checkpoint.replacements + (generation - checkpoint.generation),
          records: checkpoint.records,
          unsupported: checkpoint.unsupported,
          badLines: checkpoint.badLines,
          bytes: checkpoint.bytes,
          firstSeenAt: checkpoint.firstSeenAt,
          replacedAt: new Date(now()).toISOString(),
          replacedBecause: identity.because,
          // A read of the new generation that stopped after its quarantine rows marked them here.
          quarantineAttempt: checkpoint.quarantineAttempt,
          // The calls an older version wrote from the earlier content are still not in the index.
          olderVersionReadAt: checkpoint.olderVersionReadAt,
        };
        result.replaced = true;
      } else {
        ({ before, firstChunk, hinted } = identity);
        const tail = checkpoint.truncatedTail;
        if (tail !== null && checkpoint.offset === tail.end && stat.length > tail.end) {
          // Sealed ending inside a line, and it grew after all: that line is read again, whole, from its start.
          before = await deps.source.read(file, Math.max(0, tail.offset - TAIL_BYTES), tail.offset);
          firstChunk = undefined;
          checkpoint = {
            ...checkpoint,
            offset: tail.offset,
            newlines: tail.newlines,
            mode: tail.mode,
            tailFingerprint: digestOf(before),
            tailFingerprintLength: before.length,
          };
        }
      }
    }
    if (!loaded || result.replaced) result.fromStart = true;

    if (checkpoint.sealed || (checkpoint.offset >= stat.length && !final)) {
      // A file announced while still empty (as Event Grid announces diagnostic logs) is registered for the tail;
      // a copy of what was read (a new ETag or creation time, the same bytes) just has its new properties recorded,
      // unless it is the local file read, only touched: checking its bytes again costs less than a write per file.
      const recorded = !loaded || result.replaced || (hinted && !touchedInPlace(checkpoint, stat, location));
      if (recorded && !(await checkpoints.save(withStat(checkpoint, stat, location, now()), loaded?.etag))) continue;
      if (checkpoint.sealed) result.status = 'sealed';
      break;
    }

    // An earlier read of these bytes that wrote quarantine rows and never moved the checkpoint: its verdicts stand.
    let attempt = checkpoint.quarantineAttempt;
    if (attempt !== null && (attempt.generation !== checkpoint.generation || attempt.end <= checkpoint.offset)) attempt = null;
    const earlier = attempt === null ? undefined : await earlierQuarantine(quarantine, file, checkpoint.generation, checkpoint.offset, attempt.end);
    // The segment's records count against the run's limit until they are written (or abandoned); it
    // starts reading once what it will likely hold fits.
    const held = await writer.admitBytes(Math.min(stat.length - checkpoint.offset, deps.settings.segmentBytes), deps.settings.segmentRecords, turn);
    try {
      // The wait for the run's limit of held records can end after the deadline: nothing is read then.
      if (pastDeadline()) {
        result.cut = true;
        break;
      }
      const ahead = carry !== undefined && carry.offset === checkpoint.offset ? carry.bytes : undefined;
      carry = undefined;
      const segment = await readSegment(
        deps.source,
        file,
        checkpoint,
        stat.length,
        final,
        deps.settings,
        context,
        now(),
        before,
        firstChunk ?? ahead,
        held,
        earlier,
      );
      const consumed = segment.end.offset - checkpoint.offset;
      held.doneReading(consumed);
      result.pendingBytes = stat.length - segment.end.offset;
      const sealNow = final && segment.end.offset >= stat.length;
      if (segment.changed)
        deps.logger.warn('file changed while read: what was read before the change is taken, then the file is looked at again', { file: shownName });
      if (consumed === 0 && segment.changed) {
        if (++unsure > MAX_UNSURE) break;
        continue;
      }
      if (consumed === 0 && !sealNow && !result.replaced) {
        if ((!loaded || hinted) && !(await checkpoints.save(withStat(checkpoint, stat, location, now()), loaded?.etag))) continue;
        break;
      }
      const fingerprints = { ...segment.fingerprints };
      if (fingerprints.tailFingerprint === undefined) Object.assign(fingerprints, await tailFingerprintAt(deps.source, file, segment.end.offset));
      const tail = { tailFingerprint: fingerprints.tailFingerprint ?? '', tailFingerprintLength: fingerprints.tailFingerprintLength ?? 0 };
      const earlierEnds =
        segment.end.offset >= stat.length ? withEarlierEnd(checkpoint.earlierEnds, { offset: segment.end.offset, ...tail }) : checkpoint.earlierEnds;

      const generationId = marksIdOf(file, checkpoint, checkpoint.generation);
      const outcome = segment.outcome;
      // The line quarantined as truncated when the file was sealed, read again by this segment: counted now as what it reads as.
      const tailRead = checkpoint.truncatedTail !== null && checkpoint.offset === checkpoint.truncatedTail.offset ? checkpoint.truncatedTail : null;
      const sealedTail = sealNow ? truncatedTailOf(outcome, segment.end) : null;
      // The checkpoint's ETag for the save: the row as loaded, or as this segment's own quarantine attempt left it.
      let saveEtag = loaded?.etag;
      let attemptSaved = true;
      const nextCheckpoint = (refused: number): Checkpoint => ({
        ...checkpoint,
        offset: segment.end.offset,
        newlines: segment.end.newlines,
        mode: segment.end.mode,
        etag: stat.etag,
        length: stat.length,
        createdOn: stat.createdOn,
        ...fingerprints,
        earlierEnds,
        readFrom: location,
        sealed: sealNow,
        // Sealed again with nothing new read (a file that shrank and grew back to where it was cut): the cut line is still cut.
        truncatedTail: sealedTail ?? (consumed === 0 && checkpoint.truncatedTail?.end === segment.end.offset ? checkpoint.truncatedTail : null),
        quarantineAttempt: attempt !== null && attempt.end > segment.end.offset ? attempt : null,
        records: checkpoint.records + outcome.records.length,
        unsupported: checkpoint.unsupported + outcome.unsupported,
        badLines: checkpoint.badLines + outcome.badLines + refused - (tailRead ? 1 : 0),
        bytes: checkpoint.bytes + consumed - (tailRead ? tailRead.end - tailRead.offset : 0),
        updatedAt: new Date(now()).toISOString(),
        // No later than the read: one record stamped hours ahead (a local time taken for UTC) would hide the lag until then.
        lastRecordAt: maxIso(checkpoint.lastRecordAt, notAfter(outcome.lastRecordAt, new Date(now()).toISOString())),
      });
      if ((result.fromStart || readsOnFromHead) && !calledBeforeFirstWrite && options.beforeFirstWrite) {
        calledBeforeFirstWrite = true;
        await options.beforeFirstWrite(file);
      }
      const applied = await writer.commit(
        {
          ...(options.stop ? { stop: options.stop } : {}),
          source: {
            fileId: generationId,
            fileKey: fileKey(file),
            records: outcome.records,
            onRefused: async (refused) => {
              deps.logger.warn('storage refused a record; quarantined as storage_rejected', {
                file: shownName,
                position: refused.record.position,
                view: refused.view,
                code: refused.code,
              });
              await quarantine.putRefused(file, checkpoint.generation, context.fileCategory ?? null, refused, now());
            },
          },
          quarantine: async () => {
            if (outcome.quarantined.length > 0 && (attempt === null || attempt.end < segment.end.offset)) {
              // Saved first, so that a read of these bytes after a crash finds the rows below.
              const marked: QuarantineAttempt = { generation: checkpoint.generation, end: segment.end.offset };
              const base = loaded?.checkpoint ?? freshCheckpoint(file, now());
              const etag = await checkpoints.saveForEtag({ ...base, quarantineAttempt: marked, updatedAt: new Date(now()).toISOString() }, loaded?.etag);
              if (etag === false || etag === null) {
                // Another run moved the checkpoint (or its new ETag is unknown): nothing of this segment is
                // written (its records would move marks past lines no entry holds); it is read again from there.
                attemptSaved = false;
                return false;
              }
              attempt = marked;
              saveEtag = etag;
            }
            await quarantine.put(file, outcome.quarantined);
            // Read whole now: its entry is marked as applied, unless the line still does not read (then it was just rewritten).
            const cutLines = new Set([...(tailRead ? [tailRead.offset] : []), ...(earlier?.truncated ?? []).map((entry) => entry.offset)]);
            for (const offset of cutLines) {
              if (offset >= segment.end.offset || outcome.quarantined.some((entry) => entry.position === offset)) continue;
              const records = outcome.records.filter((record) => record.unitOffset === offset).length;
              await quarantine.markReadWhole(file, checkpoint.generation, offset, records, now());
            }
            return true;
          },
          save: async (refused) => attemptSaved && (await checkpoints.save(nextCheckpoint(refused), saveEtag)),
        },
        held,
      );
      if (!applied.saved) {
        // Another run moved first: re-read and go on from there (what is left to read is measured again).
        if (sealedTail !== null && attemptSaved) await settleTailEntry(deps, file, checkpoint.generation, sealedTail, context, now());
        result.overtaken++;
        result.pendingBytes = 0;
        continue;
      }

      result.status = 'processed';
      result.segments++;
      result.bytes += consumed;
      result.records += outcome.records.length;
      result.unsupported += outcome.unsupported;
      // A line quarantined cut and read again counts once, in the run that first quarantined it.
      result.badLines += Math.max(0, outcome.badLines + applied.refused - (tailRead ? 1 : 0));
      carry = segment.rest;
      // Replaced while read: measured and checked again at once (a new generation), not left to the next run.
      if (segment.changed && !sealNow) {
        if (++unsure > MAX_UNSURE) break;
        continue;
      }
      if (sealNow || segment.end.offset >= stat.length || !segment.full) break;
      if (pastDeadline()) {
        result.cut = true;
        break;
      }
    } finally {
      held.release();
    }
  }

  if (result.status === 'processed') {
    deps.logger.info('file processed', {
      file: shownName,
      records: result.records,
      badLines: result.badLines,
      unsupported: result.unsupported,
      bytes: result.bytes,
      segments: result.segments,
      pendingBytes: result.pendingBytes,
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
  fingerprints: ConsumedFingerprints;
  /** Bytes already read from `end.offset` on (the rest of the chunk where a budget stopped the segment). */
  rest?: ReadAhead;
  /** A read did not continue the bytes before it (the file was replaced while read): the segment ends before it. */
  changed: boolean;
}

/** Bytes each read repeats of the one before, to tell that it continues the same file. */
const CONTINUITY_BYTES = 512;

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
  before: Buffer,
  prefetched: Buffer | undefined,
  held: HeldRecords,
  earlier: EarlierQuarantine | undefined,
): Promise<Segment> {
  const start: FramerPosition = { offset: checkpoint.offset, newlines: checkpoint.newlines, mode: checkpoint.mode };
  const framer = new Framer({ start, maxUnitBytes: settings.maxUnitBytes, maxRawBytes: settings.maxRawBytes });
  const interpreter = new Interpreter(context, checkpoint.generation, file, settings.maxRawBytes, now, earlier);
  const consumedBytes = new ConsumedBytesTracker(start.offset, before);
  const withinBudget = (item: FramedItem): boolean => {
    interpreter.addItem(item);
    return (
      held.hold(heldUnits(interpreter)) &&
      item.end - start.offset < settings.segmentBytes &&
      interpreter.records.length + interpreter.quarantined.length < settings.segmentRecords &&
      interpreter.quarantinedChars < settings.segmentQuarantinedChars
    );
  };
  let readPosition = start.offset;
  let full = false;
  let changed = false;
  let rest: ReadAhead | undefined;
  let next = prefetched;
  // The bytes just before `readPosition`, as read: each read starts inside them and must repeat them,
  // or its bytes are another file's (one replaced between two reads) and nothing of them is taken.
  let behind = before;
  while (readPosition < length && !full) {
    let chunk: Buffer;
    if (next !== undefined) chunk = next.subarray(0, length - readPosition);
    else {
      const overlap = Math.min(CONTINUITY_BYTES, behind.length);
      const bytes = await source.read(file, readPosition - overlap, Math.min(length, readPosition + settings.readChunkBytes));
      const repeated = bytes.subarray(0, overlap);
      if (!repeated.equals(behind.subarray(behind.length - overlap, behind.length - overlap + repeated.length))) {
        changed = true;
        break;
      }
      chunk = bytes.subarray(repeated.length);
    }
    next = undefined;
    if (chunk.length === 0) break;
    behind = chunk.length >= CONTINUITY_BYTES ? chunk : Buffer.concat([behind, chunk]).subarray(-CONTINUITY_BYTES);
    // Framed in small pieces so that each piece's lines are interpreted and dropped while still young.
    for (let from = 0; from < chunk.length && !full; from += FRAME_PIECE_BYTES) {
      const piece = chunk.subarray(from, Math.min(chunk.length, from + FRAME_PIECE_BYTES));
      full = framer.pushTo(piece, withinBudget);
      consumedBytes.add(piece, framer.position.offset);
    }
    if (full) {
      const at = framer.position.offset - readPosition;
      if (at >= 0 && at < chunk.length) rest = { offset: framer.position.offset, bytes: chunk.subarray(at) };
    }
    readPosition += chunk.length;
  }
  if (!full && readPosition >= length) {
    interpreter.add(framer.finish(final));
    held.hold(heldUnits(interpreter));
    consumedBytes.add(Buffer.alloc(0), framer.position.offset);
  }
  return {
    outcome: interpreter.result(),
    end: framer.position,
    full,
    fingerprints: consumedBytes.fingerprints(framer.position.offset),
    ...(rest ? { rest } : {}),
    changed,
  };
}

/**
 * The segment's last line when the file ended inside it (a `truncated` entry of its own reaching the
 * end, a UTF-16 line's `unsupported_encoding` one, or a `line_too_long` one with no line end after
 * its start), for a later growth.
 */
function truncatedTailOf(outcome: Interpreted, end: FramerPosition): TruncatedTail | null {
  const last = outcome.quarantined.at(-1);
  if (last === undefined || last.end !== end.offset || (last.count ?? 1) !== 1 || last.scope !== 'units') return null;
  // A UTF-16 file's lines are not read, but one cut at the seal is still one line: its entry is made again whole if it grows.
  // A line past the limit cut at the seal is one line too: read again whole, its entry then spans it all, so a replay can read it.
  const cutLine =
    last.code === 'truncated' ||
    (last.code === 'unsupported_encoding' && (last.mode === 'utf16le' || last.mode === 'utf16be')) ||
    (last.code === 'line_too_long' && last.mode === 'lines' && end.newlines === last.line - 1);
  if (!cutLine) return null;
  return { offset: last.offset, newlines: last.line - 1, mode: last.mode ?? 'lines', end: end.offset };
}

/**
 * This run quarantined a line its file ended inside, then found that another run saved first. If that
 * run read past the line (the file had grown meanwhile), the entry just written replaced what that run
 * left: the line is read again here, and its entry made what that run's reading made it (the line's
 * own entry if it still does not read, else marked applied).
 */
async function settleTailEntry(
  deps: ProcessDeps,
  file: LogFileRef,
  generation: number,
  tail: TruncatedTail,
  context: NormalizeContext,
  now: number,
): Promise<void> {
  const winner = (await new CheckpointStore(deps.tables).get(file))?.checkpoint;
  if (!winner || winner.generation !== generation || winner.offset <= tail.offset || winner.truncatedTail?.offset === tail.offset) return;
  const framer = new Framer({
    start: { offset: tail.offset, newlines: tail.newlines, mode: tail.mode },
    maxUnitBytes: deps.settings.maxUnitBytes,
    maxRawBytes: deps.settings.maxRawBytes,
  });
  const interpreter = new Interpreter(context, generation, file, deps.settings.maxRawBytes, now);
  let found = false;
  const first = (item: FramedItem): boolean => {
    interpreter.addItem(item);
    found = true;
    return false;
  };
  for (let at = tail.offset; at < winner.offset && !found;) {
    const bytes = await deps.source.read(file, at, Math.min(winner.offset, at + deps.settings.readChunkBytes));
    if (bytes.length === 0) return;
    framer.pushTo(bytes, first);
    at += bytes.length;
  }
  if (!found) for (const item of framer.finish(true).slice(0, 1)) interpreter.addItem(item);
  const line = interpreter.result();
  const quarantine = new QuarantineStore(deps.tables);
  await quarantine.put(file, line.quarantined);
  if (!line.quarantined.some((entry) => entry.position === tail.offset))
    await quarantine.markReadWhole(file, generation, tail.offset, line.records.length, now);
}

/** The entries of an earlier read past the checkpoint, in `[from, to)` (earlierQuarantine.ts); none: undefined. */
async function earlierQuarantine(
  quarantine: QuarantineStore,
  file: LogFileRef,
  generation: number,
  from: number,
  to: number,
): Promise<EarlierQuarantine | undefined> {
  const entries = [];
  for await (const entry of quarantine.listRange(file, generation, from, to)) entries.push(entry);
  const earlier = new EarlierQuarantine(entries);
  return earlier.empty ? undefined : earlier;
}

/** Characters of quarantined text held that count as one record against the run's limit: about what a record takes. */
const QUARANTINED_CHARS_PER_RECORD = 1024;

/**
 * Bytes of records' lines that count as one held record: logs as ACS writes them take less a record
 * (the bench tree's about 740 bytes), so they count by their number; records of a few KiB keep texts
 * as long, and count by their bytes.
 */
const RECORD_BYTES_PER_HELD_RECORD = 1024;

/**
 * What a segment holds, in records: its records (short ones by their number, or by their bytes when
 * those are more; long ones by their size, apart), its quarantine entries, and their kept text. A flood of bad lines
 * holds little but its text (at most a segment's budget per file), and a few huge records little but
 * theirs, which the run's limit must bound too when many files are read at once.
 */
function heldUnits(interpreter: Interpreter): number {
  return (
    interpreter.records.length +
    interpreter.longUnitRecords +
    Math.max(0, Math.floor(interpreter.shortUnitBytes / RECORD_BYTES_PER_HELD_RECORD) - interpreter.shortUnitRecords) +
    interpreter.quarantined.length +
    Math.floor(interpreter.quarantinedChars / QUARANTINED_CHARS_PER_RECORD)
  );
}

/** The bytes just before `offset`, read on their own: only when the segment's reads did not hold them. */
async function tailFingerprintAt(source: LogSource, file: LogFileRef, offset: number): Promise<ConsumedFingerprints> {
  const bytes = await source.read(file, Math.max(0, offset - TAIL_BYTES), offset);
  return { tailFingerprint: digestOf(bytes), tailFingerprintLength: bytes.length };
}

/**
 * A checkpoint that records what the file looked like, without having consumed anything: measured
 * and found the same (or new), so `location`, a local file's path, holds what it consumed.
 */
function withStat(checkpoint: Checkpoint, stat: LogFileStat, location: string | null, now: number): Checkpoint {
  return { ...checkpoint, etag: stat.etag, length: stat.length, createdOn: stat.createdOn, readFrom: location, updatedAt: new Date(now).toISOString() };
}

/**
 * The local file the checkpoint was read from, the same length, with only its modification or
 * creation time new (a `touch`, a re-download over it): its bytes were just found the same.
 */
function touchedInPlace(checkpoint: Checkpoint, stat: LogFileStat, location: string | null): boolean {
  // An ETag saved before local ETags held the change time is not a touch: it is recorded once in the new form.
  const sameForm = checkpoint.etag.split('-').length === stat.etag.split('-').length;
  return location !== null && location === checkpoint.readFrom && stat.length === checkpoint.length && sameForm;
}

/** `time`, or `limit` when it is later (ISO times compare as strings). */
function notAfter(time: string | null, limit: string): string | null {
  return time !== null && time > limit ? limit : time;
}

function maxIso(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}
