import { appliedRecordsOf, pendingRecordsOf } from '../aggregating/appliedRecords.js';
import {
  LEGACY_SEQUENCE_ROW_KEY,
  SUMMARY_MARKS_FIELD,
  SUMMARY_PENDING_FIELD,
  SUMMARY_SEQUENCE_FIELD,
  type AggregateView,
  type RowData,
} from '../aggregating/types.js';
import type { NormalizedRecord } from '../normalizing/types.js';
import { MAX_TRANSACTION_ROWS, StorageRefusedError, type RowWrite, type StoredRow, type TableStore } from '../storage/TableStore.js';
import { boundedKey, RESERVED_ROW_PREFIX } from '../storage/keys.js';
import { forEachConcurrently } from './concurrency.js';
import { Gate } from './gate.js';
import {
  encodeSummaryMarks,
  fileMarkOf,
  highWaterMarkRowKey,
  MAX_SUMMARY_MARKS_CHARS,
  summaryMarksOf,
  type FileMark,
  type HighWaterMarkRow,
} from './highWaterMarkRows.js';

export { highWaterMarkRowKey } from './highWaterMarkRows.js';
import { PartitionCache, type PartitionRows } from './partitionCache.js';

/** A record and its unique, ordered position in its file (see RawRecord.position). */
export interface PositionedRecord {
  position: number;
  record: NormalizedRecord;
  /**
   * Where the unit (line) the record came from is, for quarantining it if the store refuses its rows:
   * fields of the record's own object, not an object of their own (a run holds many records).
   */
  unitOffset?: number;
  unitEnd?: number;
  unitLine?: number;
}

export interface ApplyStats {
  partitions: number;
  transactions: number;
  rowsWritten: number;
  conflicts: number;
  /** Records a partition's high-water mark showed as already applied (a replay or a lost race). */
  alreadyApplied: number;
  /** Records whose rows the store refused in some view (handed to `onRefused`). */
  refused: number;
}

/** A record the store would not take in one view: it is in every other view, not in this one. */
export interface RefusedRecord {
  record: PositionedRecord;
  /** The view's table and the (stored) partition that refused it. */
  view: string;
  partitionKey: string;
  code: string;
  message: string;
}

/** One file generation's records in a write, and what to do with those the store refuses. */
export interface RecordSource {
  /** Identifies the file (and its generation) in high-water-mark row keys. */
  fileId: string;
  fileKey: string;
  records: readonly PositionedRecord[];
  /**
   * Called, and awaited, when the store refuses a single record's rows in a view, before any later
   * record of that partition is committed (whose mark then covers it): the caller quarantines it.
   * Without it, a refusal fails the call.
   */
  onRefused?: (refused: RefusedRecord) => Promise<void>;
}

export interface ApplyOptions extends Omit<RecordSource, 'records'> {
  concurrency: number;
  maxInFlight?: number;
}

/**
 * For views with a summary: per partition this write committed to (key `table \0 partition`), the
 * summary row and its companions as the write's last commit left them (null: absent).
 */
export type WrittenSummaries = Map<string, Map<string, StoredRow | null>>;

export function summaryKey(table: string, partitionKey: string): string {
  return table + '\u0000' + partitionKey;
}

export interface WriteOptions {
  /** Partitions in flight per physical partition a view's table spreads over (TableStore.physicalSpread). */
  concurrency: number;
  /** Partitions in flight at most, whatever the spread (default: no more than the spread gives). */
  maxInFlight?: number;
  /** What this run knows of partitions already; without it, every partition is read before it is written. */
  cache?: PartitionCache;
  /** At most this many of a file's records are written row by row at once (MAX_LISTED_POSITIONS). */
  maxListedPositions?: number;
}

/**
 * A partition written row by row lists in each file's mark the positions applied past the mark until
 * the file's records there are all in. Its records are therefore written in windows of at most this
 * many per file, so that the list stays far within what an entity holds (1 MiB; a scattered position
 * takes about 22 characters): a row is written once per window instead of once per write.
 */
export const MAX_LISTED_POSITIONS = 10_000;

interface Item {
  source: RecordSource;
  /** The source's place in the write: items of a partition are ordered by it, then by position. */
  sourceIndex: number;
  positioned: PositionedRecord;
  position: number;
  record: NormalizedRecord;
  rowKeys: readonly string[];
}

const MAX_ATTEMPTS = 40;
/** A partition's data must predate the write's start by this much to be taken as written before (clocks and logging lag). */
const HINT_MARGIN_MS = 10 * 60_000;
/**
 * The write starts at this quantile of its records' times, not at the earliest: Azure Monitor puts a
 * few late records in later hours' files, and one of them would move the start hours back, so that
 * calls running across the previous run's end would be taken as new (a create refused and a read each).
 */
const WRITE_START_QUANTILE = 0.01;

/** The time where the write's records begin (WRITE_START_QUANTILE of them are earlier); +Infinity for none. */
function startOfWrite(sources: readonly RecordSource[]): number {
  let count = 0;
  for (const source of sources) count += source.records.length;
  if (count === 0) return Number.POSITIVE_INFINITY;
  const times = new Float64Array(count);
  let i = 0;
  for (const source of sources) for (const { record } of source.records) times[i++] = record.time;
  times.sort();
  return times[Math.floor((count - 1) * WRITE_START_QUANTILE)] as number;
}

/** Applies one file's records to every view exactly once (see applyToViews). */
export async function applyExactlyOnce(
  tables: TableStore,
  views: readonly AggregateView[],
  records: readonly PositionedRecord[],
  options: ApplyOptions,
): Promise<ApplyStats> {
  const { concurrency, maxInFlight, ...source } = options;
  const { stats } = await applyToViews(tables, views, [{ ...source, records }], { concurrency, maxInFlight });
  return stats;
}

/**
 * Applies the records of one or more files to every view exactly once. Per partition, a
 * high-water-mark row per file says up to which position that file's records are in; aggregate rows
 * and the marks of every file in a transaction change in one ETag-guarded batch, so a replay, a
 * concurrent run or a crash between partitions can neither skip nor double-count a record. A 409/412
 * means another writer moved first: re-read and go on. Records of many files that land in one
 * partition share its transactions.
 */
export async function applyToViews(
  tables: TableStore,
  views: readonly AggregateView[],
  sources: readonly RecordSource[],
  options: WriteOptions,
): Promise<{ stats: ApplyStats; refusedByFile: Map<string, number>; summaries: WrittenSummaries; appliedBefore: Set<string> }> {
  if (new Set(sources.map((source) => source.fileId)).size < sources.length) {
    throw new Error('one write holds one segment per file: its marks are positions within one read of the file');
  }
  const stats: ApplyStats = { partitions: 0, transactions: 0, rowsWritten: 0, conflicts: 0, alreadyApplied: 0, refused: 0 };
  // A record refused in two views (two partitions) is one refused record, one bad line.
  const refusedByFile = new Map<string, Set<number>>();
  const summaries: WrittenSummaries = new Map();
  // Per source (by its index), its items routed and those its marks showed applied: a source all of
  // whose items were is one an earlier write counted. Counters by index: routing is the hot path.
  const routedBySource = new Uint32Array(sources.length);
  const droppedBySource = new Uint32Array(sources.length);
  const cache = options.cache ?? new PartitionCache(tables, 0);
  // Where the write's records begin: a partition whose data a record says starts before it was most likely written before.
  const writeStart = startOfWrite(sources);
  // A view is routed only once every partition of the views before it has started: its partitions
  // hold an item per record routed to it until they are written, so routing every view up front would
  // hold them all at once (about a kilobyte a record). Yet the next view starts while the last
  // partitions of the previous one are still written: a view of few partitions (a resource's Rooms
  // rows, a chain of transactions one after another) does not idle the other writers.
  async function* partitionsOfEveryView(): AsyncGenerator<{ view: AggregateView; group: PartitionGroup; gate: Gate }> {
    for (const view of views) {
      const work = await groupsOf(view, sources, writeStart, routedBySource);
      if (work.length === 0) continue;
      await tables.ensureTable(view.table);
      // The view's partitions in flight: more for a table spread over physical partitions whose
      // transactions travel together (the packed Calls table in an account), so that each fills.
      const gate = new Gate(inFlight(tables.physicalSpread(view.table)));
      stats.partitions += work.length;
      // In routing order, each taken out of the array as it starts, so that the array does not keep
      // the items of a group already written.
      work.reverse();
      // A store that reads many partitions in one request (the embedded packed Calls table) is asked
      // for a summary view's next partitions ahead of their writes, so that their reads wait together.
      const together = view.summary ? tables.partitionsReadTogether(view.table) : 1;
      const ahead = together > 1 ? together * READ_AHEAD_REQUESTS : 0;
      /** work[readFrom..] have been read ahead (or taken). */
      let readFrom = work.length;
      const readAhead = (): void => {
        if (ahead === 0) return;
        // A group taken is read ahead already, or by its write: the next to read is below what is left.
        readFrom = Math.min(readFrom, work.length);
        // Refilled a request's worth at a time, so that the reads asked for in one turn fill a request.
        if (work.length - readFrom > ahead - together) return;
        for (const stop = Math.max(0, work.length - ahead); readFrom > stop;) {
          const next = work[--readFrom] as PartitionGroup;
          cache.readAhead(view.table, next.partitionKey, next.startedBefore);
        }
      };
      readAhead();
      for (let group = work.pop(); group; group = work.pop()) {
        readAhead();
        yield { view, group, gate };
      }
      // The pool holds more than the view's place (an account's, sized for its spread table): the next
      // view is routed once every partition of this one has started, not while they wait for their place.
      await gate.admitted();
    }
  }
  const maxListed = options.maxListedPositions ?? MAX_LISTED_POSITIONS;
  // As many partitions at once as the most spread table's views take (known before any table's layout is, as for a new table).
  const inFlight = (tableSpread: number): number => Math.max(1, Math.min(options.concurrency * tableSpread, options.maxInFlight ?? Number.POSITIVE_INFINITY));
  const spread = Math.max(1, ...views.map((view) => tables.physicalSpread(view.table)));
  // Set as a partition fails, before its place is given to the next: a partition that waited for its
  // view's place while another failed is not started, and the write fails as it is. The pool's signal
  // says the same of any other failure (the next view's table not made, its routing failed).
  let failed = false;
  await forEachConcurrently(partitionsOfEveryView(), inFlight(spread), ({ view, group, gate }, signal) =>
    gate.run(async () => {
      if (failed || signal.aborted) return;
      group.items.sort((a, b) => a.sourceIndex - b.sourceIndex || a.position - b.position);
      // A summary view's marks never list positions: its records go in their order, in one pass.
      const windows = view.summary ? [group.items] : windowsOf(group.items, maxListed);
      group.items = [];
      try {
        // Each taken out as it starts, so that the items of a window written are not kept.
        for (let window = windows.shift(); window; window = windows.shift()) {
          await applyToPartition(tables, cache, view, group.partitionKey, window, group.startedBefore, stats, refusedByFile, summaries, droppedBySource);
        }
      } catch (error) {
        failed = true;
        throw error;
      }
    }),
  );
  const appliedBefore = new Set(sources.filter((_, i) => routedBySource[i] !== 0 && droppedBySource[i] === routedBySource[i]).map((source) => source.fileId));
  return { stats, refusedByFile: new Map([...refusedByFile].map(([fileId, positions]) => [fileId, positions.size])), summaries, appliedBefore };
}

interface PartitionGroup {
  partitionKey: string;
  items: Item[];
  startedBefore: boolean;
}

/**
 * The items (in file and position order) cut into windows holding at most `maxPerFile` items of any
 * file; each window is written in full before the next, so a file's items in a window begin where its
 * mark stands after the windows before.
 */
export function windowsOf<T extends { source: unknown }>(items: readonly T[], maxPerFile: number): (readonly T[])[] {
  const windows: (readonly T[])[] = [];
  let start = 0;
  let run = 0;
  let source: unknown;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T;
    if (item.source !== source) {
      source = item.source;
      run = 0;
    }
    if (run === maxPerFile) {
      windows.push(items.slice(start, i));
      start = i;
      run = 0;
    }
    run++;
  }
  windows.push(start === 0 ? items : items.slice(start));
  return windows;
}

/** A summary view's partitions read ahead of their writes: the reads of this many requests, at the most a request reads. */
const READ_AHEAD_REQUESTS = 2;

/** Records routed between two turns of the event loop: routing a view takes a while (half a second on the bench tree). */
const ROUTED_PER_TURN = 4096;

/**
 * The view's partitions the sources' records route to, each with its items in routing order. It
 * lets the event loop turn as it goes, so that the partitions of the views before, still being
 * written, go on meanwhile.
 */
async function groupsOf(view: AggregateView, sources: readonly RecordSource[], writeStart: number, routedBySource: Uint32Array): Promise<PartitionGroup[]> {
  const groups = new Map<string, PartitionGroup>();
  let routed = 0;
  for (let sourceIndex = 0; sourceIndex < sources.length; sourceIndex++) {
    const source = sources[sourceIndex] as RecordSource;
    for (const positioned of source.records) {
      if (++routed % ROUTED_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const route = view.route(positioned.record);
      if (!route) continue;
      // Keys as stored from here on, so that rows read back by partition and rows routed to compare equal.
      const partitionKey = boundedKey(route.partitionKey);
      let group = groups.get(partitionKey);
      if (!group) {
        group = { partitionKey, items: [], startedBefore: false };
        groups.set(partitionKey, group);
      }
      if (route.since !== undefined && route.since < writeStart - HINT_MARGIN_MS) group.startedBefore = true;
      (routedBySource[sourceIndex] as number)++;
      group.items.push({
        source,
        sourceIndex,
        positioned,
        position: positioned.position,
        record: positioned.record,
        rowKeys: boundedKeys(route.rowKeys),
      });
    }
  }
  return [...groups.values()];
}

async function applyToPartition(
  tables: TableStore,
  cache: PartitionCache,
  view: AggregateView,
  partitionKey: string,
  all: readonly Item[],
  startedBefore: boolean,
  stats: ApplyStats,
  refusedByFile: Map<string, Set<number>>,
  summaries: WrittenSummaries,
  droppedBySource: Uint32Array,
): Promise<void> {
  const summary = view.summary;
  const companionKeys = summary?.companionKeys ?? [];
  const known = cache.partition(view.table, partitionKey, summary !== undefined);
  // Whether a partition not known yet is taken as new (written with creates, no read): the table's
  // recent experience, unless the write's records say the partition had data before the write (what
  // such a read finds then teaches nothing about the partitions without that hint).
  const prepare = async (keys: readonly string[]): Promise<void> => {
    const foundNothing = await known.prepare(keys, !startedBefore && cache.expectsNew(view.table));
    if (foundNothing !== undefined && !startedBefore) cache.observe(view.table, foundNothing);
  };
  // Records that each touch one row (a resource's rooms) go row by row: a row many records touch is
  // written once, not once per transaction. Their files' marks then also list the positions applied
  // past the mark until the window (`all`: the write's items, or a window of them) ends.
  const byRow = !summary && all.length > 1 && all.every((item) => item.rowKeys.length === 1);
  let items = byRow ? groupedByRow(all) : all;
  // Each file's last position in this window: its mark moves past it once all its records here are in.
  const lastInWrite = new Map<string, number>();
  for (const item of all) lastInWrite.set(item.source.fileId, Math.max(lastInWrite.get(item.source.fileId) ?? -1, item.position));
  // Each file's items not yet written or dropped: whether a file has any left after a transaction.
  const left = new Map<string, number>();
  for (const item of all) left.set(item.source.fileId, (left.get(item.source.fileId) ?? 0) + 1);
  const consumed = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const fileId = (items[i] as Item).source.fileId;
      left.set(fileId, (left.get(fileId) as number) - 1);
    }
  };
  /** items[from..] are still to be written: a cursor, so a long partition is not copied after every transaction. */
  let from = 0;
  let attempts = 0;
  /** At most this many records in the next transaction: halved while it is too large or refused. */
  let limit = Number.POSITIVE_INFINITY;
  /** Whether the rows of every remaining item are to be read (again) before the next transaction. */
  let readAll = !summary;
  while (from < items.length) {
    if (readAll) {
      // Every row the write still touches, read at once: many keys of one partition are read in pages
      // of it (storage/readRows.ts), where a read per transaction would ask for each chunk's keys by name.
      readAll = false;
      await prepare(keysOf(items, from));
    }
    // A summary view knows its whole partition (whatever the keys), and its summary row carries its
    // files' marks until the map is full; then new files' marks are rows again.
    let summaryMarks: Map<string, number> | undefined;
    let marksInSummary = false;
    if (summary) {
      await prepare([summary.rowKey]);
      const summaryRow = known.get(summary.rowKey);
      summaryMarks = summaryMarksOf(view.table, summaryRow);
      // The stored text (checked just above) is the map as encoded: its length, without encoding it again.
      const stored = summaryRow?.data[SUMMARY_MARKS_FIELD];
      marksInSummary = (typeof stored === 'string' ? stored.length : 0) < MAX_SUMMARY_MARKS_CHARS;
    }
    const end = Math.min(chunkEnd(items, from, MAX_TRANSACTION_ROWS - (summary ? 1 + companionKeys.length : 0), !marksInSummary), from + limit);
    /** The records of this transaction: items[from, end). */
    const count = end - from;
    const rowKeys = distinctRowKeys(items, from, end);
    const markKeys = new Map<string, { markKey: string; source: RecordSource }>();
    for (let i = from; i < end; i++) {
      const { source } = items[i] as Item;
      if (!markKeys.has(source.fileId)) markKeys.set(source.fileId, { markKey: highWaterMarkRowKey(source.fileId), source });
    }
    if (!summary) {
      await prepare([...[...markKeys.values()].map(({ markKey }) => markKey), ...rowKeys]);
    }

    // Drop what the marks show as applied already (a replay, or a race lost to another writer).
    const marks = new Map<string, FileMark>();
    for (const [fileId, { markKey }] of markKeys) {
      const stored = fileMarkOf(view.table, known.get(markKey));
      marks.set(fileId, { mark: Math.max(summaryMarks?.get(fileId) ?? 0, stored.mark), applied: stored.applied });
    }
    // The transaction's items: a later item is checked when a transaction takes it, against the marks
    // as they are then. Once one is found applied (a replay), every remaining item is checked at once,
    // so that dropping a replayed write costs one pass, not one per transaction.
    const isPending = (item: Item): boolean => {
      const mark = marks.get(item.source.fileId);
      return mark === undefined || (item.position >= mark.mark && !mark.applied.has(item.position));
    };
    let checked = from;
    while (checked < end && isPending(items[checked] as Item)) checked++;
    if (checked < end) {
      const pending: Item[] = [];
      for (let i = from; i < items.length; i++) {
        const item = items[i] as Item;
        // An item of a file outside this transaction has no mark here yet: it stays, to be checked later.
        if (isPending(item)) pending.push(item);
        else {
          consumed(i, i + 1);
          (droppedBySource[item.sourceIndex] as number)++;
        }
      }
      stats.alreadyApplied += items.length - from - pending.length;
      items = pending;
      from = 0;
      continue;
    }

    const rows = new Map<string, RowData>();
    for (const key of rowKeys) rows.set(key, { ...(known.get(key)?.data ?? {}) });
    const lastPositions = new Map<string, number>();
    // One array for every record's rows: views read it during apply and keep only the rows.
    const itemRows: RowData[] = [];
    for (let i = from; i < end; i++) {
      const item = items[i] as Item;
      itemRows.length = 0;
      for (const key of item.rowKeys) itemRows.push(rows.get(key) as RowData);
      try {
        view.apply(item.record, itemRows);
      } catch (error) {
        throw storedRowError(tables, view, partitionKey, item.rowKeys, error);
      }
      lastPositions.set(item.source.fileId, item.position);
    }

    if (view.finalize) {
      for (const [rowKey, row] of rows) {
        try {
          view.finalize(row);
        } catch (error) {
          throw storedRowError(tables, view, partitionKey, [rowKey], error);
        }
      }
    }
    // A row routed but left empty and not stored (a stream its leg row holds) is not written.
    const writes: RowWrite[] = rowKeys
      .filter((rowKey) => known.get(rowKey) !== undefined || Object.keys(rows.get(rowKey) as RowData).length > 0)
      .map((rowKey) => writeFor(rowKey, rows.get(rowKey) as RowData, known));
    const newMarks = byRow ? rowOrderMarks(items, from, end, marks, lastInWrite, left) : new Map<string, FileMark>();
    if (!byRow) {
      for (const [fileId, { applied }] of marks) {
        const mark = (lastPositions.get(fileId) as number) + 1;
        newMarks.set(fileId, { mark, applied: applied.from(mark) });
      }
    }
    const markRows = new Set<string>();
    if (summary) {
      // The summary from every row costs the partition's size, so a write of many transactions would
      // cost its square: the ones between carry the summary as stored (the call row shows the call as
      // before the write) and count their records as pending; the write's last one, or a new
      // partition's first, computes it and counts them all.
      const storedSummary = known.get(summary.rowKey);
      const pending = pendingRecordsOf(view.table, storedSummary) + count;
      let summaryRow: RowData;
      if (storedSummary !== undefined && end < items.length) {
        summaryRow = { ...storedSummary.data, [SUMMARY_PENDING_FIELD]: pending };
      } else {
        summaryRow = summaryOf(summary, known, rows, partitionKey);
        summaryRow[SUMMARY_SEQUENCE_FIELD] = appliedRecordsOf(view.table, storedSummary, known.get(LEGACY_SEQUENCE_ROW_KEY)) + pending;
      }
      const carried = new Map(summaryMarks);
      for (const [fileId, { mark }] of newMarks) {
        if (marksInSummary || carried.has(fileId)) carried.set(fileId, mark);
        else markRows.add(fileId);
      }
      if (carried.size > 0) summaryRow[SUMMARY_MARKS_FIELD] = encodeSummaryMarks(carried);
      else delete summaryRow[SUMMARY_MARKS_FIELD];
      writes.push(...summaryWrites(summary, summaryRow, known, partitionKey));
    }
    const updatedAt = new Date().toISOString();
    for (const [fileId, { markKey, source }] of markKeys) {
      if (summary && !markRows.has(fileId)) continue;
      const { mark, applied } = newMarks.get(fileId) as FileMark;
      const data: HighWaterMarkRow = { file: source.fileKey, mark, ...(applied.size > 0 ? { applied: applied.toText() } : {}), updatedAt };
      const markRow = known.get(markKey);
      writes.push(markRow ? { op: 'replace', rowKey: markKey, etag: markRow.etag, data } : { op: 'create', rowKey: markKey, data });
    }

    let outcome;
    try {
      // Too many bytes for one batch is refused by commit before anything is sent (it sizes each
      // entity as it builds it), and handled below like any refusal: fewer records per transaction.
      outcome = await tables.commit(view.table, partitionKey, writes);
    } catch (error) {
      if (!(error instanceof StorageRefusedError)) throw error;
      if (count > 1) {
        // Narrow down to the records the store refuses; the others go in.
        limit = Math.ceil(count / 2);
        continue;
      }
      const item = items[from] as Item;
      if (!item.source.onRefused) throw error;
      await item.source.onRefused({ record: item.positioned, view: view.table, partitionKey, code: error.code, message: error.message });
      let positions = refusedByFile.get(item.source.fileId);
      if (positions === undefined) refusedByFile.set(item.source.fileId, (positions = new Set()));
      if (!positions.has(item.position)) {
        positions.add(item.position);
        stats.refused++;
      }
      consumed(from, from + 1);
      from++;
      limit = Number.POSITIVE_INFINITY;
      continue;
    }
    if (outcome.committed) {
      if (known.confirm()) cache.observe(view.table, true);
      stats.transactions++;
      stats.rowsWritten += writes.length;
      const unknown = known.committed(writes, outcome.etags);
      if (unknown.length > 0) await known.load(unknown);
      consumed(from, end);
      from = end;
      attempts = 0;
      // Large rows stay large: grow back gradually rather than fold a too-large chunk again each time.
      limit *= 2;
      continue;
    }
    if (known.assuming && outcome.status === 409) {
      // The partition was not new after all: read it and fold again (not a race, no back-off).
      cache.observe(view.table, false);
      known.refute();
      readAll = !summary;
      continue;
    }
    stats.conflicts++;
    known.forget();
    readAll = !summary;
    if (++attempts >= MAX_ATTEMPTS) {
      throw new Error(`gave up on partition ${view.table}/${partitionKey} after ${attempts} conflicting writers (${outcome.code})`);
    }
    await sleep(Math.min(1000, 10 * 2 ** Math.min(attempts, 6)) * Math.random());
  }
  // A write whose last records were refused, or found applied already, ended on a transaction that
  // carried the summary, or a write cut short left it carried and this one found all its records in:
  // one more computes it, until it is computed (by this write or another: a publisher's rewrite of the
  // row as it is leaves it to compute).
  for (let attempt = 1; summary; attempt++) {
    await prepare([summary.rowKey]);
    const storedSummary = known.get(summary.rowKey);
    const pending = pendingRecordsOf(view.table, storedSummary);
    if (storedSummary === undefined || pending === 0) break;
    const summaryRow = summaryOf(summary, known, new Map(), partitionKey);
    summaryRow[SUMMARY_SEQUENCE_FIELD] = appliedRecordsOf(view.table, storedSummary, known.get(LEGACY_SEQUENCE_ROW_KEY)) + pending;
    const marks = storedSummary.data[SUMMARY_MARKS_FIELD];
    if (marks !== undefined) summaryRow[SUMMARY_MARKS_FIELD] = marks;
    const writes = summaryWrites(summary, summaryRow, known, partitionKey);
    const outcome = await tables.commit(view.table, partitionKey, writes);
    if (outcome.committed) {
      stats.transactions++;
      stats.rowsWritten += writes.length;
      const unknown = known.committed(writes, outcome.etags);
      if (unknown.length > 0) await known.load(unknown);
      break;
    }
    stats.conflicts++;
    known.forget();
    if (attempt >= MAX_ATTEMPTS) throw new Error(`gave up on partition ${view.table}/${partitionKey} after ${attempt} conflicting writers (${outcome.code})`);
    await sleep(Math.min(1000, 10 * 2 ** Math.min(attempt, 6)) * Math.random());
  }
  if (summary && known.wrote(summary.rowKey)) {
    const snapshot = new Map<string, StoredRow | null>();
    for (const key of [summary.rowKey, ...companionKeys]) {
      const row = known.lookup(key);
      if (row === undefined) return;
      snapshot.set(key, row);
    }
    summaries.set(summaryKey(view.table, partitionKey), snapshot);
  }
}

/** The keys as stored: the route's own array when every key already fits (most do), else a bounded copy. */
function boundedKeys(keys: readonly string[]): readonly string[] {
  for (const key of keys) if (boundedKey(key) !== key) return keys.map(boundedKey);
  return keys;
}

/** The items in order of their row's first record, each row's records in their original order. */
function groupedByRow(items: readonly Item[]): Item[] {
  const firstSeen = new Map<string, number>();
  items.forEach((item, index) => {
    const rowKey = item.rowKeys[0] as string;
    if (!firstSeen.has(rowKey)) firstSeen.set(rowKey, index);
  });
  return items
    .map((item, index) => ({ item, index, row: firstSeen.get(item.rowKeys[0] as string) as number }))
    .sort((a, b) => a.row - b.row || a.index - b.index)
    .map(({ item }) => item);
}

/**
 * The marks after items[from, end) of a window taken row by row: positions applied past each file's mark
 * are listed until none of the file's items in the window remain, and the mark then moves past the
 * file's last position in the window (positions listed beyond it, from a longer window that was cut
 * short, stay listed).
 */
function rowOrderMarks(
  items: readonly Item[],
  from: number,
  end: number,
  marks: ReadonlyMap<string, FileMark>,
  lastInWrite: ReadonlyMap<string, number>,
  left: ReadonlyMap<string, number>,
): Map<string, FileMark> {
  const positions = new Map<string, number[]>();
  for (let i = from; i < end; i++) {
    const item = items[i] as Item;
    const list = positions.get(item.source.fileId);
    if (list) list.push(item.position);
    else positions.set(item.source.fileId, [item.position]);
  }
  const next = new Map<string, FileMark>();
  for (const [fileId, applied] of positions) {
    const stored = marks.get(fileId) as FileMark;
    const mark: FileMark = { mark: stored.mark, applied: stored.applied.with(applied) };
    if ((left.get(fileId) as number) === applied.length) {
      const past = Math.max(mark.mark, (lastInWrite.get(fileId) as number) + 1);
      next.set(fileId, { mark: past, applied: mark.applied.from(past) });
    } else next.set(fileId, mark);
  }
  return next;
}

/** The summary row over every aggregate row of the partition, with this transaction's rows in place of their stored versions. */
function summaryOf(summary: NonNullable<AggregateView['summary']>, known: PartitionRows, changed: ReadonlyMap<string, RowData>, partitionKey: string): RowData {
  const all = new Map<string, RowData>();
  for (const [key, row] of known.entries()) {
    if (!key.startsWith(RESERVED_ROW_PREFIX) && key !== summary.rowKey && !changed.has(key)) all.set(key, row.data);
  }
  for (const [key, row] of changed) all.set(key, row);
  return summary.compute(all, partitionKey);
}

/** The summary row's write, and its companions' that change with it. */
function summaryWrites(summary: NonNullable<AggregateView['summary']>, summaryRow: RowData, known: PartitionRows, partitionKey: string): RowWrite[] {
  const writes = [writeFor(summary.rowKey, summaryRow, known)];
  const stored = new Map<string, RowData>();
  for (const key of summary.companionKeys ?? []) {
    const row = known.get(key);
    if (row) stored.set(key, row.data);
  }
  for (const [key, data] of summary.companions?.(summaryRow, stored, partitionKey) ?? []) writes.push(writeFor(key, data, known));
  return writes;
}

function writeFor(rowKey: string, data: RowData, known: PartitionRows): RowWrite {
  const existing = known.get(rowKey);
  return existing ? { op: 'replace', rowKey, etag: existing.etag, data } : { op: 'create', rowKey, data };
}

/**
 * The largest `end` such that items[from, end) touch at most `maxWrites` distinct rows, and files when
 * `markRows` (each file's mark is then a row of the transaction); at least one item.
 */
function chunkEnd(items: readonly Item[], from: number, maxWrites: number, markRows: boolean): number {
  const seen = new Set<string>();
  const files = new Set<string>();
  let end = from;
  while (end < items.length) {
    const item = items[end] as Item;
    let added = files.has(item.source.fileId) || !markRows ? 0 : 1;
    for (const key of item.rowKeys) if (!seen.has(key)) added++;
    if (seen.size + (markRows ? files.size : 0) + added > maxWrites && end > from) break;
    for (const key of item.rowKeys) seen.add(key);
    files.add(item.source.fileId);
    end++;
  }
  return end;
}

/** The rows items touch, and their files' mark rows. */
function keysOf(items: readonly Item[], from: number): string[] {
  const keys = new Set<string>();
  for (let i = from; i < items.length; i++) {
    const item = items[i] as Item;
    keys.add(highWaterMarkRowKey(item.source.fileId));
    for (const key of item.rowKeys) keys.add(key);
  }
  return [...keys];
}

function distinctRowKeys(items: readonly Item[], from: number, end: number): string[] {
  const keys = new Set<string>();
  for (let i = from; i < end; i++) for (const key of (items[i] as Item).rowKeys) keys.add(key);
  return [...keys];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A fold that threw on stored rows (a sum that is not a number, written by something else): says
 * which rows, so that a user can mend them (docs/OPERATIONS.md); the file is recorded as failing.
 */
function storedRowError(tables: TableStore, view: AggregateView, partitionKey: string, rowKeys: readonly string[], error: unknown): Error {
  const rowsNamed = (rowKeys.length === 1 ? 'row ' : 'rows ') + rowKeys.map((key) => `'${key}'`).join(', ');
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`row of table ${tables.tableName(view.table)} (partition '${partitionKey}', ${rowsNamed}) cannot be added to: ${message}`, {
    cause: error,
  });
}
