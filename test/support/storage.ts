import { randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { inject } from 'vitest';
import { ALL_VIEWS, type AggregateView, type RowData } from '../../src/lib/aggregating/index.js';
import { MemoryFold, type FoldedTable } from '../../src/lib/aggregating/memoryFold.js';
import { SUMMARY_MARKS_FIELD, SUMMARY_SEQUENCE_FIELD } from '../../src/lib/aggregating/types.js';
import type { NormalizedRecord } from '../../src/lib/normalizing/types.js';
import { DEFAULT_PROCESS_SETTINGS, type ProcessSettings } from '../../src/lib/processing/settings.js';
import type { ProcessDeps } from '../../src/lib/processing/processFile.js';
import { silentLogger } from '../../src/lib/logging.js';
import { withPackedCalls } from '../../src/lib/config/callsLayout.js';
import { PackedTableStore } from '../../src/lib/storage/packedTableStore.js';
import { BlobLogSource, DEFAULT_BLOB_RETRY, type BlobRetry } from '../../src/lib/storage/BlobLogSource.js';
import { RESERVED_ROW_PREFIX } from '../../src/lib/storage/keys.js';
import { MemoryTableAccount, MemoryTableStore } from '../../src/lib/storage/memoryTableStore.js';
import {
  AzureTableStore,
  DEFAULT_STORAGE_RETRY,
  MAX_TRANSACTION_ROWS,
  type TableStore,
  type StorageRetry,
  type TableStoreOptions,
} from '../../src/lib/storage/TableStore.js';

/** As many attempts as in production, with millisecond back-off: a test that provokes failures waits little. */
export const TEST_TABLE_RETRY: StorageRetry = { ...DEFAULT_STORAGE_RETRY, retryDelayInMs: 5, maxRetryDelayInMs: 50 };
export const TEST_BLOB_RETRY: BlobRetry = { ...DEFAULT_BLOB_RETRY, retryDelayInMs: 5, maxRetryDelayInMs: 50 };

export function azuriteConnectionString(): string {
  return inject('azuriteConnectionString');
}

/** A table prefix no other test uses: tests share one Azurite and isolate by prefix. */
export function uniquePrefix(): string {
  return 'T' + randomBytes(6).toString('hex');
}

export function uniqueContainer(): string {
  return 'insights-logs-roomsoperational-' + randomBytes(4).toString('hex');
}

/** A store as the app opens one on an account: the Calls table packed (config/callsLayout.ts). */
export function newTableStore(connectionString = azuriteConnectionString(), prefix = uniquePrefix(), options: TableStoreOptions = {}): TableStore {
  return withPackedCalls(new AzureTableStore({ kind: 'connectionString', connectionString }, prefix, { retry: TEST_TABLE_RETRY, ...options }), 'account');
}

/**
 * Table Storage in memory (checked against Azurite by test/storage/tableStoreContract.test.ts): for
 * tests of the pipeline's logic that need no service. Stores over one account share its rows.
 */
export function newMemoryTableStore(prefix = uniquePrefix(), account = new MemoryTableAccount()): MemoryTableStore {
  return new MemoryTableStore(prefix, account);
}

/** Writes a row past the store's checks and types, as another program (or a hand edit) could: for tests of what readers make of it. */
export async function putRawRow(tables: TableStore, logicalTable: string, partitionKey: string, rowKey: string, data: Record<string, unknown>): Promise<void> {
  // A packed table's row is put where the store keeps it, with the properties that name its logical keys.
  const row =
    tables instanceof PackedTableStore ? await tables.placement(logicalTable, partitionKey, rowKey, data) : { table: logicalTable, partitionKey, rowKey, data };
  await tables.ensureTable(logicalTable);
  const client = TableClient.fromConnectionString(azuriteConnectionString(), tables.tableName(logicalTable), { allowInsecureConnection: true });
  await client.upsertEntity({ partitionKey: row.partitionKey, rowKey: row.rowKey, ...row.data }, 'Replace');
}

/** A blob source with the tests' short back-off. */
export function newBlobSource(connectionString = azuriteConnectionString()): BlobLogSource {
  return new BlobLogSource({ kind: 'connectionString', connectionString }, TEST_BLOB_RETRY);
}

export async function newContainer(connectionString = azuriteConnectionString(), name = uniqueContainer()): Promise<ContainerClient> {
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(name);
  await container.createIfNotExists();
  return container;
}

/** Appends to an append blob as Azure Monitor does (creating it empty first). */
export async function appendToBlob(container: ContainerClient, path: string, text: string | Buffer): Promise<void> {
  const blob = container.getAppendBlobClient(path);
  await blob.createIfNotExists();
  const body = typeof text === 'string' ? Buffer.from(text) : text;
  if (body.length > 0) await blob.appendBlock(body, body.length);
}

export function testDeps(
  tables: TableStore,
  connectionString = azuriteConnectionString(),
  settings: Partial<ProcessSettings> = {},
): ProcessDeps & { source: BlobLogSource } {
  return {
    source: newBlobSource(connectionString),
    tables,
    views: ALL_VIEWS,
    settings: { ...DEFAULT_PROCESS_SETTINGS, ...settings },
    logger: silentLogger,
  };
}

export type AggregateSnapshot = Record<string, Record<string, RowData>>;

/**
 * Every aggregate row of every view's table, keyed `pk / rk`; bookkeeping left out: `~…` rows and a
 * summary row's count of applied records (it counts duplicated lines too, which references built
 * from distinct records do not; callContributions.test.ts checks it).
 */
export async function readAggregates(tables: TableStore, views: readonly AggregateView[] = ALL_VIEWS): Promise<AggregateSnapshot> {
  const snapshot: AggregateSnapshot = {};
  for (const view of views) {
    await tables.ensureTable(view.table);
    const rows: Record<string, RowData> = {};
    for await (const row of tables.query(view.table, undefined)) {
      if (row.rowKey.startsWith(RESERVED_ROW_PREFIX)) continue;
      const { [SUMMARY_SEQUENCE_FIELD]: _count, [SUMMARY_MARKS_FIELD]: _marks, ...data } = row.data;
      rows[`${row.partitionKey} / ${row.rowKey}`] = view.summary?.rowKey === row.rowKey ? data : row.data;
    }
    snapshot[view.table] = sortKeys(rows);
  }
  return snapshot;
}

/** What one careful in-memory pass over the records computes: the yardstick of every exactly-once test. */
export function referenceAggregates(records: readonly NormalizedRecord[], views: readonly AggregateView[] = ALL_VIEWS): AggregateSnapshot {
  const fold = new MemoryFold(views);
  for (const record of records) fold.add(record);
  fold.finish();
  const snapshot: AggregateSnapshot = {};
  for (const [view, table] of fold.tables) snapshot[view.table] = foldedRows(table);
  return snapshot;
}

/**
 * Writes one view's rows of `records` as one careful pass computes them, a transaction per partition
 * and 100 rows (upserts: rows already there are replaced): a store to read back, without the pipeline.
 */
export async function storeReferenceRows(tables: TableStore, view: AggregateView, records: readonly NormalizedRecord[]): Promise<void> {
  await tables.ensureTable(view.table);
  const partitions = new Map<string, { rowKey: string; data: RowData }[]>();
  for (const [key, data] of Object.entries(referenceAggregates(records, [view])[view.table] ?? {})) {
    const [partitionKey, rowKey] = key.split(' / ') as [string, string];
    let rows = partitions.get(partitionKey);
    if (!rows) partitions.set(partitionKey, (rows = []));
    rows.push({ rowKey, data });
  }
  for (const [partitionKey, rows] of partitions) {
    for (let i = 0; i < rows.length; i += MAX_TRANSACTION_ROWS) {
      const outcome = await tables.commit(
        view.table,
        partitionKey,
        rows.slice(i, i + MAX_TRANSACTION_ROWS).map((row) => ({ op: 'upsert' as const, ...row })),
      );
      if (!outcome.committed) throw new Error(`${view.table}/${partitionKey}: ${outcome.code}`);
    }
  }
}

/** A folded table's aggregate rows as readAggregates gives a stored table's: by `partition / row` key, sorted. */
export function foldedRows(table: FoldedTable): Record<string, RowData> {
  const rows: Record<string, RowData> = {};
  for (const [partitionKey, partition] of table) {
    for (const [rowKey, row] of partition) {
      // Bookkeeping rows (`~…`) are not aggregates: readAggregates skips them too.
      if (rowKey.startsWith(RESERVED_ROW_PREFIX)) continue;
      // A row left empty is not written (a stream its leg row holds).
      if (Object.keys(row).length === 0) continue;
      // The store drops null properties; so does the reference.
      for (const key of Object.keys(row)) if (row[key] === null) delete row[key];
      rows[`${partitionKey} / ${rowKey}`] = row;
    }
  }
  return sortKeys(rows);
}

function sortKeys<T>(object: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
