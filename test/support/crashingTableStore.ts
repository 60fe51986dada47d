import type { CommitOutcome, RowWrite, TableStore } from '../../src/lib/storage/TableStore.js';
import { WrappedTableStore } from './wrappedTableStore.js';

export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/**
 * A store whose process "dies" right before its N-th write: the write is not sent and the run is
 * aborted, as when a Functions instance is killed between two writes. With `killed`, every write
 * after it fails too, for runs whose other work goes on after the first failure (a killed process
 * sends nothing more).
 */
export class CrashingTableStore extends WrappedTableStore {
  writes = 0;
  constructor(
    inner: TableStore,
    private readonly crashBeforeWrite: number,
    private readonly killed = false,
  ) {
    super(inner);
  }

  private step(): void {
    const write = this.writes++;
    if (write === this.crashBeforeWrite || (this.killed && write > this.crashBeforeWrite))
      throw new SimulatedCrash(`crash before write ${this.crashBeforeWrite}`);
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
