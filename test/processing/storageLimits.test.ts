import { describe, expect, it } from 'vitest';
import { ALL_VIEWS, ROOMS_OPERATIONS_TABLE, roomsOperationsView } from '../../src/lib/aggregating/index.js';
import { clip, MAX_ID_CHARS } from '../../src/lib/aggregating/rowValues.js';
import { CheckpointStore } from '../../src/lib/processing/checkpoints.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import { QuarantineStore, type QuarantinedLine } from '../../src/lib/processing/quarantine.js';
import { replayQuarantine } from '../../src/lib/processing/replayQuarantine.js';
import { queryCalls } from '../../src/lib/querying/recordingQueries.js';
import { queryRooms } from '../../src/lib/querying/roomsQueries.js';
import { boundedKey } from '../../src/lib/storage/keys.js';
import type { LogFileRef } from '../../src/lib/storage/LogSource.js';
import { StorageRefusedError, type CommitOutcome, type RowWrite, type TableStore } from '../../src/lib/storage/TableStore.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';
import {
  appendToBlob,
  azuriteConnectionString,
  newContainer,
  newTableStore,
  readAggregates,
  referenceAggregates,
  testDeps,
  uniquePrefix,
  type AggregateSnapshot,
} from '../support/storage.js';
import { asJsonLines, blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import { DAY, largeCall, operationRecord, recordingBlobPath } from '../support/recordingLogs.js';

/** The reference with every key as the store keeps it (long keys digested). */
function storedReference(records: readonly Record<string, unknown>[], views = ALL_VIEWS): AggregateSnapshot {
  const reference = referenceAggregates(normalizeAll(records), views);
  const stored: AggregateSnapshot = {};
  for (const [table, rows] of Object.entries(reference)) {
    const keyed: Record<string, Record<string, unknown>> = {};
    for (const [key, row] of Object.entries(rows)) {
      const [partitionKey, rowKey] = key.split(' / ') as [string, string];
      keyed[`${boundedKey(partitionKey)} / ${boundedKey(rowKey)}`] = row;
    }
    stored[table] = Object.fromEntries(Object.entries(keyed).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return stored;
}

async function quarantined(tables: TableStore, file: LogFileRef): Promise<QuarantinedLine[]> {
  const lines: QuarantinedLine[] = [];
  for await (const line of new QuarantineStore(tables).list(file)) lines.push(line);
  return lines;
}

function withField(record: Record<string, unknown>, field: string, value: string): Record<string, unknown> {
  if (field === 'roomId') return { ...record, properties: { ...(record['properties'] as object), roomId: value } };
  return { ...record, [field]: value };
}

const HEAVY = {
  ascii1100: 'A'.repeat(1100),
  ascii40k: 'B'.repeat(40_000),
  nonAscii1100: '中'.repeat(1100),
  escapes1100: '"\\\u0001/#?'.repeat(184),
  emoji40k: '😀'.repeat(20_000),
};

describe('storage limits, against Azurite', () => {
  it('Rooms fields and resource ids of 1,100 and 40K chars (ASCII, non-ASCII, escape-heavy) are stored, every record counted once', async () => {
    const good = roomsRecords(40, 71, 5);
    const bad: Record<string, unknown>[] = [];
    let i = 0;
    for (const field of ['operationName', 'operationVersion', 'resultType', 'roomId', 'resourceId']) {
      for (const value of Object.values(HEAVY)) bad.push(withField(good[i++ % good.length] as Record<string, unknown>, field, value + field));
    }
    const all = [...good.slice(0, 20), ...bad, ...good.slice(20)];
    const container = await newContainer();
    const path = blobPath(1);
    await appendToBlob(container, path, asJsonLines(all));
    const tables = newTableStore();

    const result = await processFile({ container: container.containerName, path }, testDeps(tables));

    expect(result).toMatchObject({ records: all.length, badLines: 0 });
    expect(await readAggregates(tables)).toEqual(storedReference(all));
  });

  it('rooms whose non-ASCII ids fill a key (9x longer in a URL) are read back without a 431', async () => {
    const records = roomsRecords(60, 72, 30).map((record, n) => withField(record, 'roomId', '中'.repeat(490) + String(n % 30)));
    const container = await newContainer();
    const path = blobPath(2);
    await appendToBlob(container, path, asJsonLines(records));
    const tables = newTableStore();

    await processFile({ container: container.containerName, path }, testDeps(tables));
    await processFile({ container: container.containerName, path: blobPath(3) }, testDeps(tables)); // nothing there: still fine
    expect(await readAggregates(tables)).toEqual(storedReference(records));
  });

  it('a room id of a million characters is counted, its row keeping 1,024 characters (its start and a digest of the whole) as every view keeps ids', async () => {
    const long = 'r'.repeat(1_000_000);
    const records = roomsRecords(4, 74, 2).map((record, n) => (n === 1 ? withField(record, 'roomId', long) : record));
    const container = await newContainer();
    const path = blobPath(5);
    await appendToBlob(container, path, asJsonLines(records));
    const tables = newTableStore();
    const result = await processFile({ container: container.containerName, path }, testDeps(tables));
    expect(result).toMatchObject({ records: 4, badLines: 0 });
    expect(await readAggregates(tables)).toEqual(storedReference(records));
    const rooms = await queryRooms(tables, { granularity: 'day' });
    expect(rooms.filter((room) => room.roomId === clip(long, MAX_ID_CHARS)).length).toBe(1);
    expect(clip(long, MAX_ID_CHARS).startsWith(long.slice(0, 1000))).toBe(true);
    expect(Math.max(...rooms.map((room) => room.roomId.length))).toBe(1024);
  });

  it('a call whose rows exceed 4 MiB per batch is written in transactions split by bytes', async () => {
    const resource = '/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/' + 'R'.repeat(45_000);
    const records = Array.from({ length: 150 }, (_, n) =>
      operationRecord({
        correlationId: 'big-call',
        operationName: n % 2 ? 'PauseRecording' : 'ResumeRecording',
        time: DAY + n * 1000,
        recordingId: 'rec',
        resource,
      }),
    );
    const container = await newContainer(azuriteConnectionString(), 'insights-logs-callrecordingoperational-' + uniquePrefix().toLowerCase());
    const path = recordingBlobPath(DAY, 0);
    await appendToBlob(container, path, asJsonLines(records));
    const tables = newTableStore();

    const result = await processFile({ container: container.containerName, path }, testDeps(tables));

    expect(result).toMatchObject({ records: 150, badLines: 0 });
    expect(await readAggregates(tables)).toEqual(storedReference(records));
  });

  it('call summary fields whose JSON escaping grows past 64 KiB are stored without loss', async () => {
    const records = Array.from({ length: 200 }, (_, n) =>
      operationRecord({
        correlationId: 'escaping-call',
        operationName: 'PauseRecording',
        time: DAY + n * 1000,
        recordingId: 'rec',
        sdkType: '\u0001'.repeat(120) + String(n).padStart(3, '0'),
        sdkVersion: '"\\'.repeat(60) + String(n).padStart(3, '0'),
      }),
    );
    const container = await newContainer(azuriteConnectionString(), 'insights-logs-callrecordingoperational-' + uniquePrefix().toLowerCase());
    const path = recordingBlobPath(DAY, 1);
    await appendToBlob(container, path, asJsonLines(records));
    const tables = newTableStore();

    const result = await processFile({ container: container.containerName, path }, testDeps(tables));

    expect(result).toMatchObject({ records: 200, badLines: 0 });
    expect(await readAggregates(tables)).toEqual(storedReference(records));
  });

  it('a call whose escape-heavy sets would pass 1 MiB together keeps a bounded call row; the query still sees every value', async () => {
    const records = Array.from({ length: 250 }, (_, n) => {
      const tag = String(n).padStart(3, '0');
      return operationRecord({
        correlationId: 'escaping-sets',
        operationName: '\u0002'.repeat(120) + tag,
        time: DAY + n * 1000,
        recordingId: 'rec',
        sdkType: '\u0001'.repeat(120) + tag,
        sdkVersion: '\u0003'.repeat(120) + tag,
        callConnectionId: '\u0004'.repeat(120) + tag,
      });
    });
    const container = await newContainer(azuriteConnectionString(), 'insights-logs-callrecordingoperational-' + uniquePrefix().toLowerCase());
    const path = recordingBlobPath(DAY, 3);
    await appendToBlob(container, path, asJsonLines(records));
    const tables = newTableStore();

    const result = await processFile({ container: container.containerName, path }, testDeps(tables));

    expect(result).toMatchObject({ records: 250, badLines: 0 });
    expect(await readAggregates(tables)).toEqual(storedReference(records));
    const [call] = await queryCalls(tables, { granularity: 'hour', correlationId: 'escaping-sets' });
    expect(call?.sdkTypes).toHaveLength(250);
    expect(call?.callConnectionIds).toHaveLength(250);
  });

  it('an entity the store cannot hold is quarantined as storage_rejected in the view that refused it; the records around it count once', async () => {
    const good = roomsRecords(30, 73, 5);
    // Two 300K-char fields: the hourly and daily rows would each be ~1.2 MB, past the 1 MiB entity limit.
    const huge = { ...withField(good[0] as Record<string, unknown>, 'operationName', 'O'.repeat(300_000)), resultType: 'T'.repeat(300_000) };
    const all = [...good.slice(0, 15), huge, ...good.slice(15)];
    const container = await newContainer();
    const path = blobPath(4);
    await appendToBlob(container, path, asJsonLines(all));
    const tables = newTableStore();
    const file = { container: container.containerName, path };

    const result = await processFile(file, testDeps(tables));

    expect(result).toMatchObject({ records: all.length, badLines: 1 });
    // The file's checkpoint, which health and later runs add to, counts the refused line as bad too.
    expect((await new CheckpointStore(tables).get(file))?.checkpoint).toMatchObject({ records: all.length, badLines: 1 });
    const lines = await quarantined(tables, file);
    expect(lines).toMatchObject([{ code: 'storage_rejected', view: ROOMS_OPERATIONS_TABLE, line: 16 }]);
    expect(lines[0]?.message).toMatch(/EntityTooLarge|too large/i);
    // Counted in every view but the one that refused it.
    const expected = storedReference(all);
    expected[ROOMS_OPERATIONS_TABLE] = storedReference(good, [roomsOperationsView])[ROOMS_OPERATIONS_TABLE] as AggregateSnapshot[string];
    expect(await readAggregates(tables)).toEqual(expected);

    // Nothing fixed: a replay leaves it quarantined and changes nothing.
    expect(await replayQuarantine(testDeps(tables))).toMatchObject({ lines: 1, stillBad: 1, applied: 0 });
    expect(await readAggregates(tables)).toEqual(expected);
    expect(await quarantined(tables, file)).toMatchObject([{ code: 'storage_rejected', view: ROOMS_OPERATIONS_TABLE }]);
  });

  it('a record refused in two views is one bad line, with an entry per view', async () => {
    const good = roomsRecords(10, 74, 5);
    // A resource id past what an entity holds refuses the record in every view whose rows carry it.
    const huge = withField(good[0] as Record<string, unknown>, 'resourceId', '/SUBSCRIPTIONS/S/' + 'R'.repeat(600_000));
    const container = await newContainer();
    const path = blobPath(5);
    await appendToBlob(container, path, asJsonLines([...good, huge]));
    const tables = newTableStore();
    const file = { container: container.containerName, path };

    const result = await processFile(file, testDeps(tables));

    const lines = await quarantined(tables, file);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(new Set(lines.map((line) => line.view)).size).toBe(lines.length);
    expect(new Set(lines.map((line) => line.line))).toEqual(new Set([11]));
    expect(result).toMatchObject({ records: 11, badLines: 1 });
  });

  it('a record refused in one view and applied in others is replayed only where it was refused, exactly once', async () => {
    const good = roomsRecords(30, 74, 5);
    const poison = { ...good[3], operationName: 'Poison', properties: { ...(good[3]?.['properties'] as object), roomId: 'poison-room' } };
    const all = [...good.slice(0, 10), poison, ...good.slice(10)];
    const container = await newContainer();
    const path = blobPath(5);
    await appendToBlob(container, path, asJsonLines(all));
    const prefix = uniquePrefix();
    const file = { container: container.containerName, path };

    // A service that refuses the Poison operation's rows (as it would refuse an entity it cannot hold).
    const refusing = new RefusingTableStore(newTableStore(azuriteConnectionString(), prefix), ROOMS_OPERATIONS_TABLE, 'Poison');
    await processFile(file, testDeps(refusing));
    const lines = await quarantined(refusing, file);
    expect(lines).toMatchObject([{ code: 'storage_rejected', view: ROOMS_OPERATIONS_TABLE }]);
    expect(lines[0]?.message).toContain('refused by the test service');
    // The refused chunk was narrowed down: every other record of that partition is in.
    const withoutPoison = storedReference(all);
    withoutPoison[ROOMS_OPERATIONS_TABLE] = storedReference(good, [roomsOperationsView])[ROOMS_OPERATIONS_TABLE] as AggregateSnapshot[string];
    expect(await readAggregates(refusing)).toEqual(withoutPoison);

    // The service accepts it now: the replay adds it to the view that refused it, and only there.
    const tables = newTableStore(azuriteConnectionString(), prefix);
    expect(await replayQuarantine(testDeps(tables))).toMatchObject({ lines: 1, applied: 1, records: 1 });
    expect(await readAggregates(tables)).toEqual(storedReference(all));

    // A replay that died before marking its line, run again, and a second run: still once.
    const store = new QuarantineStore(tables);
    for (const line of await quarantined(tables, file)) {
      const { replayedAt: _replayedAt, replayedRecords: _replayedRecords, ...unmarked } = line;
      await store.update(unmarked);
    }
    await replayQuarantine(testDeps(tables));
    expect(await replayQuarantine(testDeps(tables))).toMatchObject({ lines: 0 });
    expect(await readAggregates(tables)).toEqual(storedReference(all));
    // Processing the file again changes nothing either.
    await processFile(file, testDeps(tables));
    expect(await readAggregates(tables)).toEqual(storedReference(all));
  });

  it('a refused record that a replay finds bad for another reason stays refused in its view: a later replay applies it there only, once', async () => {
    const good = roomsRecords(12, 76, 5);
    const poison = { ...good[3], operationName: 'Poison', properties: { ...(good[3]?.['properties'] as object), roomId: 'poison-room' } };
    const all = [...good.slice(0, 6), poison, ...good.slice(6)];
    const container = await newContainer();
    const path = blobPath(6);
    await appendToBlob(container, path, asJsonLines(all));
    const prefix = uniquePrefix();
    const file = { container: container.containerName, path };
    await processFile(file, testDeps(new RefusingTableStore(newTableStore(azuriteConnectionString(), prefix), ROOMS_OPERATIONS_TABLE, 'Poison')));
    const tables = newTableStore(azuriteConnectionString(), prefix);

    // Replayed under a line limit it no longer fits: still bad, and still the entry of the view that refused it.
    expect(await replayQuarantine(testDeps(tables, undefined, { maxUnitBytes: 64 }))).toMatchObject({ lines: 1, stillBad: 1, applied: 0 });
    const [entry] = await quarantined(tables, file);
    expect(entry).toMatchObject({ code: 'storage_rejected', view: ROOMS_OPERATIONS_TABLE });
    expect(entry?.message).toContain('line_too_long');

    expect(await replayQuarantine(testDeps(tables))).toMatchObject({ lines: 1, applied: 1, records: 1, overtaken: 0 });
    expect(await replayQuarantine(testDeps(tables))).toMatchObject({ lines: 0 });
    expect(await readAggregates(tables)).toEqual(storedReference(all));
  });

  it('quarantined lines kept whole at a large raw limit are written in batches under 4 MiB', async () => {
    // Each bad line between good ones, so that each is an entry of its own (a run of bad lines is one entry).
    const good = roomsRecords(40, 75, 3);
    const bad = Array.from({ length: 40 }, (_, n) => `{"broken": "${String(n).repeat(150_000 / String(n).length)}`);
    const lines = good.flatMap((record, n) => [JSON.stringify(record), bad[n] as string]);
    const container = await newContainer();
    const path = blobPath(6);
    await appendToBlob(container, path, lines.join('\n') + '\n');
    const tables = newTableStore();
    const file = { container: container.containerName, path };

    const result = await processFile(file, testDeps(tables, undefined, { maxRawBytes: 200_000 }));

    expect(result).toMatchObject({ records: 40, badLines: 40 });
    const kept = await quarantined(tables, file);
    expect(kept.map((line) => line.raw)).toEqual(bad);
    expect(await readAggregates(tables)).toEqual(storedReference(good));
  });

  it('a huge call in many segments is counted once', async () => {
    const logs = largeCall('huge-call', 40, 3000, 5);
    const records = [...logs.operations, ...logs.summaries];
    const container = await newContainer(azuriteConnectionString(), 'insights-logs-callrecordingoperational-' + uniquePrefix().toLowerCase());
    const path = recordingBlobPath(DAY, 2);
    await appendToBlob(container, path, asJsonLines(records));
    const tables = newTableStore();
    await processFile({ container: container.containerName, path }, testDeps(tables, undefined, { segmentRecords: 700 }));
    expect(await readAggregates(tables)).toEqual(storedReference(records));
  });
});

/** Refuses, as the store reports a 400 InvalidInput, every transaction of `table` holding a row with `operationName`. */
class RefusingTableStore extends WrappedTableStore {
  constructor(
    inner: TableStore,
    private readonly table: string,
    private readonly operationName: string,
  ) {
    super(inner);
  }

  override async commit(table: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    if (table === this.table && writes.some((write) => write.data['operationName'] === this.operationName)) {
      throw new StorageRefusedError('InvalidInput', 'refused by the test service');
    }
    return super.commit(table, partitionKey, writes);
  }
}
