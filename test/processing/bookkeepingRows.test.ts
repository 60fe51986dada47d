import { describe, expect, it } from 'vitest';
import { CALL_ROW_KEY, callPartition, callsView } from '../../src/lib/aggregating/calls/index.js';
import { roomsOperationsView } from '../../src/lib/aggregating/index.js';
import { applyExactlyOnce, highWaterMarkRowKey } from '../../src/lib/processing/applyExactlyOnce.js';
import { CONTRIBUTION_ROW_PREFIX, publishCallContributions } from '../../src/lib/processing/publishCallContributions.js';
import { CALL_VOLUME_TABLE } from '../../src/lib/aggregating/index.js';
import { CheckpointStore, FILES_TABLE, freshCheckpoint, SWEEP_STATE_PARTITION, type Checkpoint } from '../../src/lib/processing/checkpoints.js';
import { FAILURES_TABLE, FileFailureStore } from '../../src/lib/processing/fileFailures.js';
import { LOCAL_CONTENT_PARTITION } from '../../src/lib/processing/localNames.js';
import { QUARANTINE_TABLE, QuarantineStore, quarantinePartition, quarantineRowKey, type QuarantinedLine } from '../../src/lib/processing/quarantine.js';
import { readHealth } from '../../src/lib/querying/health.js';
import { encodeKeyPart, encodeLongKeyPart } from '../../src/lib/storage/keys.js';
import { legRecord } from '../support/callLogs.js';
import { DAY, operationRecord } from '../support/recordingLogs.js';
import { normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import { newTableStore, putRawRow, readAggregates } from '../support/storage.js';

const file = { container: 'insights-logs-roomsoperational', path: 'resourceId=/X/y=2026/m=01/d=01/h=00/m=00/PT1H.json' };
const partition = encodeKeyPart(file.container);
const row = encodeLongKeyPart(file.path);

function storedCheckpoint(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { etag, earlierEnds, ...rest } = freshCheckpoint(file, Date.UTC(2026, 0, 1));
  return {
    ...rest,
    fileEtag: etag,
    earlierEnds: JSON.stringify(earlierEnds),
    createdOn: undefined,
    replacedAt: undefined,
    replacedBecause: undefined,
    lastRecordAt: undefined,
    ...overrides,
  };
}

describe('bookkeeping rows read through their schemas', () => {
  it('a checkpoint with a wrong type is an error naming table, partition, row and property, not a default', async () => {
    const tables = newTableStore();
    await putRawRow(tables, FILES_TABLE, partition, row, storedCheckpoint({ offset: '1024' }));
    const error = await new CheckpointStore(tables).get(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(`table ${FILES_TABLE}`);
    expect(message).toContain(`partition '${partition}'`);
    expect(message).toContain(`row '${row}'`);
    expect(message).toMatch(/offset: .*number/);
    await expect(async () => {
      for await (const checkpoint of new CheckpointStore(tables).listAll()) void checkpoint;
    }).rejects.toThrow(/offset/);
  });

  it('a checkpoint whose earlier ends are not a list of ends is an error', async () => {
    const tables = newTableStore();
    await putRawRow(tables, FILES_TABLE, partition, row, storedCheckpoint({ earlierEnds: '[{"offset":"x"}]' }));
    await expect(new CheckpointStore(tables).get(file)).rejects.toThrow(/earlierEnds\.0\.offset/);
    await putRawRow(tables, FILES_TABLE, partition, row, storedCheckpoint({ earlierEnds: 'not json' }));
    await expect(new CheckpointStore(tables).get(file)).rejects.toThrow(/earlierEnds: not JSON/);
  });

  it('a checkpoint written before the file ETag, tail fingerprint, earlier ends and replacements were kept reads with what they meant', async () => {
    const tables = newTableStore();
    const old = storedCheckpoint({ offset: 500, newlines: 4, length: 600, records: 4, bytes: 500 });
    for (const key of ['fileEtag', 'tailFingerprint', 'tailFingerprintLength', 'earlierEnds', 'replacements', 'mode', 'sealed']) delete old[key];
    await putRawRow(tables, FILES_TABLE, partition, row, old);
    const loaded = await new CheckpointStore(tables).get(file);
    expect(loaded?.checkpoint).toMatchObject({
      offset: 500,
      etag: '',
      tailFingerprint: '',
      tailFingerprintLength: 0,
      earlierEnds: [],
      replacements: 0,
      mode: 'auto',
      sealed: false,
      createdOn: null,
      replacedAt: null,
      lastRecordAt: null,
    });
  });

  it('a checkpoint round-trips through save and get, every field set', async () => {
    const tables = newTableStore();
    const checkpoint: Checkpoint = {
      ...freshCheckpoint(file, Date.UTC(2026, 0, 1)),
      generation: 2,
      offset: 3_000_000_000,
      newlines: 9,
      mode: 'records',
      etag: '"0x8D"',
      length: 3_000_000_100,
      createdOn: Date.UTC(2026, 0, 1),
      fingerprint: 'abc',
      fingerprintLength: 256,
      tailFingerprint: 'def',
      tailFingerprintLength: 512,
      earlierEnds: [{ offset: 10, tailFingerprint: 'ghi', tailFingerprintLength: 10 }],
      sealed: true,
      records: 7,
      unsupported: 1,
      badLines: 2,
      bytes: 99,
      replacements: 1,
      replacedAt: '2026-01-01T00:00:00.000Z',
      replacedBecause: 'head',
      lastRecordAt: '2026-01-01T00:59:00.000Z',
    };
    const store = new CheckpointStore(tables);
    expect(await store.save(checkpoint, undefined)).toBe(true);
    expect((await store.get(file))?.checkpoint).toEqual(checkpoint);
  });

  it('listing every checkpoint skips the other partitions of the Files table (sweep state, local names)', async () => {
    const tables = newTableStore();
    const store = new CheckpointStore(tables);
    const checkpoint = freshCheckpoint(file, Date.UTC(2026, 0, 1));
    expect(await store.save(checkpoint, undefined)).toBe(true);
    await tables.upsert(FILES_TABLE, SWEEP_STATE_PARTITION, encodeKeyPart(file.container), { sweptAt: '2026-01-01T00:00:00.000Z' });
    await tables.upsert(FILES_TABLE, LOCAL_CONTENT_PARTITION, 'digest', { name: 'x.json' });
    const all: Checkpoint[] = [];
    for await (const listed of store.listAll()) all.push(listed);
    expect(all).toEqual([checkpoint]);
    const open: Checkpoint[] = [];
    for await (const listed of store.listOpen()) open.push(listed);
    expect(open).toEqual([checkpoint]);
  });

  it('a quarantine row with a wrong type is an error when listed and in health', async () => {
    const tables = newTableStore();
    const line: QuarantinedLine = {
      container: file.container,
      path: file.path,
      generation: 0,
      offset: 0,
      end: 5,
      position: 0,
      line: 1,
      code: 'invalid_json',
      message: 'x',
      raw: 'junk',
      rawTruncated: false,
      count: 1,
      lastLine: 1,
      scope: 'units',
      mode: 'lines',
      quarantinedAt: '2026-01-01T00:00:00.000Z',
      category: null,
    };
    await new QuarantineStore(tables).put(file, [line]);
    const listed: QuarantinedLine[] = [];
    for await (const entry of new QuarantineStore(tables).list(file)) listed.push(entry);
    expect(listed).toEqual([line]);

    await putRawRow(tables, QUARANTINE_TABLE, quarantinePartition(file), quarantineRowKey(0, 0), { ...line, category: undefined, count: '3' });
    await expect(async () => {
      for await (const entry of new QuarantineStore(tables).list(file)) void entry;
    }).rejects.toThrow(new RegExp(`table ${QUARANTINE_TABLE} .*count: `));
    await putRawRow(tables, QUARANTINE_TABLE, quarantinePartition(file), quarantineRowKey(0, 0), { ...line, category: undefined, replayedAt: true });
    await expect(readHealth(tables, [file.container])).rejects.toThrow(/replayedAt: /);
  });

  it('a file-failure row with an unknown kind is an error in health, not a silent "failure"', async () => {
    const tables = newTableStore();
    await putRawRow(tables, FAILURES_TABLE, partition, row, {
      container: file.container,
      path: file.path,
      failures: 2,
      lastError: 'boom',
      lastErrorCode: 'Bug',
      lastErrorKind: 'sometimes',
      firstFailedAt: '2026-01-01T00:00:00.000Z',
      lastFailedAt: '2026-01-01T00:01:00.000Z',
      nextRetryAt: '2026-01-01T00:03:00.000Z',
    });
    await expect(async () => {
      for await (const failure of new FileFailureStore(tables).list()) void failure;
    }).rejects.toThrow(/table FileFailures .*lastErrorKind/);
    await expect(readHealth(tables, [file.container])).rejects.toThrow(/lastErrorKind/);
  });

  it('a sweep state with a wrong type is an error in health', async () => {
    const tables = newTableStore();
    await putRawRow(tables, FILES_TABLE, SWEEP_STATE_PARTITION, file.container, { sweepStartedAt: Date.UTC(2026, 0, 1), sweptAt: 17 });
    await expect(readHealth(tables, [file.container])).rejects.toThrow(/partition '~state'.*sweptAt: /);
  });

  it('a high-water mark with a wrong type fails the write instead of applying the records again', async () => {
    const tables = newTableStore();
    const records = normalizeAll(roomsRecords(6, 31, 1)).map((record, position) => ({ position, record }));
    const options = { fileId: 'f.0', fileKey: 'c/p', concurrency: 1 };
    await applyExactlyOnce(tables, [roomsOperationsView], records, options);
    const before = await readAggregates(tables, [roomsOperationsView]);
    const [partitionKey] = Object.keys(before[roomsOperationsView.table] ?? {}).map((key) => key.split(' / ')[0] as string);
    expect(partitionKey).toBeDefined();
    await putRawRow(tables, roomsOperationsView.table, partitionKey as string, highWaterMarkRowKey('f.0'), { file: 'c/p', mark: '6', updatedAt: 'x' });
    await expect(applyExactlyOnce(tables, [roomsOperationsView], records, options)).rejects.toThrow(/~hwm\|f\.0.*mark: /);
    expect(await readAggregates(tables, [roomsOperationsView])).toEqual(before);
  });

  it('a call row whose count of applied records has a wrong type fails the write instead of counting from 0', async () => {
    const tables = newTableStore();
    const correlationId = 'call-applied-records';
    const records = normalizeAll([0, 1, 2].map((n) => operationRecord({ correlationId, operationName: 'StartRecording', time: DAY + n * 1000 }))).map(
      (record, position) => ({ position, record }),
    );
    await applyExactlyOnce(tables, [callsView], records.slice(0, 2), { fileId: 'c.0', fileKey: 'c/p', concurrency: 1 });
    const stored = await tables.getRow(callsView.table, callPartition(correlationId), CALL_ROW_KEY);
    expect(stored?.data['appliedRecords']).toBe(2);
    await putRawRow(tables, callsView.table, callPartition(correlationId), CALL_ROW_KEY, { ...stored?.data, appliedRecords: 'two' });
    await expect(applyExactlyOnce(tables, [callsView], records, { fileId: 'c.0', fileKey: 'c/p', concurrency: 1 })).rejects.toThrow(
      /row 'call'.*appliedRecords: /,
    );
  });

  it('a contribution mark with a wrong type fails publishing instead of adding the call again', async () => {
    const tables = newTableStore();
    const correlationId = 'call-contribution-mark';
    const leg = (version: number) =>
      legRecord({ correlationId, participantId: 'p1', version, time: DAY + version * 60_000, callStartTime: DAY, callDurationSeconds: 60 * version });
    const first = normalizeAll([leg(1)]).map((record, position) => ({ position, record }));
    await applyExactlyOnce(tables, [callsView], first, { fileId: 'l.0', fileKey: 'c/p', concurrency: 1 });
    await publishCallContributions(tables, [callsView], first, 1);
    let mark: { partitionKey: string; rowKey: string; data: Record<string, unknown> } | undefined;
    for await (const row of tables.query(CALL_VOLUME_TABLE, undefined)) if (row.rowKey.startsWith(CONTRIBUTION_ROW_PREFIX)) mark = row;
    if (!mark) throw new Error('no contribution mark');
    await putRawRow(tables, CALL_VOLUME_TABLE, mark.partitionKey, mark.rowKey, { ...mark.data, seq: 'one' });
    const second = normalizeAll([leg(2)]).map((record) => ({ position: 1, record }));
    await applyExactlyOnce(tables, [callsView], second, { fileId: 'l.0', fileKey: 'c/p', concurrency: 1 });
    await expect(publishCallContributions(tables, [callsView], second, 1)).rejects.toThrow(/table CallVolume .*seq: /);
  });
});
