/**
 * Loaded with `node --import` into the embedded Azurite process (see azurite.ts). Azurite keeps each
 * table in a LokiJS collection with sorted indexes on PartitionKey and RowKey. Keeping those sorted
 * costs time in proportion to the whole table on every insert, replace and delete, a point lookup
 * scans its partition, and a query scans the whole table: at 200k rows a replace takes about 1 ms.
 * This gives each table a hash index by partition and row key instead, kept in memory only: writes
 * cost the same at 200k rows as at 2k, replaces happen in place, and a query that names one
 * partition reads only that partition (one that bounds its partition keys, only those partitions). Answers do not change: a lookup returns the same document,
 * and a query still runs Azurite's own filter, paging and sort over the candidate documents.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { partitionRangeOfFilter, scopeOfFilter, type FilterScope, type KeyRange } from './memoryFilter.js';
import { lowerBound, SortedKeys } from './sortedKeys.js';

interface EntityDoc {
  PartitionKey: string;
  RowKey: string;
  properties: Record<string, unknown>;
  lastModifiedTime?: unknown;
  eTag?: string;
  $loki?: number;
  meta?: Record<string, unknown>;
}

interface Resultset {
  filteredrows: number[];
  filterInitialized: boolean;
}

interface Collection {
  name: string;
  data: EntityDoc[];
  binaryIndices: Record<string, unknown>;
  get: ((this: Collection, id: number, returnPosition: true) => [EntityDoc, number] | null) & ((this: Collection, id: number) => EntityDoc | null);
  chain: (this: Collection) => Resultset;
  insert: (this: Collection, doc: EntityDoc | EntityDoc[]) => EntityDoc | EntityDoc[] | undefined;
  remove: (this: Collection, doc: EntityDoc | EntityDoc[] | number) => void;
  update: (this: Collection, doc: EntityDoc | EntityDoc[]) => void;
  findOne: (this: Collection, query: Record<string, unknown>) => EntityDoc | null;
}

interface TableStore {
  getEntityCollection: (this: TableStore, account: string, table: string, context: unknown) => Collection;
  encodeIfMatch: (this: TableStore, etag: string | undefined) => string | undefined;
  transactionRollbackTheseEntities: EntityDoc[];
  getMaxResultsOption: (this: TableStore, queryOptions: QueryOptions) => number;
  getTableCollectionName: (this: TableStore, account: string, table: string) => string;
  db: { collections: Collection[] };
  decodeContinuationHeader: (this: TableStore, header: unknown) => string | undefined;
}

type StoreMethod = (this: TableStore, ...args: unknown[]) => Promise<unknown>;

/** Where a page of a query starts: Azurite's continuation (`NextPartitionKey`, `NextRowKey`), decoded. */
export interface PageStart {
  partitionKey?: string | undefined;
  rowKey?: string | undefined;
}

/**
 * Documents of one table by partition, then row key. Keys are also kept sorted, as Azurite sorts
 * answers (by UTF-16 code units): partition keys sorted again when one comes or goes, a partition's
 * row keys kept sorted as they come and go. A page of a query then reads from where the previous one
 * stopped, and a row-key range of one partition only its rows, instead of filtering and sorting the table.
 */
export class KeyIndex {
  private readonly partitions = new Map<string, Map<string, EntityDoc>>();
  private sortedPartitions: string[] | undefined;
  private readonly sortedRows = new Map<string, SortedKeys>();

  constructor(docs: Iterable<EntityDoc>) {
    for (const doc of docs) this.add(doc);
  }

  add(doc: EntityDoc): void {
    let rows = this.partitions.get(doc.PartitionKey);
    if (!rows) {
      this.partitions.set(doc.PartitionKey, (rows = new Map<string, EntityDoc>()));
      this.sortedPartitions = undefined;
    }
    if (!rows.has(doc.RowKey)) {
      // Kept sorted as keys come, not sorted again: a partition of many rows takes reads between writes.
      this.sortedRows.get(doc.PartitionKey)?.add(doc.RowKey);
    }
    rows.set(doc.RowKey, doc);
  }

  /** Forgets `doc` only if it is the document indexed under its key (a stale copy changes nothing). */
  delete(doc: EntityDoc): void {
    const rows = this.partitions.get(doc.PartitionKey);
    if (rows?.get(doc.RowKey) !== doc) return;
    rows.delete(doc.RowKey);
    this.sortedRows.get(doc.PartitionKey)?.delete(doc.RowKey);
    if (rows.size === 0) {
      this.sortedRows.delete(doc.PartitionKey);
      this.partitions.delete(doc.PartitionKey);
      this.sortedPartitions = undefined;
    }
  }

  /** Puts `next` in the place of `previous`; under the same keys, the key order is kept as it is. */
  replace(previous: EntityDoc, next: EntityDoc): void {
    const rows = this.partitions.get(previous.PartitionKey);
    if (previous.PartitionKey === next.PartitionKey && previous.RowKey === next.RowKey && rows?.get(previous.RowKey) === previous) {
      rows.set(next.RowKey, next);
      return;
    }
    this.delete(previous);
    this.add(next);
  }

  get(partitionKey: string, rowKey: string): EntityDoc | undefined {
    return this.partitions.get(partitionKey)?.get(rowKey);
  }

  /**
   * The first `limit` documents in key order (returned in any order: Azurite sorts the page) that a query's page can answer with: within `scope`
   * (or anywhere), at or past `start` as Azurite's own continuation test takes it, and matching
   * `where`. Only documents up to the last of them are tested, so paging through a table costs one
   * pass over it, not one per page.
   */
  firstMatches(scope: FilterScope | undefined, start: PageStart, where: (doc: EntityDoc) => unknown, limit: number, range?: KeyRange): EntityDoc[] {
    const found: EntityDoc[] = [];
    const take = (doc: EntityDoc | undefined): boolean => {
      if (doc && pastStart(doc, start) && where(doc)) found.push(doc);
      return found.length >= limit;
    };
    if (scope?.rowKeys !== undefined) {
      const rows = this.partitions.get(scope.partitionKey);
      for (const rowKey of [...new Set(scope.rowKeys)].sort()) if (take(rows?.get(rowKey))) break;
      return found;
    }
    const partitions = scope ? [scope.partitionKey] : this.partitionKeys();
    // Every document of an earlier partition fails Azurite's continuation test: start at the page's.
    // Nor can a document of a partition outside the filter's range of partition keys match.
    const resumeAt = scope || start.partitionKey === undefined ? 0 : lowerBound(partitions, start.partitionKey);
    const first = scope || range?.low === undefined ? resumeAt : Math.max(resumeAt, lowerBound(partitions, range.low));
    for (let i = first; i < partitions.length; i++) {
      const partitionKey = partitions[i] as string;
      if (!scope && range?.high !== undefined && partitionKey > range.high) break;
      const rows = this.partitions.get(partitionKey);
      if (!rows) continue;
      const resumes = partitionKey === start.partitionKey && start.rowKey !== undefined;
      const ranges = scope ? rowRangesOfScope(scope) : undefined;
      if (!resumes && ranges === undefined && rows.size < limit - found.length) {
        // Every match of this partition is on the page whatever their order (Azurite sorts the page): no need to sort its keys.
        for (const doc of rows.values()) take(doc);
        continue;
      }
      // Within a partition a filter names, only the row keys its RowKey bounds allow are read, range by range in key order.
      const resumeRow = resumes ? start.rowKey : undefined;
      for (const rowRange of ranges ?? [{}]) {
        let from = resumeRow;
        if (rowRange.low !== undefined && (from === undefined || rowRange.low > from)) from = rowRange.low;
        if (from !== undefined && rowRange.high !== undefined && from > rowRange.high) continue;
        for (const rowKey of this.rowKeys(partitionKey, rows).from(from)) {
          if (rowRange.high !== undefined && rowKey > rowRange.high) break;
          if (take(rows.get(rowKey))) return found;
        }
      }
    }
    return found;
  }

  private partitionKeys(): string[] {
    this.sortedPartitions ??= [...this.partitions.keys()].sort();
    return this.sortedPartitions;
  }

  private rowKeys(partitionKey: string, rows: Map<string, EntityDoc>): SortedKeys {
    let sorted = this.sortedRows.get(partitionKey);
    if (!sorted) this.sortedRows.set(partitionKey, (sorted = new SortedKeys(rows.keys())));
    return sorted;
  }
}

/**
 * The row-key ranges a scope allows, sorted and merged (so no row is met twice); undefined for the whole partition.
 * Bounds are inclusive (an `lt` is taken as `le`).
 */
export function rowRangesOfScope(scope: FilterScope): KeyRange[] | undefined {
  if (scope.rowRange) return [scope.rowRange];
  if (!scope.rowRanges) return undefined;
  const sorted = [...scope.rowRanges].sort((a, b) => (a.low === b.low ? 0 : a.low === undefined ? -1 : b.low === undefined ? 1 : a.low < b.low ? -1 : 1));
  const merged: KeyRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && (last.high === undefined || range.low === undefined || range.low <= last.high)) {
      if (last.high !== undefined && (range.high === undefined || range.high > last.high)) last.high = range.high;
      if (range.high === undefined) delete last.high;
    } else merged.push({ ...range });
  }
  return merged;
}

/** Azurite's own test of a document against a page's continuation (LokiTableMetadataStore.queryTableEntities). */
function pastStart(doc: EntityDoc, start: PageStart): boolean {
  if (start.partitionKey !== undefined && doc.PartitionKey > start.partitionKey) return true;
  if (start.rowKey !== undefined) return doc.RowKey >= start.rowKey && (doc.PartitionKey === start.partitionKey || doc.PartitionKey === undefined);
  if (start.partitionKey !== undefined && doc.PartitionKey < start.partitionKey) return false;
  return true;
}

const indexes = new WeakMap<Collection, KeyIndex>();

/** The index of an entity collection, built on first use; its sorted indexes are dropped. */
function indexOf(collection: Collection): KeyIndex {
  let index = indexes.get(collection);
  if (!index) {
    collection.binaryIndices = {};
    index = new KeyIndex(collection.data);
    indexes.set(collection, index);
  }
  return index;
}

/** The stored documents a remove argument names (a document, an array of them, or a `$loki` id). */
function storedDocs(collection: Collection, target: EntityDoc | EntityDoc[] | number): EntityDoc[] {
  const targets = Array.isArray(target) ? target : [target];
  const found: EntityDoc[] = [];
  for (const item of targets) {
    const id = typeof item === 'number' ? item : item.$loki;
    const stored = id === undefined ? null : collection.get(id);
    if (stored) found.push(stored);
  }
  return found;
}

/** Patches LokiJS's collections and Azurite's table store, as loaded by the Azurite entry `azuriteEntry`. */
export function installTableIndex(azuriteEntry: string): void {
  const require = createRequire(azuriteEntry);
  const loki = require(require.resolve('lokijs')) as { Collection: { prototype: Collection } };
  const storeModule = path.join(path.dirname(azuriteEntry), 'table', 'persistence', 'LokiTableMetadataStore.js');
  const store = (require(storeModule) as { default: { prototype: Record<string, StoreMethod> } }).default.prototype;
  const generatorModule = path.join(path.dirname(azuriteEntry), 'table', 'persistence', 'LokiTableStoreQueryGenerator.js');
  const queryGenerator = (require(generatorModule) as { default: { generateQueryForPersistenceLayer: WhereGenerator } }).default;
  // The filter of the query in progress, already parsed and tested on its documents: Azurite's own
  // query asks for it again (same options object) and then only tests the documents handed to it.
  let tested: { options: QueryOptions; where: (doc: EntityDoc) => unknown } | undefined;
  const generateWhere = queryGenerator.generateQueryForPersistenceLayer;
  queryGenerator.generateQueryForPersistenceLayer = function (options, context) {
    if (tested !== undefined && options === tested.options) return tested.where;
    return generateWhere.call(this, options, context);
  };
  const errorsModule = path.join(path.dirname(azuriteEntry), 'table', 'errors', 'StorageErrorFactory.js');
  const errors = (require(errorsModule) as { default: Record<string, (context: unknown) => Error> }).default;
  const notFound = errors['getEntityNotFound'];
  const preconditionFailed = errors['getPreconditionFailed'];
  if (!notFound || !preconditionFailed) throw new Error('Azurite table store: unexpected error factory');

  const proto = loki.Collection.prototype;
  const { insert, remove, update, findOne } = proto;

  proto.insert = function (this: Collection, doc) {
    const result = insert.call(this, doc);
    const index = indexes.get(this);
    if (index && result) for (const stored of Array.isArray(result) ? result : [result]) index.add(stored);
    return result;
  };
  proto.remove = function (this: Collection, doc) {
    const index = indexes.get(this);
    const gone = index ? storedDocs(this, doc) : [];
    remove.call(this, doc);
    for (const stored of gone) index?.delete(stored);
  };
  proto.update = function (this: Collection, doc) {
    const index = indexes.get(this);
    const before = index ? storedDocs(this, doc) : [];
    update.call(this, doc);
    if (!index) return;
    const previous = new Map(before.map((stored) => [stored.$loki, stored]));
    for (const item of Array.isArray(doc) ? doc : [doc]) {
      const stored = item.$loki === undefined ? null : this.get(item.$loki);
      const was = previous.get(item.$loki);
      previous.delete(item.$loki);
      if (stored && was) index.replace(was, stored);
      else if (stored) index.add(stored);
    }
    for (const stored of previous.values()) index.delete(stored);
  };
  proto.findOne = function (this: Collection, query) {
    const index = indexes.get(this);
    const keys = query ? Object.keys(query) : [];
    const partitionKey = query?.['PartitionKey'];
    const rowKey = query?.['RowKey'];
    if (index && keys.length === 2 && typeof partitionKey === 'string' && typeof rowKey === 'string') {
      return index.get(partitionKey, rowKey) ?? null;
    }
    return findOne.call(this, query);
  };

  const getEntityCollection = store['getEntityCollection'] as unknown as TableStore['getEntityCollection'];
  (store as unknown as TableStore).getEntityCollection = function (this: TableStore, account, table, context) {
    let collection: Collection;
    try {
      collection = getEntityCollection.call(this, account, table, context);
    } catch (error) {
      // Azurite names a table's collection as the table was created and looks it up as asked or in
      // lower case; table names ignore case in Azure, so `acsUsage` is the table `AcsUsage`.
      const wanted = this.getTableCollectionName(account, table).toLowerCase();
      const found = this.db.collections.find((candidate) => candidate.name.toLowerCase() === wanted);
      if (!found) throw error;
      collection = found;
    }
    indexOf(collection);
    return collection;
  };

  // A replace keeps the document's place: Azurite's remove-then-insert moves every later document.
  store['updateTableEntity'] = async function (this: TableStore, ...args: unknown[]) {
    const [context, table, account, entity, ifMatch, batchId] = args as [unknown, string, string, EntityDoc, string | undefined, string | undefined];
    const collection = this.getEntityCollection(account, table, context);
    const doc = collection.findOne({ PartitionKey: entity.PartitionKey, RowKey: entity.RowKey });
    if (!doc) throw notFound(context);
    if (batchId !== '') this.transactionRollbackTheseEntities.push(doc);
    const etag = this.encodeIfMatch(doc.eTag);
    const wanted = ifMatch === undefined ? undefined : this.encodeIfMatch(ifMatch);
    if (wanted !== undefined && wanted !== '*' && wanted !== etag) throw preconditionFailed(context);
    entity.properties['Timestamp'] = entity.lastModifiedTime;
    entity.properties['Timestamp@odata.type'] = 'Edm.DateTime';
    entity.$loki = doc.$loki;
    entity.meta = { ...doc.meta };
    collection.update(entity);
    return entity;
  };

  // A page starts where the previous one stopped, in the partition a filter names if it names one, and
  // reads on only until it is full: Azurite's own filters and sorts the whole table for every page.
  const queryTableEntities = store['queryTableEntities'];
  if (!queryTableEntities) throw new Error('Azurite table store: no queryTableEntities');
  store['queryTableEntities'] = function (this: TableStore, ...args: unknown[]) {
    const [context, account, table, queryOptions, nextPartitionKey, nextRowKey] = args as [unknown, string, string, QueryOptions, unknown, unknown];
    // Invalid syntax throws here Azurite's own error, as its query would.
    const where = generateWhere.call(queryGenerator, queryOptions, context);
    const limit = this.getMaxResultsOption(queryOptions) + 1;
    const start = { partitionKey: this.decodeContinuationHeader(nextPartitionKey), rowKey: this.decodeContinuationHeader(nextRowKey) };
    const collection = this.getEntityCollection(account, table, context);
    const docs = indexOf(collection).firstMatches(scopeOfFilter(queryOptions.filter), start, where, limit, partitionRangeOfFilter(queryOptions.filter));
    const chain = collection.chain;
    const restore = (): void => {
      delete (collection as Partial<Collection>).chain;
    };
    // Azurite's query then filters, sorts and cuts these documents as it would the whole table.
    collection.chain = function (this: Collection) {
      restore();
      const resultset = chain.call(this);
      const positions: number[] = [];
      for (const doc of docs) {
        const found = doc.$loki === undefined ? null : this.get(doc.$loki, true);
        if (found) positions.push(found[1]);
      }
      resultset.filteredrows = positions.sort((a, b) => a - b);
      resultset.filterInitialized = true;
      return resultset;
    };
    const matched = new Set(docs);
    tested = { options: queryOptions, where: (doc) => matched.has(doc) || where(doc) };
    try {
      return queryTableEntities.apply(this, args);
    } finally {
      tested = undefined;
      restore();
    }
  };
}

type WhereGenerator = (this: unknown, options: QueryOptions, context: unknown) => (doc: EntityDoc) => unknown;

interface QueryOptions {
  filter?: string;
}
