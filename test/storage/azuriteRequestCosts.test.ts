import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDefaultHttpClient, createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { TableClient } from '@azure/data-tables';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledModule, resolveAzuriteEntry, startAzurite, type AzuriteInstance } from '../../src/lib/storage/azurite.js';
import {
  fastBatchBoundary,
  parsedBodyKeys,
  pooledRandomBytes,
  uncopiedUtf8ByteSize,
  type AzuriteBatchRequest,
  type BatchKeyMethods,
} from '../../src/lib/storage/azuriteRequestCosts.js';
import { entityBatchBody, type BatchOperation } from '../../src/lib/storage/entityBatch.js';
import { azuriteConnectionString } from '../support/storage.js';

type Serializer = { batchBoundary: string; extractBatchBoundary(body: string): void };

/** Azurite's own BatchSerialization, as loaded by this test (not patched here). */
function azuriteSerialization(): new () => Serializer {
  const entry = resolveAzuriteEntry();
  const module = createRequire(entry)(path.join(path.dirname(entry), 'table/batch/BatchSerialization.js')) as { BatchSerialization: new () => Serializer };
  return module.BatchSerialization;
}

/** The boundary (or the error) each method finds in `body`. */
function boundaries(body: string): { own: string; fast: string } {
  const Serialization = azuriteSerialization();
  const outcome = (extract: (this: Serializer, body: string) => void): string => {
    const serializer = new Serialization();
    try {
      extract.call(serializer, body);
      return serializer.batchBoundary;
    } catch (error) {
      return `error: ${(error as Error).message}`;
    }
  };
  const own = Serialization.prototype.extractBatchBoundary;
  return { own: outcome(own), fast: outcome(fastBatchBoundary(own)) };
}

describe("Azurite's batch boundary, found without decoding the body", () => {
  it('finds what Azurite finds in the batches this product sends', () => {
    const body = entityBatchBody('http://127.0.0.1:10002/devstoreaccount1', 'AcsCalls', [
      { kind: 'create', entity: { partitionKey: 'p%41', rowKey: 'r 100%', text: 'é %zz %E2%9C%93' } },
      { kind: 'replace', entity: { partitionKey: 'p', rowKey: "it's", n: 1 }, etag: 'W/"datetime\'2024-05-25T00%3A00%3A00Z\'"' },
    ]).body;
    const { own, fast } = boundaries(body);
    expect(fast).toBe(own);
    expect(own).toMatch(/^--batch_[0-9a-f-]{36}$/);
  });

  it('leaves to Azurite the bodies decoding could change, with the same answer', () => {
    for (const body of [
      '--batch_abc%41def\r\n', // a percent right after the boundary decodes to a word character
      '%41--batch_x\r\n', // a percent before it
      '--batch_abc%\r\n%zz', // malformed: Azurite's decoding fails and it reads the body as it is
      '--batch_abc-%2D-x\r\n',
      'no boundary at all',
      '%2D%2Dbatch_encoded',
      '',
    ]) {
      const { own, fast } = boundaries(body);
      expect(fast, JSON.stringify(body)).toBe(own);
    }
  });

  it('agrees with Azurite on any text made of boundary-like pieces', () => {
    const piece = fc.constantFrom('--batch_', '--batch_a', '-', '_', 'ab', '7', '%', '%41', '%2D', '%zz', '%E2%9C%93', 'é', '\r\n', ' ', 'changeset_');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const { own, fast } = boundaries(pieces.join(''));
        expect(fast).toBe(own);
      }),
      { numRuns: 2000 },
    );
  });
});

/** Azurite's BatchRequest and TableBatchOrchestrator, as loaded by this test (not patched here). */
function azuriteBatchClasses() {
  const entry = resolveAzuriteEntry();
  const load = createRequire(entry);
  const at = (name: string) => path.join(path.dirname(entry), 'table/batch', name);
  type Request = AzuriteBatchRequest & { ingestOptionalParams: BatchKeyMethods['ingest'] };
  return {
    BatchRequest: (load(at('BatchRequest.js')) as { default: new (operation: object) => Request }).default,
    Operation: (load(at('TableBatchOperation.js')) as { default: new (headers: string) => Record<string, unknown> }).default,
    InsertParams: (load(at('BatchTableInsertEntityOptionalParams.js')) as { default: new () => object }).default,
    DeleteParams: (load(at('BatchTableDeleteEntityOptionalParams.js')) as { default: new () => object }).default,
    Orchestrator: (
      load(at('TableBatchOrchestrator.js')) as {
        default: { prototype: { extractRequestPartitionKey: BatchKeyMethods['partitionKey']; extractRequestRowKey: BatchKeyMethods['rowKey'] } };
      }
    ).default,
  };
}

/** The keys (or the error) Azurite's readers find for an operation, after its ingest, with its own methods and with parsedBodyKeys. */
function batchKeys(uri: string, body: string, kind: 'insert' | 'delete'): { own: string; fast: string } {
  const { BatchRequest, Operation, InsertParams, DeleteParams, Orchestrator } = azuriteBatchClasses();
  const own: BatchKeyMethods = {
    ingest: BatchRequest.prototype.ingestOptionalParams,
    partitionKey: Orchestrator.prototype.extractRequestPartitionKey,
    rowKey: Orchestrator.prototype.extractRequestRowKey,
  };
  const outcome = (methods: BatchKeyMethods): string => {
    const operation = new Operation('Content-Type: application/json\r\nDataServiceVersion: 3.0\r\n');
    Object.assign(operation, { httpMethod: kind === 'insert' ? 'POST' : 'DELETE', uri, path: 'T', jsonRequestBody: body });
    const request = new BatchRequest(operation);
    const orchestrator = Object.create(Orchestrator.prototype) as object;
    const read = (reader: BatchKeyMethods['partitionKey']): string => {
      try {
        return JSON.stringify(reader.call(orchestrator, request)) ?? 'undefined';
      } catch (error) {
        return `error: ${(error as Error).message}`;
      }
    };
    // Before its ingest (Azurite reads the first operation's partition key so), then after it, twice.
    const before = read(methods.partitionKey);
    try {
      methods.ingest.call(request, kind === 'insert' ? new InsertParams() : new DeleteParams());
    } catch (error) {
      return `${before} ingest error: ${(error as Error).message}`;
    }
    return [before, read(methods.partitionKey), read(methods.rowKey), read(methods.partitionKey), read(methods.rowKey)].join(' | ');
  };
  return { own: outcome(own), fast: outcome(parsedBodyKeys(own)) };
}

describe("Azurite's batch keys, read from the properties it parsed", () => {
  it('finds what Azurite finds for inserts, odd keys and bodies included', () => {
    const table = 'http://127.0.0.1:10002/devstoreaccount1/T';
    const cases: [string, string, 'insert' | 'delete'][] = [
      [table, '{"PartitionKey":"p","RowKey":"r","n":1}', 'insert'],
      [table, '{"RowKey":"it\'s","PartitionKey":"é ✓ 😀","PartitionKey":"last wins"}', 'insert'],
      [table, '{"PartitionKey":"","RowKey":""}', 'insert'],
      [table, '{"n":1}', 'insert'],
      [table, '{"PartitionKey":{"a":1},"RowKey":["r"]}', 'insert'],
      [table, '{"PartitionKey":7,"RowKey":null}', 'insert'],
      [table, '{"__proto__":{"PartitionKey":"p"},"RowKey":"r"}', 'insert'],
      [table, '{"PartitionKey":"p",}', 'insert'],
      [table, '', 'insert'],
      [`${table}(PartitionKey='a%41',RowKey='b''c')`, '{"PartitionKey":"x","RowKey":"y"}', 'insert'],
      [`${table}(PartitionKey='a',RowKey='b')`, '{"PartitionKey":"x","RowKey":"y"}', 'insert'],
      [`${table}?PartitionKey='a',`, '{"PartitionKey":"x","RowKey":"y"}', 'insert'],
      [`${table}%`, '{"PartitionKey":"x","RowKey":"y"}', 'insert'],
      [`${table}(PartitionKey='a',RowKey='b')`, '', 'delete'],
      [table, '{"PartitionKey":"x","RowKey":"y"}', 'delete'],
    ];
    for (const [uri, body, kind] of cases) {
      const { own, fast } = batchKeys(uri, body, kind);
      expect(fast, `${uri} ${body}`).toBe(own);
    }
  });

  it('agrees with Azurite on any URL and body made of key-like pieces', () => {
    const urlPiece = fc.constantFrom('http://h/a/T', '(', ')', "PartitionKey='", "RowKey='", "'", "''", ',', '%', '%41', '%27', '=', 'p', 'é');
    const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant({ a: 1 }), fc.constant(''));
    const body = fc.oneof(
      fc.record({ PartitionKey: value, RowKey: value, n: value }, { requiredKeys: [] }).map((entity) => JSON.stringify(entity)),
      fc.constantFrom('', '{', '{"PartitionKey":"p"', 'null'),
    );
    fc.assert(
      fc.property(fc.array(urlPiece, { maxLength: 10 }), body, fc.constantFrom('insert' as const, 'delete' as const), (pieces, text, kind) => {
        const { own, fast } = batchKeys(pieces.join(''), text, kind);
        expect(fast).toBe(own);
      }),
      { numRuns: 1000 },
    );
  });
});

/** Azurite's own table getUTF8ByteSize, as loaded by this test (not patched here). */
function azuriteUtf8ByteSize(): (text: unknown) => number {
  const entry = resolveAzuriteEntry();
  return (createRequire(entry)(path.join(path.dirname(entry), 'table/utils/utils.js')) as { getUTF8ByteSize: (text: unknown) => number }).getUTF8ByteSize;
}

describe("Azurite's UTF-8 sizes, counted without a copy", () => {
  const own = azuriteUtf8ByteSize();
  const fast = uncopiedUtf8ByteSize(own);

  it('counts what Azurite counts, unpaired surrogates included', () => {
    for (const text of [
      '',
      'a',
      'é✓ 😀',
      '\ud800',
      '\udfff',
      'a\udc00b',
      '\udc00\ud800',
      '\ud83d',
      'x\ud83d\ude00\ud83d',
      '\ufffd',
      '\u0000',
      'é'.repeat(600_000),
    ]) {
      expect(fast(text), JSON.stringify(text.slice(0, 20))).toBe(own(text));
    }
    // Not a string: Azurite's own decides.
    const bytes = new Uint8Array([0xc3, 0xa9, 0xff]);
    expect(fast(bytes)).toBe(own(bytes));
  });

  it('agrees with Azurite on any UTF-16 text, well-formed or not', () => {
    const codeUnit = fc
      .oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.integer({ min: 0, max: 0x7f }))
      .map((unit) => String.fromCharCode(unit));
    const text = fc.oneof(fc.string({ unit: codeUnit }), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));
    fc.assert(
      fc.property(text, (value) => {
        expect(fast(value)).toBe(own(value));
      }),
      { numRuns: 3000 },
    );
  });
});

describe("Azurite's request ids from pooled random bytes", () => {
  it('gives 16 fresh bytes per call across refills of the pool', () => {
    const next = pooledRandomBytes(64);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const bytes = next();
      expect(bytes.length).toBe(16);
      seen.add(bytes.toString('hex'));
      // A copy: changing it (as uuid does) does not change what comes next.
      bytes.fill(0);
    }
    expect(seen.size).toBe(200);
  });

  it('makes Azurite produce distinct version-4 ids once installed, and patches its batch boundary, batch handler, batch keys and UTF-8 sizes', () => {
    const script = `
      import { createRequire } from 'node:module';
      import path from 'node:path';
      const { installRequestCosts } = await import(${JSON.stringify(pathToFileURL(compiledModule('azuriteRequestCosts.js')).href)});
      const entry = ${JSON.stringify(resolveAzuriteEntry())};
      const installed = installRequestCosts(entry);
      const require = createRequire(entry);
      const v4 = require('uuid/v4');
      const ids = Array.from({ length: 1000 }, () => v4());
      const { BatchSerialization } = require(path.join(path.dirname(entry), 'table/batch/BatchSerialization.js'));
      const serializer = new BatchSerialization();
      serializer.extractBatchBoundary('--batch_' + ids[0] + '\\r\\n' + '%'.repeat(10));
      const TableHandler = require(path.join(path.dirname(entry), 'table/handlers/TableHandler.js')).default;
      const batchLogText = String(TableHandler.prototype.batch).includes('Raw request string');
      const { default: TableBatchOrchestrator } = require(path.join(path.dirname(entry), 'table/batch/TableBatchOrchestrator.js'));
      const batchKeys = !String(TableBatchOrchestrator.prototype.extractRequestRowKey).includes('JSON.parse');
      // Azurite's handler, as it sizes bodies and entities: no copy of the text, the same limits.
      const from = Buffer.from;
      let copies = 0;
      Buffer.from = function (...args) { copies++; return from.apply(this, args); };
      const limits = [];
      for (const [check, text] of [['checkEntityLimit', 'é'.repeat(520_000)], ['checkEntityLimit', 'é'.repeat(600_000)], ['checkBodyLimit', 'é\ud800'.repeat(1_000_000)]]) {
        try {
          TableHandler.prototype[check].call({}, { contextID: 'c' }, text);
          limits.push('ok');
        } catch (error) {
          limits.push(error.storageErrorCode);
        }
      }
      Buffer.from = from;
      console.log(JSON.stringify({ installed, ids, boundary: serializer.batchBoundary, patched: !String(BatchSerialization.prototype.extractBatchBoundary).includes('decodeURI'), batchLogText, batchKeys, copies, limits }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as {
      installed: Record<string, boolean>;
      ids: string[];
      boundary: string;
      patched: boolean;
      batchLogText: boolean;
      batchKeys: boolean;
      copies: number;
      limits: string[];
    };
    expect(out.installed).toEqual({ pooledIds: true, fastBoundary: true, batchLogText: true, batchKeys: true, utf8Sizes: true });
    expect(out.copies).toBe(0);
    expect(out.limits).toEqual(['ok', 'EntityTooLarge', 'RequestBodyTooLarge']);
    expect(out.batchLogText).toBe(false);
    expect(out.batchKeys).toBe(true);
    expect(new Set(out.ids).size).toBe(1000);
    for (const id of out.ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(out.boundary).toBe(`--batch_${out.ids[0]}`);
    expect(out.patched).toBe(true);
  });
});

/** The account URL written into every batch body: Azurite reads only its path, so both Azurites get the same bytes. */
const BODY_ACCOUNT_URL = 'http://127.0.0.1:10002/devstoreaccount1';
const CRLF = '\r\n';

/** A hand-written one-changeset `$batch` body, for the verbs the product does not send (MERGE, DELETE) and odd layouts. */
function rawBatch(id: string, parts: readonly string[]): { contentType: string; body: string } {
  const changeset = `--changeset_${id}${CRLF}content-type: application/http${CRLF}content-transfer-encoding: binary${CRLF}${CRLF}`;
  const body =
    [`--batch_${id}${CRLF}content-type: multipart/mixed; boundary=changeset_${id}${CRLF}${CRLF}`, ...parts.map((part) => changeset + part)].join(CRLF) +
    `${CRLF}--changeset_${id}--${CRLF}--batch_${id}--${CRLF}`;
  return { contentType: `multipart/mixed; boundary=batch_${id}`, body };
}

function entityUrl(table: string, partitionKey: string, rowKey: string): string {
  const key = (k: string): string => encodeURIComponent(k.replaceAll("'", "''"));
  return `${BODY_ACCOUNT_URL}/${table}(PartitionKey='${key(partitionKey)}',RowKey='${key(rowKey)}')`;
}

function mergePart(table: string, entity: Record<string, unknown> & { PartitionKey: string; RowKey: string }, ifMatch?: string): string {
  const match = ifMatch === undefined ? '' : `If-Match: ${ifMatch}${CRLF}`;
  return `MERGE ${entityUrl(table, entity.PartitionKey, entity.RowKey)} HTTP/1.1${CRLF}Content-Type: application/json${CRLF}Accept: application/json;odata=minimalmetadata${CRLF}DataServiceVersion: 3.0${CRLF}${match}${CRLF}${JSON.stringify(entity)}`;
}

function deletePart(table: string, partitionKey: string, rowKey: string, ifMatch = '*'): string {
  return `DELETE ${entityUrl(table, partitionKey, rowKey)} HTTP/1.1${CRLF}Accept: application/json;odata=minimalmetadata${CRLF}DataServiceVersion: 3.0${CRLF}If-Match: ${ifMatch}${CRLF}${CRLF}`;
}

function insertPart(table: string, json: string, prefer = 'return-no-content'): string {
  return `POST ${BODY_ACCOUNT_URL}/${table} HTTP/1.1${CRLF}Content-Type: application/json;odata=nometadata${CRLF}Accept: application/json;odata=minimalmetadata${CRLF}DataServiceVersion: 3.0${CRLF}Prefer: ${prefer}${CRLF}${CRLF}${json}`;
}

/** What differs between two Azurites for the same request, whatever they run: times, ETags (made of times), request ids, ports. */
function masked(text: string): string {
  return text
    .replace(/datetime'[^']*'/g, "datetime'…'")
    .replace(/"Timestamp":"[^"]*"/g, '"Timestamp":"…"')
    .replace(/RequestId:[0-9a-f-]{36}/g, 'RequestId:…')
    .replace(/Time:\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'Time:…')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:…');
}

/** Sends a request signed for the account, as the SDK would, and gives its status, content type and body as they came. */
async function send(client: TableClient, method: 'POST' | 'GET', pathAndQuery: string, contentType: string | undefined, body?: string | Uint8Array) {
  const base = client.url.endsWith('/') ? client.url.slice(0, -1) : client.url;
  const headers: Record<string, string> = { 'x-ms-version': '2019-02-02', DataServiceVersion: '3.0;', Accept: 'application/json;odata=fullmetadata' };
  if (contentType !== undefined) headers['Content-Type'] = contentType;
  const request = createPipelineRequest({ url: `${base}/${pathAndQuery}`, method, headers: createHttpHeaders(headers), body, allowInsecureConnection: true });
  const response = await client.pipeline.sendRequest(createDefaultHttpClient(), request);
  return { status: response.status, contentType: response.headers.get('content-type'), body: response.bodyAsText ?? '' };
}

describe("Azurite's answers with and without the request costs removed", () => {
  let plain: AzuriteInstance;
  beforeAll(async () => {
    plain = await startAzurite({ plainRequests: true });
  }, 60_000);
  afterAll(async () => {
    await plain?.stop();
  });

  it('answers every batch and stores every entity byte for byte the same, ETags and times aside', async () => {
    const table = 'Costs' + randomBytes(5).toString('hex');
    // No retries: the SDK retries Azurite's error answers (a body it cannot read) with backoff, seconds each.
    const clients = [azuriteConnectionString(), plain.connectionString].map((connectionString) =>
      TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } }),
    );
    for (const client of clients) await client.createTable();

    const odd = ["it's", 'r 100%', 'a%41b', 'é✓ 😀', 'x=y', "PartitionKey='p',RowKey='q')", '&+; ~', ''];
    const typed = (rowKey: string, n: number): BatchOperation['entity'] => ({
      partitionKey: 'p é',
      rowKey,
      text: `Zoë ✓ 😀 ${n} \u2028 "quoted" \\ back`,
      big: BigInt('9007199254740993') * BigInt(n + 1),
      at: new Date(Date.UTC(2024, 4, 25, 12, n, 7, 123)),
      bytes: new Uint8Array([0, 255, n, 128]),
      id: { value: '0f8fad5b-d9cb-469f-a165-70867728950e', type: 'Guid' },
      ratio: 0.1 + n,
      whole: { value: '5', type: 'Double' },
      ok: n % 2 === 0,
      empty: '',
      none: null,
    });
    // Bytes that are no UTF-8 (a lone byte, a surrogate encoded, a cut sequence), put where the marker is.
    const invalidUtf8 = (batch: { contentType: string; body: string }) => {
      const [before, after] = batch.body.split('INVALID') as [string, string];
      return { ...batch, body: Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0x41, 0xed, 0xa0, 0x80, 0xc3, 0x20, 0xe2, 0x82]), Buffer.from(after)]) };
    };
    // Values of 30,000 two-byte characters (a value may have 32K): 60 kB of UTF-8 each.
    const largeValues = (count: number): Record<string, string> => Object.fromEntries(Array.from({ length: count }, (_, n) => [`v${n}`, 'é'.repeat(30_000)]));
    const batches: { contentType: string; body: string | Uint8Array }[] = [
      // Inserts and upserts as the product writes them, odd keys included.
      entityBatchBody(
        BODY_ACCOUNT_URL,
        table,
        [...odd.map((rowKey, n): BatchOperation => ({ kind: 'create', entity: typed(rowKey, n) })), { kind: 'upsert', entity: typed('upserted', 20) }],
        'b1',
        'c1',
      ),
      // Replaces and upserts of rows that exist.
      entityBatchBody(
        BODY_ACCOUNT_URL,
        table,
        [
          { kind: 'replace', entity: { ...typed("it's", 30), extra: 'ü' }, etag: '*' },
          { kind: 'upsert', entity: typed('é✓ 😀', 31) },
        ],
        'b2',
        'c2',
      ),
      // Merges, deletes and inserts whose body the request's own layout varies.
      rawBatch('b3', [
        mergePart(table, { PartitionKey: 'p é', RowKey: 'r 100%', added: 'neu ✓', 'big@odata.type': 'Edm.Int64', big: '-9223372036854775808' }, '*'),
        mergePart(table, { PartitionKey: 'p é', RowKey: 'merged new', only: 1 }),
        deletePart(table, 'p é', 'a%41b'),
        insertPart(
          table,
          JSON.stringify({ PartitionKey: 'p é', RowKey: 'with content', 'when@odata.type': 'Edm.DateTime', when: '2024-01-02T03:04:05.6789012Z' }),
          'return-content',
        ),
        insertPart(table, '{"RowKey":"keys last","n":1,"PartitionKey":"p é","RowKey":"keys twice"}'),
      ]),
      // A failing operation in the middle: the row exists, the whole changeset is undone.
      entityBatchBody(
        BODY_ACCOUNT_URL,
        table,
        [
          { kind: 'create', entity: typed('not kept', 40) },
          { kind: 'create', entity: typed('x=y', 41) },
          { kind: 'upsert', entity: typed('not kept either', 42) },
        ],
        'b4',
        'c4',
      ),
      // A stale ETag, a delete of a missing row, a duplicate row, an entity without a row key.
      entityBatchBody(
        BODY_ACCOUNT_URL,
        table,
        [{ kind: 'replace', entity: typed('&+; ~', 50), etag: `W/"datetime'2001-01-01T00%3A00%3A00.0000000Z'"` }],
        'b5',
        'c5',
      ),
      rawBatch('b6', [deletePart(table, 'p é', 'never there')]),
      rawBatch('b7', [insertPart(table, '{"PartitionKey":"p é","RowKey":"twice"}'), insertPart(table, '{"PartitionKey":"p é","RowKey":"twice"}')]),
      rawBatch('b8', [insertPart(table, '{"PartitionKey":"p é","n":1}')]),
      rawBatch('b9', [insertPart(table, '{"PartitionKey":"p é","RowKey":"bad json",}')]),
      rawBatch('b10', [insertPart(table, '{"PartitionKey":"p é","RowKey":"nested","n":{"x":1}}')]),
      rawBatch('b11', [insertPart(table, '{"PartitionKey":{"p":1},"RowKey":"key of an object"}')]),
      rawBatch('b12', [insertPart(table, '{"PartitionKey":"p é","RowKey":7}')]),
      // Unpaired surrogates in values: escaped in the JSON, raw in its text (sent as U+FFFD), and bytes that are no UTF-8.
      entityBatchBody(
        BODY_ACCOUNT_URL,
        table,
        [{ kind: 'create', entity: { partitionKey: 'p é', rowKey: 'escaped surrogates', s: 'a\ud800b\udc00\udc00\ud800 \ud83d', t: '\ud83d\ude00\ud83d' } }],
        'b13',
        'c13',
      ),
      rawBatch('b14', [insertPart(table, '{"PartitionKey":"p é","RowKey":"raw surrogates","s":"a\ud800b\udc00\ud83d"}')]),
      invalidUtf8(rawBatch('b15', [insertPart(table, '{"PartitionKey":"p é","RowKey":"invalid bytes","s":"INVALID"}')])),
      // Upserted entities (their size is checked against 1 MiB) under the limit in characters both times, over it in bytes the second.
      entityBatchBody(BODY_ACCOUNT_URL, table, [{ kind: 'upsert', entity: { partitionKey: 'p é', rowKey: 'large', ...largeValues(17) } }], 'b16', 'c16'),
      entityBatchBody(BODY_ACCOUNT_URL, table, [{ kind: 'upsert', entity: { partitionKey: 'p é', rowKey: 'too large', ...largeValues(20) } }], 'b17', 'c17'),
    ];
    const answers: string[] = [];
    for (const batch of batches) {
      const [patched, own] = await Promise.all(clients.map((client) => send(client, 'POST', '$batch', batch.contentType, batch.body)));
      const body = typeof batch.body === 'string' ? batch.body.slice(0, 4000) : Buffer.from(batch.body).toString('utf8');
      expect(masked(JSON.stringify(patched)), body).toBe(masked(JSON.stringify(own)));
      answers.push(patched?.body ?? '');
    }
    expect(answers.at(-1)).toContain('EntityTooLarge');
    const [patchedRows, ownRows] = await Promise.all(clients.map((client) => send(client, 'GET', `${table}()`, undefined)));
    expect(patchedRows?.status).toBe(200);
    expect(JSON.parse(patchedRows?.body ?? '').value.length).toBeGreaterThan(8);
    expect(masked(patchedRows?.body ?? '')).toBe(masked(ownRows?.body ?? ''));
    const rowKeys = (JSON.parse(patchedRows?.body ?? '') as { value: { RowKey: string }[] }).value.map((row) => row.RowKey);
    expect(rowKeys).toEqual(expect.arrayContaining(['large', 'escaped surrogates', 'raw surrogates', 'invalid bytes']));
    expect(rowKeys).not.toContain('too large');
  });
});
