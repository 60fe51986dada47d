import { cp, mkdir, mkdtemp, readFile, writeFile, appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/lib/logging.js';
import { backfill } from '../../src/lib/processing/backfill.js';
import { CheckpointStore, FILES_TABLE } from '../../src/lib/processing/checkpoints.js';
import { processFile, type ProcessDeps } from '../../src/lib/processing/processFile.js';
import { isFinalBlob } from '../../src/lib/processing/sealing.js';
import { readHealth } from '../../src/lib/querying/health.js';
import { encodeKeyPart, encodeLongKeyPart } from '../../src/lib/storage/keys.js';
import { LocalLogSource } from '../../src/lib/storage/LocalLogSource.js';
import type { CommitOutcome, RowWrite, TableStore } from '../../src/lib/storage/TableStore.js';
import { SimulatedCrash } from '../support/crashingTableStore.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';
import { asJsonLines, blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import { appendToBlob, newContainer, newTableStore, readAggregates, referenceAggregates, testDeps } from '../support/storage.js';

const PATH = blobPath(1);

function localDeps(tables: TableStore, source = new LocalLogSource()): ProcessDeps & { source: LocalLogSource } {
  const { settings, views, logger } = testDeps(tables);
  return { source, tables, views, settings, logger };
}

/** Processes every file under `dir` as `acs-logs process` does: each path mapped to its container and blob path. */
async function processTree(dir: string, tables: TableStore, files: readonly string[]): Promise<number> {
  const deps = localDeps(tables);
  let records = 0;
  for (const file of files) records += (await processFile(deps.source.register(path.join(dir, file)), deps)).records;
  return records;
}

async function checkpointOf(tables: TableStore, container: string, file = PATH) {
  return (await new CheckpointStore(tables).get({ container, path: file }))?.checkpoint;
}

/** A storage-laid-out tree `<dir>/<container>/<PATH>` holding `text`. */
async function laidOutTree(container: string, text: string): Promise<{ dir: string; relative: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'acs-identity-'));
  const relative = path.join(container, ...PATH.split('/'));
  await mkdir(path.dirname(path.join(dir, relative)), { recursive: true });
  await writeFile(path.join(dir, relative), text);
  return { dir, relative };
}

/**
 * One append blob as the app sees it: processed by a policy whose answer to "is it final?" the test
 * sets, and deleted and created again (empty, then appended, as every append blob is).
 */
async function watchedBlob(final: boolean) {
  const container = await newContainer();
  const tables = newTableStore();
  const deps = testDeps(tables);
  const file = { container: container.containerName, path: PATH };
  const policy = { final };
  return {
    tables,
    file,
    policy,
    run: () => processFile(file, deps, { isFinal: () => policy.final }),
    append: (text: string) => appendToBlob(container, PATH, text),
    recreate: async (text: string) => {
      await container.getBlobClient(PATH).delete();
      await appendToBlob(container, PATH, text);
    },
  };
}

describe('a file is known by its content, not by its creation time', () => {
  it('a file shorter than what was read and still changing is warned of once per length, not at every look', async () => {
    const container = await newContainer();
    const tables = newTableStore();
    const warnings: string[] = [];
    const deps = { ...testDeps(tables), logger: { ...silentLogger, warn: (message: string) => warnings.push(message) } };
    const file = { container: container.containerName, path: PATH };
    const run = () => processFile(file, deps, { isFinal: () => false });
    await appendToBlob(container, PATH, asJsonLines(roomsRecords(20, 106)));
    await run();
    await container.getBlobClient(PATH).delete();
    await appendToBlob(container, PATH, asJsonLines(roomsRecords(3, 106)));
    for (let look = 0; look < 3; look++) expect((await run()).status).toBe('shorter');
    expect(warnings.filter((message) => message.startsWith('shorter than the bytes already read'))).toHaveLength(1);
    await appendToBlob(container, PATH, asJsonLines(roomsRecords(2, 107)));
    expect((await run()).status).toBe('shorter');
    expect(warnings.filter((message) => message.startsWith('shorter than the bytes already read'))).toHaveLength(2);
  });

  it('the warning of a file shorter than what was read says when it is read as a replaced file if it stops changing', async () => {
    const container = await newContainer();
    const fields: Array<Record<string, unknown>> = [];
    const deps = {
      ...testDeps(newTableStore()),
      logger: {
        ...silentLogger,
        warn: (message: string, data?: Record<string, unknown>) => {
          if (message.startsWith('shorter than the bytes already read')) fields.push(data ?? {});
        },
      },
    };
    const file = { container: container.containerName, path: PATH };
    const run = () => processFile(file, deps, { isFinal: (ref, stat, now) => isFinalBlob(ref, stat, now, deps.settings.sealAfterMs) });
    await appendToBlob(container, PATH, asJsonLines(roomsRecords(20, 108)));
    await run();
    await container.getBlobClient(PATH).delete();
    await appendToBlob(container, PATH, asJsonLines(roomsRecords(3, 109)));
    expect((await run()).status).toBe('shorter');
    const stat = await deps.source.stat(file);
    // Its hour ended long ago: it is decided --seal-after-minutes after its last change.
    expect(fields).toEqual([expect.objectContaining({ readAsReplacedAt: new Date((stat?.lastModified ?? 0) + deps.settings.sealAfterMs).toISOString() })]);
  });

  it('a blob deleted and created again with the same bytes (a re-download) counts nothing twice', async () => {
    const records = roomsRecords(60, 101);
    const container = await newContainer();
    const tables = newTableStore();
    const deps = testDeps(tables);
    const file = { container: container.containerName, path: PATH };
    await appendToBlob(container, PATH, asJsonLines(records));
    await processFile(file, deps);
    const before = await checkpointOf(tables, file.container);
    await container.getBlobClient(PATH).delete();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // creation times have a resolution of one second
    await appendToBlob(container, PATH, asJsonLines(records));
    const recreated = await deps.source.stat(file);
    expect(recreated?.createdOn).not.toBe(before?.createdOn);

    const again = await processFile(file, deps);

    expect(again).toMatchObject({ records: 0, replaced: false });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    expect(await checkpointOf(tables, file.container)).toMatchObject({
      generation: 0,
      replacements: 0,
      records: 60,
      createdOn: recreated?.createdOn,
      etag: recreated?.etag,
    });
  });

  it('a blob created again looked at while it grows back (announced empty, then part-way) waits, and counts nothing twice', async () => {
    const records = roomsRecords(20, 104);
    // As the app decides: a blob whose hour ended and that has not changed for the sealing delay is final.
    const blob = await watchedBlob(false);
    await blob.append(asJsonLines(records));
    expect((await blob.run()).records).toBe(20);

    await blob.recreate(''); // Event Grid announces the append blob while it is still empty
    expect(await blob.run()).toMatchObject({ status: 'shorter', records: 0, replaced: false });
    await blob.append(asJsonLines(records.slice(0, 5)));
    expect(await blob.run()).toMatchObject({ status: 'shorter', records: 0, replaced: false });
    await blob.append(asJsonLines(records.slice(5)));
    expect(await blob.run()).toMatchObject({ records: 0, replaced: false });
    expect(await readAggregates(blob.tables)).toEqual(referenceAggregates(normalizeAll(records)));
    expect(await checkpointOf(blob.tables, blob.file.container)).toMatchObject({ generation: 0, replacements: 0, records: 20 });

    // Created again shorter with other records: once it stops changing, it is a replaced file, read whole.
    const other = roomsRecords(5, 105);
    await blob.recreate(asJsonLines(other));
    expect((await blob.run()).status).toBe('shorter');
    blob.policy.final = true;
    expect(await blob.run()).toMatchObject({ records: 5, replaced: true });
    expect(await readAggregates(blob.tables)).toEqual(referenceAggregates(normalizeAll([...records, ...other])));
  });

  it('a blob sealed inside its last line, created again and grown back to where it was cut, still reads that line whole when the rest comes', async () => {
    const records = roomsRecords(12, 404);
    const text = asJsonLines(records);
    const cut = text.length - 40;
    const blob = await watchedBlob(true);
    await blob.append(text.slice(0, cut));
    expect(await blob.run()).toMatchObject({ records: 11, badLines: 1 });
    await blob.recreate('');
    blob.policy.final = false;
    expect((await blob.run()).status).toBe('shorter');
    await blob.append(text.slice(0, cut));
    blob.policy.final = true;
    expect(await blob.run()).toMatchObject({ records: 0, badLines: 0 });
    expect((await checkpointOf(blob.tables, blob.file.container))?.truncatedTail).toMatchObject({ end: cut });
    await blob.append(text.slice(cut));
    blob.policy.final = false;
    expect((await blob.run()).records).toBe(1);
    expect(await readAggregates(blob.tables)).toEqual(referenceAggregates(normalizeAll(records)));
    expect(await checkpointOf(blob.tables, blob.file.container)).toMatchObject({ records: 12, badLines: 0 });
  });

  it('a sealed blob created again shorter is opened again, so the tail looks at it until it is decided', async () => {
    const records = roomsRecords(10, 106);
    const blob = await watchedBlob(true);
    await blob.append(asJsonLines(records));
    expect(await blob.run()).toMatchObject({ records: 10, status: 'processed' });
    expect(await checkpointOf(blob.tables, blob.file.container)).toMatchObject({ sealed: true });
    await blob.recreate('');
    blob.policy.final = false;
    expect((await blob.run()).status).toBe('shorter');
    expect(await checkpointOf(blob.tables, blob.file.container)).toMatchObject({ sealed: false, generation: 0 });
    await blob.append(asJsonLines(records));
    expect((await blob.run()).records).toBe(0);
    expect(await readAggregates(blob.tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('a `cp -r` copy of a laid-out tree processed again counts nothing twice', async () => {
    const records = roomsRecords(50, 102);
    const tables = newTableStore();
    const { dir, relative } = await laidOutTree('insights-logs-roomsoperational', asJsonLines(records));
    expect(await processTree(dir, tables, [relative])).toBe(50);
    const copy = await mkdtemp(path.join(os.tmpdir(), 'acs-identity-copy-'));
    await cp(dir, copy, { recursive: true });

    expect(await processTree(copy, tables, [relative])).toBe(0);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    expect(await checkpointOf(tables, 'insights-logs-roomsoperational')).toMatchObject({ generation: 0, replacements: 0, records: 50 });
  });

  it('a local copy processed, then a backfill of the account it came from: every record once', async () => {
    const records = roomsRecords(70, 103);
    const container = await newContainer();
    await appendToBlob(container, PATH, asJsonLines(records));
    const tables = newTableStore();
    const { dir, relative } = await laidOutTree(container.containerName, asJsonLines(records));

    expect(await processTree(dir, tables, [relative])).toBe(70);
    const backfilled = await backfill(testDeps(tables), { containers: [container.containerName], selection: {}, fileConcurrency: 2 });

    expect(backfilled.records).toBe(0);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    expect(await checkpointOf(tables, container.containerName)).toMatchObject({ generation: 0, replacements: 0, records: 70 });
  });

  it('process and backfill alternating three times: every record once', async () => {
    const records = roomsRecords(40, 104);
    const container = await newContainer();
    await appendToBlob(container, PATH, asJsonLines(records));
    const tables = newTableStore();
    const { dir, relative } = await laidOutTree(container.containerName, asJsonLines(records));

    let counted = 0;
    for (let round = 0; round < 3; round++) {
      counted += await processTree(dir, tables, [relative]);
      counted += (await backfill(testDeps(tables), { containers: [container.containerName], selection: {}, fileConcurrency: 2 })).records;
    }

    expect(counted).toBe(40);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    expect(await checkpointOf(tables, container.containerName)).toMatchObject({ generation: 0, replacements: 0, records: 40 });
  });

  it('a blob that grew after it was copied: only the new bytes are read', async () => {
    const records = roomsRecords(80, 105);
    const container = await newContainer();
    const first = asJsonLines(records.slice(0, 50));
    await appendToBlob(container, PATH, first);
    const tables = newTableStore();
    const { dir, relative } = await laidOutTree(container.containerName, first);
    expect(await processTree(dir, tables, [relative])).toBe(50);
    await appendToBlob(container, PATH, asJsonLines(records.slice(50)));
    const deps = testDeps(tables);

    const grown = await processFile({ container: container.containerName, path: PATH }, deps);

    expect(grown).toMatchObject({ records: 30, replaced: false });
    // The new bytes, the 512 bytes before them (the tail check) and the 256-byte head: nothing more.
    expect(deps.source.usage.bytesRead).toBeLessThanOrEqual(Buffer.byteLength(asJsonLines(records.slice(50))) + 512 + 256);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    // The local copy did not grow: it is the file as it was when read to its end, an older copy, and adds nothing.
    expect(await processTree(dir, tables, [relative])).toBe(0);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    expect(await checkpointOf(tables, container.containerName)).toMatchObject({ generation: 0, replacements: 0, records: 80 });
  });

  it('different bytes after the same head, under the same name, are a replaced file: a new generation, listed by health', async () => {
    const records = roomsRecords(40, 106);
    const other = roomsRecords(40, 107);
    const container = await newContainer();
    const tables = newTableStore();
    const deps = testDeps(tables);
    const file = { container: container.containerName, path: PATH };
    // Same first 10 lines (well over 256 bytes), different after: only the bytes before the offset tell.
    const original = asJsonLines(records);
    const rewritten = asJsonLines([...records.slice(0, 10), ...other.slice(10)]);
    await appendToBlob(container, PATH, original);
    await processFile(file, deps);
    await container.getBlobClient(PATH).delete();
    await appendToBlob(container, PATH, rewritten);

    const result = await processFile(file, deps);

    expect(result).toMatchObject({ replaced: true, records: 40 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...records, ...records.slice(0, 10), ...other.slice(10)])));
    expect(await checkpointOf(tables, file.container)).toMatchObject({ generation: 1, replacements: 1, records: 80 });
    const health = await readHealth(tables, [file.container]);
    expect(health.containers[0]).toMatchObject({ replacements: 1, replacedFiles: [{ path: PATH, generation: 1 }] });
    expect(health.containers[0]?.replacedFiles[0]?.replacedAt).toMatch(/^\d{4}-/);
  });

  describe('a read of a replaced file killed after its aggregates, before its checkpoint moved', () => {
    /** Dies at the first checkpoint write of a new generation's offset: everything the read folded is written. */
    class KilledBeforeCheckpointMoves extends WrappedTableStore {
      override async writeConditional(table: string, partitionKey: string, write: RowWrite): Promise<CommitOutcome> {
        if (table === FILES_TABLE && Number(write.data['generation']) > 0 && Number(write.data['offset']) > 0) {
          throw new SimulatedCrash('killed before the checkpoint moved');
        }
        return super.writeConditional(table, partitionKey, write);
      }
    }
    const original = roomsRecords(10, 120);
    const first = roomsRecords(40, 121);
    const second = roomsRecords(20, 122);

    async function killedReadOfFirstReplacement() {
      const blob = await watchedBlob(true);
      await blob.append(asJsonLines(original));
      await blob.run();
      await blob.recreate(asJsonLines(first));
      await expect(processFile(blob.file, testDeps(new KilledBeforeCheckpointMoves(blob.tables)))).rejects.toBeInstanceOf(SimulatedCrash);
      return blob;
    }

    it('read again unchanged: it goes on as the same generation, and counts nothing twice', async () => {
      const blob = await killedReadOfFirstReplacement();
      expect(await blob.run()).toMatchObject({ replaced: true, records: 40 });
      expect(await readAggregates(blob.tables)).toEqual(referenceAggregates(normalizeAll([...original, ...first])));
      expect(await checkpointOf(blob.tables, blob.file.container)).toMatchObject({ generation: 1, replacements: 1 });
    });

    it('replaced again before that: the second replacement is a generation of its own, and every record of it counts', async () => {
      const blob = await killedReadOfFirstReplacement();
      await blob.recreate(asJsonLines(second));
      expect(await blob.run()).toMatchObject({ replaced: true, records: 20 });
      // The killed read's records were written; the marks it left belong to its generation, not to the new bytes.
      expect(await readAggregates(blob.tables)).toEqual(referenceAggregates(normalizeAll([...original, ...first, ...second])));
      expect(await checkpointOf(blob.tables, blob.file.container)).toMatchObject({ generation: 2, replacements: 2 });
    });
  });

  it('a local file truncated and rewritten longer with the same head is a replaced file', async () => {
    const records = roomsRecords(30, 108);
    const other = roomsRecords(60, 109);
    const tables = newTableStore();
    const { dir, relative } = await laidOutTree('insights-logs-roomsoperational', asJsonLines(records));
    expect(await processTree(dir, tables, [relative])).toBe(30);
    const rewritten = [...records.slice(0, 5), ...other.slice(5)];
    await writeFile(path.join(dir, relative), asJsonLines(rewritten));

    expect(await processTree(dir, tables, [relative])).toBe(60);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...records, ...rewritten])));
    expect(await checkpointOf(tables, 'insights-logs-roomsoperational')).toMatchObject({ generation: 1, replacements: 1 });
  });

  it('a local file that only grew keeps its generation even when rewritten as a new inode', async () => {
    const records = roomsRecords(30, 110);
    const tables = newTableStore();
    const { dir, relative } = await laidOutTree('insights-logs-roomsoperational', asJsonLines(records.slice(0, 20)));
    expect(await processTree(dir, tables, [relative])).toBe(20);
    const target = path.join(dir, relative);
    const text = await readFile(target, 'utf8');
    await writeFile(target + '.tmp', text);
    await appendFile(target + '.tmp', asJsonLines(records.slice(20)));
    await cp(target + '.tmp', target); // what editors that save through a new file do, content-wise

    expect(await processTree(dir, tables, [relative])).toBe(10);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('lines edited in place: at the head and just before the offset a replacement; in the middle not seen', async () => {
    const records = roomsRecords(30, 111);
    const more = roomsRecords(5, 112);
    const lines = asJsonLines(records);
    // One character of the first record time (at the head) or correlation id from `at` on: the same length, still a good record.
    const edit = (text: string, at: number): string => {
      const marker = at === 0 ? '1234Z' : '/x+y';
      const where = text.indexOf(marker, at) + 3;
      if (where < at) throw new Error('nothing to edit');
      return text.slice(0, where) + '7' + text.slice(where + 1);
    };
    const cases = [
      { name: 'head', at: 0, replaced: true },
      { name: 'middle', at: Math.floor(lines.length / 2), replaced: false },
      { name: 'before the offset', at: lines.lastIndexOf('\n', lines.length - 2), replaced: true },
    ];
    expect(lines.length - lines.indexOf('/x+y', cases[2]?.at)).toBeLessThan(512);
    for (const { name, at, replaced } of cases) {
      const tables = newTableStore();
      const { dir, relative } = await laidOutTree('insights-logs-roomsoperational', lines);
      expect(await processTree(dir, tables, [relative])).toBe(30);
      // One byte changed inside a string value, and five more records appended.
      await writeFile(path.join(dir, relative), edit(lines, at) + asJsonLines(more));
      const counted = await processTree(dir, tables, [relative]);
      expect({ name, counted }).toEqual({ name, counted: replaced ? 35 : 5 });
      expect(await checkpointOf(tables, 'insights-logs-roomsoperational')).toMatchObject({ generation: replaced ? 1 : 0, replacements: replaced ? 1 : 0 });
    }
  });

  it('a file cut shorter than what was read, not at an earlier end, is a replaced file', async () => {
    const records = roomsRecords(30, 113);
    const tables = newTableStore();
    const { dir, relative } = await laidOutTree('insights-logs-roomsoperational', asJsonLines(records));
    expect(await processTree(dir, tables, [relative])).toBe(30);
    await writeFile(path.join(dir, relative), asJsonLines(records.slice(0, 25)));

    expect(await processTree(dir, tables, [relative])).toBe(25);
    expect(await checkpointOf(tables, 'insights-logs-roomsoperational')).toMatchObject({ generation: 1, replacements: 1, replacedBecause: 'shrunk' });
  });

  it('a checkpoint written before the new fields loads and goes on: its head alone decides, and it gains them', async () => {
    const records = roomsRecords(40, 114);
    const container = await newContainer();
    const tables = newTableStore();
    const deps = testDeps(tables);
    const file = { container: container.containerName, path: PATH };
    await appendToBlob(container, PATH, asJsonLines(records.slice(0, 20)));
    await processFile(file, deps);
    // As older versions wrote it: no fileEtag, no bytes-before-the-offset fingerprint, no earlier ends.
    const row = await tables.getRow('Files', encodeKeyPart(file.container), encodeLongKeyPart(file.path));
    const legacy = Object.fromEntries(
      Object.entries(row?.data ?? {}).filter(
        ([key]) => !['fileEtag', 'tailFingerprint', 'tailFingerprintLength', 'earlierEnds', 'replacedAt', 'replacedBecause'].includes(key),
      ),
    );
    await tables.upsert('Files', encodeKeyPart(file.container), encodeLongKeyPart(file.path), legacy);
    await appendToBlob(container, PATH, asJsonLines(records.slice(20)));

    expect(await processFile(file, deps)).toMatchObject({ records: 20, replaced: false });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    const checkpoint = await checkpointOf(tables, file.container);
    expect(checkpoint).toMatchObject({ generation: 0, records: 40, tailFingerprintLength: 512 });
    expect(checkpoint?.etag).not.toBe('');
  });
});
