import { mkdir, mkdtemp, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { processLocalFiles } from '../../src/lib/processing/localCopies.js';
import { LOCAL_CONTAINER, LocalLogSource } from '../../src/lib/storage/LocalLogSource.js';
import type { TableStore } from '../../src/lib/storage/TableStore.js';
import { asJsonLines, normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import { newTableStore, readAggregates, referenceAggregates, testDeps } from '../support/storage.js';

async function processLocal(tables: TableStore, files: readonly string[]): Promise<{ records: number; names: string[] }> {
  const { settings, views, logger } = testDeps(tables);
  const { results } = await processLocalFiles({ source: new LocalLogSource(), tables, settings, views, logger }, files, LOCAL_CONTAINER, {
    category: 'RoomsOperational',
  });
  return { records: results.reduce((sum, result) => sum + result.records, 0), names: results.map((result) => result.file.path) };
}

describe('local files outside a laid-out tree', () => {
  it('a moved file is read under the name it was first read by; a file that only starts the same is its own', async () => {
    const records = roomsRecords(30, 121);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-local-'));
    const first = path.join(dir, 'export.json');
    await writeFile(first, asJsonLines(records));
    const tables = newTableStore();
    expect(await processLocal(tables, [first])).toEqual({ records: 30, names: [first] });

    const moved = path.join(dir, 'archive', 'export-may.json');
    await mkdir(path.dirname(moved), { recursive: true });
    await rename(first, moved);
    expect(await processLocal(tables, [moved])).toEqual({ records: 0, names: [first] });

    const other = roomsRecords(30, 122);
    const lookalike = path.join(dir, 'lookalike.json');
    await writeFile(lookalike, asJsonLines([...records.slice(0, 5), ...other.slice(5)]));
    expect(await processLocal(tables, [lookalike])).toEqual({ records: 30, names: [lookalike] });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...records, ...records.slice(0, 5), ...other.slice(5)])));
  });
});
