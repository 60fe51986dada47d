import { describe, expect, it } from 'vitest';
import { CheckpointStore, freshCheckpoint, type Checkpoint } from '../../src/lib/processing/checkpoints.js';
import { checkpointHealthSchema } from '../../src/lib/processing/checkpointRows.js';
import { HEALTH_ROLLUP_ROW, ROLLUP_REPLACED_FILES } from '../../src/lib/processing/healthRollup.js';
import { readHealth } from '../../src/lib/querying/health.js';
import { encodeLongKeyPart } from '../../src/lib/storage/keys.js';
import { parseStoredRow } from '../../src/lib/storage/storedRows.js';
import type { ContainerHealth } from '../../src/lib/querying/queryRows.js';
import { DelegatingTableStore } from '../../src/lib/storage/delegatingTableStore.js';
import { MemoryTableAccount } from '../../src/lib/storage/memoryTableStore.js';
import type { CommitOutcome, RowWrite, StoredRow, TableStore } from '../../src/lib/storage/TableStore.js';
import { newMemoryTableStore, newTableStore } from '../support/storage.js';

const CONTAINER = 'insights-logs-usage';
const NOW = Date.UTC(2026, 11, 1);

/** The store as a version before rollups would read it: health reads every checkpoint. */
function withoutRollups(tables: TableStore): TableStore {
  return new (class extends DelegatingTableStore {
    override getRow(logicalName: string, partitionKey: string, rowKey: string): Promise<StoredRow | undefined> {
      return rowKey === HEALTH_ROLLUP_ROW ? Promise.resolve(undefined) : super.getRow(logicalName, partitionKey, rowKey);
    }
  })(tables);
}

async function containerHealth(tables: TableStore, containers = [CONTAINER]): Promise<ContainerHealth[]> {
  return (await readHealth(tables, containers, NOW)).containers;
}

/** A small deterministic random source (the same runs every time). */
function randomOf(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
}

class Killed extends Error {}

/** A process: its own store object (its own caches), killed at a random commit of a checkpoint, before or after it applies. */
function processOf(account: MemoryTableAccount, prefix: string, random: (n: number) => number, killEvery: number): TableStore {
  return new (class extends DelegatingTableStore {
    override async commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
      const kill = killEvery > 0 && random(killEvery) === 0;
      if (kill && random(2) === 0) throw new Killed('killed before the transaction');
      const outcome = await super.commit(logicalName, partitionKey, writes);
      if (kill) throw new Killed('killed before its answer came');
      return outcome;
    }
  })(newMemoryTableStore(prefix, account));
}

describe('the health rollup', () => {
  it('answers as a pass over every checkpoint after any mix of saves, lost races, crashes, clocks behind and replacements by two processes', async () => {
    const random = randomOf(7);
    const account = new MemoryTableAccount();
    const reference = newMemoryTableStore('Roll', account);
    const minute = (m: number): string => new Date(NOW - 600 * 60_000 + m * 60_000).toISOString();
    const paths = Array.from(
      { length: 45 },
      (_, i) => `resourceId=/R/y=2026/m=11/d=${String(1 + (i % 28)).padStart(2, '0')}/h=${String(i % 24).padStart(2, '0')}/PT1H.json`,
    );
    // Checkpoints saved by a version before rollups (and before listsCalls): the first save of this version makes the rollup from them.
    for (const path of paths.slice(0, 12)) {
      await reference.ensureTable('Files');
      await reference.upsert('Files', CONTAINER, encodeLongKeyPart(path), {
        container: CONTAINER,
        path,
        generation: 0,
        offset: 100,
        newlines: 1,
        length: 100 + random(50),
        records: random(9),
        badLines: random(2),
        bytes: 100,
        sealed: random(2) === 0,
        firstSeenAt: minute(random(40)),
        updatedAt: minute(40 + random(40)),
        lastRecordAt: minute(random(80)),
      });
    }
    expect((await containerHealth(reference))[0]?.files).toBe(12);

    const processes = [processOf(account, 'Roll', random, 9), processOf(account, 'Roll', random, 9)];
    let fromRollup = 0;
    const step = async (which: number): Promise<void> => {
      const tables = processes[which] as TableStore;
      const checkpoints = new CheckpointStore(tables);
      const file = { container: CONTAINER, path: paths[random(paths.length)] as string };
      try {
        const loaded = await checkpoints.get(file);
        const base: Checkpoint = loaded?.checkpoint ?? freshCheckpoint(file, Date.parse(minute(random(600))));
        const kind = random(10);
        const next: Checkpoint = {
          ...base,
          records: base.records + random(20),
          badLines: base.badLines + (random(4) === 0 ? 1 : 0),
          unsupported: base.unsupported + (random(6) === 0 ? 2 : 0),
          bytes: base.bytes + random(3) * 100,
          length: base.length + random(300),
          offset: base.offset + random(200),
          sealed: random(3) === 0 ? !base.sealed : base.sealed,
          // Mostly later; sometimes a clock behind the one that saved last.
          updatedAt: minute(random(5) === 0 ? random(600) : 500 + random(100)),
          lastRecordAt: kind === 0 ? null : random(2) === 0 ? base.lastRecordAt : minute(random(600)),
          ...(kind === 1 || kind === 2
            ? {
                replacements: base.replacements + 1,
                generation: base.generation + 1,
                replacedAt: random(6) === 0 ? null : minute(random(12) * 50),
                replacedBecause: 'tail',
              }
            : {}),
        };
        // Now and then a save under an ETag another save moved since: a race lost, nothing changes.
        const etag = loaded && random(8) === 0 ? 'W/"datetime\'2000-01-01T00%3A00%3A00Z\'"' : loaded?.etag;
        await checkpoints.save(next, etag);
      } catch (error) {
        if (!(error instanceof Killed)) throw error;
        // A new process takes its place: nothing it knew survives.
        processes[which] = processOf(account, 'Roll', random, 9);
      }
    };
    for (let round = 0; round < 150; round++) {
      // Both processes at once, on files of the same container.
      await Promise.all([step(0), step(1), step(random(2))]);
      const rolled = await containerHealth(reference);
      const scanned = await containerHealth(withoutRollups(reference));
      expect(rolled).toEqual(scanned);
      const row = await reference.getRow('Files', CONTAINER, HEALTH_ROLLUP_ROW);
      if (row && row.data['stale'] === false) fromRollup++;
    }
    // Most answers came from the rollup (a stale one is built again by the next save).
    expect(fromRollup).toBeGreaterThan(100);
    const last = (await containerHealth(reference))[0];
    expect(last?.replacedFiles.length).toBeLessThanOrEqual(ROLLUP_REPLACED_FILES);
    expect(last?.files).toBeGreaterThan(12);
  });

  it('is moved by a save only with its checkpoint: a save under an ETag that moved changes neither', async () => {
    const account = new MemoryTableAccount();
    const tables = newMemoryTableStore('Raced', account);
    const checkpoints = new CheckpointStore(tables);
    const file = { container: CONTAINER, path: 'a/PT1H.json' };
    expect(await checkpoints.save({ ...freshCheckpoint(file, NOW), records: 5, bytes: 10 }, undefined)).toBe(true);
    const loaded = await checkpoints.get(file);
    expect(await checkpoints.save({ ...(loaded?.checkpoint as Checkpoint), records: 9 }, loaded?.etag)).toBe(true);
    const rollup = await tables.getRow('Files', CONTAINER, HEALTH_ROLLUP_ROW);
    // The first ETag, moved by the second save; and a second create of the same file.
    expect(await checkpoints.save({ ...(loaded?.checkpoint as Checkpoint), records: 100 }, loaded?.etag)).toBe(false);
    expect(await new CheckpointStore(newMemoryTableStore('Raced', account)).save({ ...freshCheckpoint(file, NOW), records: 50 }, undefined)).toBe(false);
    expect(await tables.getRow('Files', CONTAINER, HEALTH_ROLLUP_ROW)).toEqual(rollup);
    expect((await containerHealth(tables))[0]).toMatchObject({ files: 1, records: 9 });
  });

  it('is made again from the checkpoints by the next save once the newest of a time is not known (a replaced file read again from its start)', async () => {
    const tables = newMemoryTableStore();
    const checkpoints = new CheckpointStore(tables);
    const at = (minute: number): string => new Date(NOW - minute * 60_000).toISOString();
    const newest = { container: CONTAINER, path: 'b/PT1H.json' };
    await checkpoints.save({ ...freshCheckpoint({ container: CONTAINER, path: 'a/PT1H.json' }, NOW), bytes: 5, lastRecordAt: at(30) }, undefined);
    await checkpoints.save({ ...freshCheckpoint(newest, NOW), bytes: 5, lastRecordAt: at(10) }, undefined);
    const loaded = await checkpoints.get(newest);
    // Replaced: its record time starts again, and the newest of the others is not in the rollup.
    await checkpoints.save({ ...(loaded?.checkpoint as Checkpoint), lastRecordAt: null, replacements: 1, generation: 1, replacedAt: at(0) }, loaded?.etag);
    expect((await tables.getRow('Files', CONTAINER, HEALTH_ROLLUP_ROW))?.data['stale']).toBe(true);
    expect((await containerHealth(tables))[0]?.newestRecordAt).toBe(at(30));

    await checkpoints.save({ ...freshCheckpoint({ container: CONTAINER, path: 'c/PT1H.json' }, NOW), bytes: 5 }, undefined);
    expect((await tables.getRow('Files', CONTAINER, HEALTH_ROLLUP_ROW))?.data['stale']).toBe(false);
    expect(await containerHealth(tables)).toEqual(await containerHealth(withoutRollups(tables)));
    expect((await containerHealth(tables))[0]).toMatchObject({ files: 3, newestRecordAt: at(30), replacements: 1 });
  });

  it('reads as a checkpoint that adds nothing to a version before rollups, which reads every row of the partition as one', async () => {
    const tables = newMemoryTableStore();
    const file = { container: CONTAINER, path: 'a/PT1H.json' };
    await new CheckpointStore(tables).save(
      { ...freshCheckpoint(file, NOW), records: 5, badLines: 2, bytes: 10, lastRecordAt: new Date(NOW).toISOString() },
      undefined,
    );
    const row = (await tables.getRow('Files', CONTAINER, HEALTH_ROLLUP_ROW)) as StoredRow;
    expect(parseStoredRow(checkpointHealthSchema, 'Files', row)).toMatchObject({
      sealed: true,
      records: 0,
      badLines: 0,
      unsupported: 0,
      bytes: 0,
      replacements: 0,
      firstSeenAt: '',
      lastRecordAt: null,
      listsCalls: true,
    });
  });

  it('costs health one read per container, however many files were read (on Azurite)', async () => {
    const tables = newTableStore();
    const checkpoints = new CheckpointStore(tables);
    const save = async (from: number, to: number): Promise<void> => {
      const saves: Promise<boolean>[] = [];
      for (let i = from; i < to; i++) {
        const file = { container: CONTAINER, path: `resourceId=/R/f${String(i).padStart(5, '0')}/PT1H.json` };
        saves.push(
          checkpoints.save(
            { ...freshCheckpoint(file, NOW - i * 1000), records: 3, bytes: 30, sealed: true, lastRecordAt: new Date(NOW - i).toISOString() },
            undefined,
          ),
        );
      }
      expect(await Promise.all(saves)).toEqual(saves.map(() => true));
    };
    let checkpointQueries = 0;
    const watched = new (class extends DelegatingTableStore {
      override query(logicalName: string, filter: string | undefined, select?: string[], pageSize?: number): AsyncGenerator<StoredRow> {
        if (logicalName === 'Files' && filter?.includes(CONTAINER)) checkpointQueries++;
        return super.query(logicalName, filter, select, pageSize);
      }
    })(tables);
    const requestsOfHealth = async (): Promise<number> => {
      const before = tables.requestCount;
      await containerHealth(watched);
      return tables.requestCount - before;
    };

    await save(0, 5);
    const few = await requestsOfHealth();
    await save(5, 1_205);
    const many = await requestsOfHealth();

    // Five files or 1,205 (more than a page of checkpoints): the same requests, and no checkpoint read.
    expect(many).toBe(few);
    expect(checkpointQueries).toBe(0);
    const health = (await containerHealth(tables))[0];
    expect(health).toEqual((await containerHealth(withoutRollups(tables)))[0]);
    expect(health).toMatchObject({ files: 1_205, records: 3_615, newestRecordAt: new Date(NOW).toISOString() });
  });
});
