import { TableServiceClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { MemoryTableAccount, MemoryTableStore } from '../../src/lib/storage/memoryTableStore.js';
import { MAX_PROPERTY_CHARS } from '../../src/lib/storage/limits.js';
import { odata, type CommitOutcome, type RowWrite, type StoredRow, type TableStore } from '../../src/lib/storage/TableStore.js';
import { azuriteConnectionString, newTableStore, uniquePrefix } from '../support/storage.js';

/**
 * One contract, two stores: every case runs against the Azure store on Azurite and against the
 * in-memory store, asserts what Table Storage does, and the two transcripts (answers, refusals,
 * request counts) must be equal. A divergence of the in-memory store fails here.
 */
type Transcript = unknown[];
/** What another program can do to the account behind a store's back. */
interface Account {
  dropTable(logicalName: string): Promise<void>;
}
type Case = (store: TableStore, note: (fact: unknown) => void, account: Account) => Promise<void>;

const T = 'Contract';

async function caught(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
    return 'no error';
  } catch (error) {
    const { name, code, statusCode } = error as { name?: string; code?: unknown; statusCode?: unknown };
    // The store's own refusals carry its codes; the service's codes are not compared (below).
    return name === 'StorageRefusedError' ? { thrown: name, code, statusCode } : { thrown: 'error', statusCode };
  }
}

async function all(rows: AsyncIterable<StoredRow>): Promise<StoredRow[]> {
  const found: StoredRow[] = [];
  for await (const row of rows) found.push(row);
  return found;
}

/** Rows without their ETags (which differ between stores by format): keys and data. */
function shape(rows: Iterable<StoredRow>): unknown[] {
  return [...rows].map((row) => [row.partitionKey, row.rowKey, row.data]);
}

/** The status, not the code: Azure names it (EntityAlreadyExists, ...), Azurite often leaves it out; no caller branches on it. */
function outcome(result: CommitOutcome): unknown {
  return result.committed ? 'committed' : { status: result.status };
}

/** Row key `i` of the 2,500-row partition `big`: in key order, as numbered. */
const keyOf = (i: number): string => `r${String(i).padStart(5, '0')}`;

/** Partition `big` of table T: 2,500 rows (keyOf(0..2,499), data `i`), written 100 to a transaction. */
async function writeBigPartition(store: TableStore): Promise<void> {
  await store.ensureTable(T);
  for (let i = 0; i < 2_500; i += 100) {
    await store.commit(
      T,
      'big',
      Array.from({ length: 100 }, (_, j) => ({ op: 'upsert' as const, rowKey: keyOf(i + j), data: { i: i + j } })),
    );
  }
}

function upserts(count: number, data: (i: number) => Record<string, unknown> = (i) => ({ n: i })): RowWrite[] {
  return Array.from({ length: count }, (_, i) => ({ op: 'upsert', rowKey: `r${String(i).padStart(4, '0')}`, data: data(i) }));
}

const cases: Record<string, Case> = {
  'values come back with their types; long strings are joined back': async (store, note) => {
    await store.ensureTable(T);
    const long = 'é'.repeat(MAX_PROPERTY_CHARS * 2 + 5);
    const data = { s: 'text', empty: '', int: 42, negative: -7, double: 2.5, big: 3_000_000_000, flag: true, off: false, long, dropped: null };
    await store.upsert(T, 'p', 'r', data);
    const row = await store.getRow(T, 'p', 'r');
    expect(row?.data).toEqual({ s: 'text', empty: '', int: 42, negative: -7, double: 2.5, big: 3_000_000_000, flag: true, off: false, long });
    note(row?.data);
    note(await store.getRow(T, 'p', 'missing'));
  },

  'numbers JSON cannot hold (NaN, Infinity) are refused before they are sent, not stored as nothing': async (store, note) => {
    await store.ensureTable(T);
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const refused = await caught(() => store.upsert(T, 'p', 'r', { x: value, kept: 1 }));
      expect(refused).toMatchObject({ thrown: 'StorageRefusedError', code: 'InvalidInput' });
      note(refused);
      note(await caught(() => store.commit(T, 'p', [{ op: 'create', rowKey: 'c', data: { x: value } }])));
      note(await caught(() => store.writeConditional(T, 'p', { op: 'upsert', rowKey: 'w', data: { x: value } })));
    }
    note(shape(await all(store.query(T, undefined))));
  },

  'create refuses an existing row (409); replace needs the current ETag (412) and an existing row (404)': async (store, note) => {
    await store.ensureTable(T);
    const created = await store.writeConditional(T, 'p', { op: 'create', rowKey: 'a', data: { v: 1 } });
    expect(created.committed).toBe(true);
    note(outcome(created));
    const again = await store.writeConditional(T, 'p', { op: 'create', rowKey: 'a', data: { v: 2 } });
    expect(again).toMatchObject({ committed: false, status: 409 });
    note(outcome(again));
    const first = await store.getRow(T, 'p', 'a');
    const replaced = await store.writeConditional(T, 'p', { op: 'replace', rowKey: 'a', etag: first?.etag ?? '', data: { v: 3 } });
    expect(replaced.committed).toBe(true);
    note(outcome(replaced));
    const stale = await store.writeConditional(T, 'p', { op: 'replace', rowKey: 'a', etag: first?.etag ?? '', data: { v: 4 } });
    expect(stale).toMatchObject({ committed: false, status: 412 });
    note(outcome(stale));
    const missing = await store.writeConditional(T, 'p', { op: 'replace', rowKey: 'nope', etag: first?.etag ?? '', data: { v: 5 } });
    expect(missing).toMatchObject({ committed: false, status: 404 });
    note(outcome(missing));
    const second = await store.getRow(T, 'p', 'a');
    expect(second?.data).toEqual({ v: 3 });
    expect(second?.etag).not.toBe(first?.etag);
  },

  'upsert replaces the whole row; delete removes it and ignores a missing one': async (store, note) => {
    await store.ensureTable(T);
    await store.upsert(T, 'p', 'r', { a: 1, b: 'x' });
    await store.upsert(T, 'p', 'r', { b: 'y' });
    note((await store.getRow(T, 'p', 'r'))?.data);
    await store.deleteRow(T, 'p', 'r');
    await store.deleteRow(T, 'p', 'r');
    expect(await store.getRow(T, 'p', 'r')).toBeUndefined();
  },

  "a transaction is atomic, and its ETags are the rows' ETags": async (store, note) => {
    await store.ensureTable(T);
    const first = await store.commit(T, 'p', [
      { op: 'create', rowKey: 'a', data: { v: 1 } },
      { op: 'upsert', rowKey: 'b', data: { v: 2 } },
    ]);
    expect(first.committed).toBe(true);
    const a = await store.getRow(T, 'p', 'a');
    const b = await store.getRow(T, 'p', 'b');
    expect(first.committed && first.etags).toEqual([a?.etag, b?.etag]);
    // The second operation conflicts: the first must not be applied either.
    const failed = await store.commit(T, 'p', [
      { op: 'upsert', rowKey: 'c', data: { v: 3 } },
      { op: 'create', rowKey: 'a', data: { v: 9 } },
    ]);
    expect(failed).toMatchObject({ committed: false, status: 409 });
    note(outcome(failed));
    const stale = await store.commit(T, 'p', [
      { op: 'replace', rowKey: 'b', etag: b?.etag ?? '', data: { v: 4 } },
      { op: 'replace', rowKey: 'a', etag: 'W/"datetime\'2000-01-01T00%3A00%3A00Z\'"', data: { v: 5 } },
    ]);
    expect(stale).toMatchObject({ committed: false, status: 412 });
    note(outcome(stale));
    note(shape((await store.readPartition(T, 'p')).values()));
    expect(await store.getRow(T, 'p', 'c')).toBeUndefined();
    note(await store.commit(T, 'p', []));
  },

  'writers racing on one row: one create wins (409 for the other), one replace wins (412 for the other)': async (store, note) => {
    await store.ensureTable(T);
    const creates = await Promise.all([1, 2, 3].map((v) => store.writeConditional(T, 'p', { op: 'create', rowKey: 'r', data: { v } })));
    expect(creates.filter((c) => c.committed)).toHaveLength(1);
    note(creates.map(outcome).sort());
    const current = await store.getRow(T, 'p', 'r');
    const replaces = await Promise.all([4, 5].map((v) => store.commit(T, 'p', [{ op: 'replace', rowKey: 'r', etag: current?.etag ?? '', data: { v } }])));
    expect(replaces.filter((c) => c.committed)).toHaveLength(1);
    note(replaces.map(outcome).sort());
  },

  'transaction limits: 100 operations, 4 MiB; entity limits: 252 properties, 1 MiB': async (store, note) => {
    await store.ensureTable(T);
    note(await caught(() => store.commit(T, 'p', upserts(101))));
    const wide = (i: number) => ({ blob: String(i).repeat(MAX_PROPERTY_CHARS * 3) });
    note(await caught(() => store.commit(T, 'p', upserts(30, wide))));
    const many = Object.fromEntries(Array.from({ length: 253 }, (_, i) => [`p${i}`, i]));
    note(await caught(() => store.upsert(T, 'p', 'many', many)));
    note(await caught(() => store.upsert(T, 'p', 'huge', { s: 'x'.repeat(600 * 1024) })));
    note(await caught(() => store.writeConditional(T, 'p', { op: 'create', rowKey: 'huge', data: { s: 'x'.repeat(600 * 1024) } })));
    note(await caught(() => store.upsert(T, 'p', 'reserved', { rowKey: 'x' })));
    expect(await all(store.query(T, undefined))).toEqual([]);
  },

  'rows come sorted by partition then row key, 1000 to a page': async (store, note) => {
    await store.ensureTable(T);
    for (let batch = 0; batch < 11; batch++) await store.commit(T, `p${10 - batch}`, upserts(batch === 10 ? 1 : 100));
    const before = store.requests.reads;
    const rows = await all(store.query(T, undefined));
    expect(rows).toHaveLength(1001);
    note(store.requests.reads - before);
    note(rows.map((row) => `${row.partitionKey}/${row.rowKey}`).join(','));
    const emptyBefore = store.requests.reads;
    expect(await all(store.query(T, odata`PartitionKey eq ${'none'}`))).toEqual([]);
    note(store.requests.reads - emptyBefore);
  },

  'the filters the queries build': async (store, note) => {
    await store.ensureTable(T);
    await store.commit(T, 'a', [
      { op: 'upsert', rowKey: 'c|1', data: { sealed: false, at: '2024-05-01T10:00:00Z', n: 5 } },
      { op: 'upsert', rowKey: 's|1', data: { sealed: true, at: '2024-05-02T10:00:00Z', n: 7.5 } },
      { op: 'upsert', rowKey: 's|2', data: { name: "it's" } },
      { op: 'upsert', rowKey: '~seq', data: { n: 1 } },
    ]);
    await store.commit(T, 'b', [{ op: 'upsert', rowKey: 'c|1', data: { sealed: false, at: '2024-06-01T00:00:00Z' } }]);
    await store.commit(T, 'c', [{ op: 'upsert', rowKey: 'c|1', data: { sealed: 'false' } }]);
    const filters = [
      odata`PartitionKey eq ${'a'} and sealed eq false`,
      odata`RowKey ge ${'s|'} and RowKey lt ${'s}'}`,
      odata`PartitionKey ge ${'b'} and PartitionKey le ${'c'}`,
      odata`at ge ${'2024-05-02'} and at lt ${'2024-07-01'}`,
      `(${odata`RowKey eq ${'c|1'} and PartitionKey eq ${'b'}`}) or (${odata`RowKey ge ${'s|'} and RowKey lt ${'s}'}`})`,
      odata`name eq ${"it's"}`,
      odata`n gt ${6}`,
      odata`PartitionKey ne ${'a'}`,
      // `and` binds tighter than `or`.
      odata`PartitionKey eq ${'a'} and RowKey eq ${'c|1'} or PartitionKey eq ${'c'}`,
      odata`PartitionKey eq ${'b'} or PartitionKey eq ${'a'} and n ge ${5}`,
    ];
    for (const filter of filters) note([filter, shape(await all(store.query(T, filter)))]);
    note(shape(await all(store.query(T, odata`PartitionKey eq ${'a'}`, ['n', 'absent']))));
    expect(await all(store.query(T, filters[0]))).toHaveLength(1);
  },

  'reading many row keys, long ones too, costs the same requests': async (store, note) => {
    await store.ensureTable(T);
    const keys = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? `k${i}-` + 'ü'.repeat(300) : `k${i}`));
    for (let i = 0; i < keys.length; i += 20) {
      await store.commit(
        T,
        'p',
        keys.slice(i, i + 20).map((rowKey, j) => ({ op: 'upsert', rowKey, data: { i: i + j } })),
      );
    }
    const before = { ...store.requests };
    const found = await store.readRows(T, 'p', [...keys, 'absent']);
    expect(found.size).toBe(40);
    note(store.requests.reads - before.reads);
    note([...found.entries()].map(([key, row]) => [key, row.data]).sort());
  },

  'reading many row keys pages through their partition while that costs fewer requests, then asks for the rest by name': async (store, note) => {
    await writeBigPartition(store);
    // 300 keys (22 queries by name) of the first 1,500 rows and 20 absent ones: a first page of 4 rows
    // (sized for the largest entities), then two pages of those rows answer them.
    const asked = [...Array.from({ length: 300 }, (_, i) => keyOf(i * 5)), ...Array.from({ length: 20 }, (_, i) => `absent${i}`)];
    let before = store.requests.reads;
    let found = await store.readRows(T, 'big', asked);
    expect(found.size).toBe(300);
    expect(found.get(keyOf(1_495))?.data['i']).toBe(1_495);
    expect(store.requests.reads - before).toBe(3);
    note(store.requests.reads - before);
    // 70 keys (5 queries) spread over all 2,500 rows: two pages (the first of 4 rows), then the keys not
    // found yet by name: no more requests than the queries by name alone.
    const spread = Array.from({ length: 70 }, (_, i) => keyOf(i * 35 + 17));
    before = store.requests.reads;
    found = await store.readRows(T, 'big', spread);
    expect([...found.keys()].sort()).toEqual([...spread].sort());
    expect(store.requests.reads - before).toBeLessThanOrEqual(5);
    note(store.requests.reads - before);
    // A few keys: asked by name, no page of the partition.
    before = store.requests.reads;
    found = await store.readRows(T, 'big', [keyOf(7), keyOf(2_499), 'absent']);
    expect(found.size).toBe(2);
    expect(store.requests.reads - before).toBe(1);
  },

  'reading many neighbouring row keys of a large partition pages through only the stretch they are in': async (store, note) => {
    await writeBigPartition(store);
    // 200 keys (15 queries by name) of the last 300 rows: a first page of 4 rows and one page of the
    // rest of that stretch, not seven pages from the partition's start and then the queries.
    const asked = Array.from({ length: 200 }, (_, i) => keyOf(2_200 + i));
    const before = store.requests.reads;
    const found = await store.readRows(T, 'big', asked);
    expect([...found.keys()].sort()).toEqual(asked);
    expect(found.get(keyOf(2_399))?.data['i']).toBe(2_399);
    expect(store.requests.reads - before).toBe(2);
    note(store.requests.reads - before);
  },

  'a table that does not exist': async (store, note) => {
    note(await store.getRow('Missing', 'p', 'r'));
    // Read as an empty table, without creating it (a reader may have no right to).
    note(await all(store.query('Missing', undefined)));
    note(await store.readPartition('Missing', 'p'));
    note(await store.readRows('Missing', 'p', ['r', 's']));
    await store.deleteRow('Missing', 'p', 'r');
    note(store.requestCount);
    // A write makes it: every kind of write, each to a table of its own.
    note(outcome(await store.writeConditional('MissingA', 'p', { op: 'create', rowKey: 'r', data: { v: 1 } })));
    note(await caught(() => store.upsert('MissingB', 'p', 'r', { v: 2 })));
    const committed = await store.commit('MissingC', 'p', upserts(3));
    expect(committed.committed).toBe(true);
    note(outcome(committed));
    note(await store.getRow('MissingA', 'p', 'r').then((row) => row?.data));
    note(await store.getRow('MissingB', 'p', 'r').then((row) => row?.data));
    note(shape((await store.readPartition('MissingC', 'p')).values()));
  },

  'a table deleted behind the store after it was made: the next write makes it again': async (store, note, account) => {
    await store.ensureTable(T);
    await store.upsert(T, 'p', 'r', { v: 1 });
    await account.dropTable(T);
    note(await store.getRow(T, 'p', 'r'));
    const committed = await store.commit(T, 'p', upserts(2));
    expect(committed.committed).toBe(true);
    note(shape((await store.readPartition(T, 'p')).values()));
    await account.dropTable(T);
    note(outcome(await store.writeConditional(T, 'q', { op: 'create', rowKey: 'r', data: { v: 3 } })));
    await account.dropTable(T);
    await store.upsert(T, 'u', 'r', { v: 4 });
    note(shape(await all(store.query(T, undefined))));
  },
};

function azureCase(): { store: TableStore; account: Account } {
  const store = newTableStore();
  const service = TableServiceClient.fromConnectionString(azuriteConnectionString(), { allowInsecureConnection: true });
  return { store, account: { dropTable: (logicalName) => service.deleteTable(store.tableName(logicalName)) } };
}

function memoryCase(): { store: TableStore; account: Account } {
  const tables = new MemoryTableAccount();
  const store = new MemoryTableStore(uniquePrefix(), tables);
  return { store, account: { dropTable: async (logicalName) => void tables.tables.delete(store.tableName(logicalName)) } };
}

describe.each(Object.entries(cases))('table store contract: %s', (_, run) => {
  it('the in-memory store answers as Azure Table Storage (Azurite) does', async () => {
    const transcripts = await Promise.all(
      [azureCase(), memoryCase()].map(async ({ store, account }) => {
        const notes: Transcript = [];
        await run(store, (fact) => notes.push(fact), account);
        notes.push({ requests: { ...store.requests }, requestCount: store.requestCount });
        return notes;
      }),
    );
    const [azure, memory] = transcripts as [Transcript, Transcript];
    expect(memory).toEqual(azure);
  });
});
