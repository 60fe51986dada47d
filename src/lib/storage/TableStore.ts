import { odata, RestError, TableClient, type TableEntity, type TableServiceClientOptions, type TransactionAction } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { checkTablePrefix, classifyError } from './errors.js';

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

export type CommitOutcome = { committed: true } | { committed: false; status: number; code: string };

/** Table Storage rules the store enforces when a transaction is built, not when it fails on the wire. */
export const MAX_TRANSACTION_ROWS = 100;
/** Azure allows at most 15 discrete comparisons in one $filter. */
const MAX_FILTER_COMPARISONS = 15;

export type TableConnection =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; endpoint: string; credential: TokenCredential };

/** Told about every attempt that storage refused, reset, timed out or answered 429/5xx; the request is retried. */
export type TransientNotice = (error: unknown) => void;

export interface TableStoreOptions {
  onTransient?: TransientNotice;
}

const SYSTEM_PROPERTIES = new Set(['partitionKey', 'rowKey', 'etag', 'timestamp', 'odata.etag', 'odata.metadata']);
const INT32_MAX = 2_147_483_647;

/**
 * The only door to Azure Table Storage. Table names get the configured prefix; transient failures
 * (429, 503, resets) are retried by the SDK's retry policy; 409/412/404 in a transaction are
 * reported as a conflict for the caller to re-read and retry, every other error is thrown.
 */
export class TableStore {
  private readonly clients = new Map<string, TableClient>();
  private readonly ensured = new Map<string, Promise<void>>();
  /** Requests sent, by kind: read by benchmarks and tests. */
  readonly requests = { reads: 0, writes: 0, transactions: 0 };

  constructor(
    private readonly connection: TableConnection,
    readonly prefix: string,
    private readonly options: TableStoreOptions = {},
  ) {
    checkTablePrefix(prefix);
  }

  tableName(logicalName: string): string {
    return this.prefix + logicalName;
  }

  private client(logicalName: string): TableClient {
    let client = this.clients.get(logicalName);
    if (!client) {
      const name = this.tableName(logicalName);
      const options: TableServiceClientOptions = {
        retryOptions: { maxRetries: 6, retryDelayInMs: 200, maxRetryDelayInMs: 8000 },
        allowInsecureConnection: true,
        ...(this.options.onTransient ? { additionalPolicies: [{ policy: transientNotices(this.options.onTransient), position: 'perRetry' as const }] } : {}),
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
      pending = withNetworkRetry(() => this.client(logicalName).createTable())
        .catch((error: unknown) => {
          this.ensured.delete(logicalName);
          throw error;
        });
      this.ensured.set(logicalName, pending);
    }
    return pending;
  }

  async getRow(logicalName: string, partitionKey: string, rowKey: string): Promise<StoredRow | undefined> {
    this.requests.reads++;
    try {
      const entity = await withNetworkRetry(() => this.client(logicalName).getEntity(partitionKey, rowKey));
      return toStoredRow(entity);
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  /** Reads the given rows of one partition, 14 keys per request (the filter comparison limit). */
  async readRows(logicalName: string, partitionKey: string, rowKeys: readonly string[]): Promise<Map<string, StoredRow>> {
    const found = new Map<string, StoredRow>();
    const perRequest = MAX_FILTER_COMPARISONS - 1;
    const batches: string[][] = [];
    for (let i = 0; i < rowKeys.length; i += perRequest) batches.push(rowKeys.slice(i, i + perRequest));
    await Promise.all(
      batches.map(async (keys) => {
        const filter =
          odata`PartitionKey eq ${partitionKey}` +
          ' and (' + keys.map((key) => odata`RowKey eq ${key}`).join(' or ') + ')';
        for await (const row of this.query(logicalName, filter)) found.set(row.rowKey, row);
      }),
    );
    return found;
  }

  /** Reads every row of one partition. */
  async readPartition(logicalName: string, partitionKey: string): Promise<Map<string, StoredRow>> {
    const found = new Map<string, StoredRow>();
    for await (const row of this.query(logicalName, odata`PartitionKey eq ${partitionKey}`)) found.set(row.rowKey, row);
    return found;
  }

  /** Streams the rows matching an OData filter, page by page (memory holds one page). */
  async *query(logicalName: string, filter: string | undefined, select?: string[]): AsyncGenerator<StoredRow> {
    let continuationToken: string | undefined;
    do {
      // One page per request; a connection cut while reading a page asks for that page again.
      const page = await withNetworkRetry(async () => {
        const pages = this.client(logicalName)
          .listEntities<Record<string, unknown>>({ queryOptions: { filter, select } })
          .byPage({ maxPageSize: 1000, continuationToken });
        const next = await pages.next();
        return next.done ? undefined : next.value;
      });
      if (!page) return;
      this.requests.reads++;
      for (const entity of page) yield toStoredRow(entity);
      continuationToken = page.continuationToken;
    } while (continuationToken);
  }

  /** Upserts one row (replace semantics), unconditionally. */
  async upsert(logicalName: string, partitionKey: string, rowKey: string, data: Record<string, unknown>): Promise<void> {
    this.requests.writes++;
    await withNetworkRetry(() => this.client(logicalName).upsertEntity(toEntity(partitionKey, rowKey, data), 'Replace'));
  }

  /** Creates or replaces one row under an ETag condition; a lost race is reported, not thrown. */
  async writeConditional(logicalName: string, partitionKey: string, write: RowWrite): Promise<CommitOutcome> {
    this.requests.writes++;
    const client = this.client(logicalName);
    const entity = toEntity(partitionKey, write.rowKey, write.data);
    try {
      await withNetworkRetry(() =>
        write.op === 'create'
          ? client.createEntity(entity)
          : write.op === 'replace'
            ? client.updateEntity(entity, 'Replace', { etag: write.etag })
            : client.upsertEntity(entity, 'Replace'),
      );
      return { committed: true };
    } catch (error) {
      return asConflict(error);
    }
  }

  async deleteRow(logicalName: string, partitionKey: string, rowKey: string): Promise<void> {
    this.requests.writes++;
    try {
      await this.client(logicalName).deleteEntity(partitionKey, rowKey);
    } catch (error) {
      if (!(error instanceof RestError && error.statusCode === 404)) throw error;
    }
  }

  /** Submits writes to one partition as one atomic entity-group transaction. */
  async commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    if (writes.length === 0) return { committed: true };
    if (writes.length > MAX_TRANSACTION_ROWS) {
      throw new Error(`a transaction holds at most ${MAX_TRANSACTION_ROWS} rows, got ${writes.length}`);
    }
    const actions: TransactionAction[] = writes.map((write) => {
      const entity = toEntity(partitionKey, write.rowKey, write.data);
      if (write.op === 'create') return ['create', entity];
      if (write.op === 'upsert') return ['upsert', entity, 'Replace'];
      return ['update', entity, 'Replace', { etag: write.etag }];
    });
    this.requests.transactions++;
    try {
      await withNetworkRetry(() => this.client(logicalName).submitTransaction(actions));
      return { committed: true };
    } catch (error) {
      return asConflict(error);
    }
  }
}

type PipelinePolicy = NonNullable<TableServiceClientOptions['additionalPolicies']>[number]['policy'];

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

const NETWORK_ATTEMPTS = 4;

/**
 * The SDK retries 429/5xx and failed connections, but not a connection cut while the answer is read
 * ("aborted"). Every write here is conditional (ETag or create) or idempotent (upsert), so sending
 * it again is safe: one that had taken effect comes back 409/412, which callers treat as a lost race.
 */
async function withNetworkRetry<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= NETWORK_ATTEMPTS || !isNetworkError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}

/** A request that was sent but whose answer was cut while read (`PARSE_ERROR`); send failures the SDK retries itself. */
function isNetworkError(error: unknown): boolean {
  return error instanceof RestError && error.statusCode === undefined && error.code === RestError.PARSE_ERROR;
}

/** 409 (row exists), 412 (ETag moved) and 404 (row vanished) mean another writer got there first. */
function asConflict(error: unknown): CommitOutcome {
  if (error instanceof RestError && (error.statusCode === 409 || error.statusCode === 412 || error.statusCode === 404)) {
    const code = typeof error.code === 'string' ? error.code : String(error.statusCode);
    return { committed: false, status: error.statusCode, code };
  }
  throw error;
}

function toStoredRow(entity: Record<string, unknown>): StoredRow {
  const data: Record<string, unknown> = {};
  for (const key of Object.keys(entity)) {
    if (!SYSTEM_PROPERTIES.has(key)) data[key] = entity[key];
  }
  return {
    partitionKey: String(entity['partitionKey']),
    rowKey: String(entity['rowKey']),
    etag: String(entity['etag']),
    data,
  };
}

/** Integers beyond Int32 are sent as Edm.Double: an untyped JSON integer is read by the service as Int32. */
function toEntity(partitionKey: string, rowKey: string, data: Record<string, unknown>): TableEntity<Record<string, unknown>> {
  const entity: TableEntity<Record<string, unknown>> = { partitionKey, rowKey };
  for (const key of Object.keys(data)) {
    const value = data[key];
    if (value === undefined || value === null) continue;
    if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) > INT32_MAX) {
      entity[key] = { value: String(value), type: 'Double' };
    } else {
      entity[key] = value;
    }
  }
  return entity;
}
