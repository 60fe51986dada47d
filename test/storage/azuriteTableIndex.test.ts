import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TableClient, TableTransaction } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { startAzurite, type AzuriteInstance } from '../../src/lib/storage/azurite.js';
import { KeyIndex, rowRangesOfScope } from '../../src/lib/storage/azuriteTableIndex.js';
import { partitionOfFilter, partitionRangeOfFilter, scopeOfFilter } from '../../src/lib/storage/memoryFilter.js';

describe('partitionOfFilter', () => {
  it.each([
    ["PartitionKey eq 'a'", 'a'],
    ["(PartitionKey eq 'a')", 'a'],
    ["PartitionKey eq 'it''s' and RowKey ge 'x'", "it's"],
    ["RowKey ge 'x' and PartitionKey eq 'b'", 'b'],
    ["PartitionKey eq 'a' and (RowKey eq 'x' or RowKey eq 'y')", 'a'],
    ["(PartitionKey eq 'a') and (n gt 1)", 'a'],
    ["PartitionKey eq 'a and b' and v eq 'or x'", 'a and b'],
  ])('%s confines matches to partition %s', (filter, partition) => {
    expect(partitionOfFilter(filter)).toBe(partition);
  });

  it.each([
    [undefined],
    [''],
    ["PartitionKey eq 'a' or PartitionKey eq 'b'"],
    ["PartitionKey eq 'a' and RowKey eq 'x' or v eq 1"],
    ["not PartitionKey eq 'a'"],
    ["PartitionKey ge 'a'"],
    ["PartitionKey eq 'a"],
    ["(PartitionKey eq 'a'"],
    ["PartitionKey eq 'a')"],
    ["PartitionKey ne 'a'"],
    ["(PartitionKey eq 'a') or (PartitionKey eq 'b')"],
  ])('%s may match other partitions', (filter) => {
    expect(partitionOfFilter(filter)).toBeUndefined();
  });
});

describe('scopeOfFilter', () => {
  it.each([
    ["PartitionKey eq 'a'", { partitionKey: 'a' }],
    ["PartitionKey eq 'a' and RowKey eq 'x'", { partitionKey: 'a', rowKeys: ['x'] }],
    ["PartitionKey eq 'a' and (RowKey eq 'x' or RowKey eq 'y')", { partitionKey: 'a', rowKeys: ['x', 'y'] }],
    ["(RowKey eq 'x' or (RowKey eq 'y' or RowKey eq 'x')) and PartitionKey eq 'a'", { partitionKey: 'a', rowKeys: ['x', 'y', 'x'] }],
    ["PartitionKey eq 'a' and (n gt 1 and (RowKey eq 'x'))", { partitionKey: 'a', rowKeys: ['x'] }],
    // Not only row keys in the `or`: any row of the partition may match.
    ["PartitionKey eq 'a' and (RowKey eq 'x' or n gt 1)", { partitionKey: 'a' }],
    ["PartitionKey eq 'a' and RowKey ge 'x'", { partitionKey: 'a', rowRange: { low: 'x' } }],
    ["PartitionKey eq 'a' and RowKey ge 'x' and RowKey lt 'y' and n gt 1", { partitionKey: 'a', rowRange: { low: 'x', high: 'y' } }],
    // Each term of the `or` bounds the row keys: the rows lie in those ranges (the filter still decides).
    ["PartitionKey eq 'a' and (RowKey ge 'x' or RowKey lt 'c')", { partitionKey: 'a', rowRanges: [{ low: 'x' }, { high: 'c' }] }],
    [
      "PartitionKey eq 'a' and ((RowKey ge 'b' and RowKey lt 'c') or (RowKey ge 'x' and RowKey lt 'y' and n gt 1) or RowKey eq 'q')",
      {
        partitionKey: 'a',
        rowRanges: [
          { low: 'b', high: 'c' },
          { low: 'x', high: 'y' },
          { low: 'q', high: 'q' },
        ],
      },
    ],
    ["PartitionKey eq 'a' and ((RowKey ge 'b' and RowKey lt 'c') or n gt 1)", { partitionKey: 'a' }],
    ["PartitionKey eq 'a' and ((RowKey ge 'b' and RowKey lt 'c') or not (RowKey lt 'x'))", { partitionKey: 'a' }],
    ["PartitionKey eq 'a' and not (RowKey eq 'x')", { partitionKey: 'a' }],
  ])('%s', (filter, scope) => {
    expect(scopeOfFilter(filter)).toEqual(scope);
  });
});

describe('partitionRangeOfFilter', () => {
  it.each([
    ["PartitionKey ge 'a' and PartitionKey le 'c'", { low: 'a', high: 'c' }],
    ["RowKey ge 'h|' and (PartitionKey gt 'a' and PartitionKey lt 'c')", { low: 'a', high: 'c' }],
    ["PartitionKey ge 'a' and PartitionKey ge 'b' and PartitionKey le 'd' and PartitionKey lt 'c'", { low: 'b', high: 'c' }],
    ["PartitionKey ge 'r|2024-12-30'", { low: 'r|2024-12-30' }],
    ["PartitionKey eq 'b' and RowKey eq 'x'", { low: 'b', high: 'b' }],
  ])('%s', (filter, range) => {
    expect(partitionRangeOfFilter(filter)).toEqual(range);
  });

  it.each([[undefined], [''], ["RowKey ge 'a'"], ["PartitionKey ge 'a' or PartitionKey le 'c'"], ["not PartitionKey ge 'a'"], ['PartitionKey ge 1']])(
    '%s sets no range',
    (filter) => {
      expect(partitionRangeOfFilter(filter)).toBeUndefined();
    },
  );
});

describe('KeyIndex.firstMatches', () => {
  type Doc = { PartitionKey: string; RowKey: string; properties: { n: number } };
  const docs: Doc[] = [];
  for (let p = 0; p < 500; p++)
    for (let r = 0; r < 20; r++) docs.push({ PartitionKey: `p${(p * 7919) % 500}`, RowKey: `r${(r * 13) % 20}`, properties: { n: p * 20 + r } });
  const byKeys = (a: Doc, b: Doc): number =>
    a.PartitionKey < b.PartitionKey ? -1 : a.PartitionKey > b.PartitionKey ? 1 : a.RowKey < b.RowKey ? -1 : a.RowKey > b.RowKey ? 1 : 0;

  it.each([
    ['every row', () => true],
    ['one row in 37', (doc: Doc) => doc.properties.n % 37 === 0],
  ])('pages through %s in key order, testing each document about once over all pages', (_name, matches) => {
    const index = new KeyIndex(docs);
    let tested = 0;
    const where = (doc: Doc): boolean => {
      tested++;
      return matches(doc);
    };
    const seen: Doc[] = [];
    let start: { partitionKey?: string; rowKey?: string } = {};
    let pages = 0;
    for (;;) {
      // As Azurite pages: one document more than the page, whose keys are the next page's start.
      // Which documents, not their order: Azurite sorts them.
      const found = (index.firstMatches(undefined, start, where as (doc: unknown) => unknown, 101) as Doc[]).sort(byKeys);
      pages++;
      seen.push(...found.slice(0, 100));
      const next = found[100];
      if (!next) break;
      start = { partitionKey: next.PartitionKey, rowKey: next.RowKey };
    }
    const expected = docs.filter(matches).sort(byKeys);
    expect(seen).toEqual(expected);
    // Each page tests its own documents and its start's again; Azurite's own tested the whole table on every page.
    expect(tested).toBeLessThanOrEqual(docs.length + pages);
  });

  it('pages through a range of partition keys testing the documents of that range only, not those of the whole table', () => {
    const index = new KeyIndex(docs);
    let tested = 0;
    const where = (doc: Doc): boolean => {
      tested++;
      return doc.PartitionKey >= 'p300' && doc.PartitionKey <= 'p309';
    };
    const range = partitionRangeOfFilter("PartitionKey ge 'p300' and PartitionKey le 'p309'");
    const seen: Doc[] = [];
    let start: { partitionKey?: string; rowKey?: string } = {};
    for (;;) {
      const found = (index.firstMatches(undefined, start, where as (doc: unknown) => unknown, 101, range) as Doc[]).sort(byKeys);
      seen.push(...found.slice(0, 100));
      const next = found[100];
      if (!next) break;
      start = { partitionKey: next.PartitionKey, rowKey: next.RowKey };
    }
    expect(seen).toEqual(docs.filter((doc) => where(doc)).sort(byKeys));
    tested -= docs.length;
    // p300, p301, ..., p309 and p30 (which sorts among them): 11 partitions of 20 rows, each tested about once.
    expect(seen).toHaveLength(200);
    expect(tested).toBeLessThanOrEqual(11 * 20 + 3);
  });

  it('reads a row-key range of a partition by its rows only, kept in order as rows come and go between reads', () => {
    const rows = new Map<string, Doc>();
    const index = new KeyIndex([]);
    let seed = 7;
    const next = (): number => (seed = (seed * 48271) % 2147483647);
    for (let step = 0; step < 3000; step++) {
      const rowKey = `k${next() % 400}|${next() % 5}`;
      const existing = rows.get(rowKey);
      if (existing && next() % 3 === 0) {
        index.delete(existing);
        rows.delete(rowKey);
      } else if (!existing) {
        const doc = { PartitionKey: 'bucket', RowKey: rowKey, properties: { n: step } };
        index.add(doc);
        rows.set(rowKey, doc);
        index.add({ PartitionKey: `other${step % 3}`, RowKey: rowKey, properties: { n: -step } });
      }
      if (step % 50 !== 0) continue;
      const low = `k${next() % 400}|`;
      const high = `${low.slice(0, -1)}}`;
      const filter = `PartitionKey eq 'bucket' and RowKey ge '${low}' and RowKey lt '${high}'`;
      let tested = 0;
      const where = (doc: Doc): boolean => {
        tested++;
        return doc.RowKey >= low && doc.RowKey < high;
      };
      const found = (index.firstMatches(scopeOfFilter(filter), {}, where as (doc: unknown) => unknown, 1000) as Doc[]).sort(byKeys);
      const expected = [...rows.values()].filter((doc) => doc.RowKey >= low && doc.RowKey < high).sort(byKeys);
      expect(found).toEqual(expected);
      // The range's rows and the one that ends it: not the partition's hundreds.
      expect(tested).toBeLessThanOrEqual(expected.length + 1);
    }
  });

  it('reads several row-key ranges of a partition by their rows only, page by page, each row once, however the ranges overlap', () => {
    const index = new KeyIndex([]);
    const rows: Doc[] = [];
    for (let call = 0; call < 300; call++) {
      for (let r = 0; r < 1 + (call % 7); r++) {
        const doc = { PartitionKey: 'bucket', RowKey: `c${String(call).padStart(3, '0')}  ${r}`, properties: { n: call } };
        index.add(doc);
        rows.push(doc);
      }
    }
    let seed = 11;
    const next = (): number => (seed = (seed * 48271) % 2147483647);
    for (let trial = 0; trial < 40; trial++) {
      // Up to seven calls' ranges, in any order, some repeated, some overlapping (a range of two calls).
      const ranges = Array.from({ length: 1 + (next() % 7) }, () => {
        const call = next() % 300;
        const last = call + (next() % 4 === 0 ? 1 : 0);
        return { low: `c${String(call).padStart(3, '0')}  `, high: `c${String(last).padStart(3, '0')} !` };
      });
      const filter = `PartitionKey eq 'bucket' and (${ranges.map((range) => `(RowKey ge '${range.low}' and RowKey lt '${range.high}')`).join(' or ')})`;
      const inRanges = (doc: Doc): boolean => ranges.some((range) => doc.RowKey >= range.low && doc.RowKey < range.high);
      let tested = 0;
      const where = (doc: Doc): boolean => {
        tested++;
        return inRanges(doc);
      };
      const pageSize = 1 + (next() % 5);
      const seen: Doc[] = [];
      let start: { partitionKey?: string; rowKey?: string } = {};
      for (;;) {
        const found = (index.firstMatches(scopeOfFilter(filter), start, where as (doc: unknown) => unknown, pageSize + 1) as Doc[]).sort(byKeys);
        seen.push(...found.slice(0, pageSize));
        const following = found[pageSize];
        if (!following) break;
        start = { partitionKey: following.PartitionKey, rowKey: following.RowKey };
      }
      const expected = rows.filter(inRanges).sort(byKeys);
      expect(seen, filter).toEqual(expected);
      // Each page tests its rows, the one after it, and the ends of the ranges: not the partition's 1,200.
      const pages = Math.ceil(expected.length / pageSize) + 1;
      expect(tested).toBeLessThanOrEqual(expected.length + pages * (pageSize + 1 + ranges.length));
    }
  });

  it('merges row-key ranges that overlap or touch into one, in key order', () => {
    expect(
      rowRangesOfScope({
        partitionKey: 'p',
        rowRanges: [
          { low: 'm', high: 'p' },
          { low: 'a', high: 'c' },
          { low: 'b', high: 'd' },
          { low: 'p', high: 'q' },
          { high: 'a' },
          { low: 'x' },
          { low: 'y', high: 'z' },
        ],
      }),
    ).toEqual([{ high: 'd' }, { low: 'm', high: 'q' }, { low: 'x' }]);
    expect(rowRangesOfScope({ partitionKey: 'p' })).toBeUndefined();
    expect(rowRangesOfScope({ partitionKey: 'p', rowRange: { low: 'a' } })).toEqual([{ low: 'a' }]);
  });

  it('keeps answers in key order as rows are added, replaced and deleted between pages', () => {
    const index = new KeyIndex(docs.slice(0, 100));
    const first = (index.firstMatches(undefined, {}, () => true, 3) as Doc[]).sort(byKeys);
    const added = { PartitionKey: 'p0', RowKey: 'a', properties: { n: -1 } };
    index.add(added);
    expect(index.firstMatches({ partitionKey: 'p0' }, {}, () => true, 1)).toEqual([added]);
    const replacement = { ...added, properties: { n: -2 } };
    index.replace(added, replacement);
    expect(index.firstMatches(undefined, {}, () => true, 1)).toEqual([replacement]);
    index.delete(replacement);
    expect((index.firstMatches(undefined, {}, () => true, 3) as Doc[]).sort(byKeys)).toEqual(first);
  });
});

/** What a client sees, without the values the service assigns (times and ETags). */
function visible(entity: object): Record<string, unknown> {
  const { etag: _etag, timestamp: _timestamp, 'odata.metadata': _metadata, ...rest } = entity as Record<string, unknown>;
  return rest;
}

async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    return `error ${status ?? String(error)}`;
  }
}

/** Every kind of write and read the product and a Table client make; returns what a client observes. */
async function script(connectionString: string): Promise<unknown[]> {
  const table = TableClient.fromConnectionString(connectionString, 'Contract', { allowInsecureConnection: true });
  await table.createTable();
  const seen: unknown[] = [];
  const all = async (filter?: string, select?: string[]): Promise<unknown[]> => {
    const rows: unknown[] = [];
    for await (const row of table.listEntities({ queryOptions: { ...(filter ? { filter } : {}), ...(select ? { select } : {}) } })) rows.push(visible(row));
    return rows;
  };

  for (let p = 0; p < 5; p++) {
    const transaction = new TableTransaction();
    for (let r = 0; r < 40; r++)
      transaction.upsertEntity({ partitionKey: `p${p}`, rowKey: `r${String(r).padStart(2, '0')}`, n: r, text: `it's ${p}/${r}` }, 'Replace');
    await table.submitTransaction(transaction.actions);
  }
  await table.upsertEntity({ partitionKey: 'p1', rowKey: 'r05', n: 500 }, 'Replace');
  await table.upsertEntity({ partitionKey: 'p1', rowKey: 'r06', extra: true }, 'Merge');
  seen.push(await outcome(() => table.createEntity({ partitionKey: 'p1', rowKey: 'r07' })));
  const current = await table.getEntity('p1', 'r08');
  await table.updateEntity({ partitionKey: 'p1', rowKey: 'r08', n: 800 }, 'Replace', { etag: current.etag });
  seen.push(await outcome(() => table.updateEntity({ partitionKey: 'p1', rowKey: 'r08', n: 801 }, 'Replace', { etag: current.etag })));
  seen.push(await outcome(() => table.updateEntity({ partitionKey: 'p1', rowKey: 'missing', n: 1 }, 'Replace')));
  await table.deleteEntity('p2', 'r00');
  seen.push(await outcome(() => table.deleteEntity('p2', 'r00')));
  // A transaction that fails on its last action changes nothing.
  const failing = new TableTransaction();
  failing.upsertEntity({ partitionKey: 'p3', rowKey: 'r01', n: -1 }, 'Replace');
  failing.createEntity({ partitionKey: 'p3', rowKey: 'new' });
  failing.deleteEntity('p3', 'r02');
  failing.createEntity({ partitionKey: 'p3', rowKey: 'r03' });
  seen.push(await outcome(() => table.submitTransaction(failing.actions)));
  // A row deleted and written again lands after the others in storage order; answers stay sorted.
  await table.deleteEntity('p4', 'r10');
  await table.createEntity({ partitionKey: 'p4', rowKey: 'r10', n: 'again' });

  seen.push(await all());
  seen.push(await all("PartitionKey eq 'p3'"));
  seen.push(await all("PartitionKey eq 'p1' and n ge 30"));
  seen.push(await all("PartitionKey eq 'p4' and (RowKey eq 'r10' or RowKey eq 'r11')"));
  seen.push(await all("PartitionKey eq 'p4' and (RowKey eq 'r11' or RowKey eq 'missing' or RowKey eq 'r10' or RowKey eq 'r11')"));
  seen.push(await all("PartitionKey eq 'p4' and RowKey eq 'r10' and n lt 0"));
  seen.push(await all("PartitionKey eq 'p4' and (RowKey eq 'r10' or n ge 0)"));
  seen.push(await all("PartitionKey eq 'p9' and RowKey eq 'r10'"));
  seen.push(await all("PartitionKey eq 'p0' or PartitionKey eq 'p2'"));
  seen.push(await all("PartitionKey eq 'p9'"));
  seen.push(await all("PartitionKey eq 'p1'", ['n']));
  seen.push(await all("RowKey eq 'r05'"));
  const paged = async (filter: string | undefined, maxPageSize: number): Promise<unknown[]> => {
    const pages: unknown[] = [];
    for await (const page of table.listEntities({ queryOptions: filter ? { filter } : {} }).byPage({ maxPageSize })) pages.push(page.map(visible));
    return pages;
  };
  seen.push(await paged("PartitionKey eq 'p1'", 7));
  // Across partitions, pages end inside partitions and between them; keys beyond ASCII sort by UTF-16 code units.
  for (const partitionKey of ['é', 'Z', 'a', '\u{1F600}', '\uFFFD', 'p1 ']) {
    const transaction = new TableTransaction();
    for (const rowKey of ['b', 'A', 'é', '\u{1F600}']) transaction.upsertEntity({ partitionKey, rowKey, n: rowKey.length }, 'Replace');
    await table.submitTransaction(transaction.actions);
  }
  seen.push(await paged(undefined, 7));
  seen.push(await paged(undefined, 1000));
  seen.push(await paged('n ge 35 or n eq 2', 3));
  seen.push(await paged("RowKey eq 'r05' or RowKey eq 'A'", 2));
  seen.push(await paged("PartitionKey ge 'p2' and PartitionKey lt 'p4'", 9));
  seen.push(await paged("PartitionKey eq 'p4' and (RowKey eq 'r11' or RowKey eq 'r01' or RowKey eq 'r30')", 1));
  seen.push(visible(await table.getEntity('p1', 'r05')));
  seen.push(await outcome(() => table.getEntity('p2', 'r00')));
  return seen;
}

describe('the table index in the embedded Azurite', () => {
  let indexed: AzuriteInstance;
  let plain: AzuriteInstance;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'table-index-'));
    [indexed, plain] = await Promise.all([
      startAzurite({ location: path.join(dir, 'indexed') }),
      startAzurite({ location: path.join(dir, 'plain'), plainIndexes: true }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([indexed.stop(), plain.stop()]);
    await removeTestDir(dir);
  });

  it('answers every write and query as Azurite does without it', async () => {
    const [withIndex, without] = await Promise.all([script(indexed.connectionString), script(plain.connectionString)]);
    expect(withIndex).toEqual(without);
    expect(JSON.stringify(withIndex)).toContain('"n":500');
  }, 60_000);

  it('answers random ors of row-key ranges as Azurite does without it, page by page', async () => {
    // Ranges that overlap, are empty, have low above high or bounds equal to keys; keys beyond ASCII, surrogates, quotes, spaces.
    const keys = [
      '',
      'a',
      'a ',
      'a  ',
      'a !',
      'a!',
      'ab',
      "a'b",
      "''",
      'b',
      'é',
      'z',
      '\u{1F600}',
      '\u{1F600}a',
      '\uFFFD',
      '\uD7FF',
      '\uE000',
      'A',
      'a b',
      'a  x',
      '~',
      '|',
      'a|~!',
      'zz',
    ];
    const literal = (value: string): string => `'${value.replaceAll("'", "''")}'`;
    const load = async (connectionString: string): Promise<TableClient> => {
      const table = TableClient.fromConnectionString(connectionString, 'Ranges', { allowInsecureConnection: true });
      await table.createTable();
      for (const partitionKey of ['p', 'q']) {
        const transaction = new TableTransaction();
        for (const rowKey of keys.filter((key) => key !== '')) transaction.upsertEntity({ partitionKey, rowKey, n: rowKey.length }, 'Replace');
        await table.submitTransaction(transaction.actions);
      }
      return table;
    };
    const paged = async (table: TableClient, filter: string, maxPageSize: number): Promise<unknown[]> => {
      const pages: unknown[] = [];
      for await (const page of table.listEntities({ queryOptions: { filter } }).byPage({ maxPageSize })) pages.push(page.map(visible));
      return pages;
    };
    const [withIndex, without] = await Promise.all([load(indexed.connectionString), load(plain.connectionString)]);
    let seed = 5;
    const next = (n: number): number => (seed = (seed * 48271) % 2147483647) % n;
    const key = (): string => literal(keys[next(keys.length)] as string);
    const ops = ['ge', 'gt', 'le', 'lt', 'eq'];
    for (let trial = 0; trial < 120; trial++) {
      const terms = Array.from({ length: 1 + next(5) }, () => {
        const parts = Array.from({ length: 1 + next(3) }, () => `RowKey ${ops[next(ops.length)]} ${key()}`);
        if (next(6) === 0) parts.push(`n ge ${next(3)}`);
        if (next(8) === 0) parts.push(`RowKey ne ${key()}`);
        if (next(8) === 0) parts.push(`not (RowKey lt ${key()})`);
        if (next(10) === 0) parts.push(`(RowKey eq ${key()} or RowKey ge ${key()})`);
        return parts.length === 1 ? parts[0] : `(${parts.join(' and ')})`;
      });
      const filter = `PartitionKey eq 'p' and (${terms.join(' or ')})`;
      const maxPageSize = 1 + next(4);
      expect(await paged(withIndex, filter, maxPageSize), filter).toEqual(await paged(without, filter, maxPageSize));
    }
  }, 60_000);

  it('takes table names in any case, as Azure does (Azurite alone answers TableNotFound for a table created as AcsUsage and read as acsUsage)', async () => {
    const created = TableClient.fromConnectionString(indexed.connectionString, 'CaseTable', { allowInsecureConnection: true });
    await created.createTable();
    await created.upsertEntity({ partitionKey: 'p', rowKey: 'a', n: 1 }, 'Replace');
    const other = TableClient.fromConnectionString(indexed.connectionString, 'casetable', { allowInsecureConnection: true });
    await other.upsertEntity({ partitionKey: 'p', rowKey: 'b', n: 2 }, 'Replace');
    const transaction = new TableTransaction();
    transaction.createEntity({ partitionKey: 'p', rowKey: 'c', n: 3 });
    await TableClient.fromConnectionString(indexed.connectionString, 'CASETABLE', { allowInsecureConnection: true }).submitTransaction(transaction.actions);
    const rows: unknown[] = [];
    for await (const row of other.listEntities()) rows.push([row.rowKey, row['n']]);
    expect(rows).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    expect((await created.getEntity('p', 'c'))['n']).toBe(3);
  });

  it('a database it saved opens in a plain Azurite, and one a plain Azurite saved opens with it', async () => {
    await Promise.all([indexed.stop(), plain.stop()]);
    // Swap: each database is opened by the other kind.
    [indexed, plain] = await Promise.all([
      startAzurite({ location: path.join(dir, 'plain') }),
      startAzurite({ location: path.join(dir, 'indexed'), plainIndexes: true }),
    ]);
    const read = async (connectionString: string): Promise<unknown[]> => {
      const table = TableClient.fromConnectionString(connectionString, 'Contract', { allowInsecureConnection: true });
      await table.upsertEntity({ partitionKey: 'p0', rowKey: 'r01', n: 'later' }, 'Replace');
      const rows: unknown[] = [];
      for await (const row of table.listEntities({ queryOptions: { filter: "PartitionKey eq 'p0'" } })) rows.push(visible(row));
      rows.push(visible(await table.getEntity('p1', 'r05')));
      return rows;
    };
    const [fromPlain, fromIndexed] = await Promise.all([read(indexed.connectionString), read(plain.connectionString)]);
    expect(fromPlain).toEqual(fromIndexed);
    expect(fromPlain).toHaveLength(41);
  }, 60_000);
});
