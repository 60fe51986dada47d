import { checkTablePrefix } from './errors.js';
import { boundedKey } from './keys.js';
import { MAX_TRANSACTION_BYTES, StorageRefusedError } from './limits.js';
import { compileFilter, scopeOfFilter, type FilterValue } from './memoryFilter.js';
import { readRowsByPages, type QueryPage } from './readRows.js';
import {
  MAX_TRANSACTION_ROWS,
  odata,
  toEntity,
  toStoredRow,
  transactionBytesOf,
  type CommitOutcome,
  type RequestCounts,
  type RowWrite,
  type StoredRow,
  type TableStore,
} from './TableStore.js';

/** One stored entity: its properties as the service hands them back (numbers, strings, booleans, dates). */
interface MemoryEntity {
  partitionKey: string;
  rowKey: string;
  etag: string;
  properties: Map<string, FilterValue>;
}

/** A table: partition key → row key → entity. */
type MemoryTable = Map<string, Map<string, MemoryEntity>>;

/**
 * The tables of one storage account, kept in memory. Every MemoryTableStore made over the same
 * account sees the same rows, as processes sharing an account do: a store that "crashed" is
 * replaced by a new one over the same account and prefix.
 */
export class MemoryTableAccount {
  readonly tables = new Map<string, MemoryTable>();
  private etags = 0;

  nextEtag(): string {
    return `W/"datetime'${new Date().toISOString()}-${++this.etags}'"`;
  }
}

const PAGE_ROWS = 1000;
/** Keys may not hold these (the service answers 400). */
// eslint-disable-next-line no-control-regex -- control characters are what Table Storage keys refuse
const INVALID_KEY = /[/\\#?\u0000-\u001f\u007f-\u009f]/;

/**
 * Table Storage in memory, behind the same interface as AzureTableStore and with the same rules:
 * keys bounded, long strings split, entity and transaction limits checked (the same code), ETags
 * and If-Match (412), create conflicts (409), a replace of a missing row (404), atomic entity-group
 * transactions, 1000-row pages, rows sorted by partition then row key, and requests counted as the
 * Azure store counts them. Filters: the shapes this code builds (memoryFilter.ts). Checked against
 * Azurite by test/storage/tableStoreContract.test.ts.
 */
export class MemoryTableStore implements TableStore {
  readonly requests: RequestCounts = { reads: 0, writes: 0, transactions: 0, entities: 0 };

  get requestCount(): number {
    return this.requests.reads + this.requests.writes + this.requests.transactions;
  }

  constructor(
    readonly prefix: string,
    readonly account = new MemoryTableAccount(),
  ) {
    checkTablePrefix(prefix);
  }

  tableName(logicalName: string): string {
    return this.prefix + logicalName;
  }

  async ensureTable(logicalName: string): Promise<void> {
    const name = this.tableName(logicalName);
    if (!this.account.tables.has(name)) this.account.tables.set(name, new Map());
  }

  async getRow(logicalName: string, partitionKey: string, rowKey: string): Promise<StoredRow | undefined> {
    this.requests.reads++;
    // A missing table answers 404 like a missing row.
    const entity = this.tableOrMissing(logicalName)?.get(boundedKey(partitionKey))?.get(boundedKey(rowKey));
    return entity && storedRow(entity);
  }

  async readRows(logicalName: string, partitionKey: string, rowKeys: readonly string[]): Promise<Map<string, StoredRow>> {
    return readRowsByPages((filter, pageRows) => this.pages(logicalName, filter, undefined, pageRows), partitionKey, rowKeys);
  }

  async readPartition(logicalName: string, partitionKey: string): Promise<Map<string, StoredRow>> {
    const found = new Map<string, StoredRow>();
    for await (const row of this.query(logicalName, odata`PartitionKey eq ${boundedKey(partitionKey)}`)) found.set(row.rowKey, row);
    return found;
  }

  async *query(logicalName: string, filter: string | undefined, select?: string[], pageSize?: number): AsyncGenerator<StoredRow> {
    for await (const page of this.pages(logicalName, filter, select, pageSize)) yield* page.rows;
  }

  /** The answer to an OData filter, one page (one request) at a time, as the service pages it. */
  async *pages(logicalName: string, filter: string | undefined, select?: string[], pageSize: number | (() => number) = PAGE_ROWS): AsyncGenerator<QueryPage> {
    const matches = compileFilter(filter);
    // A missing table answers as an empty one, as the Azure store reads it.
    const table = this.tableOrMissing(logicalName) ?? new Map<string, Map<string, MemoryEntity>>();
    const rows: StoredRow[] = [];
    // A filter that names one partition (or rows of it) looks at those only, not at the whole table.
    const scope = scopeOfFilter(filter);
    const partitionKeys = scope === undefined ? [...table.keys()].sort(ordinal) : table.has(scope.partitionKey) ? [scope.partitionKey] : [];
    for (const partitionKey of partitionKeys) {
      const partition = table.get(partitionKey) as Map<string, MemoryEntity>;
      const rowKeys = scope?.rowKeys === undefined ? [...partition.keys()] : [...new Set(scope.rowKeys)].filter((key) => partition.has(key));
      for (const rowKey of rowKeys.sort(ordinal)) {
        const entity = partition.get(rowKey) as MemoryEntity;
        if (matches((name) => valueOf(entity, name))) rows.push(storedRow(entity, select));
      }
    }
    // One request per page, and one for an empty answer, as the service pages.
    let start = 0;
    do {
      this.requests.reads++;
      const size = typeof pageSize === 'number' ? pageSize : pageSize();
      const page = rows.slice(start, start + size);
      start += size;
      yield { rows: page, more: start < rows.length };
    } while (start < rows.length);
  }

  async upsert(logicalName: string, partitionKey: string, rowKey: string, data: Record<string, unknown>): Promise<void> {
    const entity = this.prepare(partitionKey, rowKey, data);
    const table = this.tableForWrite(logicalName, () => {
      this.requests.writes++;
      this.requests.entities++;
    });
    put(table, { ...entity, etag: this.account.nextEtag() });
  }

  async writeConditional(logicalName: string, partitionKey: string, write: RowWrite): Promise<CommitOutcome> {
    const entity = this.prepare(partitionKey, write.rowKey, write.data);
    const table = this.tableForWrite(logicalName, () => {
      this.requests.writes++;
      this.requests.entities++;
    });
    const refused = conflictOf(table, entity, write);
    if (refused) return refused;
    const etag = this.account.nextEtag();
    put(table, { ...entity, etag });
    return { committed: true, etags: [etag] };
  }

  async deleteRow(logicalName: string, partitionKey: string, rowKey: string): Promise<void> {
    this.requests.writes++;
    // The Azure store ignores 404, of the row or of its table.
    this.tableOrMissing(logicalName)?.get(boundedKey(partitionKey))?.delete(boundedKey(rowKey));
  }

  partitionsReadTogether(): number {
    return 1;
  }

  physicalSpread(): number {
    return 1;
  }

  transactionBytes(partitionKey: string, writes: readonly RowWrite[]): number {
    return transactionBytesOf(partitionKey, writes);
  }

  async commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    if (writes.length === 0) return { committed: true, etags: [] };
    if (writes.length > MAX_TRANSACTION_ROWS) {
      throw new Error(`a transaction holds at most ${MAX_TRANSACTION_ROWS} rows, got ${writes.length}`);
    }
    const entities = writes.map((write) => this.prepare(partitionKey, write.rowKey, write.data));
    const bytes = this.transactionBytes(partitionKey, writes);
    if (bytes > MAX_TRANSACTION_BYTES) {
      throw new StorageRefusedError(
        'RequestBodyTooLarge',
        `a transaction of ${writes.length} rows would be ${bytes} bytes (at most ${MAX_TRANSACTION_BYTES})`,
        413,
      );
    }
    const table = this.tableForWrite(logicalName, () => {
      this.requests.transactions++;
      this.requests.entities += writes.length;
    });
    const seen = new Set<string>();
    for (const entity of entities) {
      if (seen.has(entity.rowKey)) throw new StorageRefusedError('InvalidDuplicateRow', `the transaction changes row ${entity.rowKey} twice`);
      seen.add(entity.rowKey);
    }
    // All or nothing: every condition is checked before any row changes.
    for (let i = 0; i < writes.length; i++) {
      const refused = conflictOf(table, entities[i] as PreparedEntity, writes[i] as RowWrite);
      if (refused) return refused;
    }
    const etags = entities.map((entity) => {
      const etag = this.account.nextEtag();
      put(table, { ...entity, etag });
      return etag;
    });
    return { committed: true, etags };
  }

  /** The entity as AzureTableStore sends it (same checks, same refusals), then as the service stores it. */
  private prepare(partitionKey: string, rowKey: string, data: Record<string, unknown>): PreparedEntity {
    const entity = toEntity(partitionKey, rowKey, data);
    const storedPartition = String(entity.partitionKey);
    const storedRowKey = String(entity.rowKey);
    for (const key of [storedPartition, storedRowKey]) {
      if (INVALID_KEY.test(key))
        throw new StorageRefusedError('OutOfRangeInput', `key ${JSON.stringify(key.slice(0, 80))} holds a character Table Storage refuses`);
    }
    const properties = new Map<string, FilterValue>();
    for (const [name, value] of Object.entries(entity)) {
      if (name === 'partitionKey' || name === 'rowKey') continue;
      properties.set(name, storedValue(name, value));
    }
    return { partitionKey: storedPartition, rowKey: storedRowKey, properties };
  }

  private tableOrMissing(logicalName: string): MemoryTable | undefined {
    return this.account.tables.get(this.tableName(logicalName));
  }

  /** The table a write goes to, made if missing: as the Azure store, which sends the write again after making it (counted twice). */
  private tableForWrite(logicalName: string, count: () => void): MemoryTable {
    count();
    const table = this.tableOrMissing(logicalName);
    if (table) return table;
    count();
    const made: MemoryTable = new Map();
    this.account.tables.set(this.tableName(logicalName), made);
    return made;
  }
}

type PreparedEntity = Omit<MemoryEntity, 'etag'>;

function conflictOf(table: MemoryTable, entity: PreparedEntity, write: RowWrite): CommitOutcome | undefined {
  const existing = table.get(entity.partitionKey)?.get(entity.rowKey);
  if (write.op === 'create' && existing) return { committed: false, status: 409, code: 'EntityAlreadyExists' };
  if (write.op === 'replace') {
    if (!existing) return { committed: false, status: 404, code: 'ResourceNotFound' };
    if (write.etag !== '*' && existing.etag !== write.etag) return { committed: false, status: 412, code: 'UpdateConditionNotSatisfied' };
  }
  return undefined;
}

function put(table: MemoryTable, entity: MemoryEntity): void {
  let partition = table.get(entity.partitionKey);
  if (!partition) table.set(entity.partitionKey, (partition = new Map<string, MemoryEntity>()));
  partition.set(entity.rowKey, entity);
}

/** What the SDK hands back for a value sent: typed numbers as numbers, Date as Date; other types refused as the SDK refuses them. */
function storedValue(name: string, value: unknown): FilterValue {
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number' || value instanceof Date) return value;
  if (typeof value === 'object' && value !== null && 'type' in value && 'value' in value && value.type === 'Double') return Number(value.value);
  throw new Error(`in-memory table store: property ${name} holds a value of a type this store does not keep (${typeof value})`);
}

function valueOf(entity: MemoryEntity, name: string): FilterValue | undefined {
  if (name === 'PartitionKey') return entity.partitionKey;
  if (name === 'RowKey') return entity.rowKey;
  return entity.properties.get(name);
}

/** The row as AzureTableStore returns it; with `select`, only those properties and the keys only when selected (as Azurite answers). */
function storedRow(entity: MemoryEntity, select?: readonly string[]): StoredRow {
  const answer: Record<string, unknown> = { etag: entity.etag };
  if (select === undefined) {
    answer['partitionKey'] = entity.partitionKey;
    answer['rowKey'] = entity.rowKey;
    for (const [name, value] of entity.properties) answer[name] = value;
  } else {
    for (const name of select) {
      if (name === 'PartitionKey') answer['partitionKey'] = entity.partitionKey;
      else if (name === 'RowKey') answer['rowKey'] = entity.rowKey;
      else if (entity.properties.has(name)) answer[name] = entity.properties.get(name);
    }
  }
  return toStoredRow(answer);
}

/** Ordinal order of UTF-16 code units, as the service sorts keys. */
function ordinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
