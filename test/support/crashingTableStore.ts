import type { CommitOutcome, RowWrite, TableStore } from '../../src/lib/storage/TableStore.js';
import { WrappedTableStore } from './wrappedTableStore.js';

export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/**
 * A store whose process "dies" right before its N-th write: the write is not sent and the run is
 * aborted, as when a Functions instance is killed between two writes.
 */
export class CrashingTableStore extends WrappedTableStore {
  writes = 0;
  constructor(
    inner: TableStore,
    private readonly crashBeforeWrite: number,
  ) {
    super(inner);
  }

  private step(): void {
    if (this.writes++ === this.crashBeforeWrite) throw new SimulatedCrash(`crash before write ${this.crashBeforeWrite}`);
  }

  override async commit(table: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    this.step();
    return super.commit(table, partitionKey, writes);
  }

  override async writeConditional(table: string, partitionKey: string, write: RowWrite): Promise<CommitOutcome> {
    this.step();
    return super.writeConditional(table, partitionKey, write);
  }

  override async upsert(table: string, partitionKey: string, rowKey: string, data: Record<string, unknown>): Promise<void> {
    this.step();
    return super.upsert(table, partitionKey, rowKey, data);
  }
}
