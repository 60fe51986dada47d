import { describe, expect, it } from 'vitest';
import { CheckpointStore, freshCheckpoint } from '../../src/lib/processing/checkpoints.js';
import { CHECKPOINT_HEALTH_PROPERTIES } from '../../src/lib/processing/checkpointRows.js';
import { DelegatingTableStore } from '../../src/lib/storage/delegatingTableStore.js';
import type { StoredRow } from '../../src/lib/storage/TableStore.js';
import { DEFAULT_FILE_BACKOFF, FileFailureStore, nextFailure } from '../../src/lib/processing/fileFailures.js';
import { QuarantineStore, type QuarantinedLine } from '../../src/lib/processing/quarantine.js';
import { readHealth, REPLACED_FILES_LISTED } from '../../src/lib/querying/health.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import { asJsonLines, blobPath, roomsRecords } from '../support/roomsLogs.js';
import { appendToBlob, newContainer, newTableStore, putRawRow, testDeps } from '../support/storage.js';
import { queryRecordingsPerCall } from '../../src/lib/querying/recordingQueries.js';

const HOUR = 3_600_000;

describe('readHealth: replaced files', () => {
  it('counts the replacements per container and lists the newest replaced files first, bounded', async () => {
    const tables = newTableStore();
    const checkpoints = new CheckpointStore(tables);
    const container = 'insights-logs-usage';
    const at = (minute: number): string => new Date(Date.UTC(2026, 10, 1, 0, minute)).toISOString();
    // 25 replaced files (one replaced twice, two recorded before the time was kept), and one never replaced.
    for (let i = 0; i < 25; i++) {
      const file = { container, path: `file-${String(i).padStart(2, '0')}.json` };
      await checkpoints.save(
        {
          ...freshCheckpoint(file, Date.now()),
          generation: i === 7 ? 2 : 1,
          replacements: i === 7 ? 2 : 1,
          replacedAt: i < 2 ? null : at((i * 17) % 50),
          replacedBecause: 'tail',
        },
        undefined,
      );
    }
    await checkpoints.save(freshCheckpoint({ container, path: 'steady.json' }, Date.now()), undefined);

    const health = (await readHealth(tables, [container])).containers[0];

    expect(health?.replacements).toBe(26);
    expect(health?.replacedFiles).toHaveLength(REPLACED_FILES_LISTED);
    const times = health?.replacedFiles.map((file) => file.replacedAt) ?? [];
    expect(times).toEqual([...times].sort().reverse());
    expect(times.every((time) => time !== null)).toBe(true);
    expect(health?.replacedFiles[0]).toMatchObject({ because: 'tail', generation: expect.any(Number) });
    expect(health?.replacedFiles.some((file) => file.path === 'steady.json')).toBe(false);
  });
});

describe('readHealth: containers no setting names', () => {
  it('are reported when lines wait in quarantine there or a file is stuck, unless the containers were given', async () => {
    const tables = newTableStore();
    const quarantine = new QuarantineStore(tables);
    const line = (container: string, position: number, extra: Partial<QuarantinedLine> = {}): QuarantinedLine => ({
      container,
      path: 'a/PT1H.json',
      generation: 0,
      offset: position,
      end: position + 4,
      position,
      line: position + 1,
      code: 'invalid_json',
      message: 'not JSON',
      raw: 'junk',
      rawTruncated: false,
      quarantinedAt: new Date().toISOString(),
      category: null,
      ...extra,
    });
    await quarantine.put({ container: 'pictures', path: 'a/PT1H.json' }, [
      line('pictures', 0),
      line('pictures', 10),
      line('pictures', 20, { dismissedAt: 'x' }),
      line('pictures', 30, { replayedAt: 'z', replayedRecords: 3 }),
    ]);
    await quarantine.put({ container: 'mended', path: 'a/PT1H.json' }, [line('mended', 0, { replayedAt: 'y' })]);
    await new FileFailureStore(tables).put({
      ...nextFailure(
        { container: 'stuck-logs', path: 'b/PT1H.json' },
        undefined,
        { kind: 'failure', code: 'x', message: 'broken' },
        Date.now(),
        DEFAULT_FILE_BACKOFF,
      ),
    });

    const found = await readHealth(tables, ['insights-logs-usage'], Date.now(), { alsoFound: true });
    expect(found.status).toBe('degraded');
    expect(found.containers.map((container) => [container.container, container.quarantined, container.stuckFiles, container.replayedRecords])).toEqual([
      ['insights-logs-usage', 0, 0, 0],
      ['pictures', 2, 0, 3],
      ['stuck-logs', 0, 1, 0],
    ]);
    expect(found.stuck.map((file) => file.path)).toEqual(['b/PT1H.json']);

    const asked = await readHealth(tables, ['insights-logs-usage']);
    expect(asked.status).toBe('ok');
    expect(asked.containers.map((container) => container.container)).toEqual(['insights-logs-usage']);
  });
});

describe('readHealth: lag', () => {
  it('a record stamped hours after it was read (a local time taken for UTC) does not hide the lag', async () => {
    const container = await newContainer();
    const tables = newTableStore();
    const records = roomsRecords(20, 71);
    const newest = Math.max(...records.map((record) => Date.parse(String(record['time']))));
    // Read four hours before the newest record's time: within the tolerance for future times.
    const readAt = newest - 4 * HOUR;
    await appendToBlob(container, blobPath(0), asJsonLines(records));
    const outcome = await processFile({ container: container.containerName, path: blobPath(0) }, { ...testDeps(tables), now: () => readAt });
    expect(outcome).toMatchObject({ records: 20, badLines: 0 });

    const later = (await readHealth(tables, [container.containerName], readAt + 2 * HOUR)).containers[0];
    expect(later?.newestRecordAt).toBe(new Date(readAt).toISOString());
    expect(later?.lagSeconds).toBe(2 * 3600);
  });

  it('records read before their time give the newest record time itself', async () => {
    const container = await newContainer();
    const tables = newTableStore();
    const records = roomsRecords(20, 72);
    const newest = Math.max(...records.map((record) => Date.parse(String(record['time']))));
    await appendToBlob(container, blobPath(0), asJsonLines(records));
    await processFile({ container: container.containerName, path: blobPath(0) }, { ...testDeps(tables), now: () => newest + HOUR });

    const health = (await readHealth(tables, [container.containerName], newest + 3 * HOUR)).containers[0];
    expect(health?.newestRecordAt).toBe(new Date(newest).toISOString());
    expect(health?.lagSeconds).toBe(3 * 3600);
  });
});

describe('readHealth: what it reads of each checkpoint', () => {
  it('asks only for the properties it shows, and reads checkpoints saved before some of them existed', async () => {
    const tables = newTableStore();
    const container = 'insights-logs-usage';
    const checkpoints = new CheckpointStore(tables);
    await checkpoints.save(
      { ...freshCheckpoint({ container, path: 'new.json' }, Date.UTC(2026, 8, 1)), records: 5, badLines: 1, unsupported: 2, bytes: 900 },
      undefined,
    );
    // As a version before `unsupported`, `replacements`, `listsCalls` and the fingerprints saved it.
    await tables.upsert('Files', container, 'old.json', {
      container,
      path: 'old.json',
      generation: 0,
      offset: 400,
      newlines: 3,
      length: 400,
      records: 3,
      badLines: 0,
      bytes: 400,
      sealed: true,
      firstSeenAt: '2026-10-01T00:00:00.000Z',
      updatedAt: '2026-10-01T01:00:00.000Z',
    });
    const asked: (string[] | undefined)[] = [];
    const watched = new (class extends DelegatingTableStore {
      override query(logicalName: string, filter: string | undefined, select?: string[]): AsyncGenerator<StoredRow> {
        if (logicalName === 'Files' && filter?.includes(container)) asked.push(select);
        return super.query(logicalName, filter, select);
      }
    })(tables);

    const health = (await readHealth(watched, [container])).containers[0];

    expect(asked).toEqual([['PartitionKey', 'RowKey', ...CHECKPOINT_HEALTH_PROPERTIES]]);
    expect(CHECKPOINT_HEALTH_PROPERTIES).not.toContain('fingerprint');
    expect(CHECKPOINT_HEALTH_PROPERTIES).not.toContain('earlierEnds');
    expect(health).toMatchObject({
      files: 2,
      records: 8,
      badLines: 1,
      unsupported: 2,
      openFiles: 1,
      replacements: 0,
      lastProcessedAt: '2026-10-01T01:00:00.000Z',
    });
  });
});

describe('readHealth: the health rollup row versions of 2026-12-05 kept in a container partition', () => {
  it('is not counted as a file, nor listed with the checkpoints', async () => {
    const tables = newTableStore();
    const container = 'insights-logs-usage';
    const checkpoints = new CheckpointStore(tables);
    await checkpoints.save({ ...freshCheckpoint({ container, path: 'a.json' }, Date.UTC(2026, 8, 1)), records: 5, bytes: 900 }, undefined);
    // As those versions wrote it: a sealed, empty checkpoint of path `~health` carrying the container's sums.
    await tables.upsert('Files', container, '~health', {
      path: '~health',
      generation: 0,
      offset: 0,
      newlines: 0,
      length: 0,
      sealed: true,
      records: 0,
      badLines: 0,
      bytes: 0,
      firstSeenAt: '',
      updatedAt: '',
      listsCalls: true,
      version: 1,
      fileCount: 1,
      recordCount: 5,
    });

    expect((await readHealth(tables, [container])).containers[0]).toMatchObject({ files: 1, records: 5, openFiles: 1 });
    const listed: string[] = [];
    for await (const checkpoint of checkpoints.listAll(container)) listed.push(checkpoint.path);
    expect(listed).toEqual(['a.json']);
  });
});

describe("a stored row without its table's shape, read with some of its properties only", () => {
  it('is named by its table, partition and row in the error of health and recordings-per-call', async () => {
    const files = newTableStore();
    await putRawRow(files, 'Files', 'local', 'export.json', { path: 'export.json', records: 'lots' });
    await expect(readHealth(files, ['local'])).rejects.toThrow("row of table Files (partition 'local', row 'export.json')");

    const quarantine = newTableStore();
    await putRawRow(quarantine, 'Quarantine', 'local!2Fexport.json', 'g0|1', { container: 'local', replayedRecords: 'some' });
    await expect(readHealth(quarantine, ['local'])).rejects.toThrow("row of table Quarantine (partition 'local!2Fexport.json', row 'g0|1')");

    const calls = newTableStore();
    await putRawRow(calls, 'Calls', 'call-1', 'call', { recordingCount: 'two', resourceId: '/X' });
    await expect(queryRecordingsPerCall(calls, { granularity: 'day' })).rejects.toThrow("row of table Calls (partition 'call-1', row 'call')");
  });
});

describe('readHealth: many containers', () => {
  it('reads their checkpoints at the same time and reports them in the order given', async () => {
    const tables = newTableStore();
    const checkpoints = new CheckpointStore(tables);
    const containers = ['insights-logs-usage', 'insights-logs-roomsoperational', 'insights-logs-callsummary'];
    for (const [index, container] of containers.entries()) {
      for (let file = 0; file <= index; file++) await checkpoints.save(freshCheckpoint({ container, path: `f${file}.json` }, Date.now()), undefined);
    }
    let open = 0;
    let mostOpen = 0;
    const watched = new (class extends DelegatingTableStore {
      override async *query(logicalName: string, filter: string | undefined, select?: string[]): AsyncGenerator<StoredRow> {
        const checkpointRead = logicalName === 'Files' && containers.some((container) => filter?.includes(container));
        if (checkpointRead) mostOpen = Math.max(mostOpen, ++open);
        try {
          // As storage answers: after a round trip, while the other reads are under way.
          await new Promise((resolve) => setTimeout(resolve, 5));
          yield* super.query(logicalName, filter, select);
        } finally {
          if (checkpointRead) open--;
        }
      }
    })(tables);

    const health = await readHealth(watched, containers);

    expect(mostOpen).toBe(containers.length);
    expect(health.containers.map((container) => [container.container, container.files])).toEqual([
      ['insights-logs-usage', 1],
      ['insights-logs-roomsoperational', 2],
      ['insights-logs-callsummary', 3],
    ]);
  });
});
