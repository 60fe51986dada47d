import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AzureNamedKeyCredential, generateAccountSas, TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../src/lib/storage/errors.js';
import { splitLongStrings } from '../../src/lib/storage/limits.js';
import { asRefusal, MAX_TRANSACTION_BYTES, MAX_TRANSACTION_ROWS, StorageRefusedError, type RowWrite } from '../../src/lib/storage/TableStore.js';
import { portOf, withPorts } from '../support/faultProxy.js';
import { azuriteConnectionString, newTableStore, uniquePrefix } from '../support/storage.js';

const TABLE = 'Commits';

/** Every kind of value the product writes, and the edges of each. */
function everyValue(i: number): Record<string, unknown> {
  return {
    text: `quote " apostrophe ' backslash \\ newline \n tab \t control \u0001 é 中 😀 ${i}`,
    empty: '',
    json: JSON.stringify({ counts: { 'a"b': 1, é: 2 }, list: [1.5, null, true] }),
    // Longer than one property holds: split, with an astral character across the cut.
    long: 'x'.repeat(31_999) + '😀' + 'y'.repeat(40_000) + i,
    int: 2_147_483_647,
    negativeInt: -2_147_483_648,
    beyondInt32: 2_147_483_648 + i,
    maxSafe: Number.MAX_SAFE_INTEGER,
    negativeBig: -(2 ** 40),
    double: 0.1 + 0.2,
    tiny: 5e-324,
    yes: true,
    no: false,
    absent: undefined,
    nothing: null,
    when: new Date(Date.UTC(2026, 10, 30, 12, 34, 56, 789)),
  };
}

/** The reference: what the store sent through the SDK's submitTransaction (keys, long strings and Int32 overflow as the store prepares them). */
function sdkEntity(partitionKey: string, rowKey: string, data: Record<string, unknown>): TableEntity<Record<string, unknown>> {
  const entity: TableEntity<Record<string, unknown>> = { partitionKey, rowKey };
  for (const [name, value] of Object.entries(splitLongStrings(data))) {
    if (value === undefined || value === null) continue;
    entity[name] = typeof value === 'number' && Number.isInteger(value) && Math.abs(value) > 2_147_483_647 ? { value: String(value), type: 'Double' } : value;
  }
  return entity;
}

/** Every stored entity with its property types as the service reports them, without ETag and time stamp. */
async function rawRows(connectionString: string, table: string): Promise<Record<string, unknown>[]> {
  const client = TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true });
  const rows: Record<string, unknown>[] = [];
  for await (const entity of client.listEntities({ disableTypeConversion: true })) {
    const { etag: _etag, timestamp: _timestamp, ...rest } = entity as Record<string, unknown>;
    rows.push(rest);
  }
  return rows;
}

describe('TableStore.commit against Azurite', () => {
  it('stores every value type exactly as the SDK path did, and reads it back as written; replaces and upserts find rows by odd keys', async () => {
    const connectionString = azuriteConnectionString();
    const tables = newTableStore();
    await tables.ensureTable(TABLE);
    const partitionKey = "pk 'quoted' 100% é 😀";
    const rowKeys = ["it's", '100%', 'a b+c&d=e', 'é中😀', "''%27%", '(x)*!~', 'plain'];
    const creates: RowWrite[] = rowKeys.map((rowKey, i) => ({ op: 'create', rowKey, data: everyValue(i) }));
    const created = await tables.commit(TABLE, partitionKey, creates);
    if (!created.committed || !created.etags) throw new Error('not committed');
    // Then every row again by its key in the URL: replaced under its ETag, or upserted.
    const etags = created.etags;
    const changes: RowWrite[] = rowKeys.map((rowKey, i) =>
      i % 2 === 0
        ? { op: 'replace', rowKey, etag: etags[i] ?? '', data: { ...everyValue(i + 100), replaced: true } }
        : { op: 'upsert', rowKey, data: { ...everyValue(i + 100), upserted: true } },
    );
    expect(await tables.commit(TABLE, partitionKey, changes)).toMatchObject({ committed: true });

    const reference = TableClient.fromConnectionString(connectionString, uniquePrefix() + 'Ref', { allowInsecureConnection: true });
    await reference.createTable();
    await reference.submitTransaction(creates.map((write): TransactionAction => ['create', sdkEntity(partitionKey, write.rowKey, write.data)]));
    await reference.submitTransaction(changes.map((write): TransactionAction => ['upsert', sdkEntity(partitionKey, write.rowKey, write.data), 'Replace']));

    const ours = await rawRows(connectionString, tables.tableName(TABLE));
    expect(ours).toHaveLength(rowKeys.length);
    expect(ours).toEqual(await rawRows(connectionString, reference.tableName));

    const read = await tables.readPartition(TABLE, partitionKey);
    for (const [i, rowKey] of rowKeys.entries()) {
      const { absent: _absent, nothing: _nothing, when, ...expected } = everyValue(i + 100);
      const row = read.get(rowKey);
      expect(row?.data).toEqual({ ...expected, ...(i % 2 === 0 ? { replaced: true } : { upserted: true }), when: expect.any(Date) });
      expect((row?.data['when'] as Date).toISOString()).toBe((when as Date).toISOString());
    }
  });

  it('a write sized first (transactionBytes, as the packed store groups commits) is sent as its commit alone would send it', async () => {
    const connectionString = azuriteConnectionString();
    const tables = newTableStore();
    await tables.ensureTable(TABLE);
    const rowKeys = ['sized', 'unsized'];
    const writes: RowWrite[] = rowKeys.map((rowKey) => ({ op: 'create', rowKey, data: everyValue(7) }));
    const sizedFirst = writes[0] as RowWrite;
    expect(tables.transactionBytes('p', [sizedFirst])).toBe(tables.transactionBytes('p', [{ ...sizedFirst }]));
    expect(await tables.commit(TABLE, 'p', writes)).toMatchObject({ committed: true });
    const [sized, unsized] = await rawRows(connectionString, tables.tableName(TABLE));
    expect({ ...sized, rowKey: 'unsized' }).toEqual(unsized);

    // A write given other data after it was sized sends the data it has, measured again.
    const changed: RowWrite = { op: 'upsert', rowKey: 'changed', data: { text: 'x'.repeat(40_000) } };
    tables.transactionBytes('p', [changed]);
    changed.data = { text: 'short', n: 1 };
    expect(await tables.commit(TABLE, 'p', [changed])).toMatchObject({ committed: true });
    expect((await tables.getRow(TABLE, 'p', 'changed'))?.data).toEqual({ text: 'short', n: 1 });

    // Sized first or not, a row past the entity limit is refused before anything is sent.
    const tooLarge: RowWrite = { op: 'upsert', rowKey: 'large', data: { a: 'é'.repeat(300_000), b: 'é'.repeat(300_000) } };
    tables.transactionBytes('p', [tooLarge]);
    const sent = tables.requests.transactions;
    await expect(tables.commit(TABLE, 'p', [tooLarge])).rejects.toMatchObject({ code: 'EntityTooLarge' });
    expect(tables.requests.transactions).toBe(sent);
  });

  it('writes U+2028 and U+2029 in values and keys, which a raw transaction body makes Azurite refuse, and reads them back as written', async () => {
    const tables = newTableStore();
    await tables.ensureTable(TABLE);
    const partitionKey = 'p\u2028line';
    const data = { text: 'line\u2028separator\u2029paragraph\u0085next', other: 'plain' };
    // The SDK sends them raw: Azurite refuses the transaction (this is why a file holding one failed on every run).
    const reference = TableClient.fromConnectionString(azuriteConnectionString(), uniquePrefix() + 'Raw', { allowInsecureConnection: true });
    await reference.createTable();
    await expect(reference.submitTransaction([['upsert', { partitionKey, rowKey: 'r', ...data }, 'Replace']])).rejects.toThrow();
    expect(await tables.commit(TABLE, partitionKey, [{ op: 'create', rowKey: 'r\u2029key', data }])).toMatchObject({ committed: true });
    const read = await tables.readPartition(TABLE, partitionKey);
    expect([...read.keys()]).toEqual(['r\u2029key']);
    expect(read.get('r\u2029key')?.data).toEqual(data);
  });

  it('answers each row its ETag, which a following replace and a point read agree with', async () => {
    const tables = newTableStore();
    await tables.ensureTable(TABLE);
    const first = await tables.commit(TABLE, 'p', [
      { op: 'create', rowKey: 'a', data: { n: 1 } },
      { op: 'upsert', rowKey: "b'%", data: { n: 2 } },
      { op: 'create', rowKey: 'c', data: { n: 3 } },
    ]);
    if (!first.committed) throw new Error(`not committed: ${first.code}`);
    expect(first.etags).toHaveLength(3);
    const [a, b, c] = await Promise.all(['a', "b'%", 'c'].map((key) => tables.getRow(TABLE, 'p', key)));
    expect(first.etags).toEqual([a?.etag, b?.etag, c?.etag]);

    const second = await tables.commit(TABLE, 'p', [
      { op: 'replace', rowKey: 'a', etag: first.etags?.[0] ?? '', data: { n: 10 } },
      { op: 'replace', rowKey: "b'%", etag: first.etags?.[1] ?? '', data: { n: 20, added: 'yes' } },
    ]);
    expect(second).toMatchObject({ committed: true });
    expect((await tables.getRow(TABLE, 'p', "b'%"))?.data).toEqual({ n: 20, added: 'yes' });
    expect(tables.requests.transactions).toBe(2);
    expect(tables.requests.entities).toBe(5);
  });

  it('a create of an existing row is a 409 and leaves the other rows of the transaction unwritten', async () => {
    const tables = newTableStore();
    await tables.ensureTable(TABLE);
    await tables.commit(TABLE, 'p', [{ op: 'create', rowKey: 'taken', data: { n: 1 } }]);
    const outcome = await tables.commit(TABLE, 'p', [
      { op: 'create', rowKey: 'new1', data: { n: 2 } },
      { op: 'upsert', rowKey: 'new2', data: { n: 3 } },
      { op: 'create', rowKey: 'taken', data: { n: 4 } },
    ]);
    expect(outcome).toEqual({ committed: false, status: 409, code: 'EntityAlreadyExists' });
    expect([...(await tables.readPartition(TABLE, 'p')).keys()]).toEqual(['taken']);
    expect((await tables.getRow(TABLE, 'p', 'taken'))?.data).toEqual({ n: 1 });
  });

  it('a replace under a stale ETag is a 412 and undoes the whole transaction', async () => {
    const tables = newTableStore();
    await tables.ensureTable(TABLE);
    const created = await tables.commit(TABLE, 'p', [{ op: 'create', rowKey: 'r', data: { n: 1 } }]);
    const stale = created.committed ? created.etags?.[0] : undefined;
    if (!stale) throw new Error('no ETag');
    await tables.upsert(TABLE, 'p', 'r', { n: 2 });
    const outcome = await tables.commit(TABLE, 'p', [
      { op: 'create', rowKey: 'other', data: { n: 3 } },
      { op: 'replace', rowKey: 'r', etag: stale, data: { n: 4 } },
    ]);
    expect(outcome).toEqual({ committed: false, status: 412, code: 'UpdateConditionNotSatisfied' });
    expect((await tables.getRow(TABLE, 'p', 'r'))?.data).toEqual({ n: 2 });
    expect(await tables.getRow(TABLE, 'p', 'other')).toBeUndefined();
  });

  it('a replace of a row that vanished is a 404 conflict', async () => {
    const tables = newTableStore();
    await tables.ensureTable(TABLE);
    const created = await tables.commit(TABLE, 'p', [{ op: 'create', rowKey: 'r', data: { n: 1 } }]);
    const etag = created.committed ? created.etags?.[0] : undefined;
    await tables.deleteRow(TABLE, 'p', 'r');
    const outcome = await tables.commit(TABLE, 'p', [{ op: 'replace', rowKey: 'r', etag: etag ?? '', data: { n: 2 } }]);
    expect(outcome).toMatchObject({ committed: false, status: 404 });
  });

  it('takes 100 operations in one request, and refuses 101 before sending', async () => {
    const tables = newTableStore();
    await tables.ensureTable(TABLE);
    const writes: RowWrite[] = Array.from({ length: MAX_TRANSACTION_ROWS }, (_, i) => ({
      op: 'create',
      rowKey: `r${String(i).padStart(3, '0')}`,
      data: { i, big: 2 ** 40 + i },
    }));
    const outcome = await tables.commit(TABLE, 'p', writes);
    expect(outcome.committed && outcome.etags?.every((etag) => typeof etag === 'string' && etag.length > 0)).toBe(true);
    const stored = await tables.readPartition(TABLE, 'p');
    expect(stored.size).toBe(100);
    expect(stored.get('r099')?.data).toEqual({ i: 99, big: 2 ** 40 + 99 });
    await expect(tables.commit(TABLE, 'p', [...writes, { op: 'create', rowKey: 'r100', data: {} }])).rejects.toThrow(/at most 100 rows/);
    expect(tables.requests.transactions).toBe(1);
  });

  it('sends a transaction just under the 4 MiB body limit, and refuses one just over it before sending', async () => {
    const tables = newTableStore();
    await tables.ensureTable(TABLE);
    // Rows of about 400 KB (split strings), as many as fit; then one more row that tips it over.
    const rowOf = (i: number, chars: number): RowWrite => ({ op: 'upsert', rowKey: `big${i}`, data: { blob: 'é'.repeat(chars), i } });
    const writes: RowWrite[] = [];
    while (tables.transactionBytes('p', [...writes, rowOf(writes.length, 200_000)]) <= MAX_TRANSACTION_BYTES) writes.push(rowOf(writes.length, 200_000));
    // The longest last row that still fits.
    let fits = 0;
    let tooLong = 2_000_000;
    while (tooLong - fits > 1) {
      const chars = Math.floor((fits + tooLong) / 2);
      if (tables.transactionBytes('p', [...writes, rowOf(writes.length, chars)]) <= MAX_TRANSACTION_BYTES) fits = chars;
      else tooLong = chars;
    }
    const filler = fits;
    const edge = [...writes, rowOf(writes.length, filler)];
    expect(MAX_TRANSACTION_BYTES - tables.transactionBytes('p', edge)).toBeLessThan(100);
    expect(await tables.commit(TABLE, 'p', edge)).toMatchObject({ committed: true });
    expect((await tables.getRow(TABLE, 'p', `big${writes.length}`))?.data['blob']).toBe('é'.repeat(filler));

    const over = [...writes, rowOf(writes.length, filler + 1)];
    const sent = tables.requests.transactions;
    const refused = await tables.commit(TABLE, 'p', over).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(StorageRefusedError);
    expect(refused).toMatchObject({ code: 'RequestBodyTooLarge', status: 413 });
    expect(tables.requests.transactions).toBe(sent);
  });

  it('a row the service refuses throws StorageRefusedError, classified as the SDK path was, and writes nothing', async () => {
    const tables = newTableStore();
    await tables.ensureTable(TABLE);
    const writes: RowWrite[] = [
      { op: 'create', rowKey: 'fine', data: { n: 1 } },
      { op: 'create', rowKey: 'slash/refused', data: { n: 2 } },
    ];
    const refused = await tables.commit(TABLE, 'p', writes).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(StorageRefusedError);
    expect(refused).toMatchObject({ code: 'InvalidInput', status: 400, message: expect.stringMatching(/^1:/) });
    expect(await tables.getRow(TABLE, 'p', 'fine')).toBeUndefined();

    const reference = TableClient.fromConnectionString(azuriteConnectionString(), tables.tableName(TABLE), { allowInsecureConnection: true });
    const sdkError = await reference.submitTransaction(writes.map((write): TransactionAction => ['create', sdkEntity('p', write.rowKey, write.data)])).then(
      () => undefined,
      (error: unknown) => asRefusal(error),
    );
    const withoutRequestIds = (error: unknown): unknown => ({
      ...classifyError(error),
      message: classifyError(error).message.replace(/RequestId:\S+|Time:\S+/g, ''),
    });
    expect(withoutRequestIds(refused)).toEqual(withoutRequestIds(sdkError));
  });

  it('writes through a SAS connection string (the SAS goes on the batch, not into its operations)', async () => {
    const key = /AccountKey=([^;]+)/.exec(azuriteConnectionString())?.[1];
    const endpoint = /TableEndpoint=([^;]+)/.exec(azuriteConnectionString())?.[1];
    if (!key || !endpoint) throw new Error('no key or endpoint in the connection string');
    const sas = generateAccountSas(new AzureNamedKeyCredential('devstoreaccount1', key), {
      expiresOn: new Date(Date.now() + 3_600_000),
      permissions: { add: true, query: true, update: true, write: true, delete: true, list: true },
      resourceTypes: 'sco',
    });
    const tables = newTableStore(`TableEndpoint=${endpoint};SharedAccessSignature=${sas}`);
    await tables.ensureTable(TABLE);
    const outcome = await tables.commit(TABLE, 'p', [
      { op: 'create', rowKey: 'a', data: { n: 1 } },
      { op: 'upsert', rowKey: 'b', data: { n: 2 } },
    ]);
    expect(outcome).toMatchObject({ committed: true });
    expect((await tables.readPartition(TABLE, 'p')).size).toBe(2);
  });

  it('rides out a throttled batch (the retry policy) and a cut answer (sent again), telling onTransient', async () => {
    const azurite = azuriteConnectionString();
    let batches = 0;
    // First batch: 503 before storage sees it. Second: reaches storage, its answer cut mid-body.
    const proxy = createServer((req: IncomingMessage, res: ServerResponse) => {
      const batch = req.url?.includes('$batch') === true ? ++batches : 0;
      if (batch === 1) {
        req.resume();
        res.writeHead(503, { 'Content-Type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>busy</Message></Error>');
        return;
      }
      const upstream = request({ host: '127.0.0.1', port: portOf(azurite, 'Table'), method: req.method, path: req.url, headers: req.headers }, (answer) => {
        if (batch === 2) {
          const headers = { ...answer.headers, 'content-length': '100000' };
          delete headers['transfer-encoding'];
          res.writeHead(answer.statusCode ?? 502, headers);
          answer.once('data', (chunk: Buffer) => {
            res.write(chunk.subarray(0, 20));
            res.destroy();
          });
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const notices: unknown[] = [];
      const port = (proxy.address() as AddressInfo).port;
      const tables = newTableStore(withPorts(azurite, { table: port }), uniquePrefix(), { onTransient: (error) => notices.push(error) });
      await tables.ensureTable(TABLE);
      const outcome = await tables.commit(TABLE, 'p', [
        { op: 'upsert', rowKey: 'a', data: { n: 1 } },
        { op: 'upsert', rowKey: 'b', data: { n: 2 } },
      ]);
      expect(outcome).toMatchObject({ committed: true });
      expect(batches).toBe(3);
      expect(notices.length).toBeGreaterThanOrEqual(1);
      expect((await tables.readPartition(TABLE, 'p')).size).toBe(2);
      expect(tables.requests.transactions).toBe(1);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
