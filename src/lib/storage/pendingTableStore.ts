import { transactionBytesOf, type CommitOutcome, type RequestCounts, type RowWrite, type StoredRow, type TableStore } from './TableStore.js';

const NO_REQUESTS: RequestCounts = Object.freeze({ reads: 0, writes: 0, transactions: 0, entities: 0 });

/**
 * A store that is still starting and known to hold nothing: the embedded store of a data dir never
 * used before. Until it answers, every read answers what it would (nothing), so that a run reads
 * its files while the store starts instead of waiting for it; writes, and reads once it answers, go
 * to the store itself.
 *
 * An answer given early is true when it is given (no one can have written to a store that does not
 * listen yet) and is only as old as any answer by the time it is used: every write the pipeline
 * makes after a read is conditional (a create, or an update under the ETag it read), so a row
 * another command wrote in between fails that write and is read again, as with any concurrent
 * writer.
 */
export class PendingTableStore implements TableStore {
  private store: TableStore | undefined;
  private readonly opening: Promise<TableStore>;
  /** Tables asked for before the store answered: made before the store's first request on them. */
  private readonly tablesToEnsure = new Set<string>();

  constructor(
    readonly prefix: string,
    opening: Promise<TableStore>,
  ) {
    this.opening = opening.then((store) => {
      this.store = store;
      return store;
    });
    // Not a lost error: the first write (and the session's close) awaits this very promise and throws it.
    this.opening.catch(() => undefined);
  }

  get requests(): RequestCounts {
    return this.store?.requests ?? NO_REQUESTS;
  }

  get requestCount(): number {
    return this.store?.requestCount ?? 0;
  }

  tableName(logicalName: string): string {
    return this.prefix + logicalName;
  }

  /** The store, with `logicalName` made if it was asked for before the store answered. */
  private async ready(logicalName: string): Promise<TableStore> {
    const store = await this.opening;
    if (this.tablesToEnsure.has(logicalName)) {
      await store.ensureTable(logicalName);
      this.tablesToEnsure.delete(logicalName);
    }
    return store;
  }

  async ensureTable(logicalName: string): Promise<void> {
    if (this.store) return this.store.ensureTable(logicalName);
    this.tablesToEnsure.add(logicalName);
  }

  async getRow(logicalName: string, partitionKey: string, rowKey: string): Promise<StoredRow | undefined> {
    if (!this.store) return undefined;
    return (await this.ready(logicalName)).getRow(logicalName, partitionKey, rowKey);
  }

  async readRows(logicalName: string, partitionKey: string, rowKeys: readonly string[]): Promise<Map<string, StoredRow>> {
    if (!this.store) return new Map();
    return (await this.ready(logicalName)).readRows(logicalName, partitionKey, rowKeys);
  }

  async readPartition(logicalName: string, partitionKey: string): Promise<Map<string, StoredRow>> {
    if (!this.store) return new Map();
    return (await this.ready(logicalName)).readPartition(logicalName, partitionKey);
  }

  async *query(logicalName: string, filter: string | undefined, select?: string[], pageSize?: number): AsyncGenerator<StoredRow> {
    if (!this.store) return;
    yield* (await this.ready(logicalName)).query(logicalName, filter, select, pageSize);
  }

  async upsert(logicalName: string, partitionKey: string, rowKey: string, data: Record<string, unknown>): Promise<void> {
    return (await this.ready(logicalName)).upsert(logicalName, partitionKey, rowKey, data);
  }

  async writeConditional(logicalName: string, partitionKey: string, write: RowWrite): Promise<CommitOutcome> {
    return (await this.ready(logicalName)).writeConditional(logicalName, partitionKey, write);
  }

  async deleteRow(logicalName: string, partitionKey: string, rowKey: string): Promise<void> {
    return (await this.ready(logicalName)).deleteRow(logicalName, partitionKey, rowKey);
  }

  partitionsReadTogether(logicalName: string): number {
    return this.store?.partitionsReadTogether(logicalName) ?? 1;
  }

  physicalSpread(logicalName: string): number {
    return this.store?.physicalSpread(logicalName) ?? 1;
  }

  transactionBytes(partitionKey: string, writes: readonly RowWrite[]): number {
    return transactionBytesOf(partitionKey, writes);
  }

  async commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    return (await this.ready(logicalName)).commit(logicalName, partitionKey, writes);
  }
}
