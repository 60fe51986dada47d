import type { CommitOutcome, RequestCounts, RowWrite, StoredRow, TableStore } from '../../src/lib/storage/TableStore.js';
import { MemoryTableStore } from '../../src/lib/storage/memoryTableStore.js';

/**
 * A TableStore that hands every call to another one: tests override the calls they watch or break,
 * over the Azure store on Azurite or the in-memory store alike. Counts are the inner store's.
 */
export class WrappedTableStore implements TableStore {
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
  query(logicalName: string, filter: string | undefined, select?: string[]): AsyncGenerator<StoredRow> {
    return this.inner.query(logicalName, filter, select);
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
  transactionBytes(partitionKey: string, writes: readonly RowWrite[]): number {
    return this.inner.transactionBytes(partitionKey, writes);
  }
  commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    return this.inner.commit(logicalName, partitionKey, writes);
  }
}

/** A store whose every request fails with `error()`, as when storage refuses the credentials or is gone. */
export function refusingEveryRequest(error: () => Error): TableStore {
  return new (class extends WrappedTableStore {
    override ensureTable(): Promise<void> {
      return Promise.reject(error());
    }
    override getRow(): Promise<StoredRow | undefined> {
      return Promise.reject(error());
    }
    override readRows(): Promise<Map<string, StoredRow>> {
      return Promise.reject(error());
    }
    override readPartition(): Promise<Map<string, StoredRow>> {
      return Promise.reject(error());
    }
    // eslint-disable-next-line require-yield -- fails before its first row
    override async *query(): AsyncGenerator<StoredRow> {
      throw error();
    }
    override upsert(): Promise<void> {
      return Promise.reject(error());
    }
    override writeConditional(): Promise<CommitOutcome> {
      return Promise.reject(error());
    }
    override deleteRow(): Promise<void> {
      return Promise.reject(error());
    }
    override commit(): Promise<CommitOutcome> {
      return Promise.reject(error());
    }
  })(new MemoryTableStore('Refused'));
}
