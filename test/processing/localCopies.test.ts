import { appendFile, mkdir, mkdtemp, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { processLocalFiles, rememberLocalFiles } from '../../src/lib/processing/localCopies.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import type { LogFileRef } from '../../src/lib/storage/LogSource.js';
import { LOCAL_CONTAINER, LocalLogSource } from '../../src/lib/storage/LocalLogSource.js';
import type { StoredRow, TableStore } from '../../src/lib/storage/TableStore.js';
import { FILES_TABLE } from '../../src/lib/processing/checkpoints.js';
import { asJsonLines, blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import { newTableStore, readAggregates, referenceAggregates, testDeps } from '../support/storage.js';

async function processLocal(tables: TableStore, files: readonly string[], concurrency?: number): Promise<{ records: number; names: string[] }> {
  const { settings, views, logger } = testDeps(tables);
  const { results } = await processLocalFiles(
    { source: new LocalLogSource(), tables, settings, views, logger },
    files,
    LOCAL_CONTAINER,
    { category: 'RoomsOperational' },
    concurrency,
  );
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

describe('a file read before, given with its grown copy (a second download of the blob)', () => {
  it.each([
    ['the file first', (file: string, copy: string) => [file, copy]],
    ['the copy first', (file: string, copy: string) => [copy, file]],
  ])('%s: the copy’s new lines are read under the file’s name, once, run after run', async (_order, given) => {
    const records = roomsRecords(30, 131);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-grown-'));
    const file = path.join(dir, 'PT1H.json');
    await writeFile(file, asJsonLines(records.slice(0, 20)));
    const tables = newTableStore();
    expect((await processLocal(tables, [file])).records).toBe(20);
    const copy = path.join(dir, 'PT1H (1).json');
    await writeFile(copy, asJsonLines(records));
    expect(await processLocal(tables, given(file, copy))).toEqual({ records: 10, names: [file] });
    expect(await processLocal(tables, given(file, copy))).toEqual({ records: 0, names: [file] });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('two paths of one name that differ within their common length: the other is looked at once the name is read, and read as its own, not dropped', async () => {
    const records = roomsRecords(30, 132);
    const other = roomsRecords(30, 133);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-grown-'));
    const file = path.join(dir, 'PT1H.json');
    await writeFile(file, asJsonLines(records.slice(0, 20)));
    const tables = newTableStore();
    await processLocal(tables, [file]);
    // Both hold the 20 lines read; after them, each goes on differently.
    const grown = path.join(dir, 'grown.json');
    const forked = path.join(dir, 'forked.json');
    await writeFile(grown, asJsonLines(records));
    await writeFile(forked, asJsonLines([...records.slice(0, 20), ...other.slice(20)]));
    const run = await processLocal(tables, [file, grown, forked]);
    // The grown one goes on under the name (10); the forked one no longer holds what the name has read, so it
    // is a file that only starts the same, read whole as its own (30), as a lookalike is.
    expect(run.records).toBe(40);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...records, ...records.slice(0, 20), ...other.slice(20)])));
  });
});

describe('copies of local files, however their original was read', () => {
  async function copyOf(file: string): Promise<string> {
    const copy = path.join(path.dirname(file), 'copies', path.basename(file));
    await mkdir(path.dirname(copy), { recursive: true });
    await writeFile(copy, await readFile(file));
    return copy;
  }

  it('a run stopped after reading a file has named it: a copy is that file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-stopped-'));
    const records = roomsRecords(20, 301);
    const file = path.join(dir, 'export.json');
    await writeFile(file, asJsonLines(records));
    const tables = newTableStore();
    const { settings, views, logger } = testDeps(tables);
    const deps = { source: new LocalLogSource(), tables, settings, views, logger };
    // Killed once the file is read and written, before the run ended.
    const stopped = processLocalFiles(deps, [file], LOCAL_CONTAINER, { category: 'RoomsOperational' }, 4, async (ref) => {
      await processFile(ref, deps, { category: 'RoomsOperational' });
      throw new Error('killed');
    });
    await expect(stopped).rejects.toThrow('killed');
    expect(await processLocal(tables, [await copyOf(file)])).toEqual({ records: 0, names: [file] });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('a name whose file saved nothing (its run stopped before its first write): a copy is read under it while that file is there, else takes it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-unsaved-'));
    const records = roomsRecords(6, 307);
    const file = path.join(dir, 'export.json');
    await writeFile(file, asJsonLines(records));
    const copy = await copyOf(file);
    const tables = newTableStore();
    const source = new LocalLogSource();
    await rememberLocalFiles(source, tables, [source.register(file)]);
    expect(await processLocal(tables, [copy])).toEqual({ records: 6, names: [file] });
    expect(await processLocal(tables, [file])).toEqual({ records: 0, names: [file] });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));

    // Its file gone, the name passes to the copy.
    const gone = path.join(dir, 'gone.json');
    const others = roomsRecords(5, 308);
    await writeFile(gone, asJsonLines(others));
    const kept = await copyOf(gone);
    await rememberLocalFiles(source, tables, [source.register(gone)]);
    await rm(gone);
    expect(await processLocal(tables, [kept])).toEqual({ records: 5, names: [kept] });
    await writeFile(gone, asJsonLines(others));
    expect(await processLocal(tables, [gone])).toEqual({ records: 0, names: [kept] });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...records, ...others])));
  });

  it('two copies given together whose first bytes another file holds are read once', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-held-'));
    const first = roomsRecords(1, 311);
    const zOwn = roomsRecords(2, 312);
    const xOwn = roomsRecords(5, 313);
    const z = path.join(dir, 'z.json');
    const x = path.join(dir, 'x.json');
    await writeFile(z, asJsonLines([...first, ...zOwn]));
    await writeFile(x, asJsonLines([...first, ...xOwn]));
    const y = await copyOf(x);
    const tables = newTableStore();
    expect((await processLocal(tables, [z])).records).toBe(3);
    expect((await processLocal(tables, [x, y])).records).toBe(6);
    expect((await processLocal(tables, [y])).records).toBe(0);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...first, ...zOwn, ...first, ...xOwn])));
  });

  it('a longer version of a named file that saved nothing is read under its name: their records count once', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-longer-'));
    const records = roomsRecords(12, 314);
    const half = path.join(dir, 'half.json');
    const full = path.join(dir, 'full.json');
    await writeFile(half, asJsonLines(records.slice(0, 6)));
    await writeFile(full, asJsonLines(records));
    const tables = newTableStore();
    const source = new LocalLogSource();
    // Named by another command's read that has saved nothing yet.
    await rememberLocalFiles(source, tables, [source.register(half)]);
    expect(await processLocal(tables, [full])).toEqual({ records: 12, names: [half] });
    expect((await processLocal(tables, [half])).records).toBe(0);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('many files that start alike cost requests that grow with the files, run after run, not with files times names', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-alike-'));
    const shared = roomsRecords(1, 315);
    const write = async (name: string, seed: number): Promise<string> => {
      const file = path.join(dir, name);
      await writeFile(file, asJsonLines([...shared, ...roomsRecords(1, seed)]));
      return file;
    };
    const tables = newTableStore();
    const earlier: string[] = [];
    for (let i = 0; i < 30; i++) earlier.push(await write(`earlier-${i}.json`, 400 + i));
    expect((await processLocal(tables, earlier)).records).toBe(60);
    const later: string[] = [];
    for (let i = 0; i < 30; i++) later.push(await write(`later-${i}.json`, 500 + i));
    const before = tables.requestCount;
    expect((await processLocal(tables, later)).records).toBe(60);
    // A checkpoint read per earlier name for each later file made 900 and more.
    expect(tables.requestCount - before).toBeLessThan(later.length * 25);
    // Unchanged small files read again are not named again.
    const again = tables.requestCount;
    expect((await processLocal(tables, later)).records).toBe(0);
    expect(tables.requestCount - again).toBeLessThanOrEqual(later.length * 2);
  });

  it('files outside a tree cost requests per many files, not per file, read first and looked at again: their checkpoints and names are read together', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-relook-'));
    const files: string[] = [];
    for (let i = 0; i < 300; i++) {
      const file = path.join(dir, `export-${i}.json`);
      await writeFile(file, asJsonLines(roomsRecords(1, 600 + i)));
      files.push(file);
    }
    const tables = newTableStore();
    // As many files in flight as the CLI reads local files at once: their own reads go together too.
    expect((await processLocal(tables, files, 32)).records).toBe(300);
    // New, each looks up the names of its first bytes too: 7 to a query, with the others of the moment.
    expect(tables.requestCount).toBeLessThanOrEqual(150);
    const before = tables.requestCount;
    expect((await processLocal(tables, files, 32)).records).toBe(0);
    // A checkpoint read per file made 300 and more.
    expect(tables.requestCount - before).toBeLessThanOrEqual(40);
  });

  it('two commands at once on two copies of a file neither has read count it once', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-together-'));
      const records = roomsRecords(12, 309 + attempt);
      const a = path.join(dir, 'a', 'x.json');
      const b = path.join(dir, 'b', 'x.json');
      await mkdir(path.dirname(a), { recursive: true });
      await mkdir(path.dirname(b), { recursive: true });
      await writeFile(a, asJsonLines(records));
      await writeFile(b, asJsonLines(records));
      const tables = newTableStore();
      await Promise.all([processLocal(tables, [a]), processLocal(tables, [b])]);
      expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    }
  });

  it('a file first read shorter than its first bytes, then grown, is named by the bytes it has now', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-short-'));
    const records = roomsRecords(3, 302);
    const whole = Buffer.from(asJsonLines(records));
    const file = path.join(dir, 'export.json');
    await writeFile(file, whole.subarray(0, 100));
    const tables = newTableStore();
    expect((await processLocal(tables, [file])).records).toBe(0);
    await writeFile(file, whole);
    expect((await processLocal(tables, [file])).records).toBe(3);
    expect(await processLocal(tables, [await copyOf(file)])).toEqual({ records: 0, names: [file] });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('two files that start the same are each named: a copy of either is that file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-twins-'));
    const shared = roomsRecords(1, 303);
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.json');
    const onlyA = roomsRecords(4, 304);
    const onlyB = roomsRecords(4, 305);
    await writeFile(a, asJsonLines([...shared, ...onlyA]));
    await writeFile(b, asJsonLines([...shared, ...onlyB]));
    const tables = newTableStore();
    expect((await processLocal(tables, [a, b])).records).toBe(10);
    expect(await processLocal(tables, [await copyOf(b)])).toEqual({ records: 0, names: [b] });
    expect(await processLocal(tables, [await copyOf(a)])).toEqual({ records: 0, names: [a] });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...shared, ...onlyA, ...shared, ...onlyB])));
  });

  it('a file of the same length, first and last bytes as one read before, but another record in the middle, is its own', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-middle-'));
    const records = roomsRecords(10, 306);
    const text = asJsonLines(records);
    const lines = text.split('\n');
    // Record 6 names another room, of the same length.
    const changedLine = (lines[5] as string).replace(/"roomId":"(\d)/, (_, digit: string) => `"roomId":"${digit === '9' ? '8' : '9'}`);
    expect(changedLine).not.toBe(lines[5]);
    lines[5] = changedLine;
    const a = path.join(dir, 'a', 'export.json');
    const b = path.join(dir, 'b', 'export.json');
    await mkdir(path.dirname(a), { recursive: true });
    await mkdir(path.dirname(b), { recursive: true });
    await writeFile(a, text);
    await writeFile(b, lines.join('\n'));
    const tables = newTableStore();
    expect((await processLocal(tables, [a])).records).toBe(10);
    expect(await processLocal(tables, [b])).toEqual({ records: 10, names: [b] });
    const changed = JSON.parse(changedLine) as (typeof records)[number];
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...records, ...records.slice(0, 5), changed, ...records.slice(6)])));
  });
});

describe('local files touched after they were read', () => {
  it('cost no write, run after run, while their bytes are the same; a touched file that grows then reads only its new lines', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-touched-'));
    const files: string[] = [];
    const all = [];
    for (let i = 0; i < 12; i++) {
      const records = roomsRecords(3, 160 + i);
      const file = path.join(dir, `export-${i}.json`);
      await writeFile(file, asJsonLines(records));
      files.push(file);
      all.push(...records);
    }
    const tables = newTableStore();
    expect((await processLocal(tables, files)).records).toBe(36);
    const writes = (): number => tables.requests.writes + tables.requests.transactions;
    for (let run = 1; run <= 2; run++) {
      const later = new Date(Date.now() + run * 60_000);
      for (const file of files) await utimes(file, later, later);
      const before = writes();
      expect((await processLocal(tables, files)).records).toBe(0);
      // Before, each touched file's checkpoint was written again: 12 writes a run.
      expect(writes() - before).toBe(0);
    }
    const more = roomsRecords(2, 180);
    await appendFile(files[0] as string, asJsonLines(more));
    expect((await processLocal(tables, files)).records).toBe(2);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...all, ...more])));
  });
});

describe('a local file rewritten in place with other records of the same size, its modification time set back (cp -p)', () => {
  it('is seen as replaced and its new records count: the change time, which no copy sets back, is in its ETag', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-rewritten-'));
    const file = path.join(dir, 'export.json');
    const first = roomsRecords(20, 195);
    // The same bytes but for the day: the same size, other buckets.
    const second = first.map((record) => ({ ...record, time: String(record['time']).replace('2024-05-25', '2024-05-26') }));
    const old = new Date('2024-06-01T00:00:00Z');
    await writeFile(file, asJsonLines(first));
    await utimes(file, old, old);
    const tables = newTableStore();
    expect((await processLocal(tables, [file])).records).toBe(20);
    await writeFile(file, asJsonLines(second));
    await utimes(file, old, old);
    expect((await processLocal(tables, [file])).records).toBe(20);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...first, ...second])));
  });

  it('a checkpoint saved with an ETag of the older form (without the change time) has it recorded once, not its bytes checked in every run', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-older-etag-'));
    const file = path.join(dir, 'export.json');
    await writeFile(file, asJsonLines(roomsRecords(10, 196)));
    const tables = newTableStore();
    expect((await processLocal(tables, [file])).records).toBe(10);
    const rows = [...(await tables.readPartition(FILES_TABLE, LOCAL_CONTAINER)).values()].filter((row) => typeof row.data['fileEtag'] === 'string');
    expect(rows).toHaveLength(1);
    const row = rows[0] as StoredRow;
    const olderForm = String(row.data['fileEtag']).split('-').slice(0, 3).join('-');
    await tables.upsert(FILES_TABLE, row.partitionKey, row.rowKey, { ...row.data, fileEtag: olderForm });
    const writes = (): number => tables.requests.writes + tables.requests.transactions;
    let before = writes();
    expect((await processLocal(tables, [file])).records).toBe(0);
    expect(writes() - before).toBe(1);
    before = writes();
    expect((await processLocal(tables, [file])).records).toBe(0);
    expect(writes() - before).toBe(0);
  });
});

describe('many local files that start the same', () => {
  it('are read in two rounds, not one round each: requests grow with the files, not with their square', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-lookalikes-'));
    const shared = roomsRecords(1, 140);
    const files: string[] = [];
    const all = [];
    for (let i = 0; i < 40; i++) {
      const own = roomsRecords(2, 141 + i);
      const file = path.join(dir, `export-${String(i).padStart(2, '0')}.json`);
      await writeFile(file, asJsonLines([...shared, ...own]));
      files.push(file);
      all.push(...shared, ...own);
    }
    const tables = newTableStore();
    const before = tables.requestCount;
    expect((await processLocal(tables, files)).records).toBe(120);
    const requests = tables.requestCount - before;
    // Each file costs a bounded number of requests (its lookups and its write); one round per file cost about 40 times more.
    expect(requests).toBeLessThan(files.length * 25);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(all)));
  });
});

describe('several downloads of one blob in a laid-out tree', () => {
  it('reads only the longest when the others are its older copies: every run after the first reads nothing', async () => {
    const records = roomsRecords(40, 131);
    const text = asJsonLines(records);
    const blob = `insights-logs-roomsoperational/${blobPath(3)}`;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-downloads-'));
    const lineEnd = text.indexOf('\n', Math.floor(text.length / 3)) + 1;
    // The full download, one cut inside a line, one cut at a line end, one empty.
    const copies: Record<string, string> = {
      full: text,
      cutInLine: text.slice(0, Math.floor(text.length * 0.6)),
      cutAtLine: text.slice(0, lineEnd),
      empty: '',
    };
    const paths: string[] = [];
    for (const [name, content] of Object.entries(copies)) {
      const file = path.join(dir, name, blob);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
      paths.push(file);
    }
    const expected = referenceAggregates(normalizeAll(records));
    const tables = newTableStore();
    const { settings, views, logger } = testDeps(tables);
    const run = async (): Promise<number> => {
      // The full download given twice too, as overlapping folders give it.
      const { results } = await processLocalFiles(
        { source: new LocalLogSource(), tables, settings, views, logger },
        [...paths, paths[0] as string],
        LOCAL_CONTAINER,
        {},
      );
      return results.reduce((sum, result) => sum + result.records, 0);
    };
    expect(await run()).toBe(40);
    expect(await readAggregates(tables)).toEqual(expected);
    for (let i = 0; i < 2; i++) {
      expect(await run()).toBe(0);
      expect(await readAggregates(tables)).toEqual(expected);
    }
  });

  it('downloads of one blob that hold other bytes (the blob written again) each count once, run after run, once final', async () => {
    const before = roomsRecords(8, 137);
    const after = roomsRecords(30, 138);
    const blob = `insights-logs-roomsoperational/${blobPath(3)}`;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-downloads-'));
    const paths: string[] = [];
    for (const [name, records] of [
      ['monday', before],
      ['friday', after],
    ] as const) {
      const file = path.join(dir, name, blob);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, asJsonLines(records));
      // Final: the hour ended and the file stopped changing long ago.
      const old = new Date('2024-06-01T00:00:00Z');
      await utimes(file, old, old);
      paths.push(file);
    }
    const expected = referenceAggregates(normalizeAll([...before, ...after]));
    const tables = newTableStore();
    const { settings, views, logger } = testDeps(tables);
    const run = async (): Promise<number> => {
      const { results } = await processLocalFiles({ source: new LocalLogSource(), tables, settings, views, logger }, paths, LOCAL_CONTAINER, {});
      return results.reduce((sum, result) => sum + result.records, 0);
    };
    expect(await run()).toBe(38);
    expect(await readAggregates(tables)).toEqual(expected);
    // Before, each run read one as a replacement of the other: 38 records more every time.
    for (let i = 0; i < 2; i++) {
      expect(await run()).toBe(0);
      expect(await readAggregates(tables)).toEqual(expected);
    }
  });

  it('an older download found in a later run, after the newer one was read, adds nothing while the newer one is still there', async () => {
    const records = roomsRecords(40, 133);
    const text = asJsonLines(records);
    const blob = `insights-logs-roomsoperational/${blobPath(3)}`;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-downloads-'));
    const download = async (folder: string, content: string): Promise<string> => {
      const file = path.join(dir, folder, blob);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
      return file;
    };
    // Taken while the hour was still written: cut at a line end that no run read to.
    const cutAt = text.indexOf('\n', Math.floor(text.length / 2)) + 1;
    const newer = await download('tuesday', text);
    const older = await download('monday', text.slice(0, cutAt));
    const flatOlder = path.join(dir, 'export-monday.json');
    await writeFile(flatOlder, text.slice(0, cutAt));
    const expected = referenceAggregates(normalizeAll(records));
    const tables = newTableStore();
    const run = async (file: string): Promise<number> => (await processLocal(tables, [file])).records;

    expect(await run(newer)).toBe(40);
    expect(await run(older)).toBe(0);
    expect(await run(flatOlder)).toBe(0);
    expect(await readAggregates(tables)).toEqual(expected);

    // A shorter file that is not the start of the one read is a replacement, as before.
    const cut = text.slice(0, cutAt);
    const middle = cut.indexOf('"time":"2024-05-25T0', Math.floor(cut.length / 2)) + '"time":"2024-05-25T0'.length;
    const edited = await download('edited', cut.slice(0, middle) + (cut[middle] === '1' ? '2' : '1') + cut.slice(middle + 1));
    expect((await readFile(edited, 'utf8')).length).toBe(cut.length);
    expect(await run(edited)).toBeGreaterThan(0);
  });

  it('an older download counts again once the newer one it would be compared with is gone or changed (documented)', async () => {
    const records = roomsRecords(20, 134);
    const text = asJsonLines(records);
    const blob = `insights-logs-roomsoperational/${blobPath(3)}`;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-downloads-'));
    const newer = path.join(dir, 'tuesday', blob);
    const older = path.join(dir, 'monday', blob);
    for (const [file, content] of [
      [newer, text],
      [older, text.slice(0, text.indexOf('\n', Math.floor(text.length / 2)) + 1)],
    ] as const) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
    }
    const tables = newTableStore();
    expect((await processLocal(tables, [newer])).records).toBe(20);
    await writeFile(newer, 'something else entirely\n');
    expect((await processLocal(tables, [older])).records).toBeGreaterThan(0);
  });

  it('a file that cannot be read fails on its own: the others are processed', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-local-'));
    const readable = path.join(dir, 'a.json');
    const denied = path.join(dir, 'b.json');
    await writeFile(readable, asJsonLines(roomsRecords(5, 131)));
    await writeFile(denied, asJsonLines(roomsRecords(5, 132)));
    // As a file without read permission answers a user who is not root.
    class DeniedSource extends LocalLogSource {
      override read(file: LogFileRef, start: number, end: number): Promise<Buffer> {
        if (file.path === denied)
          return Promise.reject(Object.assign(new Error(`EACCES: permission denied, open '${denied}'`), { code: 'EACCES', syscall: 'open' }));
        return super.read(file, start, end);
      }
    }
    const tables = newTableStore();
    const { settings, views, logger } = testDeps(tables);
    const tried: string[] = [];
    const { results, failed } = await processLocalFiles(
      { source: new DeniedSource(), tables, settings, views, logger },
      [readable, denied],
      LOCAL_CONTAINER,
      { category: 'RoomsOperational' },
      4,
      async (ref) => {
        tried.push(ref.path);
        return ref.path === denied ? null : processFile(ref, { source: new DeniedSource(), tables, settings, views, logger }, { category: 'RoomsOperational' });
      },
    );
    expect(tried.sort()).toEqual([readable, denied]);
    expect(failed).toBe(1);
    expect(results.map((result) => [result.file.path, result.records])).toEqual([[readable, 5]]);
  });

  it('a copy outside the tree of a file read from a laid-out tree is that file, in a later run or in the same one', async () => {
    const records = roomsRecords(25, 141);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-local-'));
    const laidOut = path.join(dir, 'tree', 'insights-logs-roomsoperational', blobPath(3));
    await mkdir(path.dirname(laidOut), { recursive: true });
    await writeFile(laidOut, asJsonLines(records));
    // Sorted before the tree, as "a-flat" is: the copy is looked at first.
    const flat = path.join(dir, 'a-flat', 'PT1H.json');
    await mkdir(path.dirname(flat), { recursive: true });
    await writeFile(flat, asJsonLines(records));

    const later = newTableStore();
    expect((await processLocal(later, [laidOut])).records).toBe(25);
    expect(await processLocal(later, [flat])).toEqual({ records: 0, names: [expect.stringMatching(/PT1H\.json$/)] });
    expect(await readAggregates(later)).toEqual(referenceAggregates(normalizeAll(records)));

    const together = newTableStore();
    expect((await processLocal(together, [flat, laidOut])).records).toBe(25);
    expect((await processLocal(together, [flat, laidOut])).records).toBe(0);
    expect(await readAggregates(together)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('a laid-out file is named before its first write: a run killed once it wrote, before it ended, has named it, and a lone copy later counts nothing', async () => {
    const records = roomsRecords(12, 143);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-local-'));
    const laidOut = path.join(dir, 'tree', 'insights-logs-roomsoperational', blobPath(4));
    await mkdir(path.dirname(laidOut), { recursive: true });
    await writeFile(laidOut, asJsonLines(records));
    const tables = newTableStore();
    const { settings, views, logger } = testDeps(tables);
    const deps = { source: new LocalLogSource(), tables, settings, views, logger };
    const stopped = processLocalFiles(deps, [laidOut], LOCAL_CONTAINER, {}, 4, async (ref, options) => {
      expect((await processFile(ref, deps, options)).records).toBe(12);
      throw new Error('killed');
    });
    await expect(stopped).rejects.toThrow('killed');
    const lone = path.join(dir, 'download', 'PT1H.json');
    await mkdir(path.dirname(lone), { recursive: true });
    await writeFile(lone, asJsonLines(records));
    expect(await processLocal(tables, [lone])).toEqual({ records: 0, names: [expect.stringMatching(/PT1H\.json$/)] });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it.each([
    ['half its first line', 100],
    ['its first line and part of the next', 900],
  ])(
    'a laid-out file that held %s when its run was planned and grew before it was read is named by the bytes it has then: a lone copy later counts nothing',
    async (_held, heldBytes) => {
      const records = roomsRecords(3, 144);
      const whole = Buffer.from(asJsonLines(records));
      const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-local-'));
      const laidOut = path.join(dir, 'tree', 'insights-logs-roomsoperational', blobPath(5));
      await mkdir(path.dirname(laidOut), { recursive: true });
      // Before a run, then between planning and reading in the next: written as ACS appends, while runs go on.
      await writeFile(laidOut, whole.subarray(0, 40));
      const tables = newTableStore();
      expect((await processLocal(tables, [laidOut])).records).toBe(0);
      await writeFile(laidOut, whole.subarray(0, heldBytes));
      const { settings, views, logger } = testDeps(tables);
      const deps = { source: new LocalLogSource(), tables, settings, views, logger };
      let grown = false;
      const { results } = await processLocalFiles(deps, [laidOut], LOCAL_CONTAINER, {}, 4, async (ref, options) => {
        if (!grown) {
          grown = true;
          await writeFile(laidOut, whole);
        }
        return processFile(ref, deps, options);
      });
      expect(results.reduce((sum, result) => sum + result.records, 0)).toBe(3);
      const lone = path.join(dir, 'download', 'PT1H.json');
      await mkdir(path.dirname(lone), { recursive: true });
      await writeFile(lone, whole);
      expect(await processLocal(tables, [lone])).toEqual({ records: 0, names: [expect.stringMatching(/PT1H\.json$/)] });
      expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    },
  );

  it('names the files a run read in transactions of 100, row by row only when one is named already', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-local-'));
    const source = new LocalLogSource();
    const refs: LogFileRef[] = [];
    for (let hour = 0; hour < 150; hour++) {
      const file = path.join(dir, `f${hour}.json`);
      await writeFile(file, asJsonLines(roomsRecords(1, 200 + hour)));
      refs.push(source.register(file));
    }
    const tables = newTableStore();
    await rememberLocalFiles(source, tables, refs.slice(0, 1));
    const before = { ...tables.requests };
    await rememberLocalFiles(source, tables, refs);
    // The first chunk holds the file named already: it falls back to 100 single creates; the second is one transaction.
    expect(tables.requests.transactions - before.transactions).toBe(2);
    expect(tables.requests.writes - before.writes).toBe(100);
    const again = { ...tables.requests };
    await rememberLocalFiles(source, tables, refs.slice(100));
    expect(tables.requests.transactions - again.transactions).toBe(1);
  });
});
