import { odata, RestError, TableClient, type TableEntity, type TableServiceClientOptions } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { checkTablePrefix, classifyError, codeInBody, withTable } from './errors.js';
import { prepareEntityBatch, sendEntityBatch, type BatchOperation } from './entityBatch.js';
import { readEntityPage, type PageStart } from './entityPages.js';
import { boundedKey } from './keys.js';
import { storageAgentFor } from './boundedSockets.js';
// Every write here is conditional (ETag or create) or idempotent (upsert): safe to send again after a cut.
import { againIfCut as withNetworkRetry } from './retryOnCut.js';
import { tryTimeout } from './tryTimeout.js';
import { retriesGivenUp } from './retriesGivenUp.js';
import { readRowsByPages, type QueryPage } from './readRows.js';
import { checkEntity, joinLongStrings, jsonBytes, MAX_TRANSACTION_BYTES, operationBytesOf, splitLongStrings, StorageRefusedError } from './limits.js';

export { MAX_TRANSACTION_BYTES, StorageRefusedError } from './limits.js';

/** The SDK's OData template tag: escapes values so user input is never concatenated into a filter. */
export { odata };

/** A row as stored: its keys, its ETag, and its properties (system properties removed). */
export interface StoredRow {
  partitionKey: string;
  rowKey: string;
  etag: string;
  data: Record<string, unknown>;
}

/** One write of a transaction: `create` fails the batch when the row exists; `replace` when its ETag moved. */
export type RowWrite =
  | { op: 'create'; rowKey: string; data: Record<string, unknown> }
  | { op: 'replace'; rowKey: string; etag: string; data: Record<string, unknown> }
  | { op: 'upsert'; rowKey: string; data: Record<string, unknown> };

/** `etags[i]` is the new ETag of `writes[i]` when the service said it (the batch answer carries them). */
export type CommitOutcome = { committed: true; etags?: readonly (string | undefined)[] } | { committed: false; status: number; code: string };

/** Table Storage rules the store enforces when a transaction is built, not when it fails on the wire. */
export const MAX_TRANSACTION_ROWS = 100;

export type TableConnection = { kind: 'connectionString'; connectionString: string } | { kind: 'identity'; endpoint: string; credential: TokenCredential };

/** Told about every attempt that storage refused, reset, timed out or answered 429/5xx; the request is retried. */
export type TransientNotice = (error: unknown) => void;

/** How the SDK retries 429/5xx and failed connections: exponential back-off between `retryDelayInMs` and `maxRetryDelayInMs`. */
export interface StorageRetry {
  maxRetries: number;
  retryDelayInMs: number;
  maxRetryDelayInMs: number;
}

/** Rides out about 30 s of throttling or a restarting account before a request fails. */
export const DEFAULT_STORAGE_RETRY: StorageRetry = { maxRetries: 6, retryDelayInMs: 200, maxRetryDelayInMs: 8000 };

export interface TableStoreOptions {
  onTransient?: TransientNotice;
  retry?: StorageRetry;
  /** Once aborted, a request whose attempt failed is not tried again (retriesGivenUp.ts): a stop does not wait out an outage. */
  giveUpRetries?: AbortSignal;
  /** How long one attempt may wait for an answer (tryTimeout.ts); the defaults unless given. */
  tryTimeoutMs?: { read: number; write: number };
}

const SYSTEM_PROPERTIES = new Set(['partitionKey', 'rowKey', 'etag', 'timestamp', 'odata.etag', 'odata.metadata']);
const INT32_MAX = 2_147_483_647;
/** Rows per query page: the service's largest. */
const PAGE_ROWS = 1000;

/** Requests sent, by kind, and entities sent in writes (one per single write, one per operation of a transaction). */
export interface RequestCounts {
  reads: number;
  writes: number;
  transactions: number;
  entities: number;
}

/**
 * What the pipeline, the queries and the CLI use of Table Storage. AzureTableStore is the real one;
 * MemoryTableStore (memoryTableStore.ts) keeps the same rules in memory for tests of pure logic.
 */
export interface TableStore {
  readonly prefix: string;
  /** Counted as the service would see them: `process` and the benchmarks print these. */
  readonly requests: RequestCounts;
  readonly requestCount: number;
  tableName(logicalName: string): string;
  ensureTable(logicalName: string): Promise<void>;
  getRow(logicalName: string, partitionKey: string, rowKey: string): Promise<StoredRow | undefined>;
  readRows(logicalName: string, partitionKey: string, rowKeys: readonly string[]): Promise<Map<string, StoredRow>>;
  readPartition(logicalName: string, partitionKey: string): Promise<Map<string, StoredRow>>;
  /** `pageSize`: rows per request (the service's `$top`, 1,000 when not given), for a caller that needs only the first few. */
  query(logicalName: string, filter: string | undefined, select?: string[], pageSize?: number): AsyncGenerator<StoredRow>;
  upsert(logicalName: string, partitionKey: string, rowKey: string, data: Record<string, unknown>): Promise<void>;
  writeConditional(logicalName: string, partitionKey: string, write: RowWrite): Promise<CommitOutcome>;
  deleteRow(logicalName: string, partitionKey: string, rowKey: string): Promise<void>;
  transactionBytes(partitionKey: string, writes: readonly RowWrite[]): number;
  /**
   * How many partitions of the table one request reads when their readPartition calls wait together
   * (storage/packedTableStore.ts); 1 when each is a request of its own. Readers that know which
   * partitions they will read ask for that many at once.
   */
  partitionsReadTogether(logicalName: string): number;
  /**
   * Over how many physical partitions the table's partitions are spread while the transactions
   * waiting on each physical partition travel as one (the packed Calls table in an account: 16); 1
   * for a table whose partitions are its physical ones, or that keeps one. A writer keeps that many
   * times as many of the table's partitions in flight, so that each physical partition's
   * transactions fill as in a store of one. Before the table's layout is known, what it would be
   * for a new table.
   */
  physicalSpread(logicalName: string): number;
  /**
   * One atomic batch. A row or a batch past the service's limits (MAX_TRANSACTION_BYTES included) is
   * refused with a StorageRefusedError before anything is sent: the applier splits on it.
   */
  commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome>;
}

/**
 * The only door to Azure Table Storage. Table names get the configured prefix; transient failures
 * (429, 503, resets) are retried by the SDK's retry policy; a write to a missing table makes the
 * table and is sent again; 409/412/404 about a row are
 * reported as a conflict for the caller to re-read and retry (about the table, such as 409
 * TableBeingDeleted, they are thrown); a row the service refuses (400, 413),
 * or that this store can tell it would refuse, throws StorageRefusedError; every other error is
 * thrown as it came.
 *
 * Limits are kept here, for every caller: keys are bounded (boundedKey: long keys digested, the same
 * way on write and read), long strings are split across properties and joined back on read, entities
 * are checked against 1 MiB and 252 properties, transactions against 100 operations and 4 MiB, and
 * multi-row reads are cut so that no request line is long enough for a 431.
 */
export class AzureTableStore implements TableStore {
  private readonly clients = new Map<string, TableClient>();
  private readonly ensured = new Map<string, Promise<void>>();
  private readonly givenUp: ReturnType<typeof retriesGivenUp> | undefined;
  readonly requests: RequestCounts = { reads: 0, writes: 0, transactions: 0, entities: 0 };

  /** Requests sent so far, of every kind. */
  get requestCount(): number {
    return this.requests.reads + this.requests.writes + this.requests.transactions;
  }

  constructor(
    private readonly connection: TableConnection,
    readonly prefix: string,
    private readonly options: TableStoreOptions = {},
  ) {
    checkTablePrefix(prefix);
    this.givenUp = options.giveUpRetries ? retriesGivenUp(options.giveUpRetries) : undefined;
  }

  tableName(logicalName: string): string {
    return this.prefix + logicalName;
  }

  private client(logicalName: string): TableClient {
    let client = this.clients.get(logicalName);
    if (!client) {
      const name = this.tableName(logicalName);
      const options: TableServiceClientOptions = {
        retryOptions: { ...(this.options.retry ?? DEFAULT_STORAGE_RETRY) },
        allowInsecureConnection: true,
        additionalPolicies: [
          { policy: boundedSockets, position: 'perCall' as const },
          ...(this.options.onTransient ? [{ policy: transientNotices(this.options.onTransient), position: 'perRetry' as const }] : []),
          ...(this.givenUp
            ? [
                { policy: this.givenUp.perCall, position: 'perCall' as const },
                { policy: this.givenUp.perRetry, position: 'perRetry' as const },
              ]
            : []),
          // Last, so nearest the socket: the policies above see a timed-out attempt as a failed one.
          { policy: tryTimeout(this.options.tryTimeoutMs), position: 'perRetry' as const },
        ],
      };
      client =
        this.connection.kind === 'connectionString'
          ? TableClient.fromConnectionString(this.connection.connectionString, name, options)
          : new TableClient(this.connection.endpoint, name, this.connection.credential, options);
      this.clients.set(logicalName, client);
    }
    return client;
  }

  /** Creates the table once per process; an existing table is fine (409 TableAlreadyExists). */
  ensureTable(logicalName: string): Promise<void> {
    let pending = this.ensured.get(logicalName);
    if (!pending) {
      pending = withNetworkRetry(() => this.client(logicalName).createTable()).catch((error: unknown) => {
        this.ensured.delete(logicalName);
        throw withTable(error, this.tableName(logicalName));
      });
      this.ensured.set(logicalName, pending);
    }
    return pending;
  }

  async getRow(logicalName: string, partitionKey: string, rowKey: string): Promise<StoredRow | undefined> {
    this.requests.reads++;
    try {
      const entity = await withNetworkRetry(() => this.client(logicalName).getEntity(boundedKey(partitionKey), boundedKey(rowKey)));
      return toStoredRow(entity);
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  /** Reads the given rows of one partition, by the keys asked for: by name or in pages (readRowsByPages). */
  async readRows(logicalName: string, partitionKey: string, rowKeys: readonly string[]): Promise<Map<string, StoredRow>> {
    return readRowsByPages((filter, pageRows) => this.pages(logicalName, filter, undefined, pageRows), partitionKey, rowKeys);
  }

  /** Reads every row of one partition. */
  async readPartition(logicalName: string, partitionKey: string): Promise<Map<string, StoredRow>> {
    const found = new Map<string, StoredRow>();
    for await (const row of this.query(logicalName, odata`PartitionKey eq ${boundedKey(partitionKey)}`)) found.set(row.rowKey, row);
    return found;
  }

  /** Streams the rows matching an OData filter, page by page (memory holds one page). */
  async *query(logicalName: string, filter: string | undefined, select?: string[], pageSize?: number): AsyncGenerator<StoredRow> {
    for await (const page of this.pages(logicalName, filter, select, pageSize)) yield* page.rows;
  }

  /** The answer to an OData filter, one page (one request) at a time. */
  async *pages(logicalName: string, filter: string | undefined, select?: string[], pageSize: number | (() => number) = PAGE_ROWS): AsyncGenerator<QueryPage> {
    const client = this.client(logicalName);
    let start: PageStart | undefined;
    do {
      // A page size given as a function is asked again before each page: a paged read sizes its pages by the rows it has read.
      const query = { filter, select, top: typeof pageSize === 'number' ? pageSize : pageSize(), start };
      // One page per request; a connection cut while reading a page asks for that page again.
      let page: Awaited<ReturnType<typeof readEntityPage>>;
      try {
        page = await withNetworkRetry(() => readEntityPage(client, query, true));
      } catch (error) {
        // A table never written holds no rows: reading it needs no right to create it (a reader's role, a query of another prefix).
        if (!isTableNotFound(error)) throw error;
        this.requests.reads++;
        yield { rows: [], more: false };
        return;
      }
      this.requests.reads++;
      start = page.next;
      yield { rows: page.entities.map(toStoredRow), more: start !== undefined };
    } while (start);
  }

  /**
   * Sends a write; if its table is missing (never made, or deleted since this process made it), makes
   * the table and sends the write once more, counted again. A writer need not remember ensureTable.
   */
  private async onTable<T>(logicalName: string, send: () => Promise<T>, count: () => void): Promise<T> {
    count();
    try {
      return await send();
    } catch (error) {
      if (!isTableNotFound(error)) throw error;
    }
    this.ensured.delete(logicalName);
    await this.ensureTable(logicalName);
    count();
    return send();
  }

  /** Upserts one row (replace semantics), unconditionally. */
  async upsert(logicalName: string, partitionKey: string, rowKey: string, data: Record<string, unknown>): Promise<void> {
    const entity = toEntity(partitionKey, rowKey, data);
    try {
      await this.onTable(logicalName, () => withNetworkRetry(() => this.client(logicalName).upsertEntity(entity, 'Replace')), this.countWrite);
    } catch (error) {
      throw asRefusal(error);
    }
  }

  private readonly countWrite = (): void => {
    this.requests.writes++;
    this.requests.entities++;
  };

  /** Creates or replaces one row under an ETag condition; a lost race is reported, not thrown. The answer carries the row's new ETag. */
  async writeConditional(logicalName: string, partitionKey: string, write: RowWrite): Promise<CommitOutcome> {
    const client = this.client(logicalName);
    const entity = toEntity(partitionKey, write.rowKey, write.data);
    try {
      const answer = await this.onTable(
        logicalName,
        () =>
          withNetworkRetry(() =>
            write.op === 'create'
              ? client.createEntity(entity)
              : write.op === 'replace'
                ? client.updateEntity(entity, 'Replace', { etag: write.etag })
                : client.upsertEntity(entity, 'Replace'),
          ),
        this.countWrite,
      );
      return { committed: true, etags: [answer.etag?.trim()] };
    } catch (error) {
      return asConflict(error);
    }
  }

  async deleteRow(logicalName: string, partitionKey: string, rowKey: string): Promise<void> {
    this.requests.writes++;
    try {
      await this.client(logicalName).deleteEntity(boundedKey(partitionKey), boundedKey(rowKey));
    } catch (error) {
      if (!(error instanceof RestError && error.statusCode === 404)) throw error;
    }
  }

  /** Each partition is a request of its own. */
  partitionsReadTogether(): number {
    return 1;
  }

  /** Each partition is a physical one. */
  physicalSpread(): number {
    return 1;
  }

  /**
   * Bytes the writes add to a transaction's request body, as commit counts them: callers split
   * their transactions by this so that none passes MAX_TRANSACTION_BYTES.
   */
  transactionBytes(partitionKey: string, writes: readonly RowWrite[]): number {
    return transactionBytesOf(partitionKey, writes);
  }

  /** Submits writes to one partition as one atomic entity-group transaction. */
  async commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    if (writes.length === 0) return { committed: true, etags: [] };
    if (writes.length > MAX_TRANSACTION_ROWS) {
      throw new Error(`a transaction holds at most ${MAX_TRANSACTION_ROWS} rows, got ${writes.length}`);
    }
    // Each entity is checked and sized once: the sum is transactionBytes of the writes.
    let bytes = 0;
    const operations: BatchOperation[] = writes.map((write) => {
      const measured = measuredWrites.get(write);
      const sized = sizedEntity(partitionKey, write.rowKey, write.data, measured?.data === write.data ? measured : undefined);
      bytes += sized.bytes;
      const entity = sized.entity;
      if (write.op === 'create') return { kind: 'create', entity };
      if (write.op === 'upsert') return { kind: 'upsert', entity };
      return { kind: 'replace', entity, etag: write.etag };
    });
    if (bytes > MAX_TRANSACTION_BYTES) {
      throw new StorageRefusedError(
        'RequestBodyTooLarge',
        `a transaction of ${writes.length} rows would be ${bytes} bytes (at most ${MAX_TRANSACTION_BYTES})`,
        413,
      );
    }
    const client = this.client(logicalName);
    try {
      const batch = prepareEntityBatch(client, operations);
      // The clients are built with allowInsecureConnection (the emulator speaks http).
      const etags = await this.onTable(
        logicalName,
        () => withNetworkRetry(() => sendEntityBatch(client, batch, true)),
        () => {
          this.requests.transactions++;
          this.requests.entities += writes.length;
        },
      );
      // The sub-responses come in the order of the operations.
      return { committed: true, etags: etags.length === writes.length ? etags.map((etag) => etag?.trim()) : undefined };
    } catch (error) {
      return asConflict(error);
    }
  }
}

/** Bytes the writes add to a transaction's request body (see TableStore.transactionBytes). */
export function transactionBytesOf(partitionKey: string, writes: readonly RowWrite[]): number {
  let bytes = 0;
  const storedPartition = boundedKey(partitionKey);
  for (const write of writes) {
    const properties = splitLongStrings(write.data);
    const json = jsonBytes(properties);
    measuredWrites.set(write, { data: write.data, properties, json });
    bytes += operationBytesOf(storedPartition, boundedKey(write.rowKey), json);
  }
  return bytes;
}

/**
 * Writes transactionBytesOf sized, with their properties as sent and the bytes of their JSON: a
 * write sized to be grouped (the packed store's combined transactions) is not split and measured
 * again by its commit. A write's data is a value: it is not changed once written or sized.
 */
const measuredWrites = new WeakMap<RowWrite, Measured>();

interface Measured {
  /** The data measured: a write given other data since is measured again. */
  data: Record<string, unknown>;
  properties: Record<string, unknown>;
  json: number;
}

type PipelinePolicy = NonNullable<TableServiceClientOptions['additionalPolicies']>[number]['policy'];

const boundedSockets: PipelinePolicy = {
  name: 'acsLogsBoundedSockets',
  sendRequest(request, next) {
    request.agent ??= storageAgentFor(request.url);
    return next(request);
  },
};

/** Sees each attempt under the SDK's retry policy, so that retries the SDK rides out silently are still reported. */
function transientNotices(notice: TransientNotice): PipelinePolicy {
  return {
    name: 'acsLogsTransientNotices',
    async sendRequest(request, next) {
      let response;
      try {
        response = await next(request);
      } catch (error) {
        if (classifyError(error).kind === 'transient') notice(error);
        throw error;
      }
      if (response.status === 429 || response.status >= 500) {
        notice(Object.assign(new Error(`storage answered ${response.status}`), { statusCode: response.status }));
      }
      return response;
    },
  };
}

/** Whether the service said the table does not exist (in its error code, or only in the body, as Azurite answers single-row writes). */
function isTableNotFound(error: unknown): boolean {
  if (!(error instanceof RestError && error.statusCode === 404)) return false;
  return (typeof error.code === 'string' ? error.code : codeInBody(error.message)) === 'TableNotFound';
}

/**
 * Codes the service answers about the table rather than a row: a table being deleted (409, for as
 * long as the service takes to remove it) or missing even after it was made. No writer's row is
 * behind them, so they are failures, not races lost.
 */
const TABLE_STATE_CODES = new Set(['TableBeingDeleted', 'TableNotFound']);

/** 409 (row exists), 412 (ETag moved) and 404 (row vanished) mean another writer got there first. */
function asConflict(error: unknown): CommitOutcome {
  if (error instanceof RestError && (error.statusCode === 409 || error.statusCode === 412 || error.statusCode === 404)) {
    const serviceCode = typeof error.code === 'string' ? error.code : codeInBody(error.message);
    if (serviceCode !== undefined && TABLE_STATE_CODES.has(serviceCode)) throw error;
    return { committed: false, status: error.statusCode, code: serviceCode ?? String(error.statusCode) };
  }
  throw asRefusal(error);
}

/** Status codes with which the service refuses what was sent (not who sent it, nor when). */
const REFUSAL_STATUSES = new Set([400, 413]);

/** A refusal of the rows themselves as StorageRefusedError, with the service's code and message; anything else as it came. */
export function asRefusal(error: unknown): unknown {
  if (error instanceof RestError && error.statusCode !== undefined && REFUSAL_STATUSES.has(error.statusCode)) {
    const code = typeof error.code === 'string' ? error.code : String(error.statusCode);
    return new StorageRefusedError(code, error.message || code, error.statusCode);
  }
  return error;
}

export function toStoredRow(entity: Record<string, unknown>): StoredRow {
  const data: Record<string, unknown> = {};
  for (const key of Object.keys(entity)) {
    // Nothing stored is null (toEntity drops nulls): a null is a `$select`ed property the row lacks.
    if (!SYSTEM_PROPERTIES.has(key) && entity[key] !== null) data[key] = entity[key];
  }
  joinLongStrings(data);
  return {
    partitionKey: String(entity['partitionKey']),
    rowKey: String(entity['rowKey']),
    etag: String(entity['etag']),
    data,
  };
}

/**
 * The entity as sent: keys bounded, long strings split, limits checked (throws StorageRefusedError).
 * Integers beyond Int32 are sent as Edm.Double: an untyped JSON integer is read by the service as Int32.
 * NaN and Infinity are refused (InvalidInput).
 */
export function toEntity(partitionKey: string, rowKey: string, data: Record<string, unknown>): TableEntity<Record<string, unknown>> {
  return sizedEntity(partitionKey, rowKey, data).entity;
}

/** toEntity, and the bytes it adds to a transaction's request body (as transactionBytesOf counts them). */
function sizedEntity(
  partitionKey: string,
  rowKey: string,
  data: Record<string, unknown>,
  measured?: Measured,
): { entity: TableEntity<Record<string, unknown>>; bytes: number } {
  const entity: TableEntity<Record<string, unknown>> = { partitionKey: boundedKey(partitionKey), rowKey: boundedKey(rowKey) };
  const properties = measured?.properties ?? splitLongStrings(data);
  const bytes = operationBytesOf(entity.partitionKey, entity.rowKey, checkEntity(entity.partitionKey, entity.rowKey, properties, measured?.json));
  for (const key of Object.keys(properties)) {
    const value = properties[key];
    if (value === undefined || value === null) continue;
    // A property named like a key would overwrite it: refused, not sent.
    if (key === 'partitionKey' || key === 'rowKey') throw new StorageRefusedError('InvalidInput', `property name ${key} is reserved`);
    // JSON has no NaN or Infinity: sent, it would be `null`, which the service stores as nothing.
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new StorageRefusedError('InvalidInput', `property ${key} of row ${rowKey.slice(0, 80)} is ${value}, which a JSON number cannot hold`);
    }
    if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) > INT32_MAX) {
      entity[key] = { value: String(value), type: 'Double' };
    } else {
      entity[key] = value;
    }
  }
  return { entity, bytes };
}
