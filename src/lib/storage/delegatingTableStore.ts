import type { CommitOutcome, RequestCounts, RowWrite, StoredRow, TableStore } from './TableStore.js';

/**
 * A store that hands every call to `inner`: the base of stores that change a few calls (reads that
 * stop on a signal, and the tests' stores that watch or break one). Counts are the inner store's.
 */
export class DelegatingTableStore implements TableStore {
  constructor(readonly inner: TableStore) {}

  get prefix(): string {
    return this.inner.prefix;
  }
  get requests(): RequestCounts {
    return this.inner.requests;
  }
  get requestCount(): number {
    return this.inner.requestCount;
  }
  tableName(logicalName: string): string {
    return this.inner.tableName(logicalName);
  }
  ensureTable(logicalName: string): Promise<void> {
    return this.inner.ensureTable(logicalName);
  }
  getRow(logicalName: string, partitionKey: string, rowKey: string): Promise<StoredRow | undefined> {
    return this.inner.getRow(logicalName, partitionKey, rowKey);
  }
  readRows(logicalName: string, partitionKey: string, rowKeys: readonly string[]): Promise<Map<string, StoredRow>> {
    return this.inner.readRows(logicalName, partitionKey, rowKeys);
  }
  readPartition(logicalName: string, partitionKey: string): Promise<Map<string, StoredRow>> {
    return this.inner.readPartition(logicalName, partitionKey);
  }
  query(logicalName: string, filter: string | undefined, select?: string[], pageSize?: number): AsyncGenerator<StoredRow> {
    return this.inner.query(logicalName, filter, select, pageSize);
  }
  upsert(logicalName: string, partitionKey: string, rowKey: string, data: Record<string, unknown>): Promise<void> {
    return this.inner.upsert(logicalName, partitionKey, rowKey, data);
  }
  writeConditional(logicalName: string, partitionKey: string, write: RowWrite): Promise<CommitOutcome> {
    return this.inner.writeConditional(logicalName, partitionKey, write);
  }
  deleteRow(logicalName: string, partitionKey: string, rowKey: string): Promise<void> {
    return this.inner.deleteRow(logicalName, partitionKey, rowKey);
  }
  partitionsReadTogether(logicalName: string): number {
    return this.inner.partitionsReadTogether(logicalName);
  }
  physicalSpread(logicalName: string): number {
    return this.inner.physicalSpread(logicalName);
  }
  transactionBytes(partitionKey: string, writes: readonly RowWrite[]): number {
    return this.inner.transactionBytes(partitionKey, writes);
  }
  commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    return this.inner.commit(logicalName, partitionKey, writes);
  }
}
