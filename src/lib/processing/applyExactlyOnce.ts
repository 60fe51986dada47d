import type { AggregateView, RowData } from '../aggregating/types.js';
import type { NormalizedRecord } from '../normalizing/types.js';
import { MAX_TRANSACTION_ROWS, type RowWrite, type StoredRow, type TableStore } from '../storage/TableStore.js';
import { RESERVED_ROW_PREFIX } from '../storage/keys.js';
import { forEachLimit } from './concurrency.js';

/** A record and its unique, ordered position in its file (see RawRecord.position). */
export interface PositionedRecord {
  position: number;
  record: NormalizedRecord;
}

export interface ApplyStats {
  partitions: number;
  transactions: number;
  rowsWritten: number;
  conflicts: number;
  /** Records a partition's high-water mark showed as already applied (a replay or a lost race). */
  alreadyApplied: number;
}

export interface ApplyOptions {
  /** Identifies the file (and its generation) in high-water-mark row keys. */
  fileId: string;
  fileKey: string;
  concurrency: number;
}

interface Item {
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
  const stats: ApplyStats = { partitions: 0, transactions: 0, rowsWritten: 0, conflicts: 0, alreadyApplied: 0 };
  const work: { view: AggregateView; partitionKey: string; items: Item[] }[] = [];
  for (const view of views) {
    const groups = new Map<string, Item[]>();
    for (const { position, record } of records) {
      const route = view.route(record);
      if (!route) continue;
      let items = groups.get(route.partitionKey);
      if (!items) {
        items = [];
        groups.set(route.partitionKey, items);
        work.push({ view, partitionKey: route.partitionKey, items });
      }
      items.push({ position, record, rowKeys: route.rowKeys });
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

async function applyToPartition(
  tables: TableStore,
  view: AggregateView,
  partitionKey: string,
  items: readonly Item[],
  options: ApplyOptions,
  stats: ApplyStats,
): Promise<void> {
  const markKey = highWaterMarkRowKey(options.fileId);
  let start = 0;
  let attempts = 0;
  while (start < items.length) {
    const summary = view.summary;
    const end = chunkEnd(items, start, MAX_TRANSACTION_ROWS - (summary ? 2 : 1));
    const rowKeys = distinctRowKeys(items, start, end);
    const stored = summary
      ? await tables.readPartition(view.table, partitionKey)
      : await tables.readRows(view.table, partitionKey, [markKey, ...rowKeys]);
    const markRow = stored.get(markKey);
    const mark = typeof markRow?.data['mark'] === 'number' ? markRow.data['mark'] : -1;

    const firstPending = firstAtOrAfter(items, start, mark);
    if (firstPending > start) {
      stats.alreadyApplied += firstPending - start;
      start = firstPending;
      continue;
    }

    const rows = new Map<string, RowData>();
    for (const key of rowKeys) rows.set(key, { ...(stored.get(key)?.data ?? {}) });
    for (let i = start; i < end; i++) {
      const item = items[i] as Item;
      view.apply(item.record, item.rowKeys.map((key) => rows.get(key) as RowData));
    }

    if (view.finalize) for (const row of rows.values()) view.finalize(row);
    const writes: RowWrite[] = rowKeys.map((rowKey) => writeFor(rowKey, rows.get(rowKey) as RowData, stored));
    if (summary) {
      const all = new Map<string, RowData>();
      for (const [key, row] of stored) if (!key.startsWith(RESERVED_ROW_PREFIX) && key !== summary.rowKey) all.set(key, row.data);
      for (const [key, row] of rows) all.set(key, row);
      writes.push(writeFor(summary.rowKey, summary.compute(all, partitionKey), stored));
    }
    const markData = { file: options.fileKey, mark: (items[end - 1] as Item).position + 1, updatedAt: new Date().toISOString() };
    writes.push(markRow ? { op: 'replace', rowKey: markKey, etag: markRow.etag, data: markData } : { op: 'create', rowKey: markKey, data: markData });

    const outcome = await tables.commit(view.table, partitionKey, writes);
    if (outcome.committed) {
      stats.transactions++;
      stats.rowsWritten += writes.length;
      start = end;
      attempts = 0;
      continue;
    }
    stats.conflicts++;
    if (++attempts >= MAX_ATTEMPTS) {
      throw new Error(`gave up on partition ${view.table}/${partitionKey} after ${attempts} conflicting writers (${outcome.code})`);
    }
    await sleep(Math.min(1000, 10 * 2 ** Math.min(attempts, 6)) * Math.random());
  }
}

function writeFor(rowKey: string, data: RowData, stored: ReadonlyMap<string, StoredRow>): RowWrite {
  const existing = stored.get(rowKey);
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
