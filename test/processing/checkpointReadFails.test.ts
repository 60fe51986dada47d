import { describe, expect, it } from 'vitest';
import { FILES_TABLE } from '../../src/lib/processing/checkpoints.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import type { StoredRow } from '../../src/lib/storage/TableStore.js';
import { appendToBlob, newContainer, newTableStore, readAggregates, referenceAggregates, testDeps } from '../support/storage.js';
import { asJsonLines, blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';

/** A store on which reading checkpoints fails (storage answering 500 past the client's retries) while `failing` is set. */
class FailingCheckpointReads extends WrappedTableStore {
  failing = false;
  override readRows(table: string, partitionKey: string, rowKeys: readonly string[]): Promise<Map<string, StoredRow>> {
    if (this.failing && table === FILES_TABLE) return Promise.reject(new Error('500 InternalError reading the Files table'));
    return super.readRows(table, partitionKey, rowKeys);
  }
}

describe('a checkpoint that storage fails to read', () => {
  it('fails the file’s run instead of taking the file for one never read (Azurite)', async () => {
    const container = await newContainer();
    const records = roomsRecords(40, 91);
    const file = { container: container.containerName, path: blobPath(1) };
    await appendToBlob(container, file.path, asJsonLines(records));
    const tables = new FailingCheckpointReads(newTableStore());
    await processFile(file, testDeps(tables));

    // The file is read in full; its checkpoint says so. A read of that checkpoint fails: the run cannot
    // know where to start, and reading from the start would go over every byte again.
    tables.failing = true;
    await expect(processFile(file, testDeps(tables))).rejects.toThrow(/500 InternalError/);

    tables.failing = false;
    expect((await processFile(file, testDeps(tables))).status).toBe('unchanged');
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });
});
