import { describe, expect, it } from 'vitest';
import { FILES_TABLE } from '../../src/lib/processing/checkpoints.js';
import { digestOf, HEAD_BYTES } from '../../src/lib/processing/fileIdentity.js';
import { firstNameKey, LOCAL_CONTENT_PARTITION, NAME_RANGES_PER_QUERY, namesOf } from '../../src/lib/processing/localNames.js';
import { newNameRowData } from '../../src/lib/processing/checkpointRows.js';
import { tailAndSweep } from '../../src/lib/processing/tailAndSweep.js';
import type { BlobLogSource } from '../../src/lib/storage/BlobLogSource.js';
import { fileKey, type LogFileRef, type LogSource } from '../../src/lib/storage/LogSource.js';
import { odata, type CommitOutcome, type RowWrite, type StoredRow, type TableStore } from '../../src/lib/storage/TableStore.js';
import { asJsonLines, blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import { appendToBlob, newContainer, newMemoryTableStore, newTableStore, readAggregates, referenceAggregates, testDeps } from '../support/storage.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';

/** Counts the requests of the `~local` partition: name lookups (queries) and name writes (single or transactions). */
class NameRequests extends WrappedTableStore {
  lookups = 0;
  writes = 0;
  override query(logicalName: string, filter: string | undefined, select?: string[]): AsyncGenerator<StoredRow> {
    if (filter?.includes(`'${LOCAL_CONTENT_PARTITION}'`)) this.lookups++;
    return super.query(logicalName, filter, select);
  }
  override writeConditional(logicalName: string, partitionKey: string, write: RowWrite): Promise<CommitOutcome> {
    if (partitionKey === LOCAL_CONTENT_PARTITION) this.writes++;
    return super.writeConditional(logicalName, partitionKey, write);
  }
  override commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    if (partitionKey === LOCAL_CONTENT_PARTITION) this.writes++;
    return super.commit(logicalName, partitionKey, writes);
  }
}

const runOptions = (container: string) => ({
  containers: [container],
  sweepIntervalMs: 15 * 60_000,
  fileConcurrency: 64,
  deadline: Number.POSITIVE_INFINITY,
});

/**
 * The source whose reads of the first bytes of `count` blobs are answered in one turn, once all of
 * them are asked for; every other read, and any after those, as the store answers it.
 */
function firstBytesTogether(source: BlobLogSource, count: number): LogSource {
  const held: Array<() => void> = [];
  let released = false;
  const gated = Object.create(source) as BlobLogSource;
  gated.read = async (file, start, end) => {
    if (released || start !== 0 || end > HEAD_BYTES) return source.read(file, start, end);
    const bytes = await source.read(file, start, end);
    await new Promise<void>((resolve) => {
      held.push(resolve);
      if (held.length < count) return;
      released = true;
      for (const release of held) release();
    });
    return bytes;
  };
  return gated;
}

/** The first name of a blob's bytes, and its own name beside it. */
function namesFor(ref: LogFileRef, text: string): { first: string; own: string } {
  const first = firstNameKey(digestOf(Buffer.from(text).subarray(0, HEAD_BYTES)));
  return { first, own: `${first}|${digestOf(Buffer.from(fileKey(ref)))}` };
}

/** Each name row of the store: its key, and the file it names. */
async function storedNames(tables: TableStore): Promise<Map<string, string>> {
  const rows = await tables.readPartition(FILES_TABLE, LOCAL_CONTENT_PARTITION);
  return new Map([...rows].map(([rowKey, row]) => [rowKey, `${String(row.data['container'])}/${String(row.data['path'])}`]));
}

/** A lookup as one range query of its own. */
async function ownRangeQuery(tables: TableStore, first: string): Promise<string[]> {
  const keys: string[] = [];
  const filter = odata`PartitionKey eq ${LOCAL_CONTENT_PARTITION} and RowKey ge ${first} and RowKey lt ${`${first}}`}`;
  for await (const row of tables.query(FILES_TABLE, filter)) keys.push(row.rowKey);
  return keys;
}

describe('names of blobs read from their start', () => {
  it('a run over many new blobs looks up and writes their names in a few requests, not two per blob', async () => {
    const container = await newContainer();
    const blobs = 20;
    const records = Array.from({ length: blobs }, (_, i) => roomsRecords(8, 600 + i));
    for (const [i, part] of records.entries()) await appendToBlob(container, blobPath(i), asJsonLines(part));
    const tables = new NameRequests(newTableStore());
    const deps = testDeps(tables);

    // The blobs' first bytes come back together, as from a store that answers them at once.
    const summary = await tailAndSweep({ ...deps, source: firstBytesTogether(deps.source, blobs) }, runOptions(container.containerName));

    expect(summary).toMatchObject({ failed: 0, problems: [], records: blobs * 8 });
    // Two per blob before (a lookup and a create each): a query per 7 first names and one transaction.
    expect(tables.lookups).toBe(Math.ceil(blobs / NAME_RANGES_PER_QUERY));
    expect(tables.writes).toBe(1);
    const names = await storedNames(tables);
    for (const [i, part] of records.entries()) {
      const ref = { container: container.containerName, path: blobPath(i) };
      expect(names.get(namesFor(ref, asJsonLines(part)).first)).toBe(fileKey(ref));
    }
    expect(names.size).toBe(blobs);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records.flat())));
  });

  it('lookups asked one by one while a batch is in flight go together in the next', async () => {
    const filters: string[] = [];
    let release = (): void => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const tables = new (class extends WrappedTableStore {
      override async *query(logicalName: string, filter: string | undefined, select?: string[]): AsyncGenerator<StoredRow> {
        filters.push(filter ?? '');
        if (filters.length === 1) await held;
        yield* super.query(logicalName, filter, select);
      }
    })(newMemoryTableStore());
    const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    const [first, ...later] = Array.from({ length: 4 }, (_, i) => firstNameKey(digestOf(Buffer.from(`one by one ${i}`))));

    const answers = [namesOf(tables, first as string)];
    while (filters.length === 0) await nextTurn();
    for (const key of later) {
      answers.push(namesOf(tables, key));
      await nextTurn();
    }
    expect(filters).toHaveLength(1);
    release();

    expect(await Promise.all(answers)).toEqual(answers.map(() => []));
    expect(filters).toHaveLength(2);
    expect(filters[1]?.match(/RowKey ge/g)).toHaveLength(later.length);
  });

  it('lookups asked together cost a query per 7 first names, and each gets the rows its own range query would, first name first', async () => {
    const tables = new NameRequests(newTableStore());
    await tables.ensureTable(FILES_TABLE);
    const firsts = Array.from({ length: 10 }, (_, i) => firstNameKey(digestOf(Buffer.from(`first bytes ${i}`))));
    const write = (rowKey: string, i: number): Promise<void> =>
      tables.upsert(FILES_TABLE, LOCAL_CONTENT_PARTITION, rowKey, newNameRowData({ container: 'c', path: `f${i}` }));
    for (const [i, first] of firsts.entries()) {
      // Some names only beside a first name taken and gone, some none at all.
      if (i % 3 !== 1) await write(first, i);
      if (i % 2 === 0) for (const other of ['z', 'a', 'M']) await write(`${first}|${digestOf(Buffer.from(other))}`, i);
    }
    const asked = [...firsts, firsts[4] as string];
    const before = tables.lookups;

    const answers = await Promise.all(asked.map((first) => namesOf(tables, first)));

    expect(tables.lookups - before).toBe(Math.ceil(firsts.length / NAME_RANGES_PER_QUERY));
    for (const [i, first] of asked.entries()) expect(answers[i]?.map((row) => row.rowKey)).toEqual(await ownRangeQuery(tables, first));
    expect(answers[0]?.[0]?.rowKey).toBe(firsts[0]);
    expect(answers[0]).toHaveLength(4);
    expect(answers[1]).toEqual([]);
  });

  it('a failed lookup query asks its digests one by one: only the lookup whose own query fails fails', async () => {
    const failure = new Error('storage refused the query');
    const failing = firstNameKey(digestOf(Buffer.from('the failing first bytes')));
    let queries = 0;
    const tables = new (class extends WrappedTableStore {
      override query(logicalName: string, filter: string | undefined, select?: string[]): AsyncGenerator<StoredRow> {
        queries++;
        // Every query naming this range fails: the batch's query of seven ranges, then its own.
        if (filter?.includes(failing)) throw failure;
        return super.query(logicalName, filter, select);
      }
    })(newMemoryTableStore());
    const others = Array.from({ length: NAME_RANGES_PER_QUERY }, (_, i) => firstNameKey(digestOf(Buffer.from(`bytes ${i}`))));
    // The failing range is in the first query of seven, with six others; the seventh other goes in a query of its own.
    const asked = [...others.slice(0, 3), failing, ...others.slice(3)];

    const settled = await Promise.allSettled(asked.map((first) => namesOf(tables, first)));

    expect(settled).toEqual(asked.map((first) => (first === failing ? { status: 'rejected', reason: failure } : { status: 'fulfilled', value: [] })));
    // Two batch queries, then the seven ranges of the failed one alone.
    expect(queries).toBe(2 + NAME_RANGES_PER_QUERY);
    // The next lookups are sent on their own, and answered.
    expect(await namesOf(tables, asked[0] as string)).toEqual([]);
  });

  it('names held by another file or run meanwhile: the transaction is refused, and each blob is named as it would be alone', async () => {
    const container = await newContainer();
    const ref = (hour: number): LogFileRef => ({ container: container.containerName, path: blobPath(hour) });
    const common = roomsRecords(10, 700);
    const texts = new Map<number, string>([
      // Two blobs whose first bytes are the same.
      [1, asJsonLines([...common, ...roomsRecords(5, 701)])],
      [2, asJsonLines([...common, ...roomsRecords(6, 702)])],
      // Its first name held by a blob an earlier run named; its own name written meanwhile by another run of it.
      [3, asJsonLines(roomsRecords(9, 703))],
      // Its first name taken meanwhile by another run's blob.
      [4, asJsonLines(roomsRecords(7, 704))],
      [5, asJsonLines(roomsRecords(6, 705))],
    ]);
    for (const [hour, text] of texts) await appendToBlob(container, blobPath(hour), text);
    const names = new Map([...texts].map(([hour, text]) => [hour, namesFor(ref(hour), text)]));
    const earlier = { container: 'insights-logs-earlier', path: blobPath(3) };
    const racing = { container: 'insights-logs-racing', path: blobPath(4) };
    const inner = newTableStore();
    await inner.ensureTable(FILES_TABLE);
    await inner.upsert(FILES_TABLE, LOCAL_CONTENT_PARTITION, names.get(3)?.first as string, newNameRowData(earlier));
    const refused: CommitOutcome[] = [];
    const tables = new (class extends WrappedTableStore {
      override async commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
        if (partitionKey === LOCAL_CONTENT_PARTITION) {
          // Another run writes between this run's lookups and its names.
          for (const write of writes) {
            if (write.data['path'] === blobPath(3)) await inner.upsert(FILES_TABLE, partitionKey, write.rowKey, newNameRowData(ref(3)));
            if (write.data['path'] === blobPath(4)) await inner.upsert(FILES_TABLE, partitionKey, write.rowKey, newNameRowData(racing));
          }
        }
        const outcome = await super.commit(logicalName, partitionKey, writes);
        if (partitionKey === LOCAL_CONTENT_PARTITION && !outcome.committed) refused.push(outcome);
        return outcome;
      }
    })(inner);

    const summary = await tailAndSweep(testDeps(tables), runOptions(container.containerName));

    expect(summary).toMatchObject({ failed: 0, problems: [] });
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((outcome) => !outcome.committed && outcome.status === 409)).toBe(true);
    const stored = await storedNames(tables);
    const name = (hour: number) => names.get(hour) as { first: string; own: string };
    // The two alike: one holds the first name, the other its own.
    expect(name(1).first).toBe(name(2).first);
    const holder = stored.get(name(1).first);
    expect([fileKey(ref(1)), fileKey(ref(2))]).toContain(holder);
    const other = holder === fileKey(ref(1)) ? 2 : 1;
    expect(stored.get(name(other).own)).toBe(fileKey(ref(other)));
    expect(stored.get(name(3).first)).toBe(fileKey(earlier));
    expect(stored.get(name(3).own)).toBe(fileKey(ref(3)));
    expect(stored.get(name(4).first)).toBe(fileKey(racing));
    expect(stored.get(name(4).own)).toBe(fileKey(ref(4)));
    expect(stored.get(name(5).first)).toBe(fileKey(ref(5)));
    expect(stored.size).toBe(7);
    const all = [...texts.values()].flatMap((text) =>
      text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    );
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(all)));
  });
});
