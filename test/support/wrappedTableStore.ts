import { FILES_TABLE } from '../../src/lib/processing/checkpoints.js';
import { HEALTH_ROLLUP_ROW } from '../../src/lib/processing/healthRollup.js';
import type { CommitOutcome, RowWrite, StoredRow, TableStore } from '../../src/lib/storage/TableStore.js';
import { DelegatingTableStore } from '../../src/lib/storage/delegatingTableStore.js';
import { MemoryTableStore } from '../../src/lib/storage/memoryTableStore.js';

/** The transaction a checkpoint's write stands for (on the last checkpoint of it), or none (on the others: seen, not sent). */
const SAVED_WITH = Symbol('savedWith');

type CheckpointWrite = RowWrite & { [SAVED_WITH]?: readonly RowWrite[] | null };

/**
 * A TableStore that hands every call to another one: tests override the calls they watch or break,
 * over the Azure store on Azurite or the in-memory store alike. Counts are the inner store's.
 *
 * Checkpoints are saved in one transaction with their container's health rollup; tests that watch or
 * break checkpoint saves override writeConditional, so each checkpoint of that transaction is handed
 * to it, in order, as its write, and the transaction commits whole when the last reaches this class's
 * writeConditional (one that throws before: nothing of it is written).
 */
export class WrappedTableStore extends DelegatingTableStore {
  /** Whether a transaction saves checkpoints (handed to writeConditional one by one). */
  static savesCheckpoints(logicalName: string, writes: readonly RowWrite[]): boolean {
    return logicalName === FILES_TABLE && writes.length >= 2 && writes[writes.length - 1]?.rowKey === HEALTH_ROLLUP_ROW;
  }

  override async commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    if (WrappedTableStore.savesCheckpoints(logicalName, writes)) {
      const checkpoints = writes.slice(0, -1);
      for (const [i, checkpoint] of checkpoints.entries()) {
        const last = i === checkpoints.length - 1;
        const outcome = await this.writeConditional(logicalName, partitionKey, { ...checkpoint, [SAVED_WITH]: last ? writes : null } as CheckpointWrite);
        if (last || !outcome.committed) return outcome;
      }
    }
    return super.commit(logicalName, partitionKey, writes);
  }

  override writeConditional(logicalName: string, partitionKey: string, write: RowWrite): Promise<CommitOutcome> {
    const together = (write as CheckpointWrite)[SAVED_WITH];
    if (together === null) return Promise.resolve({ committed: true });
    return together ? super.commit(logicalName, partitionKey, together) : super.writeConditional(logicalName, partitionKey, write);
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
