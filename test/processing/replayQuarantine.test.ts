import { describe, expect, it, vi } from 'vitest';
import { processFile } from '../../src/lib/processing/processFile.js';
import { QUARANTINE_TABLE, QuarantineStore } from '../../src/lib/processing/quarantine.js';
import { replayQuarantine } from '../../src/lib/processing/replayQuarantine.js';
import { BATCH_ENTRIES } from '../../src/lib/processing/replayBatch.js';
import { appendToBlob, newContainer, newTableStore, readAggregates, referenceAggregates, testDeps } from '../support/storage.js';
import { asJsonLines, blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';

const PATH = blobPath(1);

/** A Rooms record padded with a long property so that it exceeds a small line limit. */
function bulky(record: Record<string, unknown>): Record<string, unknown> {
  return { ...record, properties: { ...(record['properties'] as object), note: 'x'.repeat(3000) } };
}

describe('quarantine replay', () => {
  it('applies lines that read after a fix, exactly once however often it runs', async () => {
    const records = roomsRecords(20, 61);
    const big = [bulky(records[3] as Record<string, unknown>), bulky(records[9] as Record<string, unknown>)];
    const all = [...records.slice(0, 3), big[0], ...records.slice(4, 9), big[1], ...records.slice(10)] as Record<string, unknown>[];
    const container = await newContainer();
    await appendToBlob(container, PATH, asJsonLines(all));
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };

    // Read with a line limit too small for two lines: they are quarantined, the rest is counted.
    const first = await processFile(file, testDeps(tables, undefined, { maxUnitBytes: 2048 }));
    expect(first).toMatchObject({ records: 18, badLines: 2 });
    const lines = [];
    for await (const line of new QuarantineStore(tables).list(file)) lines.push(line);
    expect(lines.map((line) => line.code)).toEqual(['line_too_long', 'line_too_long']);

    // The fix: a larger limit. Replay twice, and once more concurrently: each record lands once.
    const fixed = testDeps(tables, undefined, { maxUnitBytes: 64 * 1024 });
    const replay = await replayQuarantine(fixed);
    expect(replay).toMatchObject({ lines: 2, applied: 2, records: 2 });
    const again = await Promise.all([replayQuarantine(fixed), replayQuarantine(fixed)]);
    expect(again.map((summary) => summary.lines)).toEqual([0, 0]);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(all)));
  });

  it("an entry of many lines is applied in one write: its records share their partitions' transactions, each under its own mark", async () => {
    const records = roomsRecords(150, 64);
    // A run of bad lines is one entry: 150 lines, after two good ones.
    const all = records.map((record, i) => (i < 2 ? record : bulky(record)));
    const container = await newContainer();
    await appendToBlob(container, PATH, asJsonLines(all));
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };
    await processFile(file, testDeps(tables, undefined, { maxUnitBytes: 2048 }));
    const fixed = testDeps(tables, undefined, { maxUnitBytes: 64 * 1024 });

    const before = tables.requestCount;
    expect(await replayQuarantine(fixed)).toMatchObject({ lines: 1, applied: 1, records: 148, alreadyCounted: 0 });
    // Record by record, each of the 148 would read and write each view's partition it reaches: over a thousand requests.
    expect(tables.requestCount - before).toBeLessThan(60);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(all)));

    // Replayed again after a replay that died before it marked the entry: every record is found counted, none twice.
    const store = new QuarantineStore(tables);
    for await (const line of store.list(file)) {
      const { replayedAt: _replayedAt, replayedRecords: _replayedRecords, ...unmarked } = line;
      await store.update(unmarked);
    }
    expect(await replayQuarantine(fixed)).toMatchObject({ lines: 1, applied: 1, records: 148, alreadyCounted: 148 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(all)));
  });

  it('replays at the same time report each entry once between them, as they count each record once', async () => {
    const records = roomsRecords(12, 63);
    const all = records.map((record, i) => (i % 4 === 1 ? bulky(record) : record));
    const container = await newContainer();
    await appendToBlob(container, PATH, asJsonLines(all));
    const tables = newTableStore();
    await processFile({ container: container.containerName, path: PATH }, testDeps(tables, undefined, { maxUnitBytes: 2048 }));
    const fixed = testDeps(tables, undefined, { maxUnitBytes: 64 * 1024 });

    // Each run's clock a minute from the others': two marks of one entry made in the same millisecond by two runs
    // read alike, and each run would take the other's for its own (a limit noted in docs/OPERATIONS.md).
    const runs = await Promise.all([1, 2, 3, 4].map((run) => replayQuarantine({ ...fixed, now: () => Date.now() + run * 60_000 })));
    const total = (field: 'applied' | 'records' | 'overtaken'): number => runs.reduce((sum, run) => sum + run[field], 0);
    expect([total('applied'), total('records')]).toEqual([3, 3]);
    for (const run of runs) expect(run.applied + run.overtaken).toBe(run.lines);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(all)));
  });

  it('an interrupted replay run again does not double-count', async () => {
    const records = roomsRecords(6, 62);
    const lines = records.map((record, i) => (i === 2 ? JSON.stringify(bulky(record)) : JSON.stringify(record)));
    const container = await newContainer();
    await appendToBlob(container, PATH, lines.join('\n') + '\n');
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };
    await processFile(file, testDeps(tables, undefined, { maxUnitBytes: 2048 }));
    const fixed = testDeps(tables, undefined, { maxUnitBytes: 64 * 1024 });

    // Simulate a replay that applied the aggregates but died before marking the line replayed.
    await replayQuarantine(fixed);
    const store = new QuarantineStore(tables);
    for await (const line of store.list(file)) {
      const { replayedAt: _replayedAt, replayedRecords: _replayedRecords, ...unmarked } = line;
      await store.update(unmarked);
    }
    const rerun = await replayQuarantine(fixed);

    expect(rerun).toMatchObject({ lines: 1, applied: 1 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records.map((r, i) => (i === 2 ? bulky(r) : r)))));
  });

  it("an entry partly applied by a replay says how many of its lines still fail, and why: its codes are those lines' own", async () => {
    const records = roomsRecords(3, 64);
    const lines = [
      JSON.stringify(records[0]),
      JSON.stringify(bulky(records[1] as Record<string, unknown>)),
      '{"broken": ',
      '{"broken": 2',
      JSON.stringify(records[2]),
    ];
    const container = await newContainer();
    await appendToBlob(container, PATH, lines.join('\n') + '\n');
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };
    await processFile(file, testDeps(tables, undefined, { maxUnitBytes: 2048 }));
    const entries = async () => {
      const all = [];
      for await (const entry of new QuarantineStore(tables).list(file)) all.push(entry);
      return all;
    };
    expect(await entries()).toMatchObject([{ count: 3, code: 'line_too_long', codes: 'line_too_long 1, invalid_json 2' }]);

    expect(await replayQuarantine(testDeps(tables, undefined, { maxUnitBytes: 64 * 1024 }))).toMatchObject({
      lines: 1,
      stillBad: 1,
      partlyApplied: 1,
      records: 1,
    });

    const [entry] = await entries();
    expect(entry).toMatchObject({ count: 3, stillBadLines: 2, code: 'invalid_json' });
    expect(entry?.codes).toBeUndefined();
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('replays entries as the listing reaches them, a batch of a file at a time, not after holding every entry (each keeps up to 8 KiB of text)', async () => {
    const records = roomsRecords(500, 68);
    // 250 entries: every other line too long for the first read.
    const all = records.map((record, i) => (i % 2 === 1 ? bulky(record) : record));
    const container = await newContainer();
    await appendToBlob(container, PATH, asJsonLines(all));
    const tables = newTableStore();
    await processFile({ container: container.containerName, path: PATH }, testDeps(tables, undefined, { maxUnitBytes: 2048 }));

    let listed = 0;
    const query = tables.query.bind(tables);
    vi.spyOn(tables, 'query').mockImplementation(async function* (table, ...rest) {
      for await (const row of query(table, ...rest)) {
        if (table === QUARANTINE_TABLE) listed++;
        yield row;
      }
    });
    // Entries listed when each is marked applied (a transaction marks many).
    const listedAtWrites: number[] = [];
    const write = tables.writeConditional.bind(tables);
    vi.spyOn(tables, 'writeConditional').mockImplementation((table, ...rest) => {
      if (table === QUARANTINE_TABLE) listedAtWrites.push(listed);
      return write(table, ...rest);
    });
    const commit = tables.commit.bind(tables);
    vi.spyOn(tables, 'commit').mockImplementation((table, partitionKey, writes, ...rest) => {
      if (table === QUARANTINE_TABLE) for (const _ of writes) listedAtWrites.push(listed);
      return commit(table, partitionKey, writes, ...rest);
    });
    expect(await replayQuarantine(testDeps(tables, undefined, { maxUnitBytes: 64 * 1024 }))).toMatchObject({ lines: 250, applied: 250, records: 250 });
    expect(listedAtWrites).toHaveLength(250);
    // The first batch is marked once the listing reaches the entry after it; the last when the listing ends.
    expect(listedAtWrites.slice(0, BATCH_ENTRIES)).toEqual(Array<number>(BATCH_ENTRIES).fill(BATCH_ENTRIES + 1));
    expect(listedAtWrites[249]).toBe(250);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(all)));
  });

  it("writes the records of a file's entries together: a replay of 200 one-line entries costs a few table requests per batch, not several per entry", async () => {
    const records = roomsRecords(400, 69);
    const all = records.map((record, i) => (i % 2 === 1 ? bulky(record) : record));
    const container = await newContainer();
    await appendToBlob(container, PATH, asJsonLines(all));
    const tables = newTableStore();
    await processFile({ container: container.containerName, path: PATH }, testDeps(tables, undefined, { maxUnitBytes: 2048 }));

    const before = tables.requestCount;
    expect(await replayQuarantine(testDeps(tables, undefined, { maxUnitBytes: 64 * 1024 }))).toMatchObject({ lines: 200, applied: 200, records: 200 });
    // Per batch of a file's entries: its checkpoint, the aggregates' reads and transactions, and the entries' marks in
    // transactions (one by one: 1,561 requests).
    expect(tables.requestCount - before).toBeLessThan(40);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(all)));
    // Replayed again: nothing waits, nothing changes.
    expect(await replayQuarantine(testDeps(tables, undefined, { maxUnitBytes: 64 * 1024 }))).toMatchObject({ lines: 0, records: 0 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(all)));
  });

  it('a replay that finds entries still bad as they were does not write them again', async () => {
    const good = roomsRecords(21, 67);
    // 20 entries: each broken line between good ones, one of them a run of two lines.
    const lines = good.flatMap((record, n) =>
      n === 0 ? [JSON.stringify(record)] : [`{"broken": ${n}`, ...(n === 1 ? ['{"also": '] : []), JSON.stringify(record)],
    );
    const container = await newContainer();
    await appendToBlob(container, PATH, lines.join('\n') + '\n');
    const tables = newTableStore();
    await processFile({ container: container.containerName, path: PATH }, testDeps(tables));
    expect(await replayQuarantine(testDeps(tables))).toMatchObject({ lines: 20, stillBad: 20 });
    const before = tables.requestCount;
    expect(await replayQuarantine(testDeps(tables))).toMatchObject({ lines: 20, stillBad: 20 });
    // About two table reads per entry (its file's checkpoint), no write: rewritten, each entry cost two requests more (81).
    expect(tables.requestCount - before).toBeLessThanOrEqual(45);
  });

  it('a line that still does not read stays quarantined, and a deleted source falls back to the kept text', async () => {
    const good = roomsRecords(2, 63);
    const container = await newContainer();
    await appendToBlob(container, PATH, `${JSON.stringify(good[0])}\n{"broken": \n${JSON.stringify(good[1])}\n`);
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };
    await processFile(file, testDeps(tables));
    await container.getBlobClient(PATH).delete();

    const replay = await replayQuarantine(testDeps(tables));

    expect(replay).toMatchObject({ lines: 1, stillBad: 1, partlyApplied: 0, applied: 0 });
    const [line] = await (async () => {
      const all = [];
      for await (const l of new QuarantineStore(tables).list(file)) all.push(l);
      return all;
    })();
    expect(line).toMatchObject({ code: 'invalid_json', raw: '{"broken": ' });
    expect(line?.replayedAt).toBeUndefined();
  });
});

describe('quarantine replay of a line whose kept text is not its bytes, its file gone', () => {
  const entriesOf = async (tables: ReturnType<typeof newTableStore>, file: { container: string; path: string }) => {
    const all = [];
    for await (const entry of new QuarantineStore(tables).list(file)) all.push(entry);
    return all;
  };
  it.each([
    // Windows-1252 bytes are kept with U+FFFD: applied, 'room-caf\u00e9' and 'room-caf\u00e8' would count as one room.
    ['a line that is not UTF-8', (line: string) => Buffer.from(`${line}\n`, 'latin1'), {}, {}],
    // Too long and not UTF-8: a larger limit would let the kept text, U+FFFD and all, read.
    ['a line too long that is not UTF-8', (line: string) => Buffer.from(`${line}\n`, 'latin1'), { maxUnitBytes: 256 }, { maxUnitBytes: 64 * 1024 }],
    // Its fix is a converted file, processed on its own: the decoded text applied as well would count twice.
    ['a UTF-16 file', (line: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${line}\r\n`, 'utf16le')]), {}, {}],
  ])('%s is not applied from its kept text', async (_case, encode, readWith, replayWith) => {
    const [record] = roomsRecords(1, 66);
    const line = JSON.stringify({ ...record, properties: { ...(record?.['properties'] as object), roomId: 'room-caf\u00e9' } });
    const container = await newContainer();
    await appendToBlob(container, PATH, encode(line));
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };
    expect(await processFile(file, testDeps(tables, undefined, readWith))).toMatchObject({ records: 0, badLines: 1 });
    const [before] = await entriesOf(tables, file);
    expect(before).toMatchObject({ rawTruncated: false, count: 1 });
    await container.getBlobClient(PATH).delete();

    expect(await replayQuarantine(testDeps(tables, undefined, replayWith))).toMatchObject({ lines: 1, applied: 0, sourceGone: 1, records: 0 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates([]));
    expect((await entriesOf(tables, file))[0]?.replayedAt).toBeUndefined();
  });
});

describe('quarantine replay of a bare value inside a document', () => {
  // A records line longer than the unit limit is read element by element, as an array is.
  it.each([
    ['a records wrapper', (texts: string[]) => `{"records":[${texts.slice(0, 3).join(',')},5,${texts.slice(3).join(',')}]}\n`],
    ['an array', (texts: string[]) => `[\n${texts.slice(0, 3).join(',\n')},\ntrue,\n${texts.slice(3).join(',\n')}\n]\n`],
  ])('keeps the code and reason of a number or literal in %s: it is not a value the file ends inside', async (_shape, document) => {
    const records = roomsRecords(6, 65);
    const container = await newContainer();
    await appendToBlob(container, PATH, document(records.map((record) => JSON.stringify(record))));
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };
    const deps = testDeps(tables, undefined, { maxUnitBytes: 2048 });
    await processFile(file, deps);
    const entries = async () => {
      const all = [];
      for await (const entry of new QuarantineStore(tables).list(file)) all.push(entry);
      return all;
    };
    const [before] = await entries();
    expect(before).toMatchObject({ code: 'not_an_object' });

    expect(await replayQuarantine(deps)).toMatchObject({ lines: 1, stillBad: 1, records: 0 });

    const [after] = await entries();
    expect(after).toMatchObject({ code: 'not_an_object', message: before?.message, stillBadLines: 1 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
  });
});
