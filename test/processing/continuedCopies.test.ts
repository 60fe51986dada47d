import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backfill } from '../../src/lib/processing/backfill.js';
import { CheckpointStore, freshCheckpoint } from '../../src/lib/processing/checkpoints.js';
import { processLocalFiles, rememberLocalFiles } from '../../src/lib/processing/localCopies.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import { replayQuarantine } from '../../src/lib/processing/replayQuarantine.js';
import { LocalOrBlobLogSource } from '../../src/lib/storage/LocalOrBlobLogSource.js';
import { LOCAL_CONTAINER, LocalLogSource } from '../../src/lib/storage/LocalLogSource.js';
import type { ProcessSettings } from '../../src/lib/processing/settings.js';
import type { TableStore } from '../../src/lib/storage/TableStore.js';
import { asJsonLines, blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import { appendToBlob, newContainer, newTableStore, readAggregates, referenceAggregates, testDeps } from '../support/storage.js';

async function processLocal(tables: TableStore, files: readonly string[], given: Partial<ProcessSettings> = {}): Promise<number> {
  const { settings, views, logger } = testDeps(tables, undefined, given);
  const { results } = await processLocalFiles({ source: new LocalLogSource(), tables, settings, views, logger }, files, LOCAL_CONTAINER, {
    category: 'RoomsOperational',
  });
  return results.reduce((sum, result) => sum + result.records, 0);
}

async function backfillAll(tables: TableStore, container: string, given: Partial<ProcessSettings> = {}): Promise<number> {
  return (await backfill(testDeps(tables, undefined, given), { containers: [container], selection: {}, fileConcurrency: 4 })).records;
}

async function fileIn(dir: string, name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

describe('a local copy outside a tree, processed before the file it was copied from', () => {
  it('the laid-out file reads on from where the copy stopped: every record counts once, run after run', async () => {
    const records = roomsRecords(30, 501);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-continued-'));
    const lone = await fileIn(dir, 'PT1H.json', asJsonLines(records.slice(0, 18)));
    const laidOut = await fileIn(dir, path.join('tree', 'insights-logs-roomsoperational', blobPath(3)), asJsonLines(records));
    const tables = newTableStore();

    expect(await processLocal(tables, [lone])).toBe(18);
    expect(await processLocal(tables, [laidOut])).toBe(12);
    expect(await processLocal(tables, [laidOut, lone])).toBe(0);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('the blob it was downloaded from, backfilled later, reads on from there; then grows, and only its new lines are read', async () => {
    const records = roomsRecords(40, 502);
    const container = await newContainer();
    await appendToBlob(container, blobPath(2), asJsonLines(records.slice(0, 25)));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-continued-'));
    const download = await fileIn(dir, 'PT1H.json', asJsonLines(records.slice(0, 25)));
    const tables = newTableStore();

    expect(await processLocal(tables, [download])).toBe(25);
    expect(await backfillAll(tables, container.containerName)).toBe(0);
    await appendToBlob(container, blobPath(2), asJsonLines(records.slice(25)));
    expect(await backfillAll(tables, container.containerName)).toBe(15);
    expect(await processLocal(tables, [download])).toBe(0);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    const checkpoint = (await new CheckpointStore(tables).get({ container: container.containerName, path: blobPath(2) }))?.checkpoint;
    expect(checkpoint?.continues).toMatchObject({ container: LOCAL_CONTAINER, path: download, offset: Buffer.byteLength(asJsonLines(records.slice(0, 25))) });
  });

  it('a download cut inside its last line (quarantined as truncated) is gone on from that line: it counts once, from the blob', async () => {
    const records = roomsRecords(12, 503);
    const text = asJsonLines(records);
    const container = await newContainer();
    await appendToBlob(container, blobPath(4), text);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-continued-'));
    const cutAt = Buffer.byteLength(asJsonLines(records.slice(0, 7))) + 40;
    const download = await fileIn(dir, 'PT1H.json', text.slice(0, cutAt));
    const tables = newTableStore();

    expect(await processLocal(tables, [download])).toBe(7);
    expect(await backfillAll(tables, container.containerName)).toBe(5);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('a copy whose read stopped before it saved anything (partitions written, no checkpoint) is gone on from the start under its marks', async () => {
    const records = roomsRecords(20, 504);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-continued-'));
    const lone = await fileIn(dir, 'PT1H.json', asJsonLines(records.slice(0, 10)));
    const laidOut = await fileIn(dir, path.join('tree', 'insights-logs-roomsoperational', blobPath(5)), asJsonLines(records));
    const tables = newTableStore();
    const { settings, views, logger } = testDeps(tables);
    const source = new LocalLogSource();
    const ref = source.register(lone);
    await rememberLocalFiles(source, tables, [ref]);
    // Its aggregates written, its checkpoint never saved: a read killed between the two.
    const failingSave = Object.create(tables) as TableStore;
    failingSave.writeConditional = async (table, partition, write) => {
      if (table === 'Files' && partition === LOCAL_CONTAINER) throw new Error('killed before the checkpoint moved');
      return tables.writeConditional(table, partition, write);
    };
    await expect(processFile(ref, { source, tables: failingSave, settings, views, logger }, { category: 'RoomsOperational' })).rejects.toThrow('killed');
    expect(await new CheckpointStore(tables).get(ref)).toBeUndefined();

    expect(await processLocal(tables, [laidOut])).toBe(20);
    expect(await processLocal(tables, [lone])).toBe(10);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('goes on from the copy when another run registered the file (announced empty) just before the continuation was saved', async () => {
    const records = roomsRecords(30, 509);
    const container = await newContainer();
    await appendToBlob(container, blobPath(9), asJsonLines(records));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-continued-'));
    const download = await fileIn(dir, 'PT1H.json', asJsonLines(records.slice(0, 16)));
    const tables = newTableStore();
    expect(await processLocal(tables, [download])).toBe(16);

    const file = { container: container.containerName, path: blobPath(9) };
    const racing = Object.create(tables) as TableStore;
    let raced = false;
    racing.writeConditional = async (table, partition, write) => {
      if (table === 'Files' && partition === file.container && !raced) {
        raced = true;
        expect(await new CheckpointStore(tables).save(freshCheckpoint(file, Date.now()), undefined)).toBe(true);
      }
      return tables.writeConditional(table, partition, write);
    };
    const result = await processFile(file, { ...testDeps(tables), tables: racing });
    expect(raced).toBe(true);
    expect(result.records).toBe(14);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('only one blob goes on from a copy: a second blob of the same bytes (copied within the log containers) counts as its own, none of it lost', async () => {
    const records = roomsRecords(20, 510);
    const container = await newContainer();
    await appendToBlob(container, blobPath(10), asJsonLines(records));
    await appendToBlob(container, `copied/${blobPath(10)}`, asJsonLines(records));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-continued-'));
    const download = await fileIn(dir, 'PT1H.json', asJsonLines(records.slice(0, 9)));
    const tables = newTableStore();

    expect(await processLocal(tables, [download])).toBe(9);
    expect(await backfillAll(tables, container.containerName)).toBe(11 + 20);
    expect(await backfillAll(tables, container.containerName)).toBe(0);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...records, ...records])));
  });

  it("downloads saved over each other at one path (hour after hour): each hour's blob goes on from what its download read", async () => {
    const hours = [0, 1, 2].map((hour) => roomsRecords(15, 520 + hour));
    const container = await newContainer();
    for (const [hour, records] of hours.entries()) await appendToBlob(container, blobPath(hour), asJsonLines(records));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-continued-'));
    const tables = newTableStore();
    for (const records of hours) {
      const download = await fileIn(dir, 'PT1H.json', asJsonLines(records.slice(0, 10)));
      expect(await processLocal(tables, [download])).toBe(10);
    }
    expect(await backfillAll(tables, container.containerName)).toBe(3 * 5);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(hours.flat())));
  });

  it('a file that starts and ends like the copy read but differs in between is its own', async () => {
    const records = roomsRecords(24, 505);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-continued-'));
    const lone = await fileIn(dir, 'PT1H.json', asJsonLines(records.slice(0, 12)));
    // The same length, first and last bytes of the copy's (what fingerprints see), another duration in the middle.
    const duration = (records[5] as { durationMs: number }).durationMs;
    const changed = [...records.slice(0, 5), { ...records[5], durationMs: duration % 10 === 9 ? duration - 1 : duration + 1 }, ...records.slice(6)];
    expect(asJsonLines(changed).length).toBe(asJsonLines(records).length);
    const laidOut = await fileIn(dir, path.join('tree', 'insights-logs-roomsoperational', blobPath(6)), asJsonLines(changed));
    const tables = newTableStore();

    expect(await processLocal(tables, [lone])).toBe(12);
    expect(await processLocal(tables, [laidOut])).toBe(24);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...records.slice(0, 12), ...changed])));
  });
});

describe('a line quarantined in both the copy and the file that goes on from it', () => {
  it('is applied once when both entries are replayed', async () => {
    const records = roomsRecords(20, 508);
    // Longer than the line limit the files are first read with: quarantined until it is raised.
    const long = { ...records[0], correlationId: 'long/one', padding: 'x'.repeat(3000) };
    const text = asJsonLines([...records.slice(0, 10), long, ...records.slice(10)]);
    const container = await newContainer();
    await appendToBlob(container, blobPath(8), text);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-continued-'));
    const download = await fileIn(dir, 'PT1H.json', asJsonLines(records.slice(0, 10)));
    const tables = newTableStore();
    const short = { maxUnitBytes: 2048 };

    expect(await processLocal(tables, [download], short)).toBe(10);
    expect(await backfillAll(tables, container.containerName, short)).toBe(10);
    // Downloaded again over the first download, whole: read on under the copy's name, the long line quarantined there too.
    await writeFile(download, text);
    await processLocal(tables, [download], short);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));

    const deps = testDeps(tables);
    const replay = await replayQuarantine({ ...deps, source: new LocalOrBlobLogSource(deps.source) }, { code: 'line_too_long' });
    expect(replay).toMatchObject({ lines: 2, applied: 2 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...records, long])));
  });
});

describe('a blob read first, then a lone download of it', () => {
  it('the download is read under the blob name: nothing counts again, a longer download adds only what the blob had not', async () => {
    const records = roomsRecords(30, 507);
    const container = await newContainer();
    await appendToBlob(container, blobPath(7), asJsonLines(records.slice(0, 20)));
    const tables = newTableStore();
    expect(await backfillAll(tables, container.containerName)).toBe(20);

    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-continued-'));
    expect(await processLocal(tables, [await fileIn(dir, 'old/PT1H.json', asJsonLines(records.slice(0, 20)))])).toBe(0);
    // Downloaded after the blob grew, before the app read on.
    await appendToBlob(container, blobPath(7), asJsonLines(records.slice(20)));
    expect(await processLocal(tables, [await fileIn(dir, 'new/PT1H.json', asJsonLines(records))])).toBe(10);
    expect(await backfillAll(tables, container.containerName)).toBe(0);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });
});

describe('a blob first read while it held less than its first 256 bytes, then a lone download of it', () => {
  it('a blob sealed holding half its first line, completed later: its download counts nothing again', async () => {
    const records = roomsRecords(20, 509);
    const text = asJsonLines(records);
    const container = await newContainer();
    // Azure Monitor's append cut the first line; the blob stopped changing long enough to be sealed.
    await appendToBlob(container, blobPath(8), text.slice(0, 50));
    const tables = newTableStore();
    expect(await backfillAll(tables, container.containerName, { sealAfterMs: 0 })).toBe(0);
    await appendToBlob(container, blobPath(8), text.slice(50));
    expect(await backfillAll(tables, container.containerName, { sealAfterMs: 0 })).toBe(20);

    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-continued-'));
    expect(await processLocal(tables, [await fileIn(dir, 'PT1H.json', text)])).toBe(0);
    expect(await backfillAll(tables, container.containerName)).toBe(0);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });
});
