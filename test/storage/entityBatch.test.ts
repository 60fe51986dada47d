import { TableClient, type TransactionAction } from '@azure/data-tables';
import type { HttpClient, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import { memoryUsage } from 'node:process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { entityBatchBody, entityJson, keyInUrl, readBatchAnswer, type BatchOperation } from '../../src/lib/storage/entityBatch.js';

const KEY_CONNECTION =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';
const SAS_CONNECTION =
  'TableEndpoint=https://contoso.table.core.windows.net/;SharedAccessSignature=sv=2019-02-02&ss=t&srt=sco&sp=rwdlacu&se=2099-01-01T00:00:00Z&sig=abc%2Bdef';

/** What the SDK's own submitTransaction puts on the wire for the same operations, caught before it leaves. */
async function sdkRequest(connection: string, table: string, operations: readonly BatchOperation[]): Promise<PipelineRequest> {
  let caught: PipelineRequest | undefined;
  const httpClient: HttpClient = {
    sendRequest: async (request): Promise<PipelineResponse> => {
      caught = request;
      return { request, status: 202, headers: request.headers, bodyAsText: '' };
    },
  };
  const client = TableClient.fromConnectionString(connection, table, { httpClient, allowInsecureConnection: true });
  const actions: TransactionAction[] = operations.map((operation) =>
    operation.kind === 'create'
      ? ['create', operation.entity]
      : operation.kind === 'upsert'
        ? ['upsert', operation.entity, 'Replace']
        : ['update', operation.entity, 'Replace', { etag: operation.etag }],
  );
  await client.submitTransaction(actions);
  if (!caught) throw new Error('the SDK sent nothing');
  return caught;
}

/** The SDK's boundaries, so that our body can be built with the same ones and compared byte for byte. */
function boundaries(request: PipelineRequest): { batchId: string; changesetId: string } {
  const body = String(request.body);
  const batchId = /^--batch_([0-9a-f-]+)\r\n/.exec(body)?.[1];
  const changesetId = /boundary=changeset_([0-9a-f-]+)\r\n/.exec(body)?.[1];
  if (!batchId || !changesetId) throw new Error(`no boundaries in ${body.slice(0, 200)}`);
  return { batchId, changesetId };
}

const ODD_KEYS = ["it's", '100%', 'a b+c&d=e', 'é中😀', "''%27%", '(x)*!~', 'x:y@z$,;'];

function everyType(partitionKey: string, rowKey: string): Record<string, unknown> & { partitionKey: string; rowKey: string } {
  return {
    partitionKey,
    rowKey,
    text: 'quote " backslash \\ newline \n tab \t control \u0001 nul \u0000 é 中 😀 lone \ud800 end',
    empty: '',
    int: 42,
    negative: -2_147_483_648,
    double: 0.1 + 0.2,
    tiny: 5e-324,
    huge: 1.7976931348623157e308,
    integralDouble: 3.0,
    bigAsDouble: { value: String(2 ** 53), type: 'Double' },
    int64: 9_007_199_254_740_993n,
    int64Typed: { value: '-9223372036854775808', type: 'Int64' },
    yes: true,
    no: false,
    when: new Date(Date.UTC(2026, 10, 30, 12, 34, 56, 789)),
    bytes: new Uint8Array([0, 1, 254, 255]),
    guid: { value: '0f8fad5b-d9cb-469f-a165-70867728950e', type: 'Guid' },
    json: JSON.stringify({ a: [1, 2, { b: 'c' }] }),
  };
}

describe('entity-group transaction body', () => {
  it('is byte for byte what the SDK sends: every operation kind, every property type, keys that need escaping', async () => {
    const partitionKey = "p'1%é 😀";
    const operations: BatchOperation[] = [
      { kind: 'create', entity: everyType(partitionKey, 'created') },
      { kind: 'upsert', entity: everyType(partitionKey, 'upserted') },
      { kind: 'replace', entity: everyType(partitionKey, 'replaced'), etag: `W/"datetime'2026-11-30T10%3A42%3A48.1234567Z'"` },
      ...ODD_KEYS.map((rowKey, i): BatchOperation =>
        i % 3 === 0
          ? { kind: 'create', entity: { partitionKey, rowKey, n: i } }
          : i % 3 === 1
            ? { kind: 'upsert', entity: { partitionKey, rowKey, n: i } }
            : { kind: 'replace', entity: { partitionKey, rowKey, n: i }, etag: `W/"${i}"` },
      ),
    ];
    const sdk = await sdkRequest(KEY_CONNECTION, 'Tab1', operations);
    const { batchId, changesetId } = boundaries(sdk);
    const ours = entityBatchBody('http://127.0.0.1:10002/devstoreaccount1', 'Tab1', operations, batchId, changesetId);
    expect(ours.body).toBe(String(sdk.body));
    expect(ours.contentType).toBe(sdk.headers.get('content-type'));
  });

  it('keeps a SAS out of the operations, as the SDK does', async () => {
    const operations: BatchOperation[] = [
      { kind: 'create', entity: { partitionKey: 'p', rowKey: 'a', n: 1 } },
      { kind: 'replace', entity: { partitionKey: 'p', rowKey: 'b', n: 2 }, etag: 'W/"x"' },
    ];
    const sdk = await sdkRequest(SAS_CONNECTION, 'Tab2', operations);
    const { batchId, changesetId } = boundaries(sdk);
    const client = TableClient.fromConnectionString(SAS_CONNECTION, 'Tab2');
    const ours = entityBatchBody(client.url, 'Tab2', operations, batchId, changesetId);
    expect(ours.body).toBe(String(sdk.body));
    expect(ours.body).not.toContain('sig=');
  });

  it('sends entities of text, numbers and booleans only byte for byte as the SDK does, whatever their names and values', async () => {
    const plain = (rowKey: string, data: Record<string, unknown>): BatchOperation => ({ kind: 'upsert', entity: { partitionKey: "p'1", rowKey, ...data } });
    const operations: BatchOperation[] = [
      plain('r1', { text: 'quote " backslash \\ newline \n é 中 😀 lone \ud800', n: 0.1 + 0.2, i: -7, yes: true, no: false, empty: '' }),
      plain('r2', { gone: undefined, nothing: null, last: 'x' }),
      plain('r3', { '10': 'index-like name', '2': 2, name: 'after them' }),
      plain('{"partitionKey":', { partitionKey2: '{"partitionKey":"p\'1","rowKey":', rowKey2: 'x' }),
      plain('r5', { etag: 'a property named like a system property', timestamp: 'too' }),
      plain('r6', {}),
    ];
    const sdk = await sdkRequest(KEY_CONNECTION, 'Tab1', operations);
    const { batchId, changesetId } = boundaries(sdk);
    const client = TableClient.fromConnectionString(KEY_CONNECTION, 'Tab1', { allowInsecureConnection: true });
    expect(entityBatchBody(client.url, 'Tab1', operations, batchId, changesetId).body).toBe(String(sdk.body));
  });

  it('annotates the types JSON cannot carry, and nothing else', () => {
    const json = JSON.parse(entityJson(everyType('p', 'r'))) as Record<string, unknown>;
    expect(json['PartitionKey']).toBe('p');
    expect(json['RowKey']).toBe('r');
    expect(json['int']).toBe(42);
    expect(json['int@odata.type']).toBeUndefined();
    expect(json['bigAsDouble']).toBe('9007199254740992');
    expect(json['bigAsDouble@odata.type']).toBe('Edm.Double');
    expect(json['int64']).toBe('9007199254740993');
    expect(json['int64@odata.type']).toBe('Edm.Int64');
    expect(json['when']).toBe('2026-11-30T12:34:56.789Z');
    expect(json['when@odata.type']).toBe('Edm.DateTime');
    expect(json['bytes']).toBe('AAH+/w==');
    expect(json['bytes@odata.type']).toBe('Edm.Binary');
    expect(json['text']).toContain('😀 lone \ud800 end');
  });

  it('refuses what the service cannot store instead of sending it', () => {
    expect(() => entityJson({ partitionKey: 'p', rowKey: 'r', nested: { a: 1 } })).toThrow(/property nested: a value of type object cannot be stored/);
    expect(() => entityJson({ partitionKey: 'p', rowKey: 'r', odd: { value: '1', type: 'Decimal' } })).toThrow(/unknown EDM type Decimal/);
    expect(() => entityBatchBody('http://h/a', 'T', [{ kind: 'replace', entity: { partitionKey: 'p', rowKey: 'r' }, etag: 'W/"x"\r\nIf-Match: *' }])).toThrow(
      /line break/,
    );
  });

  it('escapes keys in entity URLs: quotes doubled, then percent-encoded', () => {
    expect(keyInUrl("it's")).toBe("it''s");
    expect(keyInUrl('100%')).toBe('100%25');
    expect(keyInUrl('a b#?&')).toBe('a%20b%23%3F%26');
    expect(keyInUrl('😀')).toBe('%F0%9F%98%80');
  });
});

const OK_ANSWER = [
  '--batchresponse_1\r\nContent-Type: multipart/mixed; boundary=changesetresponse_2\r\n\r\n',
  '--changesetresponse_2\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 204 No Content\r\nDataServiceVersion: 3.0;\r\nETag: W/"datetime\'2026-11-30T10%3A00%3A00.1Z\'"\r\n\r\n',
  '--changesetresponse_2\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 204 No Content\r\netag: W/"two"\r\n\r\n',
  '--changesetresponse_2\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
  '--changesetresponse_2--\r\n--batchresponse_1--\r\n',
].join('');

const FAILED_ANSWER = [
  '--batchresponse_1\r\nContent-Type: multipart/mixed; boundary=changesetresponse_2\r\n\r\n',
  '--changesetresponse_2\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 409 Conflict\r\nContent-ID: 2\r\nContent-Type: application/json;odata=minimalmetadata;charset=utf-8\r\n\r\n',
  '{"odata.error":{"code":"EntityAlreadyExists","message":{"lang":"en-US","value":"1:The specified entity already exists.\\nRequestId:x\\nTime:y"}}}\r\n',
  '--changesetresponse_2--\r\n--batchresponse_1--\r\n',
].join('');

describe('entity-group transaction answer', () => {
  it('gives every operation its ETag, in order', () => {
    expect(readBatchAnswer(202, OK_ANSWER)).toEqual({ ok: true, etags: [`W/"datetime'2026-11-30T10%3A00%3A00.1Z'"`, 'W/"two"', undefined] });
  });

  it('gives the failing operation its status, code and message', () => {
    expect(readBatchAnswer(202, FAILED_ANSWER)).toEqual({
      ok: false,
      status: 409,
      code: 'EntityAlreadyExists',
      message: '1:The specified entity already exists.\nRequestId:x\nTime:y',
    });
  });

  it('a failed part without an OData body still fails, with its status', () => {
    const bare = FAILED_ANSWER.replace(/\{"odata.error".*\}\r\n/, '');
    expect(readBatchAnswer(202, bare)).toEqual({ ok: false, status: 409, code: undefined, message: 'Transaction Failed' });
  });

  it('a refused batch gives the service code, or the SDK message when the body is not OData', () => {
    expect(readBatchAnswer(400, '{"odata.error":{"code":"InvalidInput","message":{"value":"bad"}}}')).toEqual({
      ok: false,
      status: 400,
      code: 'InvalidInput',
      message: 'bad',
    });
    expect(readBatchAnswer(413, '<html>too large</html>')).toEqual({ ok: false, status: 413, code: undefined, message: 'Transaction Failed' });
  });

  it('keeps no part of the answer alive through the ETags it gives (a cached row keeps its ETag for a run)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const parts = ['--batchresponse_1\r\nContent-Type: multipart/mixed; boundary=changesetresponse_2\r\n\r\n'];
    // 100 parts of 64 KiB each: 6.4 MiB of answer, one-byte text.
    for (let i = 0; i < 100; i++) {
      parts.push(
        `--changesetresponse_2\r\n\r\nHTTP/1.1 204 No Content\r\nETag: W/"datetime'2026-11-30T10%3A00%3A${String(i).padStart(2, '0')}.1Z'"\r\n${'x'.repeat(64 * 1024)}\r\n`,
      );
    }
    parts.push('--changesetresponse_2--\r\n--batchresponse_1--\r\n');
    gc();
    const before = memoryUsage().heapUsed;
    const answer = readBatchAnswer(202, parts.join(''));
    parts.length = 0;
    // The last regular-expression match keeps its subject (RegExp.input): another match lets it go.
    expect(/b/.exec('b')).not.toBeNull();
    gc();
    const kept = memoryUsage().heapUsed - before;
    expect(answer.ok && answer.etags.length).toBe(100);
    expect(kept).toBeLessThan(1024 * 1024);
  });

  it('a success must answer every operation sent; a failure of the whole batch may come outside the changeset', () => {
    expect(readBatchAnswer(202, OK_ANSWER, 3)).toMatchObject({ ok: true });
    expect(() => readBatchAnswer(202, OK_ANSWER, 4)).toThrow(/4 operations answered 202 with 3 operation answers/);
    expect(() => readBatchAnswer(202, '', 1)).toThrow(/with 0 operation answers/);
    const wholeBatchRefused =
      '--batchresponse_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 400 Bad Request\r\n\r\n' +
      '{"odata.error":{"code":"InvalidInput","message":{"lang":"en-US","value":"0:One of the request inputs is not valid."}}}\r\n--batchresponse_1--\r\n';
    expect(readBatchAnswer(202, wholeBatchRefused, 2)).toEqual({
      ok: false,
      status: 400,
      code: 'InvalidInput',
      message: '0:One of the request inputs is not valid.',
    });
  });

  it('a part without a status line is an error, not a success', () => {
    const broken = OK_ANSWER.replace('HTTP/1.1 204 No Content\r\netag', 'garbage\r\netag');
    expect(() => readBatchAnswer(202, broken)).toThrow(/without a status line/);
  });
});
