import { createDefaultHttpClient, createHttpHeaders, createPipelineRequest, type HttpClient } from '@azure/core-rest-pipeline';
import { RestError, type TableClient } from '@azure/data-tables';
import { STATUS_CODES } from 'node:http';
import { accountBase, isXmlError, odataError } from './entityBatch.js';

/**
 * One page of a table query, sent and read by hand through the table client's own pipeline (its
 * credential, retry policy and added policies apply). The SDK's listEntities runs each page through
 * its generic response mapper and then its entity deserializer, about twice the CPU of one
 * JSON.parse and the conversion below for the same page (measured on 20,000 rows).
 */

/** Where the next page starts: the service's continuation keys. */
export interface PageStart {
  partitionKey: string;
  rowKey: string | undefined;
}

export interface EntityPage {
  /** Entities as the SDK's listEntities gives them: keys and ETag renamed, typed values converted. */
  entities: Record<string, unknown>[];
  /** Undefined on the last page. */
  next: PageStart | undefined;
}

export interface PageQuery {
  filter?: string | undefined;
  select?: readonly string[] | undefined;
  top: number;
  start?: PageStart | undefined;
}

/** The service's names of system properties, as the SDK names them. */
const SYSTEM_NAMES: ReadonlyMap<string, string> = new Map([
  ['PartitionKey', 'partitionKey'],
  ['RowKey', 'rowKey'],
  ['odata.etag', 'etag'],
  ['Timestamp', 'timestamp'],
]);
/** The SDK's names of system properties, as `$select` names them (the ETag always comes and cannot be selected). */
const SELECT_NAMES: ReadonlyMap<string, string> = new Map([
  ['partitionKey', 'PartitionKey'],
  ['rowKey', 'RowKey'],
  ['timestamp', 'Timestamp'],
]);
const TYPE_SUFFIX = '@odata.type';

let httpClient: HttpClient | undefined;

/** One page of the table's rows matching the query; a failure is thrown as the SDK throws it (RestError). */
export async function readEntityPage(client: TableClient, query: PageQuery, allowInsecureConnection: boolean, http?: HttpClient): Promise<EntityPage> {
  const request = createPipelineRequest({
    url: pageUrl(client.url, client.tableName, query),
    method: 'GET',
    allowInsecureConnection,
    headers: createHttpHeaders({
      Accept: 'application/json;odata=minimalmetadata',
      'x-ms-version': '2019-02-02',
      DataServiceVersion: '3.0',
    }),
  });
  httpClient ??= createDefaultHttpClient();
  const response = await client.pipeline.sendRequest(http ?? httpClient, request);
  const text = response.bodyAsText ?? '';
  if (response.status !== 200) {
    // Not OData JSON (a gateway's page, an empty answer): its first characters, or the status's reason; XML says its own.
    const reason = STATUS_CODES[response.status] ?? `status ${response.status}`;
    const { code, message } = odataError(text, (isXmlError(text) ? '' : text.slice(0, 200)) || reason);
    throw new RestError(message, { code, statusCode: response.status, request, response });
  }
  // The client's pipeline has already parsed a JSON answer (core-client's deserialization policy): not twice.
  const body = ('parsedBody' in response ? response.parsedBody : JSON.parse(text)) as { value?: unknown } | undefined;
  if (!Array.isArray(body?.value))
    throw new RestError(`a query answer without a value array: ${text.slice(0, 200)}`, { statusCode: response.status, request, response });
  const entities = (body.value as Record<string, unknown>[]).map(deserializedEntity);
  const partitionKey = response.headers.get('x-ms-continuation-nextpartitionkey');
  const rowKey = response.headers.get('x-ms-continuation-nextrowkey');
  return { entities, next: partitionKey ? { partitionKey, rowKey: rowKey || undefined } : undefined };
}

/** The query's URL: the table's entity set with the OData options, then any SAS of the account URL. */
export function pageUrl(accountUrl: string, table: string, query: PageQuery): string {
  const { base, query: sas } = accountBase(accountUrl);
  const options = [`$top=${query.top}`];
  if (query.select !== undefined) {
    const names = query.select.filter((name) => name !== 'etag' && name !== 'odata.etag').map((name) => SELECT_NAMES.get(name) ?? name);
    options.push(`$select=${encodeURIComponent(names.join(','))}`);
  }
  if (query.filter !== undefined) options.push(`$filter=${encodeURIComponent(query.filter)}`);
  if (query.start !== undefined) {
    options.push(`NextPartitionKey=${encodeURIComponent(query.start.partitionKey)}`);
    if (query.start.rowKey !== undefined) options.push(`NextRowKey=${encodeURIComponent(query.start.rowKey)}`);
  }
  if (sas !== '') options.push(sas.slice(1));
  return `${base}/${table}()?${options.join('&')}`;
}

/**
 * An entity of the answer as the SDK's deserializer gives it: system properties renamed; values
 * annotated Int64 as bigint, DateTime as Date, Binary as bytes, Guid as `{ value, type }`; others as
 * JSON has them.
 */
export function deserializedEntity(raw: Record<string, unknown>): Record<string, unknown> {
  const entity: Record<string, unknown> = {};
  for (const name in raw) {
    if (name.endsWith(TYPE_SUFFIX)) continue;
    const value = raw[name];
    const type = raw[name + TYPE_SUFFIX];
    entity[SYSTEM_NAMES.get(name) ?? name] = type === undefined ? value : typedValue(value, type);
  }
  return entity;
}

function typedValue(value: unknown, type: unknown): unknown {
  switch (type) {
    case 'Edm.Boolean':
    case 'Edm.Double':
    case 'Edm.Int32':
    case 'Edm.String':
      return value;
    case 'Edm.DateTime':
      return new Date(value as string);
    case 'Edm.Int64':
      return BigInt(value as string);
    case 'Edm.Guid':
      return { value, type: 'Guid' };
    case 'Edm.Binary':
      return Buffer.from(value as string, 'base64');
    default:
      throw new Error(`Unknown EDM type ${String(type)}`);
  }
}
