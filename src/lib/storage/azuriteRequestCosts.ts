/**
 * Loaded with `node --import` into the embedded Azurite process (see azuritePreload.ts). Costs
 * Azurite pays on its requests that change nothing it answers:
 * - To find a batch's boundary (at the very start of the body) it URI-decodes the whole body, often
 *   hundreds of kilobytes: 0.55 s of its 14.7 s of CPU on the bench tree. The boundary is now taken
 *   from the body as it is whenever decoding could not change it (no `%` up to just past it).
 * - Its request ids and batch ids come from `uuid` 3, which calls `crypto.randomBytes(16)` for every
 *   id (0.27 s). The ids now take their bytes from a pool refilled 4 KiB at a time.
 * - Its batch handler writes the whole request and answer of every `$batch` as JSON text into a debug
 *   log line, built even when the debug log is off (0.26 s of 7.3 s on 3,900 transactions of 17 rows).
 *   The line is now built only when the log would write it.
 * - It parses an inserted entity's JSON three times: once for its properties and once for each key,
 *   which it reads from the body when the operation's URL names none. The keys are now read from the
 *   properties it parsed when the URL could name none (no `%`, no `=`): about 3 % of its CPU on
 *   transactions of new rows.
 * - It counts the UTF-8 bytes of every batch body and every entity's JSON by copying the text into a
 *   buffer and reading its length. They are now counted without the copy: about 2 % of its CPU on
 *   transactions of new rows.
 * All are speed only: an Azurite whose modules are laid out otherwise, or whose patched methods are not
 * the ones this module was written against, is left as it is (the test checks that all are in place
 * with the Azurite this project pins).
 */
import { createHash, randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';

type ExtractBatchBoundary = (this: { batchBoundary: string }, body: string) => void;

const BATCH_BOUNDARY = /--batch_(\w+-?)+/;

/**
 * Azurite's extractBatchBoundary without decoding the body when decoding cannot change the match:
 * the first match ends before the first `%` (a `%` right after it could decode to a word character
 * and lengthen it). Otherwise Azurite's own method decides.
 */
export function fastBatchBoundary(original: ExtractBatchBoundary): ExtractBatchBoundary {
  return function (this: { batchBoundary: string }, body: string): void {
    const match = BATCH_BOUNDARY.exec(body);
    if (match !== null) {
      const end = match.index + match[0].length;
      const percent = body.indexOf('%');
      if (percent < 0 || percent > end) {
        this.batchBoundary = match[0];
        return;
      }
    }
    original.call(this, body);
  };
}

/** 16 random bytes per call, as uuid's own generator gives them, from a pool refilled 4 KiB at a time. */
export function pooledRandomBytes(poolBytes = 4096): () => Buffer {
  const pool = Buffer.alloc(poolBytes);
  let used = poolBytes;
  return () => {
    if (used + 16 > poolBytes) {
      randomFillSync(pool);
      used = 0;
    }
    // A copy: uuid sets the version bits in the bytes it is given.
    const bytes = Buffer.from(pool.subarray(used, used + 16));
    used += 16;
    return bytes;
  };
}

/** What installRequestCosts put in place. */
export interface RequestCostsInstalled {
  pooledIds: boolean;
  fastBoundary: boolean;
  batchLogText: boolean;
  batchKeys: boolean;
  utf8Sizes: boolean;
}

/** Patches the Azurite whose entry script is `azuriteEntry`. Must run before Azurite loads its modules. */
export function installRequestCosts(azuriteEntry: string): RequestCostsInstalled {
  const require = createRequire(azuriteEntry);
  // First: Azurite's batch modules load uuid, which must take the pool when it loads.
  const pooledIds = poolIdBytes(require);
  return {
    pooledIds,
    fastBoundary: boundaryWithoutDecoding(require, azuriteEntry),
    batchLogText: batchWithoutLogText(require, azuriteEntry),
    batchKeys: batchKeysParsedOnce(require, azuriteEntry),
    utf8Sizes: utf8SizesWithoutCopy(require, azuriteEntry),
  };
}

/**
 * Azurite 3.35's TableHandler.batch, by the SHA-256 of its source: batchWithoutLogText does what that
 * method does, but for its two debug lines, so it replaces no other.
 */
const AZURITE_BATCH_SHA256 = '94ee318e908eff84b1a12406f0588707b9df99e8d0821778c2cbd53a51fd8e4b';

/** Whether `method`'s source is the one whose SHA-256 is `sha256`. */
export function sameSource(method: unknown, sha256: string): boolean {
  return typeof method === 'function' && createHash('sha256').update(Function.prototype.toString.call(method)).digest('hex') === sha256;
}

interface BatchContext {
  contextID?: string;
  startTime?: Date;
  request?: { getBody(): string | undefined; getHeader(name: string): string | undefined };
}

type BatchMethod = (
  this: AzuriteTableHandler,
  body: unknown,
  multipartContentType: unknown,
  contentLength: number | undefined,
  options: unknown,
  context: BatchContext,
) => Promise<unknown>;

interface AzuriteTableHandler {
  logger: { debug: unknown; strategy: unknown };
  metadataStore: unknown;
  checkBodyLimit(context: BatchContext, body: string | undefined): void;
  batch: BatchMethod;
}

type Module<T> = { default: T };

function batchWithoutLogText(require: NodeJS.Require, azuriteEntry: string): boolean {
  const table = path.join(path.dirname(azuriteEntry), 'table');
  const common = path.join(path.dirname(azuriteEntry), 'common');
  const at = resolvedByName(require, {
    handler: path.join(table, 'handlers/TableHandler.js'),
    context: path.join(table, 'context/TableStorageContext.js'),
    orchestrator: path.join(table, 'batch/TableBatchOrchestrator.js'),
    batchUtils: path.join(table, 'batch/TableBatchUtils.js'),
    errors: path.join(table, 'errors/StorageErrorFactory.js'),
    constants: path.join(table, 'utils/constants.js'),
    logger: path.join(common, 'Logger.js'),
    noLogger: path.join(common, 'NoLoggerStrategy.js'),
    toReadableStream: 'to-readable-stream',
  });
  if (at === undefined) return false;
  const handler = (require(at.handler) as Partial<Module<{ prototype: AzuriteTableHandler }>>).default?.prototype;
  if (handler === undefined || !sameSource(handler.batch, AZURITE_BATCH_SHA256)) return false;
  const TableStorageContext = (require(at.context) as Module<new (context: BatchContext) => BatchContext>).default;
  const Orchestrator = (require(at.orchestrator) as Module<new (context: BatchContext, handler: AzuriteTableHandler, store: unknown) => Orchestration>).default;
  const batchUtils = (require(at.batchUtils) as Module<{ StreamToString(body: unknown): Promise<string> }>).default;
  const errors = (require(at.errors) as Module<{ getRequestBodyTooLarge(context: BatchContext): Error }>).default;
  const { BODY_SIZE_MAX, TABLE_API_VERSION } = require(at.constants) as { BODY_SIZE_MAX: number; TABLE_API_VERSION: string };
  const { Logger } = require(at.logger) as { Logger: { prototype: { debug: unknown } } };
  const NoLoggerStrategy = (require(at.noLogger) as Module<{ prototype: { log: unknown } }>).default;
  const toReadableStream = (require(at.toReadableStream) as Module<(text: string) => unknown>).default;
  const original = handler.batch;
  // The debug line is dropped when the logger's debug is Azurite's own and its strategy logs nothing.
  const logDropped = (logger: AzuriteTableHandler['logger']): boolean =>
    logger.debug === Logger.prototype.debug &&
    typeof logger.strategy === 'object' &&
    logger.strategy !== null &&
    (logger.strategy as { log?: unknown }).log === NoLoggerStrategy.prototype.log;
  handler.batch = async function (body, multipartContentType, contentLength, options, context) {
    if (!logDropped(this.logger)) return original.call(this, body, multipartContentType, contentLength, options, context);
    const tableContext = new TableStorageContext(context);
    if (contentLength && contentLength > BODY_SIZE_MAX) throw errors.getRequestBodyTooLarge(context);
    this.checkBodyLimit(context, context.request?.getBody());
    const contentType = tableContext.request?.getHeader('content-type')?.replace('batch', 'batchresponse');
    const orchestrator = new Orchestrator(tableContext, this, this.metadataStore);
    const requestBody = await batchUtils.StreamToString(body);
    const response = await orchestrator.processBatchRequestAndSerializeResponse(requestBody);
    return {
      contentType,
      requestId: tableContext.contextID,
      version: TABLE_API_VERSION,
      date: context.startTime,
      statusCode: 202,
      body: toReadableStream(response),
    };
  };
  return true;
}

/** Azurite 3.35's methods that parsedBodyKeys relies on, by the SHA-256 of their source. */
const AZURITE_INGEST_SHA256 = '030c5f8d234870185bae153ad0cf7ffb497a253307c53ab4ee001755a5a72c9b';
const AZURITE_PARTITION_KEY_SHA256 = 'bece3ef86bb4db47fb6a92031ba843f099382149288ee3ac7875dc13b4f29a19';
const AZURITE_ROW_KEY_SHA256 = '39951e97dacaf2a9f66450516b50eb7efeb179ef9d3ebc5ed0fbb1d1d73ebf85';

/** An operation of a batch, as Azurite's BatchRequest. */
export interface AzuriteBatchRequest {
  params: { tableEntityProperties?: unknown };
  getUrl(): string;
  getBody(): string;
}

/** Azurite's BatchRequest.ingestOptionalParams, TableBatchOrchestrator.extractRequestPartitionKey and extractRequestRowKey. */
export interface BatchKeyMethods {
  ingest: (this: AzuriteBatchRequest, params: { tableEntityProperties?: unknown }) => void;
  partitionKey: (this: unknown, request: AzuriteBatchRequest) => unknown;
  rowKey: (this: unknown, request: AzuriteBatchRequest) => unknown;
}

/**
 * Azurite's three methods, the key readers taking an operation's keys from the properties its
 * ingest parsed, where they would parse the same body again: when the URL has no `%` (decoding it
 * changes nothing) and no `=` (it names no key), and the keys are not objects (a fresh parse would
 * give a copy). Otherwise Azurite's own readers decide.
 */
export function parsedBodyKeys(own: BatchKeyMethods): BatchKeyMethods {
  // The operation ingested last: Azurite reads an operation's keys right after its ingest, with no await between.
  let last: { request: AzuriteBatchRequest; body: string; partitionKey: unknown; rowKey: unknown } | undefined;
  const reader = (key: 'partitionKey' | 'rowKey') =>
    function (this: unknown, request: AzuriteBatchRequest): unknown {
      if (last !== undefined && last.request === request && namesNoKey(request.getUrl()) && request.getBody() === last.body) return last[key];
      return own[key].call(this, request);
    };
  return {
    ingest(params) {
      last = undefined;
      const before = params.tableEntityProperties;
      own.ingest.call(this, params);
      const properties = this.params.tableEntityProperties;
      // A new value is the body ingest parsed (JSON.parse gives a new object each time).
      if (properties === before || !isObject(properties) || !namesNoKey(this.getUrl())) return;
      const { PartitionKey: partitionKey, RowKey: rowKey } = properties as { PartitionKey?: unknown; RowKey?: unknown };
      if (isObject(partitionKey) || isObject(rowKey)) return;
      last = { request: this, body: this.getBody(), partitionKey, rowKey };
    },
    partitionKey: reader('partitionKey'),
    rowKey: reader('rowKey'),
  };
}

/** A URL without `%` decodes to itself, and without `=` names no key: Azurite then reads both keys from the body. */
function namesNoKey(url: string): boolean {
  return !url.includes('%') && !url.includes('=');
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

function batchKeysParsedOnce(require: NodeJS.Require, azuriteEntry: string): boolean {
  const batch = path.join(path.dirname(azuriteEntry), 'table/batch');
  const at = resolvedByName(require, { request: path.join(batch, 'BatchRequest.js'), orchestrator: path.join(batch, 'TableBatchOrchestrator.js') });
  if (at === undefined) return false;
  const request = (require(at.request) as Partial<Module<{ prototype: { ingestOptionalParams: unknown } }>>).default?.prototype;
  const orchestrator = (require(at.orchestrator) as Partial<Module<{ prototype: { extractRequestPartitionKey: unknown; extractRequestRowKey: unknown } }>>)
    .default?.prototype;
  if (
    request === undefined ||
    orchestrator === undefined ||
    !sameSource(request.ingestOptionalParams, AZURITE_INGEST_SHA256) ||
    !sameSource(orchestrator.extractRequestPartitionKey, AZURITE_PARTITION_KEY_SHA256) ||
    !sameSource(orchestrator.extractRequestRowKey, AZURITE_ROW_KEY_SHA256)
  ) {
    return false;
  }
  const patched = parsedBodyKeys({
    ingest: request.ingestOptionalParams as BatchKeyMethods['ingest'],
    partitionKey: orchestrator.extractRequestPartitionKey as BatchKeyMethods['partitionKey'],
    rowKey: orchestrator.extractRequestRowKey as BatchKeyMethods['rowKey'],
  });
  request.ingestOptionalParams = patched.ingest;
  orchestrator.extractRequestPartitionKey = patched.partitionKey;
  orchestrator.extractRequestRowKey = patched.rowKey;
  return true;
}

/** Azurite 3.35's table getUTF8ByteSize (`Buffer.from(text, "utf8").length`), by the SHA-256 of its source. */
const AZURITE_UTF8_BYTE_SIZE_SHA256 = '7ace6e243dd6870834f96999685226fa96e3646f1db9454d287cefb8a84e9f84';

type Utf8ByteSize = (text: unknown) => number;

/**
 * Azurite's getUTF8ByteSize without the copy: Buffer.byteLength counts the bytes Buffer.from would
 * write, an unpaired surrogate as the three of the U+FFFD it becomes. Anything but a string goes to
 * Azurite's own.
 */
export function uncopiedUtf8ByteSize(own: Utf8ByteSize): Utf8ByteSize {
  return (text) => (typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : own(text));
}

function utf8SizesWithoutCopy(require: NodeJS.Require, azuriteEntry: string): boolean {
  const paths = resolved(require, [path.join(path.dirname(azuriteEntry), 'table/utils/utils.js')]);
  if (paths === undefined) return false;
  const utils = require(paths[0] as string) as { getUTF8ByteSize?: unknown };
  if (!sameSource(utils.getUTF8ByteSize, AZURITE_UTF8_BYTE_SIZE_SHA256)) return false;
  // Its callers read it from this module object at each call (`(0, utils_1.getUTF8ByteSize)(body)`), so the new export reaches them.
  utils.getUTF8ByteSize = uncopiedUtf8ByteSize(utils.getUTF8ByteSize as Utf8ByteSize);
  return true;
}

/** The modules' paths by name, or undefined when one of them is not there. */
function resolvedByName<Name extends string>(require: NodeJS.Require, modules: Record<Name, string>): Record<Name, string> | undefined {
  const names = Object.keys(modules) as Name[];
  const paths = resolved(
    require,
    names.map((name) => modules[name]),
  );
  if (paths === undefined) return undefined;
  return Object.fromEntries(names.map((name, i) => [name, paths[i] as string])) as Record<Name, string>;
}

interface Orchestration {
  processBatchRequestAndSerializeResponse(body: string): Promise<string>;
}

function poolIdBytes(require: NodeJS.Require): boolean {
  const paths = resolved(require, ['uuid/v4', 'uuid/lib/rng']);
  if (paths === undefined) return false;
  const [v4Path, rngPath] = paths as [string, string];
  // uuid's v4 takes its generator when it loads: the pool must be in place first.
  if (require.cache[v4Path] !== undefined) return false;
  require(rngPath);
  const rngModule = require.cache[rngPath];
  if (rngModule === undefined || typeof rngModule.exports !== 'function') return false;
  rngModule.exports = pooledRandomBytes();
  return true;
}

function boundaryWithoutDecoding(require: NodeJS.Require, azuriteEntry: string): boolean {
  const paths = resolved(require, [path.join(path.dirname(azuriteEntry), 'table/batch/BatchSerialization.js')]);
  if (paths === undefined) return false;
  const serialization = require(paths[0] as string) as { BatchSerialization?: { prototype: { extractBatchBoundary?: unknown } } };
  const prototype = serialization.BatchSerialization?.prototype;
  if (typeof prototype?.extractBatchBoundary !== 'function') return false;
  prototype.extractBatchBoundary = fastBatchBoundary(prototype.extractBatchBoundary as ExtractBatchBoundary);
  return true;
}

/** The modules' paths, or undefined when one of them is not there. */
function resolved(require: NodeJS.Require, modules: readonly string[]): string[] | undefined {
  try {
    return modules.map((module) => require.resolve(module));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}
