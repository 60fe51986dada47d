import type { CommitOutcome, RequestCounts, RowWrite, StoredRow, TableStore } from './TableStore.js';

/**
 * A store whose reads stop once `signal` aborts, throwing its reason: each read checks it before it
 * is sent and a query between rows (leaving the rest of its pages unread). A query nobody waits for
 * any more (its clients gone, the server closing) then ends within the request in flight, which is
 * left to finish, instead of reading a whole view on. Writes pass through: queries make none.
 */
export class AbortableReads implements TableStore {
  constructor(
    private readonly store: TableStore,
    private readonly signal: AbortSignal,
  ) {}

  get prefix(): string {
    return this.store.prefix;
  }

  get requests(): RequestCounts {
    return this.store.requests;
  }

  get requestCount(): number {
    return this.store.requestCount;
  }

  tableName(logicalName: string): string {
    return this.store.tableName(logicalName);
  }

  ensureTable(logicalName: string): Promise<void> {
    return this.store.ensureTable(logicalName);
  }

  async getRow(logicalName: string, partitionKey: string, rowKey: string): Promise<StoredRow | undefined> {
    this.signal.throwIfAborted();
    return this.store.getRow(logicalName, partitionKey, rowKey);
  }

  async readRows(logicalName: string, partitionKey: string, rowKeys: readonly string[]): Promise<Map<string, StoredRow>> {
    this.signal.throwIfAborted();
    return this.store.readRows(logicalName, partitionKey, rowKeys);
  }

  async readPartition(logicalName: string, partitionKey: string): Promise<Map<string, StoredRow>> {
    this.signal.throwIfAborted();
    return this.store.readPartition(logicalName, partitionKey);
  }

  async *query(logicalName: string, filter: string | undefined, select?: string[]): AsyncGenerator<StoredRow> {
    this.signal.throwIfAborted();
    // Leaving the loop returns the store's generator, so no further page is asked for.
    for await (const row of this.store.query(logicalName, filter, select)) {
      this.signal.throwIfAborted();
      yield row;
    }
  }

  upsert(logicalName: string, partitionKey: string, rowKey: string, data: Record<string, unknown>): Promise<void> {
    return this.store.upsert(logicalName, partitionKey, rowKey, data);
  }

  writeConditional(logicalName: string, partitionKey: string, write: RowWrite): Promise<CommitOutcome> {
    return this.store.writeConditional(logicalName, partitionKey, write);
  }

  deleteRow(logicalName: string, partitionKey: string, rowKey: string): Promise<void> {
    return this.store.deleteRow(logicalName, partitionKey, rowKey);
  }

  transactionBytes(partitionKey: string, writes: readonly RowWrite[]): number {
    return this.store.transactionBytes(partitionKey, writes);
  }

  commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    return this.store.commit(logicalName, partitionKey, writes);
  }
}
