import { randomUUID } from 'node:crypto';
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import { RestError, type TableClient } from '@azure/data-tables';
import { codeInBody, messageInBody } from './errors.js';
import { escapedLineBreaks } from './limits.js';

/**
 * An entity-group transaction written and read by hand: the OData `$batch` request (one changeset,
 * laid out byte for byte as @azure/data-tables 13 lays it out) sent through the table client's own
 * pipeline, so its credential, retry policy and added policies apply. The SDK's own path builds a
 * client, a serializer and a tracing span per operation; this one joins strings.
 */

/** An entity as sent: its keys plus properties that are primitives, Date, bigint, Uint8Array or `{ value, type }`. */
export interface BatchEntity {
  partitionKey: string;
  rowKey: string;
  [property: string]: unknown;
}

/** `create` fails on an existing row; `replace` when the row's ETag moved; `upsert` never on the row. */
export type BatchOperation =
  { kind: 'create'; entity: BatchEntity } | { kind: 'replace'; entity: BatchEntity; etag: string } | { kind: 'upsert'; entity: BatchEntity };

/** The answer to a batch: every operation's ETag in operation order, or the one failure that undid them all. */
export type BatchAnswer = { ok: true; etags: (string | undefined)[] } | { ok: false; status: number; code: string | undefined; message: string };

const CRLF = '\r\n';
const TYPED = new Set(['Binary', 'Boolean', 'DateTime', 'Double', 'Guid', 'Int32', 'Int64', 'String']);

/** The service's names for the SDK's names of system properties. */
const KEY_NAMES: Readonly<Record<string, string>> = { partitionKey: 'PartitionKey', rowKey: 'RowKey', etag: 'odata.etag', timestamp: 'Timestamp' };

/**
 * The entity as JSON with `@odata.type` annotations for what JSON cannot say (Int64, DateTime,
 * Binary, explicit types): what the SDK's serializer sends for the same entity, byte for byte, but
 * for U+2028 and U+2029, which it escapes (escapedLineBreaks).
 */
export function entityJson(entity: BatchEntity): string {
  return escapedLineBreaks(plainEntityJson(entity) ?? annotatedEntityJson(entity));
}

/**
 * entityJson of an entity whose keys come first and whose values JSON says as they are (text,
 * numbers, booleans, null): the entity's own JSON with the keys renamed, without a copy of it.
 * Undefined for any other entity.
 */
function plainEntityJson(entity: BatchEntity): string | undefined {
  const names = Object.keys(entity);
  if (names[0] !== 'partitionKey' || names[1] !== 'rowKey') return undefined;
  for (let i = 2; i < names.length; i++) {
    const name = names[i] as string;
    const value = entity[name];
    if (KEY_NAMES[name] !== undefined) return undefined;
    if (value !== null && value !== undefined && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
  }
  const json = JSON.stringify(entity);
  const partitionKey = JSON.stringify(entity.partitionKey);
  const head = `{"partitionKey":${partitionKey},"rowKey":`;
  if (!json.startsWith(head)) return undefined;
  return `{"PartitionKey":${partitionKey},"RowKey":${json.slice(head.length)}`;
}

function annotatedEntityJson(entity: BatchEntity): string {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(entity)) {
    const value = entity[name];
    const wireName = KEY_NAMES[name] ?? name;
    if (value === undefined || value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      out[wireName] = value;
    } else if (typeof value === 'bigint') {
      out[wireName] = value.toString();
      out[`${wireName}@odata.type`] = 'Edm.Int64';
    } else if (value instanceof Date) {
      out[wireName] = value;
      out[`${wireName}@odata.type`] = 'Edm.DateTime';
    } else if (value instanceof Uint8Array) {
      out[wireName] = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
      out[`${wireName}@odata.type`] = 'Edm.Binary';
    } else if (isTypedValue(value)) {
      if (!TYPED.has(value.type)) throw new Error(`property ${name}: unknown EDM type ${value.type}`);
      out[wireName] = value.value;
      out[`${wireName}@odata.type`] = `Edm.${value.type}`;
    } else {
      throw new Error(`property ${name}: a value of type ${typeof value} cannot be stored`);
    }
  }
  return JSON.stringify(out);
}

function isTypedValue(value: unknown): value is { value: unknown; type: string } {
  if (typeof value !== 'object' || value === null) return false;
  const typed = value as { value?: unknown; type?: unknown };
  return typed.value !== undefined && typeof typed.type === 'string';
}

/** A key inside an entity URL: quotes doubled (OData), then percent-encoded as the SDK does. */
export function keyInUrl(key: string): string {
  return encodeURIComponent(key.replaceAll("'", "''"));
}

/** The account URL without its query (a SAS) and without a trailing slash. */
export function accountBase(accountUrl: string): { base: string; query: string } {
  const at = accountUrl.indexOf('?');
  const base = at < 0 ? accountUrl : accountUrl.slice(0, at);
  return { base: base.endsWith('/') ? base.slice(0, -1) : base, query: at < 0 ? '' : accountUrl.slice(at) };
}

/** The `$batch` request: its Content-Type (naming the batch boundary) and its body. */
export function entityBatchBody(
  accountUrl: string,
  table: string,
  operations: readonly BatchOperation[],
  batchId: string = randomUUID(),
  changesetId: string = randomUUID(),
): { contentType: string; body: string } {
  const tableUrl = `${accountBase(accountUrl).base}/${table}`;
  const changeset = `--changeset_${changesetId}${CRLF}content-type: application/http${CRLF}content-transfer-encoding: binary${CRLF}${CRLF}`;
  const parts: string[] = [`--batch_${batchId}${CRLF}content-type: multipart/mixed; boundary=changeset_${changesetId}${CRLF}${CRLF}`];
  for (const operation of operations) {
    const json = entityJson(operation.entity);
    if (operation.kind === 'create') {
      parts.push(
        `${changeset}POST ${tableUrl} HTTP/1.1${CRLF}Content-Type: application/json;odata=nometadata${CRLF}` +
          `Accept: application/json;odata=minimalmetadata${CRLF}DataServiceVersion: 3.0${CRLF}Prefer: return-no-content${CRLF}${CRLF}${CRLF}${json}`,
      );
      continue;
    }
    const entityUrl = `${tableUrl}(PartitionKey='${keyInUrl(operation.entity.partitionKey)}',RowKey='${keyInUrl(operation.entity.rowKey)}')`;
    let headers = `Content-Type: application/json${CRLF}DataServiceVersion: 3.0${CRLF}Accept: application/json${CRLF}`;
    if (operation.kind === 'replace') {
      // An ETag is the service's, but a line break in it would forge a header or a part.
      if (/[\r\n]/.test(operation.etag)) throw new Error(`ETag of row ${operation.entity.rowKey} holds a line break`);
      headers += `If-Match: ${operation.etag}${CRLF}`;
    }
    parts.push(`${changeset}PUT ${entityUrl} HTTP/1.1${CRLF}${headers}${CRLF}${CRLF}${json}`);
  }
  parts.push(`--changeset_${changesetId}--${CRLF}--batch_${batchId}--${CRLF}`);
  // One join: a concatenation after it would be flattened again (a copy) by each reader of the text.
  const body = parts.join(CRLF);
  return { contentType: `multipart/mixed; boundary=batch_${batchId}`, body };
}

/**
 * Reads a `$batch` answer. A changeset fails as a whole and then answers with the failing
 * operation only: its status and its `odata.error` code and message. A failure of the batch as a
 * whole may come as a part of the batch, outside any changeset. Given the number of operations sent,
 * a success must answer each of them (OData's batch answer matches its request part for part):
 * anything else (an empty or foreign body relayed with a 2xx) says nothing about what was written,
 * and is an error, never a commit.
 */
export function readBatchAnswer(status: number, text: string, operations?: number): BatchAnswer {
  if (status < 200 || status >= 300) return { ok: false, status, ...odataError(text) };
  const parts = text.split('--changesetresponse_');
  if (parts.length < 3) {
    const statusLine = /HTTP\/1\.1 (\d{3})/.exec(text);
    const partStatus = Number(statusLine?.[1]);
    if (statusLine && (partStatus < 200 || partStatus >= 300)) {
      const body = text.slice(statusLine.index);
      const bodyStart = body.indexOf('{');
      return { ok: false, status: partStatus, ...odataError(bodyStart < 0 ? '' : body.slice(bodyStart, body.lastIndexOf('}') + 1)) };
    }
  }
  const etags: (string | undefined)[] = [];
  // The first piece is the batch preamble, the last the closing boundary.
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] ?? '';
    const statusLine = /HTTP\/1\.1 (\d{3})/.exec(part);
    if (!statusLine?.[1]) throw new Error(`a transaction answer part without a status line: ${part.slice(0, 200)}`);
    const partStatus = Number(statusLine[1]);
    if (partStatus < 200 || partStatus >= 300) {
      const bodyStart = part.indexOf('{');
      return { ok: false, status: partStatus, ...odataError(bodyStart < 0 ? '' : part.slice(bodyStart, part.lastIndexOf('}') + 1)) };
    }
    const etag = /^ETag:[ \t]*(.*?)[ \t]*\r?$/im.exec(part)?.[1];
    etags.push(etag === undefined ? undefined : detached(etag));
  }
  if (operations !== undefined && etags.length !== operations) {
    throw new Error(`a transaction of ${operations} operations answered ${status} with ${etags.length} operation answers: ${text.slice(0, 200)}`);
  }
  return { ok: true, etags };
}

/**
 * The text as a string of its own: a match in a larger string is a slice that keeps all of it alive,
 * and an ETag is kept for as long as its row is known (a whole answer per cached row, measured).
 */
function detached(text: string): string {
  // A concatenation is flattened into a new string by slice: the slice then keeps only that copy.
  return (' ' + text).slice(1);
}

/** The service's error code and message, as the SDK reads them (its message when the body is not OData JSON). */
export function odataError(text: string, fallback = 'Transaction Failed'): { code: string | undefined; message: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Some refusals (a wrong key, an unknown account) come as the storage services' XML.
    if (isXmlError(text)) return { code: codeInBody(text), message: messageInBody(text) ?? fallback };
    parsed = undefined;
  }
  const error = (parsed as { 'odata.error'?: { code?: unknown; message?: { value?: unknown } } } | undefined)?.['odata.error'];
  return {
    code: typeof error?.code === 'string' ? error.code : undefined,
    message: typeof error?.message?.value === 'string' ? error.message.value : fallback,
  };
}

/** The storage services' XML error document (not a gateway's HTML page, which is shown as it is). */
export function isXmlError(text: string): boolean {
  return /^\s*<\?xml/.test(text) || text.includes('<Error>');
}

let httpClient: HttpClient | undefined;

/** The request the SDK's submitTransaction sends, for a body built here. */
function batchRequest(client: TableClient, contentType: string, body: Buffer, allowInsecureConnection: boolean): PipelineRequest {
  const { base, query } = accountBase(client.url);
  return createPipelineRequest({
    url: `${base}/$batch${query}`,
    method: 'POST',
    body,
    allowInsecureConnection,
    headers: createHttpHeaders({
      accept: 'application/json',
      'x-ms-version': '2019-02-02',
      DataServiceVersion: '3.0;',
      MaxDataServiceVersion: '3.0;NetFx',
      'Content-Type': contentType,
      'Accept-Charset': 'UTF-8',
      Connection: 'Keep-Alive',
    }),
  });
}

/** A built batch, ready to be sent (again, when an answer was cut). */
export interface PreparedBatch {
  readonly contentType: string;
  /** How many operations it holds: a success answers each. */
  readonly operations: number;
  /** Encoded once, here: as text, the signing policy and the socket would each encode or copy it again. */
  readonly body: Buffer;
}

export function prepareEntityBatch(client: TableClient, operations: readonly BatchOperation[]): PreparedBatch {
  const { contentType, body } = entityBatchBody(client.url, client.tableName, operations);
  return { contentType, operations: operations.length, body: Buffer.from(body, 'utf8') };
}

/**
 * Sends a prepared batch through the client's pipeline. Resolves with the ETags in operation order;
 * a refused batch or operation throws RestError with the status, code and message the SDK's
 * submitTransaction gives, so callers classify it the same way.
 */
export async function sendEntityBatch(client: TableClient, batch: PreparedBatch, allowInsecureConnection: boolean): Promise<(string | undefined)[]> {
  const request = batchRequest(client, batch.contentType, batch.body, allowInsecureConnection);
  httpClient ??= createDefaultHttpClient();
  const response: PipelineResponse = await client.pipeline.sendRequest(httpClient, request);
  let answer: BatchAnswer;
  try {
    answer = readBatchAnswer(response.status, response.bodyAsText ?? '', batch.operations);
  } catch (error) {
    throw new RestError(error instanceof Error ? error.message : String(error), {
      code: 'UnreadableTransactionAnswer',
      statusCode: response.status,
      request,
      response,
    });
  }
  if (!answer.ok) throw new RestError(answer.message, { code: answer.code, statusCode: answer.status, request, response });
  return answer.etags;
}
