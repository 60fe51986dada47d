import { FILES_TABLE } from '../../src/lib/processing/checkpoints.js';
import type { CommitOutcome, RowWrite, TableStore } from '../../src/lib/storage/TableStore.js';
import { WrappedTableStore } from './wrappedTableStore.js';

/**
 * A store whose first save of a checkpoint past offset 0 first waits for `first` (another run, on
 * the unwrapped store) to finish: that run saves first, and the wrapped run's save is refused.
 */
export function savedFirstBy(tables: TableStore, first: (tables: TableStore) => Promise<unknown>): TableStore {
  let ran = false;
  return new (class extends WrappedTableStore {
    override async writeConditional(logicalName: string, partitionKey: string, write: RowWrite): Promise<CommitOutcome> {
      if (logicalName === FILES_TABLE && !ran && Number(write.data['offset']) > 0) {
        ran = true;
        await first(tables);
      }
      return super.writeConditional(logicalName, partitionKey, write);
    }
  })(tables);
}
