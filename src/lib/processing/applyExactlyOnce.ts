import type { AggregateView, RowData } from '../aggregating/types.js';
import type { NormalizedRecord } from '../normalizing/types.js';
import {
  MAX_TRANSACTION_BYTES, MAX_TRANSACTION_ROWS, StorageRefusedError, type RowWrite, type StoredRow, type TableStore,
} from '../storage/TableStore.js';
import { boundedKey, RESERVED_ROW_PREFIX } from '../storage/keys.js';
import { forEachLimit } from './concurrency.js';

/** A record and its unique, ordered position in its file (see RawRecord.position). */
export interface PositionedRecord {
  position: number;
  record: NormalizedRecord;
  /** The unit (line) the record came from, for quarantining it if the store refuses its rows. */
  unit?: { offset: number; end: number; line: number };
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

export interface ApplyOptions {
  /** Identifies the file (and its generation) in high-water-mark row keys. */
  fileId: string;
  fileKey: string;
  concurrency: number;
  /**
   * Called, and awaited, when the store refuses a single record's rows in a view, before any later
   * record of that partition is committed (whose mark then covers it): the caller quarantines it.
   * Without it, a refusal fails the call.
   */
  onRefused?: (refused: RefusedRecord) => Promise<void>;
}

interface Item {
  source: PositionedRecord;
  position: number;
  record: NormalizedRecord;
  rowKeys: readonly string[];
}

const MAX_ATTEMPTS = 40;

export function highWaterMarkRowKey(fileId: string): string {
  return `${RESERVED_ROW_PREFIX}hwm|${fileId}`;
}

/**
 * Applies each record to every view exactly once. Per partition, a high-water-mark row per file
 * says up to which position that file's records are in; aggregate rows and the mark change in one
 * ETag-guarded transaction, so a replay, a concurrent run or a crash between partitions can neither
 * skip nor double-count a record. A 409/412 means another writer moved first: re-read and go on.
 */
export async function applyExactlyOnce(
  tables: TableStore,
  views: readonly AggregateView[],
  records: readonly PositionedRecord[],
  options: ApplyOptions,
): Promise<ApplyStats> {
  const stats: ApplyStats = { partitions: 0, transactions: 0, rowsWritten: 0, conflicts: 0, alreadyApplied: 0, refused: 0 };
  const work: { view: AggregateView; partitionKey: string; items: Item[] }[] = [];
  for (const view of views) {
    const groups = new Map<string, Item[]>();
    for (const source of records) {
      const route = view.route(source.record);
      if (!route) continue;
      // Keys as stored from here on, so that rows read back by partition and rows routed to compare equal.
      const partitionKey = boundedKey(route.partitionKey);
      let items = groups.get(partitionKey);
      if (!items) {
        items = [];
        groups.set(partitionKey, items);
        work.push({ view, partitionKey, items });
      }
      items.push({ source, position: source.position, record: source.record, rowKeys: route.rowKeys.map(boundedKey) });
    }
  }
  await Promise.all([...new Set(work.map((group) => group.view.table))].map((table) => tables.ensureTable(table)));
  stats.partitions = work.length;
  await forEachLimit(work, options.concurrency, async (group) => {
    group.items.sort((a, b) => a.position - b.position);
    await applyToPartition(tables, group.view, group.partitionKey, group.items, options, stats);
  });
  return stats;
}

/**
 * The rows of one partition this call knows, kept current from its own commits (the batch answer
 * carries each row's new ETag), so each row is read once per call: for a view with a summary the
 * whole partition is read once, for the others only the rows not yet known. A lost race forgets all.
 */
class PartitionRows {
  private readonly rows = new Map<string, StoredRow>();
  private readonly absent = new Set<string>();
  private whole = false;

  constructor(
    private readonly tables: TableStore,
    private readonly table: string,
    private readonly partitionKey: string,
    private readonly needsWhole: boolean,
  ) {}

  async load(keys: readonly string[]): Promise<void> {
    if (this.needsWhole) {
      if (this.whole) return;
      const all = await this.tables.readPartition(this.table, this.partitionKey);
      this.rows.clear();
      this.absent.clear();
      for (const [key, row] of all) this.rows.set(key, row);
      this.whole = true;
      return;
    }
    const unknown = keys.filter((key) => !this.rows.has(key) && !this.absent.has(key));
    if (unknown.length === 0) return;
    const found = await this.tables.readRows(this.table, this.partitionKey, unknown);
    for (const key of unknown) {
      const row = found.get(key);
      if (row) this.rows.set(key, row);
      else this.absent.add(key);
    }
  }

  get(key: string): StoredRow | undefined {
    return this.rows.get(key);
  }

  /** Every aggregate row (not bookkeeping rows); only meaningful for a whole partition. */
  aggregateRows(): IterableIterator<[string, StoredRow]> {
    return this.rows.entries();
  }

  committed(writes: readonly RowWrite[], etags: readonly (string | undefined)[] | undefined): string[] {
    const unknown: string[] = [];
    writes.forEach((write, i) => {
      const etag = etags?.[i];
      if (etag) {
        this.rows.set(write.rowKey, { partitionKey: this.partitionKey, rowKey: write.rowKey, etag, data: asStored(write.data) });
        this.absent.delete(write.rowKey);
      } else {
        this.forgetRow(write.rowKey);
        unknown.push(write.rowKey);
      }
    });
    return unknown;
  }

  /** After a lost race: nothing known is trusted any more. */
  forget(): void {
    this.rows.clear();
    this.absent.clear();
    this.whole = false;
  }

  private forgetRow(key: string): void {
    this.rows.delete(key);
    this.absent.delete(key);
    // A whole partition with one row unknown is not whole.
    this.whole = false;
  }
}

/** The row as a read would return it: the store does not keep null or undefined properties. */
function asStored(data: RowData): RowData {
  const stored: RowData = {};
  for (const key of Object.keys(data)) if (data[key] !== null && data[key] !== undefined) stored[key] = data[key];
  return stored;
}

async function applyToPartition(
  tables: TableStore,
  view: AggregateView,
  partitionKey: string,
  items: readonly Item[],
  options: ApplyOptions,
  stats: ApplyStats,
): Promise<void> {
  const markKey = highWaterMarkRowKey(options.fileId);
  const summary = view.summary;
  const known = new PartitionRows(tables, view.table, partitionKey, summary !== undefined);
  let start = 0;
  let attempts = 0;
  /** At most this many records in the next transaction: halved while it is too large or refused. */
  let limit = Number.POSITIVE_INFINITY;
  while (start < items.length) {
    const end = Math.min(chunkEnd(items, start, MAX_TRANSACTION_ROWS - (summary ? 2 : 1)), start + limit);
    const rowKeys = distinctRowKeys(items, start, end);
    await known.load([markKey, ...rowKeys]);
    const markRow = known.get(markKey);
    const mark = typeof markRow?.data['mark'] === 'number' ? markRow.data['mark'] : -1;

    const firstPending = firstAtOrAfter(items, start, mark);
    if (firstPending > start) {
      stats.alreadyApplied += firstPending - start;
      start = firstPending;
      continue;
    }

    const rows = new Map<string, RowData>();
    for (const key of rowKeys) rows.set(key, { ...(known.get(key)?.data ?? {}) });
    for (let i = start; i < end; i++) {
      const item = items[i] as Item;
      view.apply(item.record, item.rowKeys.map((key) => rows.get(key) as RowData));
    }

    if (view.finalize) for (const row of rows.values()) view.finalize(row);
    const writes: RowWrite[] = rowKeys.map((rowKey) => writeFor(rowKey, rows.get(rowKey) as RowData, known));
    if (summary) writes.push(writeFor(summary.rowKey, summaryOf(summary, known, rows, partitionKey), known));
    const markData = { file: options.fileKey, mark: (items[end - 1] as Item).position + 1, updatedAt: new Date().toISOString() };
    writes.push(markRow ? { op: 'replace', rowKey: markKey, etag: markRow.etag, data: markData } : { op: 'create', rowKey: markKey, data: markData });

    // Too many bytes for one batch: fewer records per transaction (each still moves the mark with its rows).
    if (end - start > 1 && tables.transactionBytes(partitionKey, writes) > MAX_TRANSACTION_BYTES) {
      limit = Math.ceil((end - start) / 2);
      continue;
    }

    let outcome;
    try {
      outcome = await tables.commit(view.table, partitionKey, writes);
    } catch (error) {
      if (!(error instanceof StorageRefusedError)) throw error;
      if (end - start > 1) {
        // Narrow down to the records the store refuses; the others go in.
        limit = Math.ceil((end - start) / 2);
        continue;
      }
      const item = items[start] as Item;
      if (!options.onRefused) throw error;
      await options.onRefused({ record: item.source, view: view.table, partitionKey, code: error.code, message: error.message });
      stats.refused++;
      start = end;
      limit = Number.POSITIVE_INFINITY;
      continue;
    }
    if (outcome.committed) {
      stats.transactions++;
      stats.rowsWritten += writes.length;
      const unknown = known.committed(writes, outcome.etags);
      if (unknown.length > 0) await known.load(unknown);
      start = end;
      attempts = 0;
      // Large rows stay large: grow back gradually rather than fold a too-large chunk again each time.
      limit *= 2;
      continue;
    }
    stats.conflicts++;
    known.forget();
    if (++attempts >= MAX_ATTEMPTS) {
      throw new Error(`gave up on partition ${view.table}/${partitionKey} after ${attempts} conflicting writers (${outcome.code})`);
    }
    await sleep(Math.min(1000, 10 * 2 ** Math.min(attempts, 6)) * Math.random());
  }
}

/** The summary row over every aggregate row of the partition, with this transaction's rows in place of their stored versions. */
function summaryOf(
  summary: NonNullable<AggregateView['summary']>,
  known: PartitionRows,
  changed: ReadonlyMap<string, RowData>,
  partitionKey: string,
): RowData {
  const all = new Map<string, RowData>();
  for (const [key, row] of known.aggregateRows()) {
    if (!key.startsWith(RESERVED_ROW_PREFIX) && key !== summary.rowKey && !changed.has(key)) all.set(key, row.data);
  }
  for (const [key, row] of changed) all.set(key, row);
  return summary.compute(all, partitionKey);
}

function writeFor(rowKey: string, data: RowData, known: PartitionRows): RowWrite {
  const existing = known.get(rowKey);
  return existing ? { op: 'replace', rowKey, etag: existing.etag, data } : { op: 'create', rowKey, data };
}

/** The largest `end` such that items[start, end) touch at most `maxRows` distinct rows (at least one item). */
function chunkEnd(items: readonly Item[], start: number, maxRows: number): number {
  const seen = new Set<string>();
  let end = start;
  while (end < items.length) {
    const keys = (items[end] as Item).rowKeys;
    let added = 0;
    for (const key of keys) if (!seen.has(key)) added++;
    if (seen.size + added > maxRows && end > start) break;
    for (const key of keys) seen.add(key);
    end++;
  }
  return end;
}

function distinctRowKeys(items: readonly Item[], start: number, end: number): string[] {
  const keys = new Set<string>();
  for (let i = start; i < end; i++) for (const key of (items[i] as Item).rowKeys) keys.add(key);
  return [...keys];
}

function firstAtOrAfter(items: readonly Item[], start: number, mark: number): number {
  let i = start;
  while (i < items.length && (items[i] as Item).position < mark) i++;
  return i;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
