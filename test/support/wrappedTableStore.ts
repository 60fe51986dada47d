import type { CommitOutcome, StoredRow, TableStore } from '../../src/lib/storage/TableStore.js';
import { DelegatingTableStore } from '../../src/lib/storage/delegatingTableStore.js';
import { MemoryTableStore } from '../../src/lib/storage/memoryTableStore.js';

/**
 * A TableStore that hands every call to another one: tests override the calls they watch or break,
 * over the Azure store on Azurite or the in-memory store alike. Counts are the inner store's.
 */
export class WrappedTableStore extends DelegatingTableStore {}

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
