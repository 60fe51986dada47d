import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { processFile, type ProcessDeps } from '../../src/lib/processing/processFile.js';
import { QUARANTINE_TABLE, QuarantineStore } from '../../src/lib/processing/quarantine.js';
import { replayQuarantine } from '../../src/lib/processing/replayQuarantine.js';
import { MemoryTableAccount } from '../../src/lib/storage/memoryTableStore.js';
import type { LogFileRef } from '../../src/lib/storage/LogSource.js';
import { CrashingTableStore, SimulatedCrash } from '../support/crashingTableStore.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';
import { CheckpointStore, FILES_TABLE } from '../../src/lib/processing/checkpoints.js';
import type { CommitOutcome, RowWrite, TableStore } from '../../src/lib/storage/TableStore.js';
import { addParticipantsRecord, RESOURCE } from '../support/roomsLogs.js';
import {
  appendToBlob,
  azuriteConnectionString,
  newContainer,
  newMemoryTableStore,
  newTableStore,
  readAggregates,
  testDeps,
  type AggregateSnapshot,
} from '../support/storage.js';

const NOW = Date.UTC(2024, 4, 26, 12);
const path = `resourceId=${RESOURCE}/y=2024/m=05/d=25/h=10/m=00/PT1H.json`;
/** The fix: records before 1970 read once the bound is lowered. */
const FIXED = { earliestRecordTime: Date.UTC(1950, 0, 1) };

const room = addParticipantsRecord;

const T = '2024-05-25T10:15:00.0000000Z';
const EARLY = '1969-12-31T23:30:00Z';

/**
 * Good lines around lines that read only after the fix (a record before 1970, alone, in a run of
 * two, and inside a `{"records":[...]}` line), junk that never reads, and good records of the same
 * partitions after them, so that a read moves those partitions' marks past the bad lines.
 */
function fileText(): string {
  const lines = [
    JSON.stringify(room(T, 1)),
    JSON.stringify(room(EARLY, 4)),
    JSON.stringify(room(T, 2)),
    'not json at all',
    JSON.stringify(room(EARLY, 8, 'room-2')),
    JSON.stringify(room(EARLY, 16)),
    JSON.stringify(room('2024-05-26T01:00:00Z', 32)),
    JSON.stringify({ records: [room(T, 64), room(EARLY, 128), 7, room(T, 256, 'room-2')] }),
    JSON.stringify(room(T, 512, 'room-2')),
  ];
  return lines.join('\n') + '\n';
}

async function blobFile(): Promise<LogFileRef> {
  const box = await newContainer(azuriteConnectionString(), `insights-logs-roomsoperational-${randomBytes(4).toString('hex')}`);
  await appendToBlob(box, path, fileText());
  return { container: box.containerName, path };
}

function deps(tables: TableStore, settings: Record<string, number>): ProcessDeps {
  // Two records a segment: the file is several segments, each its own checkpoint.
  return { ...testDeps(tables, azuriteConnectionString(), { segmentRecords: 2, ...settings }), now: () => NOW };
}

type Recovery = (file: LogFileRef, tables: TableStore) => Promise<void>;

const ORDERS: Record<string, Recovery> = {
  'read, then replay': async (file, tables) => {
    await processFile(file, deps(tables, FIXED));
    await replayQuarantine(deps(tables, FIXED));
  },
  'replay, then read, then replay': async (file, tables) => {
    await replayQuarantine(deps(tables, FIXED));
    await processFile(file, deps(tables, FIXED));
    await replayQuarantine(deps(tables, FIXED));
  },
};

/** What one pass with the fix gives, read and replayed. */
async function cleanPass(file: LogFileRef): Promise<AggregateSnapshot> {
  const tables = newMemoryTableStore();
  await ORDERS['read, then replay']!(file, tables);
  return readAggregates(tables);
}

/** A blob of one good line, read to its end into tables of its own, and a way to replace it (deleted and created again). */
async function readBlobToBeReplaced(): Promise<{ file: LogFileRef; replace: (text: string) => Promise<void>; store: () => TableStore }> {
  const box = await newContainer(azuriteConnectionString(), `insights-logs-roomsoperational-${randomBytes(4).toString('hex')}`);
  const file = { container: box.containerName, path };
  const replace = async (text: string): Promise<void> => {
    await box.getAppendBlobClient(path).deleteIfExists();
    await appendToBlob(box, path, text);
  };
  await replace(JSON.stringify(room(T, 1)) + '\n');
  const prefix = `q${randomBytes(4).toString('hex')}`;
  const store = (): TableStore => newTableStore(azuriteConnectionString(), prefix);
  await processFile(file, deps(store(), {}));
  return { file, replace, store };
}

describe('lines quarantined by a read killed before its checkpoint moved, read again after a fix', () => {
  for (const [order, recover] of Object.entries(ORDERS)) {
    it(`count once, whatever write the read died before (${order})`, async () => {
      const file = await blobFile();
      const expected = await cleanPass(file);
      const probe = new CrashingTableStore(newMemoryTableStore(), Number.POSITIVE_INFINITY);
      await processFile(file, deps(probe, {}));
      expect(probe.writes).toBeGreaterThan(10);
      for (let crashAt = 0; crashAt < probe.writes; crashAt++) {
        const account = new MemoryTableAccount();
        const prefix = `Crash${crashAt}`;
        await expect(
          processFile(file, deps(new CrashingTableStore(newMemoryTableStore(prefix, account), crashAt), {})),
          `crash before write ${crashAt}`,
        ).rejects.toBeInstanceOf(SimulatedCrash);
        const tables = newMemoryTableStore(prefix, account);
        await recover(file, tables);
        expect(await readAggregates(tables), `crash before write ${crashAt}`).toEqual(expected);
      }
    });
  }

  it('against Azurite: a line quarantined by the killed read, and no later record of its partition, is applied once by the replay', async () => {
    const box = await newContainer(azuriteConnectionString(), `insights-logs-roomsoperational-${randomBytes(4).toString('hex')}`);
    const text = JSON.stringify(room(T, 1)) + '\n' + JSON.stringify(room(EARLY, 4)) + '\n';
    await appendToBlob(box, path, text);
    const file = { container: box.containerName, path };
    const clean = newTableStore();
    await ORDERS['read, then replay']!(file, clean);
    const expected = await readAggregates(clean);
    expect(JSON.stringify(expected)).toContain('"participantsAdded":5');

    for (const [order, recover] of Object.entries(ORDERS)) {
      const prefix = `q${randomBytes(4).toString('hex')}`;
      // Killed right before its checkpoint moved past the bad line: everything else of the read is written.
      const probe = new CrashingTableStore(newTableStore(azuriteConnectionString(), prefix), Number.POSITIVE_INFINITY);
      await processFile(file, deps(probe, { segmentRecords: 80_000 }));
      const killedAt = probe.writes - 1;
      const second = `q${randomBytes(4).toString('hex')}`;
      await expect(
        processFile(file, deps(new CrashingTableStore(newTableStore(azuriteConnectionString(), second), killedAt), { segmentRecords: 80_000 })),
      ).rejects.toBeInstanceOf(SimulatedCrash);
      const tables = newTableStore(azuriteConnectionString(), second);
      const entries = [];
      for await (const entry of new QuarantineStore(tables).list(file)) entries.push(entry.code);
      expect(entries, order).toEqual(['time_out_of_range']);
      expect((await new CheckpointStore(tables).get(file))?.checkpoint.quarantineAttempt, order).toEqual({ generation: 0, end: Buffer.byteLength(text) });

      await recover(file, tables);
      expect(await readAggregates(tables), order).toEqual(expected);
      expect((await new CheckpointStore(tables).get(file))?.checkpoint.quarantineAttempt, order).toBeNull();
    }
  });

  it('a line the file ended inside, quarantined by a sealing read killed before its checkpoint moved, is read whole once the file grows', async () => {
    const box = await newContainer(azuriteConnectionString(), `insights-logs-roomsoperational-${randomBytes(4).toString('hex')}`);
    const whole = JSON.stringify(room(T, 2));
    await appendToBlob(box, path, JSON.stringify(room(T, 1)) + '\n' + whole.slice(0, 20));
    const file = { container: box.containerName, path };
    const sealing = { isFinal: () => true };
    const probe = new CrashingTableStore(newTableStore(azuriteConnectionString(), `q${randomBytes(4).toString('hex')}`), Number.POSITIVE_INFINITY);
    await processFile(file, deps(probe, {}), sealing);
    const prefix = `q${randomBytes(4).toString('hex')}`;
    await expect(
      processFile(file, deps(new CrashingTableStore(newTableStore(azuriteConnectionString(), prefix), probe.writes - 1), {}), sealing),
    ).rejects.toBeInstanceOf(SimulatedCrash);
    const tables = newTableStore(azuriteConnectionString(), prefix);
    const cut = [];
    for await (const entry of new QuarantineStore(tables).list(file)) cut.push(entry);
    expect(cut.map((entry) => [entry.code, entry.replayedAt])).toEqual([['truncated', undefined]]);

    await appendToBlob(box, path, whole.slice(20) + '\n');
    await processFile(file, deps(tables, {}));
    const after = [];
    for await (const entry of new QuarantineStore(tables).list(file)) after.push(entry);
    expect(after.map((entry) => [entry.code, entry.replayedRecords])).toEqual([['truncated', 0]]);
    expect(after[0]?.replayedAt).toBeDefined();
    expect(JSON.stringify(await readAggregates(tables))).toContain('"participantsAdded":3');
    expect(await replayQuarantine(deps(tables, {}))).toMatchObject({ lines: 0 });
  });

  it("a bad record of a replaced file's new generation, quarantined by a read killed before its checkpoint moved, waits for that read and counts once", async () => {
    const { file, replace, store } = await readBlobToBeReplaced();
    await replace(JSON.stringify({ records: [room(T, 64), room(EARLY, 128)] }) + '\n');
    // Killed after the new generation's start, the quarantine attempt and its row (writes 0, 1 and 2).
    await expect(processFile(file, deps(new CrashingTableStore(store(), 3), {}))).rejects.toBeInstanceOf(SimulatedCrash);
    expect(await replayQuarantine(deps(store(), FIXED))).toMatchObject({ lines: 1, applied: 0, waiting: 1 });
    await processFile(file, deps(store(), FIXED));
    expect(await replayQuarantine(deps(store(), FIXED))).toMatchObject({ lines: 1, applied: 1, records: 1 });
    expect(JSON.stringify(await readAggregates(store()))).toContain('"participantsAdded":193');
  });

  it('a file replaced again after a read of its first replacement was killed after its quarantine rows: the stale entries are no verdicts on the new bytes', async () => {
    const { file, replace, store } = await readBlobToBeReplaced();
    await replace(JSON.stringify(room(EARLY, 128)) + '\n');
    // Killed right after the quarantine row of the first replacement's bad line.
    const killed = new (class extends WrappedTableStore {
      override async commit(table: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
        const outcome = await super.commit(table, partitionKey, writes);
        if (table === QUARANTINE_TABLE) throw new SimulatedCrash('killed after the quarantine row');
        return outcome;
      }
    })(store());
    await expect(processFile(file, deps(killed, {}))).rejects.toBeInstanceOf(SimulatedCrash);
    // The second replacement: a good line where the first had its bad one.
    await replace(JSON.stringify(room(T, 2)) + '\n');
    expect(await processFile(file, deps(store(), {}))).toMatchObject({ replaced: true, records: 1 });
    expect(JSON.stringify(await readAggregates(store()))).toContain('"participantsAdded":3');
    // The first replacement's line, applied from its kept text: each version of the file counts once.
    expect(await replayQuarantine(deps(store(), FIXED))).toMatchObject({ lines: 1, applied: 1, records: 1 });
    expect(JSON.stringify(await readAggregates(store()))).toContain('"participantsAdded":131');
  });

  it('a bad record of a `{"records":[...]}` line whose file is gone is replayed from its kept text', async () => {
    const box = await newContainer(azuriteConnectionString(), `insights-logs-roomsoperational-${randomBytes(4).toString('hex')}`);
    const file = { container: box.containerName, path };
    await appendToBlob(box, path, JSON.stringify({ records: [room(T, 64), room(EARLY, 128)] }) + '\n');
    const tables = newTableStore();
    await processFile(file, deps(tables, {}));
    await box.getAppendBlobClient(path).delete();
    expect(await replayQuarantine(deps(tables, FIXED))).toMatchObject({ lines: 1, applied: 1, records: 1 });
    expect(JSON.stringify(await readAggregates(tables))).toContain('"participantsAdded":192');
  });

  it('a read whose quarantine attempt loses to another run writes nothing of its segment, so a kill after it leaves no half-marked line', async () => {
    const box = await newContainer(azuriteConnectionString(), `insights-logs-roomsoperational-${randomBytes(4).toString('hex')}`);
    const file = { container: box.containerName, path };
    // The record before 1970 and a later good record of the same room: a write of both moves the Rooms mark past the first.
    await appendToBlob(box, path, [room(T, 1), room(EARLY, 4), room(T, 2)].map((r) => JSON.stringify(r) + '\n').join(''));
    const prefix = `q${randomBytes(4).toString('hex')}`;
    const store = (): TableStore => newTableStore(azuriteConnectionString(), prefix);
    const expected = await cleanPass(file);

    /** Dies right before its `dieAt`-th checkpoint write (1-based); `before` runs before each one that goes through. */
    class CheckpointWrites extends WrappedTableStore {
      count = 0;
      constructor(
        inner: TableStore,
        private readonly dieAt: number,
        private readonly before: (count: number) => Promise<void> = async () => undefined,
      ) {
        super(inner);
      }
      override async writeConditional(table: string, partitionKey: string, write: RowWrite): Promise<CommitOutcome> {
        if (table === FILES_TABLE) {
          if (++this.count === this.dieAt) throw new SimulatedCrash(`killed before checkpoint write ${this.count}`);
          await this.before(this.count);
        }
        return super.writeConditional(table, partitionKey, write);
      }
    }
    // Run A reads the whole file; as it saves its quarantine attempt, run B (a record a segment) has saved
    // its first segment and died saving its own attempt. A's attempt loses; A dies at its next checkpoint write.
    const b = (): Promise<unknown> =>
      processFile(file, deps(new CheckpointWrites(store(), 2), { segmentRecords: 1 })).catch((error: unknown) => {
        if (!(error instanceof SimulatedCrash)) throw error;
      });
    const a = new CheckpointWrites(store(), 2, async (count) => {
      if (count === 1) await b();
    });
    await expect(processFile(file, deps(a, { segmentRecords: 80_000 }))).rejects.toBeInstanceOf(SimulatedCrash);

    await ORDERS['read, then replay']!(file, store());
    expect(await readAggregates(store())).toEqual(expected);
  });
});
