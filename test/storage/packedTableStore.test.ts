import { TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { DelegatingTableStore } from '../../src/lib/storage/delegatingTableStore.js';
import { encodeKeyPart } from '../../src/lib/storage/keys.js';
import { PackedTableStore, packedTableName } from '../../src/lib/storage/packedTableStore.js';
import { odata, StorageRefusedError, type RowWrite, type StoredRow, type TableStore } from '../../src/lib/storage/TableStore.js';
import { azuriteConnectionString, newMemoryTableStore, TEST_TABLE_RETRY, uniquePrefix } from '../support/storage.js';
import { AzureTableStore } from '../../src/lib/storage/TableStore.js';

const TABLE = 'Calls';

function plainStore(prefix = uniquePrefix()): AzureTableStore {
  return new AzureTableStore({ kind: 'connectionString', connectionString: azuriteConnectionString() }, prefix, { retry: TEST_TABLE_RETRY });
}

function packedStore(bucketChars: number, inner: TableStore = plainStore(), partitionsPerRead = 1): PackedTableStore {
  return new PackedTableStore(inner, { table: TABLE, bucketChars, partitionsPerRead });
}

/** Rows as a caller sees them, without the ETags the service assigns. */
function visible(rows: Iterable<StoredRow>): unknown[] {
  return [...rows].map(({ partitionKey, rowKey, data }) => ({ partitionKey, rowKey, data }));
}

async function all(rows: AsyncIterable<StoredRow>): Promise<StoredRow[]> {
  const found: StoredRow[] = [];
  for await (const row of rows) found.push(row);
  return found;
}

/** Partitions whose keys are prefixes of one another, hold spaces and quotes, and start alike or not. */
const PARTITIONS = ['a', 'a b', 'a!20', "o'brien", 'ab', '3f2c', '3f2c-1', 'zz', 'a b c', ' lead', 'é', '\u{1F600}x'];

/** The same writes, in the same order, against a store: creates, then ETag-guarded replaces, upserts and deletes. */
async function workload(tables: TableStore): Promise<void> {
  await tables.ensureTable(TABLE);
  await Promise.all(
    PARTITIONS.map(async (partition, p) => {
      const created = await tables.commit(TABLE, partition, [
        { op: 'create', rowKey: 'call', data: { n: p, firstAt: `2026-01-0${(p % 9) + 1}` } },
        { op: 'create', rowKey: 's|rec 1', data: { recording: 'r1' } },
        { op: 'create', rowKey: 's|rec 2', data: { recording: 'r2' } },
        { op: 'create', rowKey: '~locator', data: { file: `f${p}` } },
      ]);
      expect(created.committed).toBe(true);
      const etags = created.committed ? created.etags : undefined;
      const replaced = await tables.commit(TABLE, partition, [
        { op: 'replace', rowKey: 'call', etag: etags?.[0] as string, data: { n: p * 10, firstAt: '2026-02-01' } },
      ]);
      expect(replaced.committed).toBe(true);
      await tables.upsert(TABLE, partition, 'o|1', { op: 'StartRecording' });
      if (p % 3 === 0) await tables.deleteRow(TABLE, partition, 's|rec 2');
    }),
  );
}

describe('PackedTableStore against Azurite', () => {
  it.each([0, 1])('answers every read as the unpacked table does, in the same order (%i bucket characters)', async (bucketChars) => {
    const plain = plainStore();
    const packed = packedStore(bucketChars);
    await workload(plain);
    await workload(packed);
    expect(await packed.layout()).toBe('packed');

    const filters = [
      undefined,
      odata`RowKey eq ${'call'}`,
      odata`PartitionKey eq ${'a b'}`,
      odata`PartitionKey eq ${"o'brien"} and (RowKey eq ${'call'} or (RowKey ge ${'s|'} and RowKey lt ${'s}'}))`,
      odata`PartitionKey gt ${'a b'} and RowKey eq ${'call'}`,
      odata`PartitionKey ge ${'3f2c'} and PartitionKey lt ${'ab'}`,
      odata`(RowKey eq ${'call'} and firstAt ge ${'2026-02-01'}) or (RowKey ge ${'s|'} and RowKey lt ${'s}'})`,
    ];
    for (const filter of filters) {
      expect(visible(await all(packed.query(TABLE, filter))), filter).toEqual(visible(await all(plain.query(TABLE, filter))));
    }
    const selected = await all(packed.query(TABLE, odata`RowKey eq ${'call'}`, ['PartitionKey', 'RowKey', 'firstAt']));
    expect(selected.map((row) => [row.partitionKey, row.rowKey, row.data])).toEqual(
      [...PARTITIONS].sort().map((partition) => [partition, 'call', { firstAt: '2026-02-01' }]),
    );
    for (const partition of PARTITIONS) {
      expect(visible((await packed.readPartition(TABLE, partition)).values())).toEqual(visible((await plain.readPartition(TABLE, partition)).values()));
      const keys = ['call', 's|rec 2', 'missing'];
      expect(visible((await packed.readRows(TABLE, partition, keys)).values())).toEqual(visible((await plain.readRows(TABLE, partition, keys)).values()));
      const row = await packed.getRow(TABLE, partition, '~locator');
      expect(row && visible([row])).toEqual(visible([(await plain.getRow(TABLE, partition, '~locator')) as StoredRow]));
    }
    expect(await packed.getRow(TABLE, 'nobody', 'call')).toBeUndefined();

    // Read several calls per query (the embedded store's way), all at once: each call gets its own rows, as alone.
    const batched = packedStore(bucketChars, packed.inner, 7);
    const asked = [...PARTITIONS, 'nobody', PARTITIONS[1] as string, 'a b'];
    const answers = await Promise.all(asked.map((partition) => batched.readPartition(TABLE, partition)));
    for (const [i, partition] of asked.entries()) {
      expect(visible((answers[i] as Map<string, StoredRow>).values()), partition).toEqual(visible((await plain.readPartition(TABLE, partition)).values()));
    }
  });

  it('reads the calls waiting together with one query per seven, each call given its own rows, across pages', async () => {
    const packed = packedStore(0, plainStore(), 7);
    await packed.ensureTable(TABLE);
    // Calls that sort between one another's keys, and one of 1,200 rows: the query's answer takes pages.
    const calls = Array.from({ length: 40 }, (_, i) => `c${String(i % 20).padStart(2, '0')}${i >= 20 ? ' x' : ''}`);
    for (const [i, call] of calls.entries()) {
      const rows: RowWrite[] = Array.from({ length: 1 + (i % 5) }, (_, r) => ({ op: 'create', rowKey: `o|${r}`, data: { call, r } }));
      expect((await packed.commit(TABLE, call, rows)).committed).toBe(true);
    }
    for (let at = 0; at < 1200; at += 100) {
      const rows: RowWrite[] = Array.from({ length: 100 }, (_, r) => ({ op: 'create', rowKey: `m|${String(at + r).padStart(4, '0')}`, data: { r: at + r } }));
      expect((await packed.commit(TABLE, 'c05', rows)).committed).toBe(true);
    }
    const alone = packedStore(0, packed.inner);
    const before = packed.requests.reads;
    const asked = [...calls, 'absent', 'c05'];
    const answers = await Promise.all(asked.map((call) => packed.readPartition(TABLE, call)));
    // Asked in one turn, they travel seven calls to a query (41 calls: 6 queries); c05's second read
    // shares its first's query, and its 1,200 rows take a second page.
    expect(packed.requests.reads - before).toBe(Math.ceil(41 / 7) + 1);
    for (const [i, call] of asked.entries()) {
      expect(visible((answers[i] as Map<string, StoredRow>).values()), call).toEqual(visible((await alone.readPartition(TABLE, call)).values()));
    }
    expect(answers[asked.indexOf('c05')]?.size).toBe(1201);
    expect(answers[asked.indexOf('absent')]?.size).toBe(0);
  });

  it('fails every read of a batched query that failed, and reads again when asked again', async () => {
    let failures = 0;
    const flaky = new (class extends DelegatingTableStore {
      override query(logicalName: string, filter: string | undefined, select?: string[], pageSize?: number): AsyncGenerator<StoredRow> {
        if (filter?.includes(' or ') && failures-- > 0) throw new Error('storage unreachable');
        return super.query(logicalName, filter, select, pageSize);
      }
    })(plainStore());
    const packed = packedStore(0, flaky, 7);
    await packed.ensureTable(TABLE);
    const calls = Array.from({ length: 12 }, (_, i) => `call-${i}`);
    for (const call of calls) await packed.commit(TABLE, call, [{ op: 'create', rowKey: 'call', data: { call } }]);
    failures = 1;
    const outcomes = await Promise.allSettled(calls.map((call) => packed.readPartition(TABLE, call)));
    const failed = outcomes.flatMap((outcome, i) => (outcome.status === 'rejected' ? [calls[i]] : []));
    // Asked in one turn: the first seven failed together; the last five were read by the next query.
    expect(failed).toEqual(calls.slice(0, 7));
    for (const call of calls) expect([...(await packed.readPartition(TABLE, call)).values()].map((row) => row.data)).toEqual([{ call }]);
  });

  it('sends commits of many calls waiting together as few transactions, each with its own ETags', async () => {
    const packed = packedStore(0);
    await packed.ensureTable(TABLE);
    const before = packed.requests.transactions;
    const partitions = Array.from({ length: 60 }, (_, i) => `call-${i}`);
    const outcomes = await Promise.all(
      partitions.map((partition) =>
        packed.commit(TABLE, partition, [
          { op: 'create', rowKey: 'call', data: { n: 1 } },
          { op: 'create', rowKey: 'o|1', data: { n: 2 } },
        ]),
      ),
    );
    const sent = packed.requests.transactions - before;
    // 120 rows: four in flight at once, then the rest together; 60 alone before packing.
    expect(sent).toBeLessThanOrEqual(6);
    for (const [i, partition] of partitions.entries()) {
      const outcome = outcomes[i];
      expect(outcome?.committed).toBe(true);
      const stored = await packed.readRows(TABLE, partition, ['call', 'o|1']);
      expect(outcome?.committed && outcome.etags).toEqual([stored.get('call')?.etag, stored.get('o|1')?.etag]);
    }
  });

  it('gives each commit of a combined transaction that failed its own outcome: only the stale one fails, nothing is written twice', async () => {
    const packed = packedStore(0);
    await packed.ensureTable(TABLE);
    const first = await packed.commit(TABLE, 'stale', [{ op: 'create', rowKey: 'call', data: { n: 1 } }]);
    const staleEtag = first.committed ? (first.etags?.[0] as string) : '';
    await packed.commit(TABLE, 'stale', [{ op: 'replace', rowKey: 'call', etag: staleEtag, data: { n: 2 } }]);
    // Fill the four transactions in flight so that the next commits wait and travel together.
    const fillers = Array.from({ length: 4 }, (_, i) => packed.commit(TABLE, `filler-${i}`, [{ op: 'create', rowKey: 'call', data: { n: i } }]));
    const waiting: Array<[string, RowWrite[]]> = [
      ['fresh-1', [{ op: 'create', rowKey: 'call', data: { n: 1 } }]],
      ['stale', [{ op: 'replace', rowKey: 'call', etag: staleEtag, data: { n: 3 } }]],
      ['fresh-2', [{ op: 'create', rowKey: 'call', data: { n: 1 } }]],
      ['filler-0', [{ op: 'create', rowKey: 'call', data: { n: 9 } }]],
    ];
    const outcomes = await Promise.all(waiting.map(([partition, writes]) => packed.commit(TABLE, partition, writes)));
    await Promise.all(fillers);
    expect(outcomes.map((outcome) => outcome.committed)).toEqual([true, false, true, false]);
    expect(outcomes[1]).toMatchObject({ committed: false, status: 412 });
    expect(outcomes[3]).toMatchObject({ committed: false, status: 409 });
    expect((await packed.getRow(TABLE, 'stale', 'call'))?.data).toEqual({ n: 2 });
    expect((await packed.getRow(TABLE, 'filler-0', 'call'))?.data).toEqual({ n: 0 });
    expect((await packed.getRow(TABLE, 'fresh-2', 'call'))?.data).toEqual({ n: 1 });
  });

  it('refuses a commit past the limits as the unpacked table does, and still sends the others waiting with it', async () => {
    const packed = packedStore(0);
    await packed.ensureTable(TABLE);
    const big = 'x'.repeat(30_000);
    const wide: Record<string, unknown> = {};
    for (let i = 0; i < 40; i++) wide[`p${i}`] = big;
    const fillers = Array.from({ length: 4 }, (_, i) => packed.commit(TABLE, `filler-${i}`, [{ op: 'create', rowKey: 'call', data: { n: i } }]));
    const tooBig = packed.commit(TABLE, 'too-big', [{ op: 'create', rowKey: 'call', data: wide }]);
    const fine = packed.commit(TABLE, 'fine', [{ op: 'create', rowKey: 'call', data: { n: 1 } }]);
    await expect(tooBig).rejects.toBeInstanceOf(StorageRefusedError);
    expect((await fine).committed).toBe(true);
    await Promise.all(fillers);
    expect(await packed.getRow(TABLE, 'too-big', 'call')).toBeUndefined();
  });

  it('keeps using the unpacked table of a store written before packing, and packs a new store in a table of its own', async () => {
    const prefix = uniquePrefix();
    const before = plainStore(prefix);
    await before.commit(TABLE, 'old-call', [{ op: 'create', rowKey: 'call', data: { n: 1 } }]);
    const reopened = packedStore(1, plainStore(prefix));
    expect(await reopened.layout()).toBe('unpacked');
    await reopened.commit(TABLE, 'new-call', [{ op: 'create', rowKey: 'call', data: { n: 2 } }]);
    expect((await before.readPartition(TABLE, 'new-call')).get('call')?.data).toEqual({ n: 2 });
    expect(reopened.tableName(TABLE)).toBe(`${prefix}${TABLE}`);

    const freshPrefix = uniquePrefix();
    const fresh = packedStore(1, plainStore(freshPrefix));
    await fresh.commit(TABLE, 'new-call', [{ op: 'create', rowKey: 'call', data: { n: 3 } }]);
    expect(fresh.tableName(TABLE)).toBe(`${freshPrefix}${packedTableName(TABLE)}`);
    // A Table client finds the row under the physical keys, with its logical keys as properties.
    const client = TableClient.fromConnectionString(azuriteConnectionString(), fresh.tableName(TABLE), { allowInsecureConnection: true });
    const raw = [];
    for await (const entity of client.listEntities()) raw.push(entity);
    expect(raw).toHaveLength(1);
    expect(raw[0]).toMatchObject({ partitionKey: 'p006e', LogicalPartitionKey: 'new-call', LogicalRowKey: 'call', n: 3 });
    expect(await plainStore(freshPrefix).getRow(TABLE, 'new-call', 'call')).toBeUndefined();
  });

  it('refuses a packed store to which an earlier version then wrote calls in the unpacked table, where it took that table for the store', async () => {
    const memory = newMemoryTableStore();
    const packed = packedStore(0, memory);
    await packed.ensureTable(TABLE);
    await packed.commit(TABLE, 'packed-call', [{ op: 'create', rowKey: 'call', data: { n: 1 } }]);
    // An earlier version knows only the unpacked table.
    await memory.ensureTable(TABLE);
    await memory.commit(TABLE, 'old-call', [{ op: 'create', rowKey: 'call', data: { n: 2 } }]);
    // Either table alone hides the calls of the other: refused, as a query or a run would be.
    await expect(packedStore(0, memory).layout()).rejects.toThrow(/both .*Calls and .*CallsPacked hold calls/);
    await expect(packedStore(0, memory).readPartition(TABLE, 'packed-call')).rejects.toThrow(/hold calls/);
  });

  it('finds its calls when opened with another bucket setting than the one it was written with (embedded, then through a connection string)', async () => {
    const prefix = uniquePrefix();
    const embedded = packedStore(0, plainStore(prefix));
    await embedded.commit(TABLE, '3a64', [{ op: 'create', rowKey: 'call', data: { n: 1 } }]);
    await embedded.commit(TABLE, '', [{ op: 'create', rowKey: 'call', data: { n: 0 } }]);
    const account = packedStore(1, plainStore(prefix));
    expect((await account.getRow(TABLE, '3a64', 'call'))?.data).toEqual({ n: 1 });
    await account.commit(TABLE, '3a64', [{ op: 'create', rowKey: 'o|1', data: { n: 2 } }]);
    expect([...(await embedded.readPartition(TABLE, '3a64')).keys()]).toEqual(['call', 'o|1']);
    expect((await all(account.query(TABLE, odata`RowKey eq ${'call'}`))).map((row) => row.partitionKey)).toEqual(['', '3a64']);

    // A call key that is empty still gets a bucket as long as the others', so the first row tells the setting.
    const other = uniquePrefix();
    const wide = packedStore(1, plainStore(other));
    await wide.commit(TABLE, '', [{ op: 'create', rowKey: 'call', data: { n: 0 } }]);
    await wide.commit(TABLE, 'b7', [{ op: 'create', rowKey: 'call', data: { n: 1 } }]);
    const narrow = packedStore(0, plainStore(other));
    expect((await narrow.getRow(TABLE, 'b7', 'call'))?.data).toEqual({ n: 1 });
  });

  it("reads many rows of one call from the call's own rows, not its physical partition's, by the keys asked for", async () => {
    const packed = packedStore(0);
    const plain = plainStore();
    for (const tables of [packed, plain]) {
      await tables.ensureTable(TABLE);
      for (let call = 0; call < 30; call++) {
        const rows: RowWrite[] = Array.from({ length: 100 }, (_, i) => ({ op: 'create', rowKey: `o|${i}`, data: { n: i } }));
        expect((await tables.commit(TABLE, `other-${call}`, rows)).committed).toBe(true);
      }
    }
    // A row key past what a URL holds once percent-encoded is stored bounded: it is still found under the key asked for.
    const long = `s|${'中'.repeat(250)}`;
    const keys = [...Array.from({ length: 60 }, (_, i) => `o|${i}`), long];
    for (const tables of [packed, plain]) {
      for (let at = 0; at < keys.length; at += 50) {
        const writes: RowWrite[] = keys.slice(at, at + 50).map((rowKey, i) => ({ op: 'create', rowKey, data: { n: at + i } }));
        expect((await tables.commit(TABLE, 'the-call', writes)).committed).toBe(true);
      }
    }
    const asked = [...keys, 'o|missing', long];
    const before = packed.requests.reads;
    const found = await packed.readRows(TABLE, 'the-call', asked);
    // One page of the call's 61 rows; the 3,000 rows of the other calls beside them are not read.
    expect(packed.requests.reads - before).toBe(1);
    expect([...found.keys()].sort()).toEqual([...keys].sort());
    expect(visible(found.values())).toEqual(visible((await plain.readRows(TABLE, 'the-call', asked)).values()));
  });

  it("asks for its layout again after a read of it failed, so that a store kept for a worker's life outlives an outage", async () => {
    let failures = 1;
    const flaky = new (class extends DelegatingTableStore {
      override query(logicalName: string, filter: string | undefined, select?: string[], pageSize?: number): AsyncGenerator<StoredRow> {
        if (failures-- > 0) throw new Error('storage unreachable');
        return super.query(logicalName, filter, select, pageSize);
      }
    })(plainStore());
    const packed = packedStore(0, flaky);
    await expect(packed.commit(TABLE, 'call-1', [{ op: 'create', rowKey: 'call', data: { n: 1 } }])).rejects.toThrow('storage unreachable');
    expect((await packed.commit(TABLE, 'call-1', [{ op: 'create', rowKey: 'call', data: { n: 1 } }])).committed).toBe(true);
    expect(await packed.layout()).toBe('packed');
  });

  it('passes other tables through untouched', async () => {
    const memory = newMemoryTableStore();
    const packed = packedStore(0, memory);
    await packed.upsert('Files', 'local', 'a.json', { records: 1 });
    expect((await memory.getRow('Files', 'local', 'a.json'))?.data).toEqual({ records: 1 });
    expect(packed.tableName('Files')).toBe(memory.tableName('Files'));
  });
});

describe('PackedTableStore reading many calls per query', () => {
  // Calls whose keys are long and share their first 160 characters (cut and digested), are prefixes
  // of one another, hold spaces, quotes, `|~!`, characters a URL escapes, emoji or CJK: many at once.
  const shared = 'x'.repeat(100) + ' é|~!\u{1F600}'.repeat(10);
  const keySets: [string, string[]][] = [
    ['long, sharing a cut prefix', Array.from({ length: 60 }, (_, i) => `${shared}-${String(i).padStart(3, '0')}${'y'.repeat(300 + i * 10)}`)],
    ['prefixes of one another', [...Array.from({ length: 40 }, (_, i) => 'a'.repeat(i + 1)), ...Array.from({ length: 20 }, (_, i) => 'a '.repeat(i + 1))]],
    ['escaped and URL-escaped', Array.from({ length: 60 }, (_, i) => encodeKeyPart(`/${i}/` + "'()!*".repeat(60)))],
    ['CJK', Array.from({ length: 60 }, (_, i) => String(i) + '中文字符'.repeat(100))],
    ['emoji', Array.from({ length: 60 }, (_, i) => String(i) + '\u{1F600}\u{1F680}'.repeat(100))],
    ['quotes', Array.from({ length: 60 }, (_, i) => "'".repeat(i + 1) + ` o'brien |~! ${i}`)],
  ];
  it.each(keySets)('gives each call exactly its own rows: %s', async (_, calls) => {
    const inner = plainStore();
    const batched = packedStore(0, inner, 50);
    const alone = packedStore(0, inner);
    await batched.ensureTable(TABLE);
    await Promise.all(
      calls.map((call, i) =>
        batched.commit(
          TABLE,
          call,
          Array.from({ length: 1 + (i % 3) }, (_, r): RowWrite => ({
            op: 'create',
            rowKey: `r${r}|${Array.from(call).slice(0, 20).join('')}`,
            data: { i, r },
          })),
        ),
      ),
    );
    const asked = [...calls, ...calls.slice(0, 5), 'absent'];
    const answers = await Promise.all(asked.map((call) => batched.readPartition(TABLE, call)));
    for (const [i, call] of asked.entries()) {
      const own = await alone.readPartition(TABLE, call);
      expect(visible((answers[i] as Map<string, StoredRow>).values()), String(i)).toEqual(visible(own.values()));
      if (i < calls.length) expect(own.size).toBe(1 + (i % 3));
    }
  });
});
