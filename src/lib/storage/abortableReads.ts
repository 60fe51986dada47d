import { DelegatingTableStore } from './delegatingTableStore.js';
import type { StoredRow, TableStore } from './TableStore.js';

/**
 * A store whose reads stop once one of its signals aborts, throwing its reason: each read checks it
 * before it is sent, a read in flight stops being waited for at once (its request is left to end on
 * its own, within its attempt's timeout, and its answer dropped), and a query stops between rows and
 * pages. A query nobody waits for any more (its clients gone, the server closing, storage found
 * unreachable) then frees what waits on it at once, even when storage never answers. Writes pass
 * through: queries make none.
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

  /** `work`, or the reason of the first signal to abort before it settles. */
  private untilAborted<T>(work: Promise<T>): Promise<T> {
    this.stopIfAborted();
    return new Promise<T>((resolve, reject) => {
      const listeners = this.signals.map((signal) => {
        const onAbort = (): void => {
          stopListening();
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        return { signal, onAbort };
      });
      const stopListening = (): void => listeners.forEach(({ signal, onAbort }) => signal.removeEventListener('abort', onAbort));
      // Settling after an abort changes nothing, and a late failure is not left unhandled.
      work.then(
        (value) => {
          stopListening();
          resolve(value);
        },
        (error: Error) => {
          stopListening();
          reject(error);
        },
      );
    });
  }

  // Queries make sure of their tables before reading them: that request too is one not to send.
  override async ensureTable(logicalName: string): Promise<void> {
    return this.untilAborted(this.startChecked(() => this.inner.ensureTable(logicalName)));
  }

  override async getRow(logicalName: string, partitionKey: string, rowKey: string): Promise<StoredRow | undefined> {
    return this.untilAborted(this.startChecked(() => this.inner.getRow(logicalName, partitionKey, rowKey)));
  }

  override async readRows(logicalName: string, partitionKey: string, rowKeys: readonly string[]): Promise<Map<string, StoredRow>> {
    return this.untilAborted(this.startChecked(() => this.inner.readRows(logicalName, partitionKey, rowKeys)));
  }

  override async readPartition(logicalName: string, partitionKey: string): Promise<Map<string, StoredRow>> {
    return this.untilAborted(this.startChecked(() => this.inner.readPartition(logicalName, partitionKey)));
  }

  override async *query(logicalName: string, filter: string | undefined, select?: string[], pageSize?: number): AsyncGenerator<StoredRow> {
    this.stopIfAborted();
    const rows = this.inner.query(logicalName, filter, select, pageSize);
    let done = false;
    try {
      for (;;) {
        const next = await this.untilAborted(rows.next());
        if (next.done === true) {
          done = true;
          return;
        }
        this.stopIfAborted();
        yield next.value;
      }
    } finally {
      // Left early (stopped, or the caller broke off): no further page is asked for. A page still in
      // flight is not waited for; the generator ends once it comes.
      if (!done) void rows.return(undefined).catch(() => undefined);
    }
  }

  /** Starts a read only while no signal has aborted (none is sent after). */
  private startChecked<T>(read: () => Promise<T>): Promise<T> {
    this.stopIfAborted();
    return read();
  }
}
