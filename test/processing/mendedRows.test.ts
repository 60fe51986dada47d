import { describe, expect, it } from 'vitest';
import { ROOMS_TABLE } from '../../src/lib/aggregating/rooms/roomsView.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import { appendToBlob, newContainer, newTableStore, putRawRow, readAggregates, referenceAggregates, testDeps } from '../support/storage.js';
import { asJsonLines, blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';

describe('a stored row another program broke, then mended, in a process that lives on (watch)', () => {
  it('is read again at the file’s next try: the run does not keep the broken row it read', async () => {
    const container = await newContainer();
    const first = roomsRecords(30, 81, 1);
    const second = roomsRecords(30, 82, 1);
    const files = [blobPath(1), blobPath(2)].map((path) => ({ container: container.containerName, path }));
    await appendToBlob(container, files[0]!.path, asJsonLines(first));
    await appendToBlob(container, files[1]!.path, asJsonLines(second));
    const tables = newTableStore();
    // One set of dependencies for every pass, as watch keeps them: its files share one writer and what it knows of partitions.
    const deps = testDeps(tables);
    await processFile(files[0]!, deps);

    // The room's row, broken by hand: a sum that is not a number.
    const rooms = [];
    for await (const row of tables.query(ROOMS_TABLE, undefined)) if (!row.rowKey.startsWith('~')) rooms.push(row);
    expect(rooms).toHaveLength(1);
    const room = rooms[0];
    const good = { ...room!.data };
    await putRawRow(tables, ROOMS_TABLE, room!.partitionKey, room!.rowKey, { ...good, operations: 'many' });
    await expect(processFile(files[1]!, deps)).rejects.toThrow(/operations/);

    // Mended; the next try of the file (the same process) reads the row again and counts the file once.
    await putRawRow(tables, ROOMS_TABLE, room!.partitionKey, room!.rowKey, good);
    expect((await processFile(files[1]!, deps)).records).toBe(second.length);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...first, ...second])));
  });
});
