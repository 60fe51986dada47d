import { describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../src/lib/processing/checkpoints.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import { processSettingsFor } from '../../src/lib/config/memoryProfile.js';
import { DEFAULT_PROCESS_SETTINGS } from '../../src/lib/processing/settings.js';
import { QuarantineStore, type QuarantinedLine } from '../../src/lib/processing/quarantine.js';
import { replayQuarantine } from '../../src/lib/processing/replayQuarantine.js';
import { asJsonLines, blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import { appendToBlob, newContainer, newTableStore, readAggregates, referenceAggregates, testDeps } from '../support/storage.js';

const PATH = blobPath(1);

async function entries(tables: ReturnType<typeof newTableStore>, file: { container: string; path: string }): Promise<QuarantinedLine[]> {
  const all: QuarantinedLine[] = [];
  for await (const line of new QuarantineStore(tables).list(file)) all.push(line);
  return all;
}

/** A Rooms record padded to about `bytes` bytes of JSON. */
/**
 * `count` Rooms records each keeping a CorrelationId of `chars` characters, processed as one file under
 * `settings`: the result, the aggregates stored, and those a recount of the records gives.
 */
async function processLongIds(count: number, seed: number, chars: number, settings: Parameters<typeof testDeps>[2]) {
  const good = roomsRecords(count, seed).map((record, i) => ({ ...record, correlationId: `${i}-${'c'.repeat(chars)}` }));
  const container = await newContainer();
  await appendToBlob(container, PATH, asJsonLines(good));
  const tables = newTableStore();
  const result = await processFile({ container: container.containerName, path: PATH }, testDeps(tables, undefined, settings));
  return { result, aggregates: await readAggregates(tables), expected: referenceAggregates(normalizeAll(good)) };
}

function padded(record: Record<string, unknown>, bytes: number): Record<string, unknown> {
  return { ...record, properties: { ...(record['properties'] as object), note: 'n'.repeat(bytes) } };
}

describe('junk floods', () => {
  it('MiBs of two-byte junk lines between good records: O(1) quarantine entries and transactions per segment, every line counted', async () => {
    const good = roomsRecords(60, 71);
    const junk = 'x\n'.repeat(1024 * 1024); // 2 MiB, 1,048,576 lines
    const text = asJsonLines(good.slice(0, 20)) + junk + asJsonLines(good.slice(20, 40)) + '\u0000\u0000\n'.repeat(50_000) + asJsonLines(good.slice(40));
    const container = await newContainer();
    await appendToBlob(container, PATH, text);
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };

    const result = await processFile(file, testDeps(tables));

    expect(result).toMatchObject({ records: 60, badLines: 1024 * 1024 + 50_000, pendingBytes: 0 });
    const rows = await entries(tables, file);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ line: 21, count: 1024 * 1024, lastLine: 20 + 1024 * 1024, code: 'invalid_json', rawTruncated: true });
    expect(rows[0]!.end - rows[0]!.offset).toBe(junk.length);
    expect(rows[0]!.raw.length).toBeLessThanOrEqual(8 * 1024);
    expect(rows[1]).toMatchObject({ count: 50_000 });
    // One segment: a few transactions for the aggregates and one for the quarantine rows.
    expect(tables.requests.transactions).toBeLessThan(40);
    const checkpoint = (await new CheckpointStore(tables).get(file))?.checkpoint;
    expect(checkpoint).toMatchObject({ records: 60, badLines: 1024 * 1024 + 50_000 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(good)));
  });

  it('budgets are checked per line: a segment ends at the records budget, not at the next MiB', async () => {
    // Bad records (each its own entry, separated by good ones) fill the records budget long before a MiB.
    const good = roomsRecords(400, 72);
    const lines = good.map((record) => JSON.stringify(record) + '\n{"time": "not a time", "category": "RoomsOperational", "operationName": "GetRoom"}\n');
    const container = await newContainer();
    await appendToBlob(container, PATH, lines.join(''));
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };

    const result = await processFile(file, testDeps(tables, undefined, { segmentRecords: 100 }));

    expect(result).toMatchObject({ records: 400, badLines: 400 });
    expect(result.segments).toBe(8);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(good)));
  });

  it('replay of a run re-reads every line of it: a run partly fixed applies exactly the lines that now read, once', async () => {
    const records = roomsRecords(10, 73);
    // Lines 4-7 are too long for a 2 KiB limit: one run. A 4 KiB limit fixes three of them, 64 KiB all four.
    const all = records.map((record, i) => (i >= 3 && i <= 6 ? padded(record, i === 5 ? 9000 : 3000) : record));
    const container = await newContainer();
    await appendToBlob(container, PATH, asJsonLines(all));
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };

    const first = await processFile(file, testDeps(tables, undefined, { maxUnitBytes: 2048 }));
    expect(first).toMatchObject({ records: 6, badLines: 4 });
    const [run] = await entries(tables, file);
    expect(await entries(tables, file)).toHaveLength(1);
    expect(run).toMatchObject({ code: 'line_too_long', line: 4, lastLine: 7, count: 4 });

    const partly = testDeps(tables, undefined, { maxUnitBytes: 4096 });
    expect(await replayQuarantine(partly)).toMatchObject({ lines: 1, applied: 0, records: 3, alreadyCounted: 0, stillBad: 1 });
    const afterPartial = await readAggregates(tables);
    expect(afterPartial).toEqual(referenceAggregates(normalizeAll(all.filter((_, i) => i !== 5))));
    // Running it again (or twice at once) changes nothing, and says that what reads was counted before.
    expect(await replayQuarantine(partly)).toMatchObject({ lines: 1, records: 3, alreadyCounted: 3, stillBad: 1 });
    await Promise.all([replayQuarantine(partly), replayQuarantine(partly)]);
    expect(await readAggregates(tables)).toEqual(afterPartial);
    expect((await entries(tables, file))[0]).toMatchObject({ replayedRecords: 3, stillBadLines: 1 });
    expect((await entries(tables, file))[0]?.replayedAt).toBeUndefined();

    const fixed = testDeps(tables, undefined, { maxUnitBytes: 64 * 1024 });
    expect(await replayQuarantine(fixed)).toMatchObject({ lines: 1, applied: 1, records: 4, alreadyCounted: 3 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(all)));
    expect(await replayQuarantine(fixed)).toMatchObject({ lines: 0 });
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(all)));
  });

  it('quarantined text counts against the run limit of held records: bad lines with long samples end segments early', async () => {
    // Each 4,000-character junk line is its own entry (good records separate them) and keeps its text.
    const good = roomsRecords(300, 73);
    const lines = good.map((record) => JSON.stringify(record) + '\n' + 'x'.repeat(4_000) + '\n');
    const container = await newContainer();
    await appendToBlob(container, PATH, lines.join(''));
    const tables = newTableStore();
    const file = { container: container.containerName, path: PATH };

    // 1.2 MB of kept text: within one segment's budgets, but about 1,170 records' worth against a run
    // that holds at most 400.
    const result = await processFile(file, testDeps(tables, undefined, { heldRecords: 400 }));

    expect(result).toMatchObject({ records: 300, badLines: 300, pendingBytes: 0 });
    expect(result.segments).toBeGreaterThanOrEqual(3);
    expect(await entries(tables, file)).toHaveLength(300);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(good)));
  });

  it('long records count against the run limit of held records by their size: a few huge records end segments early', async () => {
    // Each record keeps a 40,000-character CorrelationId: 100 records are 4 MB held, about 15,600 records' worth
    // (a long record's bytes weigh four times, as its rows and the bodies sent copy them): three to a segment.
    const { result, aggregates, expected } = await processLongIds(100, 74, 40_000, { heldRecords: 400 });

    expect(result).toMatchObject({ records: 100, badLines: 0, pendingBytes: 0 });
    expect(result.segments).toBeGreaterThanOrEqual(30);
    expect(aggregates).toEqual(expected);
  });

  it('records of a dozen KB count by their size too: a tree of them is not held whole', async () => {
    // 100 records of 12 KB each weigh 47 held records: eight to a segment under a limit of 400, where counted one
    // each they were all held at once (720 MB of such records peaked at 966 MiB).
    const { result, aggregates, expected } = await processLongIds(100, 76, 12_000, { heldRecords: 400 });

    expect(result).toMatchObject({ records: 100, badLines: 0, pendingBytes: 0 });
    expect(result.segments).toBeGreaterThanOrEqual(12);
    expect(aggregates).toEqual(expected);
  });

  it('records of 3 KB count by their bytes: three held records each', async () => {
    // 150 records of about 3.2 KB: under a limit of 100 they were two segments (100 and 50) counted one
    // each, and 694 MB of such records peaked at 1,002 MiB, all held at once.
    const { result, aggregates, expected } = await processLongIds(150, 77, 2_700, { heldRecords: 100 });

    expect(result).toMatchObject({ records: 150, badLines: 0, pendingBytes: 0 });
    expect(result.segments).toBeGreaterThanOrEqual(4);
    expect(aggregates).toEqual(expected);
  });

  it('records of 4 KB beside longer ones count by their bytes too: a file that interleaves them is not held whole', async () => {
    // 40 times 16 records of about 4 KB (61 held records by their bytes) and one of 16.5 KB (64): 5,000 held
    // records, eleven segments under a limit of 400, where the 4 KB ones counted one each beside the long ones (3,200: eight).
    const good = roomsRecords(680, 78).map((record, i) => ({ ...record, correlationId: `${i}-${'c'.repeat(i % 17 === 16 ? 16_000 : 3_450)}` }));
    const container = await newContainer();
    await appendToBlob(container, PATH, asJsonLines(good));
    const tables = newTableStore();
    const result = await processFile({ container: container.containerName, path: PATH }, testDeps(tables, undefined, { heldRecords: 400 }));

    expect(result).toMatchObject({ records: 680, badLines: 0, pendingBytes: 0 });
    expect(result.segments).toBeGreaterThanOrEqual(10);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(good)));
  });

  it('under the low profile, a segment of long records ends by the bytes read within its record and held limits', async () => {
    // 800 records of about 15 KB: 12 MB, within 4,000 records and, weighed by their bytes (47,000), within the held limit.
    const { result, aggregates, expected } = await processLongIds(800, 75, 15_000, processSettingsFor('low', DEFAULT_PROCESS_SETTINGS));

    expect(result).toMatchObject({ records: 800, badLines: 0, pendingBytes: 0 });
    expect(result.segments).toBeGreaterThanOrEqual(2);
    expect(aggregates).toEqual(expected);
  });
});
