import { callsView } from '../../src/lib/aggregating/index.js';
import type { ListedLogFile } from '../../src/lib/storage/LogSource.js';
import type { CommitOutcome, RowWrite } from '../../src/lib/storage/TableStore.js';
import { WrappedTableStore } from './wrappedTableStore.js';

/** A container's listing of these paths (each one byte long), failing after `failAfter` of them. */
export async function* listing(container: string, paths: readonly string[], failAfter = Number.POSITIVE_INFINITY): AsyncGenerator<ListedLogFile> {
  for (const [i, path] of paths.entries()) {
    if (i >= failAfter) throw new Error(`listing ${container} failed`);
    yield { file: { container, path }, stat: { length: 1, etag: 'e', lastModified: 0, createdOn: 0 } };
  }
}

/** `container:path` of every file listed, in order. */
export async function listedOrder(files: AsyncIterable<ListedLogFile>): Promise<string[]> {
  const out: string[] = [];
  for await (const file of files) out.push(`${file.file.container}:${file.file.path}`);
  return out;
}

/** Counts the transactions of the Calls table. */
export class CallCommits extends WrappedTableStore {
  calls = 0;
  override async commit(table: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    if (table === callsView.table) this.calls++;
    return super.commit(table, partitionKey, writes);
  }
}
