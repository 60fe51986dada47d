/**
 * Table Storage's size limits, applied to every row on its way in and out of the store (pure). A
 * string property longer than the service allows is split losslessly across extra properties
 * (`name`, `name__1`, ..., and `name__n` = the number of parts) and joined back when read, so JSON
 * count maps and sketches are never clipped. What still does not fit (an entity past 1 MiB, more
 * than 252 properties) is refused here, before it is sent, as the service would refuse it.
 */

/** The service allows 32K UTF-16 code units per string property; parts stay a little below. */
export const MAX_PROPERTY_CHARS = 32_000;
/** 1 MiB per entity, by the service's own count (see entitySizeBytes). */
export const MAX_ENTITY_BYTES = 1024 * 1024;
/** 255 properties per entity, of which PartitionKey, RowKey and Timestamp are three. */
export const MAX_PROPERTIES = 252;
/** A batch request body may hold 4 MiB; keep room for what the estimate does not see. */
export const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024 - 128 * 1024;

const PART_MARK = '__';
const COUNT_SUFFIX = PART_MARK + 'n';
/** Per operation of a batch: its MIME part headers, request line and OData annotations. */
const OPERATION_OVERHEAD_BYTES = 600;

/** Why the store will not (or the service did not) take a row. */
export class StorageRefusedError extends Error {
  override readonly name = 'StorageRefusedError';
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }

  /** The HTTP status, under the name the SDK's errors use: classified like the service's own refusals. */
  get statusCode(): number {
    return this.status;
  }
}

/** The properties as stored: long strings split into parts. `data` itself is left as it is. */
export function splitLongStrings(data: Record<string, unknown>): Record<string, unknown> {
  let split: Record<string, unknown> | undefined;
  for (const name of Object.keys(data)) {
    const value = data[name];
    if (typeof value !== 'string' || value.length <= MAX_PROPERTY_CHARS) continue;
    split ??= { ...data };
    const parts = partsOf(value);
    split[name] = parts[0];
    for (let i = 1; i < parts.length; i++) split[`${name}${PART_MARK}${i}`] = parts[i];
    split[name + COUNT_SUFFIX] = parts.length;
  }
  return split ?? data;
}

/** The inverse of splitLongStrings, in place: parts joined back into their property. */
export function joinLongStrings(data: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(data)) {
    if (!key.endsWith(COUNT_SUFFIX)) continue;
    const count = data[key];
    const name = key.slice(0, -COUNT_SUFFIX.length);
    const first = data[name];
    if (typeof count !== 'number' || typeof first !== 'string') continue;
    const parts = [first];
    for (let i = 1; i < count; i++) {
      const part = data[`${name}${PART_MARK}${i}`];
      // A query that selected only some columns: leave what it got as it is.
      if (typeof part !== 'string') return data;
      parts.push(part);
    }
    for (let i = 1; i < count; i++) delete data[`${name}${PART_MARK}${i}`];
    delete data[key];
    data[name] = parts.join('');
  }
  return data;
}

/** Cuts at most MAX_PROPERTY_CHARS at a time, never between the two halves of a surrogate pair. */
function partsOf(value: string): string[] {
  const parts: string[] = [];
  let start = 0;
  while (start < value.length) {
    let end = Math.min(value.length, start + MAX_PROPERTY_CHARS);
    const last = value.charCodeAt(end - 1);
    if (end < value.length && last >= 0xd800 && last <= 0xdbff) end--;
    parts.push(value.slice(start, end));
    start = end;
  }
  return parts;
}

/**
 * An entity's size as the service counts it: 4 bytes, 2 per char of the keys, and per property
 * 8 + 2 per char of its name + its value (string 4 + 2 per char, Int32 4, Double 8, bool 1).
 */
export function entitySizeBytes(partitionKey: string, rowKey: string, properties: Record<string, unknown>): number {
  let size = 4 + 2 * (partitionKey.length + rowKey.length);
  for (const name of Object.keys(properties)) {
    const value = properties[name];
    if (value === null || value === undefined) continue;
    size += 8 + 2 * name.length;
    if (typeof value === 'string') size += 4 + 2 * value.length;
    else if (typeof value === 'boolean') size += 1;
    else if (typeof value === 'number') size += 8;
    else size += 4 + 2 * JSON.stringify(value).length;
  }
  return size;
}

/** Bytes an operation adds to a batch request body: its entity as UTF-8 JSON (jsonBytes of its properties), plus headers. */
export function operationBytesOf(partitionKey: string, rowKey: string, propertiesJsonBytes: number): number {
  // Keys appear in the body and, percent-encoded (up to 9 chars each), in the operation's URL.
  return OPERATION_OVERHEAD_BYTES + 12 * (partitionKey.length + rowKey.length) + propertiesJsonBytes;
}

/** UTF-8 bytes of the JSON the SDK sends (plus a type annotation per property at most). */
export function jsonBytes(properties: Record<string, unknown>): number {
  let bytes = 2;
  for (const name of Object.keys(properties)) {
    const value = properties[name];
    if (value === null || value === undefined) continue;
    bytes += 2 * (PLAIN_JSON_TEXT.test(name) ? name.length : Buffer.byteLength(name)) + 40;
    bytes += typeof value === 'string' ? jsonStringBytes(value) : String(JSON.stringify(value)).length;
  }
  return bytes;
}

/** Printable ASCII that JSON writes as is (no quote, no backslash): one byte per character. */
const PLAIN_JSON_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** UTF-8 bytes of a string as a JSON string literal as sent; most stored strings are plain ASCII and need no copy. */
export function jsonStringBytes(value: string): number {
  if (PLAIN_JSON_TEXT.test(value)) return value.length + 2;
  const json = JSON.stringify(value);
  // Sent escaped (escapedLineBreaks): six bytes each instead of three.
  return Buffer.byteLength(json) + 3 * (json.match(LINE_BREAKING)?.length ?? 0);
}

/** The Unicode line and paragraph separators, which JSON.stringify leaves raw. */
const LINE_BREAKING = /[\u2028\u2029]/g;

/**
 * JSON with U+2028 and U+2029 as `\u2028` and `\u2029`: the same text to any JSON reader (they can
 * only be inside strings), but Azurite refuses a transaction holding either raw, and a whole file
 * of records whose writes hold one then failed on every run.
 */
export function escapedLineBreaks(json: string): string {
  return json.replace(LINE_BREAKING, (char) => '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * Throws what the service would answer for an entity past its limits (null and undefined properties
 * are not sent, so they do not count). Returns jsonBytes of the properties (`json`, when the caller
 * measured them already), which sizes the entity's operation in a transaction too (see operationBytesOf).
 */
export function checkEntity(partitionKey: string, rowKey: string, properties: Record<string, unknown>, json = jsonBytes(properties)): number {
  let count = 0;
  for (const name of Object.keys(properties)) if (properties[name] !== null && properties[name] !== undefined) count++;
  if (count > MAX_PROPERTIES) {
    throw new StorageRefusedError('TooManyProperties', `row ${rowKey} would hold ${count} properties (at most ${MAX_PROPERTIES})`);
  }
  const size = Math.max(entitySizeBytes(partitionKey, rowKey, properties), json);
  if (size > MAX_ENTITY_BYTES) {
    throw new StorageRefusedError('EntityTooLarge', `row ${rowKey.slice(0, 80)} would be ${size} bytes (at most ${MAX_ENTITY_BYTES})`);
  }
  return json;
}
