import { DelegatingTableStore } from './delegatingTableStore.js';
import type { StoredRow, TableStore } from './TableStore.js';

/**
 * A store whose reads stop once one of its signals aborts, throwing its reason: each read checks it before it
 * is sent and a query between rows (leaving the rest of its pages unread). A query nobody waits for
 * any more (its clients gone, the server closing) then ends within the request in flight, which is
 * left to finish, instead of reading a whole view on. Writes pass through: queries make none.
 */
export class AbortableReads extends DelegatingTableStore {
  private readonly signals: readonly AbortSignal[];

  /** Reads stop once any of `signals` aborts (checked one by one: AbortSignal.any keeps every combination alive on a long-lived signal in Node 20). */
  constructor(store: TableStore, ...signals: AbortSignal[]) {
    super(store);
    this.signals = signals;
  }

  private stopIfAborted(): void {
    for (const signal of this.signals) signal.throwIfAborted();
  }

  // Queries make sure of their tables before reading them: that request too is one not to send.
  override async ensureTable(logicalName: string): Promise<void> {
    this.stopIfAborted();
    return this.inner.ensureTable(logicalName);
  }

  override async getRow(logicalName: string, partitionKey: string, rowKey: string): Promise<StoredRow | undefined> {
    this.stopIfAborted();
    return this.inner.getRow(logicalName, partitionKey, rowKey);
  }

  override async readRows(logicalName: string, partitionKey: string, rowKeys: readonly string[]): Promise<Map<string, StoredRow>> {
    this.stopIfAborted();
    return this.inner.readRows(logicalName, partitionKey, rowKeys);
  }

  override async readPartition(logicalName: string, partitionKey: string): Promise<Map<string, StoredRow>> {
    this.stopIfAborted();
    return this.inner.readPartition(logicalName, partitionKey);
  }

  override async *query(logicalName: string, filter: string | undefined, select?: string[]): AsyncGenerator<StoredRow> {
    this.stopIfAborted();
    // Leaving the loop returns the store's generator, so no further page is asked for.
    for await (const row of this.inner.query(logicalName, filter, select)) {
      this.stopIfAborted();
      yield row;
    }
  }
}
