import { parseCategory, resourceIdFromBlobPath, timeBoundsAt } from '../normalizing/index.js';
import type { Category, NormalizeContext } from '../normalizing/types.js';
import { Framer } from '../reading/index.js';
import type { FramedItem, FramedUnit } from '../reading/types.js';
import type { LogFileRef } from '../storage/LogSource.js';
import { applyExactlyOnce, type ApplyStats, type PositionedRecord, type RefusedRecord } from './applyExactlyOnce.js';
import { PartitionCache } from './partitionCache.js';
import { BATCH_ENTRIES, ReplayBatch, type BatchedEntry } from './replayBatch.js';
import { publishCallContributions } from './publishCallContributions.js';
import { CheckpointStore, fileGenerationId, marksIdOf, type Checkpoint, type LoadedCheckpoint } from './checkpoints.js';
import { checkIdentity } from './fileIdentity.js';
import { interpret, Interpreter } from './interpret.js';
import type { ProcessDeps } from './processFile.js';
import { QuarantineStore, STORAGE_REJECTED, type ListedEntry, type QuarantinedLine } from './quarantine.js';
import { isPending } from './quarantineRows.js';

/** Codes of records that framed and decoded but failed their schema, their ranges or the store: only that record is replayed. */
const RECORD_CODES = new Set(['schema_invalid', 'time_invalid', 'value_out_of_range', 'time_out_of_range', STORAGE_REJECTED]);

export interface ReplayFilter {
  file?: LogFileRef;
  code?: string;
  /** The category of records that carry none, for entries whose file implied none (a local file given without `--category`). */
  category?: Category;
}

/**
 * `waiting`: an entry of a file generation whose read has not moved its checkpoint yet; replayed once it has.
 * `overtaken`: another run marked the entry meanwhile (a replay at the same time): its records count in that run.
 */
export type ReplayOutcome = 'applied' | 'still_bad' | 'unsupported' | 'source_gone' | 'waiting' | 'overtaken';

export interface ReplaySummary {
  /** Quarantine entries replayed (a run of bad lines is one entry). */
  lines: number;
  /** Bad lines in those entries. */
  badLines: number;
  applied: number;
  /** Records of the replayed entries that now read, whether this run or an earlier one counted them. */
  records: number;
  /**
   * Of `records`, those an earlier replay had already counted (an entry partly applied, replayed again;
   * a replay stopped between applying a record and marking its entry): not counted again, not new.
   */
  alreadyCounted: number;
  stillBad: number;
  /** Of `stillBad`, entries some of whose lines now read: those are applied, and their records are in `records`. */
  partlyApplied: number;
  sourceGone: number;
  /** The files of the `sourceGone` entries, each once: deleted since, or replaced, so their lines can no longer be read. */
  goneFiles: LogFileRef[];
  unsupported: number;
  /** Entries left for a later replay: their file's new generation is still being read. */
  waiting: number;
  /** Entries another run (a replay at the same time) marked first: their records count in that run's summary. */
  overtaken: number;
}

/** A replay that has seen no entry yet: what replays of several files add up from. */
export function emptyReplaySummary(): ReplaySummary {
  return {
    lines: 0,
    badLines: 0,
    applied: 0,
    records: 0,
    alreadyCounted: 0,
    stillBad: 0,
    partlyApplied: 0,
    sourceGone: 0,
    goneFiles: [],
    unsupported: 0,
    waiting: 0,
    overtaken: 0,
  };
}

/**
 * Reads quarantined lines again with today's code (after a fix) and applies what now reads. Each
 * line is applied under its own high-water mark (`<file generation>.q<position>`), so a replay that
 * is interrupted and run again, or two replays at once, count each record once.
 */
export async function replayQuarantine(deps: ProcessDeps, filter: ReplayFilter = {}): Promise<ReplaySummary> {
  const store = new QuarantineStore(deps.tables);
  const checkpoints = new CheckpointStore(deps.tables);
  const summary = emptyReplaySummary();
  // What the replay wrote, kept across its entries: entries of one file and hour reach the same partitions.
  const cache = new PartitionCache(deps.tables, deps.settings.cachedBytes);
  const batch = new ReplayBatch(deps, cache);
  // A batch's entries are of one file: its checkpoint is read once for them (a replaced file is still
  // told by its bytes, stillTheFileRead), and again for the next batch.
  let checkpointRead: { file: LogFileRef; loaded: Promise<LoadedCheckpoint | undefined> } | undefined;
  const batchCheckpoints: CheckpointLookup = {
    get: (file) => {
      if (checkpointRead === undefined || checkpointRead.file.container !== file.container || checkpointRead.file.path !== file.path) {
        checkpointRead = { file, loaded: checkpoints.get(file) };
      }
      return checkpointRead.loaded;
    },
  };
  // Entries read whose records are held in the batch: each is marked once they are applied.
  let read: ReadEntry[] = [];
  const count = (line: QuarantinedLine, outcome: Outcome): void => {
    summary.records += outcome.records;
    summary.alreadyCounted += outcome.alreadyCounted ?? 0;
    if (outcome.kind === 'applied') summary.applied++;
    else if (outcome.kind === 'still_bad') {
      summary.stillBad++;
      if (outcome.records > 0) summary.partlyApplied++;
    } else if (outcome.kind === 'unsupported') summary.unsupported++;
    else if (outcome.kind === 'waiting') summary.waiting++;
    else if (outcome.kind === 'overtaken') summary.overtaken++;
    else {
      summary.sourceGone++;
      if (!summary.goneFiles.some((file) => file.container === line.container && file.path === line.path))
        summary.goneFiles.push({ container: line.container, path: line.path });
    }
  };
  const finish = async (): Promise<void> => {
    await batch.apply();
    const outcomes = await markReplayed(read, store);
    read.forEach((entry, i) => count(entry.entry, outcomes[i] as Outcome));
    read = [];
    checkpointRead = undefined;
  };
  // Each entry is read as the listing reaches it, not gathered first: entries keep up to 8 KiB of text each.
  for await (const { line, etag } of store.listTagged(filter.file)) {
    if (!isPending(line) || (filter.code && !hasCode(line, filter.code))) continue;
    summary.lines++;
    summary.badLines += line.count ?? 1;
    // The entries of one file are written together (a file's lines reach the same partitions).
    const last = read[read.length - 1]?.entry;
    if (last !== undefined && (last.container !== line.container || last.path !== line.path || read.length >= BATCH_ENTRIES)) await finish();
    if (line.scope === undefined) {
      await finish();
      count(line, await replayLine(line, deps, store, checkpoints, filter.category));
      continue;
    }
    const outcome = await readEntry({ line, etag }, deps, store, batchCheckpoints, filter.category, batch);
    if ('kind' in outcome) count(line, outcome);
    else read.push(outcome);
  }
  await finish();
  return summary;
}

/** How a replay reads a file's checkpoint. */
type CheckpointLookup = Pick<CheckpointStore, 'get'>;

interface Outcome {
  kind: ReplayOutcome;
  records: number;
  alreadyCounted?: number;
}

/** Whether every partition a record's write reached already held it: an earlier replay counted it, this one wrote nothing. */
function wasCounted(stats: ApplyStats): boolean {
  return stats.rowsWritten === 0 && stats.alreadyApplied > 0;
}

/** The marks kept each record once; the entry's count belongs to the run that marked it. */
const OVERTAKEN = { kind: 'overtaken', records: 0 } as const;

/** Whether any line of the entry failed with `code`. */
export function hasCode(line: QuarantinedLine, code: string): boolean {
  return line.code === code || (line.codes ?? '').split(', ').some((part) => part.split(' ')[0] === code);
}

/**
 * The id a quarantined line's own mark is made from: its file generation's marks id, which a file
 * going on from a local copy shares with that copy (continuedCopies.ts), so the same line quarantined
 * in both is applied once.
 */
async function lineMarksId(file: LogFileRef, generation: number, checkpoints: CheckpointLookup): Promise<string> {
  const checkpoint = (await checkpoints.get(file))?.checkpoint;
  return checkpoint ? marksIdOf(file, checkpoint, generation) : fileGenerationId(file, generation);
}

/** A row written before runs existed: one line (or one record), applied under that line's own mark. */
async function replayLine(
  line: QuarantinedLine,
  deps: ProcessDeps,
  store: QuarantineStore,
  checkpoints: CheckpointStore,
  category: Category | undefined,
): Promise<Outcome> {
  const file: LogFileRef = { container: line.container, path: line.path };
  const text = await unitText(line, file, deps, checkpoints);
  if (text === null) return { kind: 'source_gone', records: 0 };

  const unit: FramedUnit = { kind: 'unit', offset: line.offset, end: line.end, line: line.line, text };
  const now = (deps.now ?? Date.now)();
  const context = replayContext(line, deps, now, category);
  const items = Buffer.byteLength(text) > deps.settings.maxUnitBytes ? [] : [unit];
  const result = interpret(items, context, line.generation, file, deps.settings.maxRawBytes, now);
  const records = RECORD_CODES.has(line.code) ? result.records.filter((r) => r.position === line.position) : result.records;
  const stillBad =
    items.length === 0
      ? { code: 'line_too_long', message: 'longer than ACS_LOGS_MAX_LINE_BYTES' }
      : result.quarantined.find((q) => q.position === line.position || !RECORD_CODES.has(line.code));

  let stillRefused: string | undefined;
  if (records.length > 0) {
    // A refused record went into every view but one: it is replayed into that view only, under a mark of its own.
    const refusedIn = line.code === STORAGE_REJECTED ? line.view : undefined;
    const views = refusedIn === undefined ? deps.views : deps.views.filter((view) => view.table === refusedIn);
    const applied = await applyExactlyOnce(deps.tables, views, records, {
      fileId: `${await lineMarksId(file, line.generation, checkpoints)}.${refusedIn === undefined ? 'q' : 's'}${line.position}`,
      fileKey: `${line.container}/${line.path}`,
      concurrency: deps.settings.partitionConcurrency,
      maxInFlight: deps.settings.maxPartitionsInFlight,
      onRefused: async (refused) => {
        if (refusedIn === undefined) await store.putRefused(file, line.generation, line.category, refused, now);
        else stillRefused = `${refused.code}: ${refused.message}`;
      },
    });
    await publishCallContributions(deps.tables, views, records, deps.settings.partitionConcurrency, undefined, deps.settings.maxPartitionsInFlight);
    if (stillRefused !== undefined) {
      await store.updateAfterReplay(line, { ...line, message: stillRefused });
      return { kind: 'still_bad', records: 0 };
    }
    const kept = records.length - (refusedIn === undefined ? applied.refused : 0);
    if (!(await store.updateAfterReplay(line, { ...line, replayedAt: new Date(now).toISOString(), replayedRecords: kept }))) return OVERTAKEN;
    return { kind: 'applied', records: kept, alreadyCounted: wasCounted(applied) ? kept : 0 };
  }
  if (stillBad) {
    // A refused record's entry stays its view's (its row key and what a replay applies depend on it): the new reason goes in its message.
    const reason = line.code === STORAGE_REJECTED ? { message: `${stillBad.code}: ${stillBad.message}` } : { code: stillBad.code, message: stillBad.message };
    const outcome = { ...line, ...reason };
    if (!sameEntry(line, outcome)) await store.updateAfterReplay(line, outcome);
    return { kind: 'still_bad', records: 0 };
  }
  // It reads now, but as a category the product does not aggregate: nothing to apply, nothing lost.
  await store.updateAfterReplay(line, { ...line, replayedAt: new Date(now).toISOString(), replayedRecords: 0 });
  return { kind: 'unsupported', records: 0 };
}

/** An entry read again, its records that now read held in the batch, marked once they are applied. */
interface ReadEntry extends BatchedEntry {
  entry: QuarantinedLine;
  /** The entry as listed, with its row's ETag: marked under it, many to a request. */
  listed: ListedEntry;
  /** Lines of the entry still bad; `firstBad` is the first one's reason. */
  stillBad: number;
  firstBad: { code: string; message: string } | undefined;
  /** Lines still bad, by code: the entry's `codes` as it stands after the replay. */
  badCodes: Map<string, number>;
  now: number;
}

/**
 * An entry: frames `[offset, end)` again from the entry's mode, chunk by chunk, and holds in the
 * batch every record that now reads, under its own high-water mark (`<file generation>.q<position>`).
 * A run partly fixed applies exactly the lines that now read; the rest stays quarantined; running it
 * again changes nothing, and lines fixed later apply then, whatever their order.
 */
async function readEntry(
  listed: ListedEntry,
  deps: ProcessDeps,
  store: QuarantineStore,
  checkpoints: CheckpointLookup,
  category: Category | undefined,
  batch: ReplayBatch,
): Promise<ReadEntry | Outcome> {
  const entry = listed.line;
  const file: LogFileRef = { container: entry.container, path: entry.path };
  const now = (deps.now ?? Date.now)();
  const context = replayContext(entry, deps, now, category);
  const first = entry.position;
  const last = entry.scope === 'records' ? first + (entry.count ?? 1) : Number.POSITIVE_INFINITY;
  const read: ReadEntry = { entry, listed, records: 0, alreadyCounted: 0, stillBad: 0, firstBad: undefined, badCodes: new Map(), now };
  let taken: PositionedRecord[] = [];
  const take = (item: FramedItem): boolean => {
    const interpreter = new Interpreter(context, entry.generation, file, deps.settings.maxRawBytes, now);
    interpreter.addItem(item);
    const outcome = interpreter.result();
    for (const record of outcome.records) if (record.position >= first && record.position < last) taken.push(record);
    for (const bad of outcome.quarantined) {
      // For an entry of records, count only its own records (a line that no longer decodes: all of them).
      const lines =
        entry.scope !== 'records'
          ? (bad.count ?? 1)
          : bad.scope === 'records'
            ? Math.max(0, Math.min(bad.position + (bad.count ?? 1), last) - Math.max(bad.position, first))
            : (entry.count ?? 1);
      if (lines === 0) continue;
      read.stillBad += lines;
      read.firstBad ??= { code: bad.code, message: bad.message };
      read.badCodes.set(bad.code, (read.badCodes.get(bad.code) ?? 0) + lines);
    }
    return true;
  };
  const marksId = await lineMarksId(file, entry.generation, checkpoints);
  // A view that refuses a record gets an entry of its own, replayed into that view only.
  const onRefused = (refused: RefusedRecord): Promise<void> => store.putRefused(file, entry.generation, entry.category, refused, now);
  const hold = async (): Promise<void> => {
    for (const record of taken) await batch.add(read, `${marksId}.q${record.position}`, file, record, onRefused);
    taken = [];
    await batch.applyIfFull();
  };

  const framed = await frameRange(entry, file, deps, checkpoints, take, hold);
  if (framed !== 'read') return { kind: framed, records: 0 };
  await hold();
  return read;
}

/**
 * Marks entries whose records are all applied, each under the ETag it was listed with, many to a
 * request: replayed, or still bad with what still fails. An entry another replay marked meanwhile is
 * overtaken (its records count there).
 */
async function markReplayed(read: readonly ReadEntry[], store: QuarantineStore): Promise<Outcome[]> {
  const writes: { listed: ListedEntry; outcome: QuarantinedLine }[] = [];
  const decided = read.map(({ entry, listed, records, alreadyCounted, stillBad, firstBad, badCodes, now }) => {
    if (stillBad > 0) {
      const { codes: _before, ...rest } = entry;
      const codes = badCodes.size > 1 ? { codes: [...badCodes].map(([code, count]) => `${code} ${count}`).join(', ') } : {};
      const outcome = { ...rest, ...(firstBad ?? {}), ...codes, stillBadLines: stillBad, ...(records > 0 ? { replayedRecords: records } : {}) };
      // An entry found still bad as it was is not written again.
      if (!sameEntry(entry, outcome)) writes.push({ listed, outcome });
      return { write: -1, outcome: { kind: 'still_bad', records, alreadyCounted } satisfies Outcome };
    }
    const { stillBadLines: _stillBad, ...done } = entry;
    writes.push({ listed, outcome: { ...done, replayedAt: new Date(now).toISOString(), replayedRecords: records } });
    // It reads now, but maybe as a category the product does not aggregate: nothing to apply, nothing lost.
    return { write: writes.length - 1, outcome: { kind: records > 0 ? 'applied' : 'unsupported', records, alreadyCounted } satisfies Outcome };
  });
  const written = writes.length === 0 ? [] : await store.updateAfterReplayListed(writes);
  return decided.map(({ write, outcome }) => (write >= 0 && written[write] !== true ? OVERTAKEN : outcome));
}

/**
 * Frames the entry's bytes from the file (same generation) in chunks, handing each item to `take`
 * and calling `drain` after each chunk; a one-line entry whose source is gone is framed from its
 * kept text when that is whole. `source_gone` when neither is possible; `waiting` for an entry of a
 * generation the file's checkpoint has not reached (its read stopped before moving it), while the
 * file is there to be read again: that read decides what the entry's lines are.
 */
async function frameRange(
  entry: QuarantinedLine,
  file: LogFileRef,
  deps: ProcessDeps,
  checkpoints: CheckpointLookup,
  take: (item: FramedItem) => boolean,
  drain: () => Promise<void>,
): Promise<'read' | 'source_gone' | 'waiting'> {
  const checkpoint = (await checkpoints.get(file))?.checkpoint;
  const limits = { maxUnitBytes: deps.settings.maxUnitBytes, maxRawBytes: deps.settings.maxRawBytes };
  if (checkpoint && checkpoint.generation === entry.generation && entry.end > entry.offset && (await stillTheFileRead(file, checkpoint, deps))) {
    const framer = new Framer({ start: { offset: entry.offset, newlines: entry.line - 1, mode: entry.mode ?? 'lines' }, ...limits });
    // The byte after the range is read too: a bare number or literal in a document ends only at the
    // delimiter after it, and without it would be judged a value the file ends inside. Whatever that
    // byte starts is not the entry's. Not for a line the file ended inside: bytes it grew by since are
    // the next read's to judge, with the line whole (processFile.ts), or they would count twice.
    const takeInRange = (item: FramedItem): boolean => item.offset >= entry.end || take(item);
    try {
      const readEnd = entry.code === 'truncated' ? entry.end : entry.end + 1;
      let at = entry.offset;
      let asked = entry.offset;
      while (asked < readEnd) {
        asked = Math.min(readEnd, at + deps.settings.readChunkBytes);
        const bytes = await deps.source.read(file, at, asked);
        if (bytes.length === 0) break; // the file is gone or shorter: its bytes are not these any more
        framer.pushTo(bytes, takeInRange);
        at += bytes.length;
        await drain();
      }
      if (at >= entry.end) {
        for (const item of framer.finish(true)) takeInRange(item);
        return 'read';
      }
      if (at > entry.offset) return 'source_gone';
    } catch (error) {
      // A local file that moved or is unknown here: fall back to the kept text. Anything else fails the replay.
      if (!isMissingLocalFile(error)) throw error;
    }
  }
  if (checkpoint && checkpoint.generation < entry.generation && (await fileIsThere(file, deps))) return 'waiting';
  if (!keptTextIsTheLine(entry)) return 'source_gone';
  // A record of a `{"records":[...]}` line is kept alone: framed at its own position, it is that record.
  const offset = entry.scope === 'records' ? entry.position : entry.offset;
  const unit: FramedUnit = { kind: 'unit', offset, end: entry.end, line: entry.line, text: entry.raw };
  if (Buffer.byteLength(entry.raw) > deps.settings.maxUnitBytes) {
    take({
      kind: 'issue',
      code: 'line_too_long',
      offset: entry.offset,
      end: entry.end,
      line: entry.line,
      message: 'longer than ACS_LOGS_MAX_LINE_BYTES',
      raw: '',
      rawTruncated: true,
    });
  } else take(unit);
  return 'read';
}

/** The unit's bytes from the file when it is still the same generation, else the kept raw text if whole. */
async function unitText(line: QuarantinedLine, file: LogFileRef, deps: ProcessDeps, checkpoints: CheckpointStore): Promise<string | null> {
  const checkpoint = (await checkpoints.get(file))?.checkpoint;
  if (checkpoint && checkpoint.generation === line.generation && line.end > line.offset && (await stillTheFileRead(file, checkpoint, deps))) {
    try {
      const bytes = await deps.source.read(file, line.offset, line.end);
      if (bytes.length === line.end - line.offset) return stripLineEnd(bytes.toString('utf8'));
    } catch (error) {
      // A local file that moved or is unknown here: fall back to the kept text. Anything else fails the replay.
      if (!isMissingLocalFile(error)) throw error;
    }
  }
  return keptTextIsTheLine(line) ? line.raw : null;
}

/** Whether a replay's outcome says nothing the entry does not: a still-bad entry found as it was is not written again (a read and a write each). */
function sameEntry(stored: QuarantinedLine, outcome: QuarantinedLine): boolean {
  const keys = new Set([...Object.keys(stored), ...Object.keys(outcome)]) as Set<keyof QuarantinedLine>;
  for (const key of keys) if (stored[key] !== outcome[key]) return false;
  return true;
}

/**
 * Whether the kept text may stand in for a line whose file is gone: it is whole, of one line, and
 * the line's own text. Not for bytes that were not UTF-8 (kept with U+FFFD for them, which merges
 * ids, the reason they were refused) nor for a UTF-16 or compressed file (its fix is a converted
 * file, processed on its own: the kept text applied too would count its records twice).
 */
function keptTextIsTheLine(entry: QuarantinedLine): boolean {
  if (entry.rawTruncated || (entry.count ?? 1) !== 1) return false;
  if (entry.code === 'unsupported_encoding' || entry.mode === 'utf16le' || entry.mode === 'utf16be') return false;
  return !entry.raw.includes('\uFFFD');
}

/**
 * Whether the file still holds the bytes its checkpoint read (its first bytes and those before the
 * offset): one replaced since and not yet looked at holds other lines at the entry's offsets, which
 * must not be applied as the quarantined ones. Otherwise the kept text is all there is.
 */
async function stillTheFileRead(file: LogFileRef, checkpoint: Checkpoint, deps: ProcessDeps): Promise<boolean> {
  try {
    const stat = await deps.source.stat(file);
    if (!stat) return false;
    const verdict = await checkIdentity(deps.source, file, checkpoint, stat, null, { checkHead: true });
    return verdict.kind === 'same' || verdict.kind === 'older';
  } catch (error) {
    if (isMissingLocalFile(error)) return false;
    throw error;
  }
}

/** Whether the file still exists (a local file unknown here does not). */
async function fileIsThere(file: LogFileRef, deps: ProcessDeps): Promise<boolean> {
  try {
    return (await deps.source.stat(file)) !== null;
  } catch (error) {
    if (isMissingLocalFile(error)) return false;
    throw error;
  }
}

function stripLineEnd(text: string): string {
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return withoutBom.replace(/\r?\n$/, '');
}

function isMissingLocalFile(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT' || (error instanceof Error && error.message.startsWith('unknown local file'));
}

/** How a quarantined line is read again: its file's category and resource, today's time bounds. */
function replayContext(line: QuarantinedLine, deps: ProcessDeps, now: number, category: Category | undefined): NormalizeContext {
  return {
    fileCategory: (line.category ? parseCategory(line.category) : undefined) ?? category,
    resourceIdFromPath: resourceIdFromBlobPath(line.path),
    timeBounds: timeBoundsAt(now, deps.settings.earliestRecordTime, deps.settings.maxFutureMs),
  };
}
