import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { processFile } from '../../src/lib/processing/processFile.js';
import { QuarantineStore } from '../../src/lib/processing/quarantine.js';
import { replayQuarantine } from '../../src/lib/processing/replayQuarantine.js';
import { azuriteConnectionString, appendToBlob, newContainer, newTableStore, readAggregates, testDeps } from '../support/storage.js';
import { addParticipantsRecord, RESOURCE } from '../support/roomsLogs.js';
import { encodeKeyPart } from '../../src/lib/storage/keys.js';
import { FILES_TABLE } from '../../src/lib/processing/checkpoints.js';
import type { CommitOutcome, RowWrite } from '../../src/lib/storage/TableStore.js';
import { SimulatedCrash } from '../support/crashingTableStore.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';

const NOW = Date.UTC(2024, 4, 26, 12);
const path = `resourceId=${RESOURCE}/y=2024/m=05/d=25/h=10/m=00/PT1H.json`;

function op(time: string, durationMs: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    time,
    resourceId: RESOURCE,
    category: 'CallRecordingOperational',
    operationName: 'StartRecording',
    resultType: 'Succeeded',
    resultSignature: 200,
    correlationId: 'call-1',
    durationMs,
    properties: { sdkType: 'js', ...extra },
  };
}
function usage(time: string, quantity: unknown): Record<string, unknown> {
  return { time, resourceId: RESOURCE, category: 'Usage', operationName: 'Usage', properties: { usageType: 'Recording', unitType: 'Minute', quantity } };
}
function summary(time: string, lengthSeconds: unknown, startTime: string | null = null): Record<string, unknown> {
  return {
    time,
    resourceId: RESOURCE,
    category: 'CallRecordingSummary',
    operationName: 'RecordingSummary',
    correlationId: 'call-1',
    properties: { recordingId: `rec-${String(lengthSeconds)}-${startTime ?? ''}`, recordingLength: lengthSeconds, recordingStartTime: startTime },
  };
}
const room = addParticipantsRecord;

const T = '2024-05-25T10:15:00.0000000Z';
/** Each line: the record's JSON text (hand-written where JSON.stringify could not say it) and the expected code, or null if good. */
const LINES: [string, string | null][] = [
  [JSON.stringify(op(T, 250.5)), null],
  [JSON.stringify(op(T, 1000)), null],
  [JSON.stringify(op(T, 1e308)), 'value_out_of_range'],
  [JSON.stringify(op(T, -1)), 'value_out_of_range'],
  [JSON.stringify(op(T, 'NaN')), 'schema_invalid'],
  [JSON.stringify(op(T, 'Infinity')), 'schema_invalid'],
  [JSON.stringify(op(T, '1e999')), 'value_out_of_range'],
  [JSON.stringify(op(T, 0)).replace('"durationMs":0', '"durationMs":1e999'), 'value_out_of_range'],
  [JSON.stringify(op(T, 86_400_001)), 'value_out_of_range'],
  [JSON.stringify(usage(T, 1.5)), null],
  [JSON.stringify(usage(T, '2.25')), null],
  [JSON.stringify(usage(T, 1e300)), 'value_out_of_range'],
  [JSON.stringify(usage(T, -0.5)), 'value_out_of_range'],
  [JSON.stringify(summary(T, 3600.5)), null],
  [JSON.stringify(summary(T, 1e308)), 'value_out_of_range'],
  [JSON.stringify(summary(T, 10, '1600-01-01T00:00:00Z')), 'time_out_of_range'],
  [JSON.stringify(room(T, 3)), null],
  [JSON.stringify(room(T, 1e20)), 'value_out_of_range'],
  // Before 1970: epoch milliseconds are negative, and the hour is still 23:00 of 1969-12-31.
  [JSON.stringify(room('1969-12-31T23:30:00.0000000Z', 2)), null],
  [JSON.stringify(op('1969-12-31T23:59:59.9990000Z', 10)), null],
  [JSON.stringify(op('9999-12-31T23:59:59.0000000Z', 10)), 'time_out_of_range'],
  [JSON.stringify(op('1600-01-01T00:00:00.0000000Z', 10)), 'time_out_of_range'],
  [JSON.stringify(op('1899-12-31T23:59:59.9990000Z', 10)), 'time_out_of_range'],
  // 1 h past the 24 h allowed ahead of the processing time.
  [JSON.stringify(op('2024-05-27T13:00:00.0000000Z', 10)), 'time_out_of_range'],
];

describe('numbers and times, against Azurite', () => {
  it('counts good records exactly, quarantines out-of-range values and times, and buckets 1969 correctly', async () => {
    const box = await newContainer(azuriteConnectionString(), `insights-logs-callrecordingoperational-${randomBytes(4).toString('hex')}`);
    await appendToBlob(box, path, LINES.map(([line]) => line + '\n').join(''));
    const tables = newTableStore();
    const file = { container: box.containerName, path };
    const deps = { ...testDeps(tables, azuriteConnectionString(), { earliestRecordTime: Date.UTC(1900, 0, 1), maxFutureMs: 24 * 3_600_000 }), now: () => NOW };

    const result = await processFile(file, deps);

    const good = LINES.filter(([, code]) => code === null).length;
    expect(result).toMatchObject({ records: good, badLines: LINES.length - good });
    const quarantined = [];
    for await (const line of new QuarantineStore(tables).list(file)) quarantined.push(line);
    quarantined.sort((a, b) => a.line - b.line);
    // Consecutive bad lines are one entry: every bad line is in exactly one entry, whose codes name its line's code.
    const expected = LINES.flatMap(([, code], i) => (code === null ? [] : [[i + 1, code] as const]));
    const covered = quarantined.flatMap((q) => {
      const lines = Array.from({ length: q.count ?? 1 }, (_, k) => q.line + k);
      return lines.map((line) => [line, q.code, q.codes ?? q.code] as const);
    });
    expect(covered.map(([line]) => line)).toEqual(expected.map(([line]) => line));
    for (const [line, code] of expected) {
      const entry = covered.find(([at]) => at === line);
      expect(entry?.[2]).toContain(code);
    }
    expect(quarantined.map((q) => q.code)).toEqual(quarantined.map((q) => expected.find(([line]) => line === q.line)?.[1]));
    const range = quarantined.find((q) => q.line === 3);
    expect(range?.message).toMatch(/DurationMs.*1e\+308.*0.*86400000/);
    // The last run (lines 21-24) is named by its first line's reason: a time outside the bounds.
    const future = quarantined.find((q) => q.line <= LINES.length && q.line + (q.count ?? 1) > LINES.length);
    expect(future?.message).toMatch(/time.*9999-12-31T23:59:59\.000Z/);

    const stored = await readAggregates(tables);
    // Every stored number is finite: none became Infinity (or the null Table Storage makes of it).
    for (const rows of Object.values(stored)) {
      for (const row of Object.values(rows)) {
        for (const value of Object.values(row)) if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
      }
    }
    const day = `${encodeKeyPart(RESOURCE)}|2024-05-25`;
    const operations = stored['RecordingOperations'] ?? {};
    expect(operations[`${day} / h|2024-05-25T10|StartRecording|200|js`]).toMatchObject({
      count: 2,
      durationCount: 2,
      durationSumUs: 1_250_500,
      durationMinMs: 250.5,
      durationMaxMs: 1000,
    });
    expect(stored['Usage']?.[`${day} / d|Recording|Minute`]).toMatchObject({ records: 2, quantityMicros: '3750000' });
    expect(stored['Recordings']?.[`${day} / d|2024-05-25`]).toMatchObject({ recordings: 1, recordingMs: 3_600_500 });
    expect(stored['Rooms']?.[`${encodeKeyPart(RESOURCE)} / room-1`]).toMatchObject({ operations: 2, participantsAdded: 5 });

    // Written out by hand: 1969-12-31T23:30Z is in hour 23 of 1969-12-31, not in 1970-01-01T00.
    const day1969 = `${encodeKeyPart(RESOURCE)}|1969-12-31`;
    const roomKeys = Object.keys(stored['RoomsOperations'] ?? {});
    expect(roomKeys).toContain(`${day1969} / h|1969-12-31T23|AddParticipants|2024-04-15|Succeeded|200`);
    expect(roomKeys).toContain(`${day1969} / d|AddParticipants|2024-04-15|Succeeded|200`);
    expect(roomKeys.filter((key) => key.includes('1970-01-01'))).toEqual([]);
    expect(stored['RoomsOperations']?.[`${day1969} / h|1969-12-31T23|AddParticipants|2024-04-15|Succeeded|200`]).toMatchObject({
      count: 1,
      bucket: '1969-12-31T23:00:00.000Z',
      granularity: 'hour',
    });
    expect(operations[`${day1969} / h|1969-12-31T23|StartRecording|200|js`]).toMatchObject({ count: 1, durationSumUs: 10_000 });
    expect(operations[`${day1969} / d|StartRecording|200|js`]).toMatchObject({ count: 1, bucket: '1969-12-31T00:00:00.000Z' });
  });

  it('with the default bounds, a record from before 2015 is quarantined as time_out_of_range', async () => {
    const box = await newContainer(azuriteConnectionString(), `insights-logs-roomsoperational-${randomBytes(4).toString('hex')}`);
    await appendToBlob(box, path, [room('2014-12-31T23:59:59Z', 1), room(T, 1)].map((r) => JSON.stringify(r) + '\n').join(''));
    const tables = newTableStore();
    const file = { container: box.containerName, path };
    const result = await processFile(file, { ...testDeps(tables), now: () => NOW });
    expect(result).toMatchObject({ records: 1, badLines: 1 });
    const quarantined = [];
    for await (const line of new QuarantineStore(tables).list(file)) quarantined.push(line);
    expect(quarantined.map((q) => q.code)).toEqual(['time_out_of_range']);
  });

  it('a time_out_of_range line is replayed exactly once after the bound is lowered, into its 1969 hour', async () => {
    const box = await newContainer(azuriteConnectionString(), `insights-logs-roomsoperational-${randomBytes(4).toString('hex')}`);
    await appendToBlob(box, path, [room('1969-12-31T23:30:00Z', 4), room(T, 1)].map((r) => JSON.stringify(r) + '\n').join(''));
    const tables = newTableStore();
    const file = { container: box.containerName, path };
    expect(await processFile(file, { ...testDeps(tables), now: () => NOW })).toMatchObject({ records: 1, badLines: 1 });

    const lowered = { ...testDeps(tables, azuriteConnectionString(), { earliestRecordTime: Date.UTC(1950, 0, 1) }), now: () => NOW };
    expect(await replayQuarantine(lowered)).toMatchObject({ lines: 1, applied: 1, records: 1 });
    expect(await replayQuarantine(lowered)).toMatchObject({ lines: 0 });
    const stored = await readAggregates(tables);
    const key = `${encodeKeyPart(RESOURCE)}|1969-12-31 / h|1969-12-31T23|AddParticipants|2024-04-15|Succeeded|200`;
    expect(stored['RoomsOperations']?.[key]).toMatchObject({ count: 1, bucket: '1969-12-31T23:00:00.000Z' });
    expect(stored['Rooms']?.[`${encodeKeyPart(RESOURCE)} / room-1`]).toMatchObject({ operations: 2, participantsAdded: 5 });
  });

  it('a replay does not apply the lines of a blob replaced since it was read: a one-line entry falls back to its kept text, a run of lines is gone', async () => {
    const box = await newContainer(azuriteConnectionString(), `insights-logs-roomsoperational-${randomBytes(4).toString('hex')}`);
    const old = [room('1969-12-31T23:30:00Z', 4), room(T, 1), room('1969-12-31T23:40:00Z', 2), room('1969-12-31T23:41:00Z', 3), room(T, 1)];
    await appendToBlob(box, path, old.map((r) => JSON.stringify(r) + '\n').join(''));
    const tables = newTableStore();
    const file = { container: box.containerName, path };
    expect(await processFile(file, { ...testDeps(tables), now: () => NOW })).toMatchObject({ records: 2, badLines: 3 });
    // Overwritten with other records of the same lengths, and not looked at since: the entries' offsets now hold those.
    await box.getBlobClient(path).delete();
    const replacement = [room('1969-12-31T23:35:00Z', 7), room(T, 2), room('1969-12-31T23:45:00Z', 8), room('1969-12-31T23:46:00Z', 9), room(T, 2)];
    expect(replacement.map((r) => JSON.stringify(r).length)).toEqual(old.map((r) => JSON.stringify(r).length));
    await appendToBlob(box, path, replacement.map((r) => JSON.stringify(r) + '\n').join(''));

    const lowered = { ...testDeps(tables, azuriteConnectionString(), { earliestRecordTime: Date.UTC(1950, 0, 1) }), now: () => NOW };
    expect(await replayQuarantine(lowered)).toMatchObject({ lines: 2, applied: 1, records: 1, sourceGone: 1 });
    const stored = await readAggregates(tables);
    // The two good records (1 + 1) and the first entry's own text (4), not the replacement's lines at its offsets.
    expect(stored['Rooms']?.[`${encodeKeyPart(RESOURCE)} / room-1`]).toMatchObject({ operations: 3, participantsAdded: 6 });
  });

  it('a record quarantined by a run killed before its checkpoint moved counts once after a fix: replayed, and skipped by the next read under the marks that run moved', async () => {
    const box = await newContainer(azuriteConnectionString(), `insights-logs-roomsoperational-${randomBytes(4).toString('hex')}`);
    const line = (r: Record<string, unknown>): string => JSON.stringify(r) + '\n';
    await appendToBlob(box, path, line(room(T, 1)));
    const tables = newTableStore();
    const file = { container: box.containerName, path };
    expect(await processFile(file, { ...testDeps(tables), now: () => NOW })).toMatchObject({ records: 1 });
    const firstEnd = line(room(T, 1)).length;
    await appendToBlob(box, path, line(room('1969-12-31T23:30:00Z', 4)) + line(room(T, 2)));
    // Killed after its quarantine rows and aggregates were written, before the checkpoint moved.
    class KilledBeforeCheckpoint extends WrappedTableStore {
      override writeConditional(table: string, partitionKey: string, write: RowWrite): Promise<CommitOutcome> {
        if (table === FILES_TABLE && write.data !== undefined && Number(write.data['offset']) > firstEnd) throw new SimulatedCrash('killed');
        return super.writeConditional(table, partitionKey, write);
      }
    }
    await expect(processFile(file, { ...testDeps(new KilledBeforeCheckpoint(tables)), now: () => NOW })).rejects.toThrow(SimulatedCrash);
    const listed = [];
    for await (const entry of new QuarantineStore(tables).list(file)) listed.push(entry);
    expect(listed.map((entry) => [entry.code, entry.offset])).toEqual([['time_out_of_range', firstEnd]]);

    // A fix deployed (the bound lowered): replay first, then the file's next read.
    const fixed = { ...testDeps(tables, azuriteConnectionString(), { earliestRecordTime: Date.UTC(1950, 0, 1) }), now: () => NOW };
    expect(await replayQuarantine(fixed)).toMatchObject({ lines: 1, applied: 1, records: 1 });
    await processFile(file, fixed);
    const stored = await readAggregates(tables);
    expect(stored['Rooms']?.[`${encodeKeyPart(RESOURCE)} / room-1`]).toMatchObject({ operations: 3, participantsAdded: 7 });
  });

  it('a stored sum that one more record would push past 2^53 fails the run loudly and stays as it was', async () => {
    const box = await newContainer(azuriteConnectionString(), `insights-logs-callrecordingoperational-${randomBytes(4).toString('hex')}`);
    await appendToBlob(box, path, JSON.stringify(op(T, 86_400_000)) + '\n');
    const tables = newTableStore();
    const file = { container: box.containerName, path };
    const partition = `${encodeKeyPart(RESOURCE)}|2024-05-25`;
    const nearlyFull = Number.MAX_SAFE_INTEGER - 1000;
    await tables.ensureTable('RecordingOperations');
    await tables.upsert('RecordingOperations', partition, 'd|StartRecording|200|js', { count: 1, durationCount: 1, durationSumUs: nearlyFull });

    await expect(processFile(file, { ...testDeps(tables), now: () => NOW })).rejects.toThrow(/durationSumUs cannot stay exact/);
    const stored = await readAggregates(tables);
    expect(stored['RecordingOperations']?.[`${partition} / d|StartRecording|200|js`]).toMatchObject({ durationSumUs: nearlyFull, count: 1 });
  });
});
