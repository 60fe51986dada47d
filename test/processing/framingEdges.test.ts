import { describe, expect, it } from 'vitest';
import { processFile } from '../../src/lib/processing/processFile.js';
import { QuarantineStore, type QuarantinedLine } from '../../src/lib/processing/quarantine.js';
import { isFinalBlob } from '../../src/lib/processing/sealing.js';
import { blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import { appendToBlob, newContainer, newTableStore, readAggregates, referenceAggregates, testDeps } from '../support/storage.js';

const PATH = blobPath(2);

describe('framing edge cases in blobs', () => {
  it.each([
    ['an export array', (records: object[]) => JSON.stringify(records)],
    ['a records wrapper', (records: object[]) => JSON.stringify({ records })],
  ])('%s on one line without a final newline is read, and the blob is sealed by the sealing rule', async (_name, shape) => {
    const records = roomsRecords(9, 91);
    const container = await newContainer();
    await appendToBlob(container, PATH, shape(records));
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };
    const deps = testDeps(tables);
    const isFinal = (f: typeof file, stat: Parameters<typeof isFinalBlob>[1], now: number) => isFinalBlob(f, stat, now, deps.settings.sealAfterMs);

    const first = await processFile(file, deps, { isFinal });
    expect(first).toMatchObject({ records: 9, badLines: 0, pendingBytes: 0 });
    // Later, past the sealing delay (the path's hour is long over): sealed, nothing read twice.
    const sealed = await processFile(file, { ...deps, now: () => Date.now() + deps.settings.sealAfterMs + 60_000 }, { isFinal });
    expect(sealed.records).toBe(0);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('a first line that is not JSON is quarantined at once, and a UTF-16 blob is unsupported_encoding', async () => {
    const container = await newContainer();
    const tables = newTableStore();
    const deps = testDeps(tables);
    const hello = { container: container.containerName, path: blobPath(3) };
    await appendToBlob(container, hello.path, 'hello world\n');
    expect(await processFile(hello, deps)).toMatchObject({ records: 0, badLines: 1, pendingBytes: 0 });

    const utf16 = { container: container.containerName, path: blobPath(4) };
    await appendToBlob(
      container,
      utf16.path,
      Buffer.from(
        '\uFEFF' +
          roomsRecords(4, 92)
            .map((r) => JSON.stringify(r) + '\n')
            .join(''),
        'utf16le',
      ),
    );
    expect(await processFile(utf16, deps)).toMatchObject({ records: 0, badLines: 4, pendingBytes: 0 });
    const rows: QuarantinedLine[] = [];
    for await (const row of new QuarantineStore(tables).list(utf16)) rows.push(row);
    expect(rows.map((row) => [row.code, row.count])).toEqual([['unsupported_encoding', 4]]);
  });
});
