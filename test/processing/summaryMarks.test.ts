import { describe, expect, it } from 'vitest';
import { CALL_ROW_KEY, callPartition, callsView } from '../../src/lib/aggregating/calls/index.js';
import { SUMMARY_MARKS_FIELD, SUMMARY_SEQUENCE_FIELD } from '../../src/lib/aggregating/types.js';
import { applyExactlyOnce, highWaterMarkRowKey } from '../../src/lib/processing/applyExactlyOnce.js';
import { MAX_SUMMARY_MARKS_CHARS, summaryMarksOf } from '../../src/lib/processing/highWaterMarkRows.js';
import type { TableStore } from '../../src/lib/storage/TableStore.js';
import { DAY, operationRecord } from '../support/recordingLogs.js';
import { normalizeAll } from '../support/roomsLogs.js';
import { newMemoryTableStore, newTableStore, readAggregates } from '../support/storage.js';

const correlationId = 'call-with-many-files';
const partition = callPartition(correlationId);

/** One StopRecording request per file, each file with its own id, all in one call. */
function fileRecords(file: number): { position: number; record: ReturnType<typeof normalizeAll>[number] }[] {
  const raw = [0, 1].map((n) =>
    operationRecord({ correlationId, operationName: n === 0 ? 'StartRecording' : 'StopRecording', time: DAY + file * 2000 + n * 1000 }),
  );
  return normalizeAll(raw).map((record, position) => ({ position, record }));
}

/** File ids as long as `idChars` fill the map of marks with few files. */
async function applyFile(tables: TableStore, file: number, idChars = 0): Promise<void> {
  const fileId = `f${file}.${'0'.repeat(Math.max(1, idChars))}`;
  await applyExactlyOnce(tables, [callsView], fileRecords(file), { fileId, fileKey: `c/f${file}`, concurrency: 1 });
}

/** The call row's count of applied records: a replay the marks let through would raise it. */
async function appliedRecords(tables: TableStore): Promise<unknown> {
  return (await tables.getRow(callsView.table, partition, CALL_ROW_KEY))?.data[SUMMARY_SEQUENCE_FIELD];
}

async function markRows(tables: TableStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const row of tables.query(callsView.table, undefined)) if (row.rowKey.startsWith(highWaterMarkRowKey(''))) keys.push(row.rowKey);
  return keys.sort();
}

describe('a summary row carries its partition’s high-water marks', () => {
  it('writes no mark row, and a replay of every file applies nothing (Azurite)', async () => {
    const tables = newTableStore();
    for (const file of [0, 1, 2]) await applyFile(tables, file);
    const once = await readAggregates(tables, [callsView]);
    expect(await markRows(tables)).toEqual([]);
    const callRow = await tables.getRow(callsView.table, partition, CALL_ROW_KEY);
    expect(summaryMarksOf(callsView.table, callRow)).toEqual(
      new Map([
        ['f0.0', 2],
        ['f1.0', 2],
        ['f2.0', 2],
      ]),
    );
    expect(await appliedRecords(tables)).toBe(6);
    for (const file of [2, 0, 1]) await applyFile(tables, file);
    expect(await readAggregates(tables, [callsView])).toEqual(once);
    expect(await appliedRecords(tables)).toBe(6);
    expect((await tables.getRow(callsView.table, partition, CALL_ROW_KEY))?.data['operationCount']).toBe(6);
  });

  it('marks stored as rows by earlier versions still count: a replay of those files adds nothing', async () => {
    const tables = newMemoryTableStore();
    for (const file of [0, 1]) await applyFile(tables, file);
    const once = await readAggregates(tables, [callsView]);
    // The earlier layout: a `~hwm|` row per file, no marks on the call row.
    const callRow = await tables.getRow(callsView.table, partition, CALL_ROW_KEY);
    for (const [fileId, mark] of summaryMarksOf(callsView.table, callRow)) {
      await tables.upsert(callsView.table, partition, highWaterMarkRowKey(fileId), { file: `c/${fileId}`, mark, updatedAt: 'then' });
    }
    const { [SUMMARY_MARKS_FIELD]: _marks, ...withoutMarks } = callRow?.data ?? {};
    await tables.upsert(callsView.table, partition, CALL_ROW_KEY, withoutMarks);
    expect(await markRows(tables)).toHaveLength(2);

    for (const file of [1, 0]) await applyFile(tables, file);
    expect(await readAggregates(tables, [callsView])).toEqual(once);
    expect(await appliedRecords(tables)).toBe(4);
    await applyFile(tables, 2);
    expect(await appliedRecords(tables)).toBe(6);
    expect((await tables.getRow(callsView.table, partition, CALL_ROW_KEY))?.data['operationCount']).toBe(6);
  });

  it('once the map is full, new files’ marks are rows again, and every replay still adds nothing', async () => {
    const tables = newMemoryTableStore();
    const idChars = 200;
    const files = Math.ceil(MAX_SUMMARY_MARKS_CHARS / (idChars + 10)) + 10;
    for (let file = 0; file < files; file++) await applyFile(tables, file, idChars);
    const rows = await markRows(tables);
    expect(rows.length).toBeGreaterThanOrEqual(10);
    const carried = summaryMarksOf(callsView.table, await tables.getRow(callsView.table, partition, CALL_ROW_KEY));
    expect(carried.size + rows.length).toBe(files);
    expect(JSON.stringify(Object.fromEntries(carried)).length).toBeLessThan(MAX_SUMMARY_MARKS_CHARS + idChars + 20);
    const once = await readAggregates(tables, [callsView]);
    expect((await tables.getRow(callsView.table, partition, CALL_ROW_KEY))?.data['operationCount']).toBe(2 * files);
    // Files whose marks are in the map, and files whose marks are rows.
    expect(await appliedRecords(tables)).toBe(2 * files);
    for (const file of [0, files - 1, Math.floor(files / 2), files - 5]) await applyFile(tables, file, idChars);
    expect(await readAggregates(tables, [callsView])).toEqual(once);
    expect(await appliedRecords(tables)).toBe(2 * files);
  });

  it('a call row whose marks are not a map of file marks fails the write instead of counting from 0', async () => {
    const tables = newMemoryTableStore();
    await applyFile(tables, 0);
    const callRow = await tables.getRow(callsView.table, partition, CALL_ROW_KEY);
    await tables.upsert(callsView.table, partition, CALL_ROW_KEY, { ...callRow?.data, [SUMMARY_MARKS_FIELD]: '{"f0.0":"2"}' });
    await expect(applyFile(tables, 0)).rejects.toThrow(/row call: fileMarks is not a map of file marks/);
  });
});
