/**
 * Loaded with `node --import` into the embedded Azurite process (see azurite.ts). Azurite keeps each
 * table in a LokiJS collection with sorted indexes on PartitionKey and RowKey. Keeping those sorted
 * costs time in proportion to the whole table on every insert, replace and delete, a point lookup
 * scans its partition, and a query scans the whole table: at 200k rows a replace takes about 1 ms.
 * This gives each table a hash index by partition and row key instead, kept in memory only: writes
 * cost the same at 200k rows as at 2k, replaces happen in place, and a query that names one
 * partition reads only that partition. Answers do not change: a lookup returns the same document,
 * and a query still runs Azurite's own filter, paging and sort over the candidate documents.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { scopeOfFilter, type FilterScope } from './memoryFilter.js';

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
}

type StoreMethod = (this: TableStore, ...args: unknown[]) => Promise<unknown>;

/** Documents of one table by partition, then row key. */
export class KeyIndex {
  private readonly partitions = new Map<string, Map<string, EntityDoc>>();

  constructor(docs: Iterable<EntityDoc>) {
    for (const doc of docs) this.add(doc);
  }

  add(doc: EntityDoc): void {
    let rows = this.partitions.get(doc.PartitionKey);
    if (!rows) this.partitions.set(doc.PartitionKey, (rows = new Map<string, EntityDoc>()));
    rows.set(doc.RowKey, doc);
  }

  /** Forgets `doc` only if it is the document indexed under its key (a stale copy changes nothing). */
  delete(doc: EntityDoc): void {
    const rows = this.partitions.get(doc.PartitionKey);
    if (rows?.get(doc.RowKey) !== doc) return;
    rows.delete(doc.RowKey);
    if (rows.size === 0) this.partitions.delete(doc.PartitionKey);
  }

  get(partitionKey: string, rowKey: string): EntityDoc | undefined {
    return this.partitions.get(partitionKey)?.get(rowKey);
  }

  /** The documents a filter of this scope can match: its partition's, or only the row keys it names. */
  candidates(scope: FilterScope): EntityDoc[] {
    const rows = this.partitions.get(scope.partitionKey);
    if (!rows) return [];
    if (scope.rowKeys === undefined) return [...rows.values()];
    const found = new Set<EntityDoc>();
    for (const rowKey of scope.rowKeys) {
      const doc = rows.get(rowKey);
      if (doc) found.add(doc);
    }
    return [...found];
  }
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
    for (const stored of before) index.delete(stored);
    for (const item of Array.isArray(doc) ? doc : [doc]) {
      const stored = item.$loki === undefined ? null : this.get(item.$loki);
      if (stored) index.add(stored);
    }
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
    const collection = getEntityCollection.call(this, account, table, context);
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

  // A query that names one partition starts from that partition's documents (or the rows it names), not the whole table.
  const queryTableEntities = store['queryTableEntities'];
  if (!queryTableEntities) throw new Error('Azurite table store: no queryTableEntities');
  store['queryTableEntities'] = function (this: TableStore, ...args: unknown[]) {
    const [context, account, table, queryOptions] = args as [unknown, string, string, { filter?: string } | undefined];
    const scope = scopeOfFilter(queryOptions?.filter);
    if (scope === undefined) return queryTableEntities.apply(this, args);
    const collection = this.getEntityCollection(account, table, context);
    const index = indexOf(collection);
    const chain = collection.chain;
    const restore = (): void => {
      delete (collection as Partial<Collection>).chain;
    };
    collection.chain = function (this: Collection) {
      restore();
      const resultset = chain.call(this);
      const positions: number[] = [];
      for (const doc of index.candidates(scope)) {
        const found = doc.$loki === undefined ? null : this.get(doc.$loki, true);
        if (found) positions.push(found[1]);
      }
      resultset.filteredrows = positions.sort((a, b) => a - b);
      resultset.filterInitialized = true;
      return resultset;
    };
    try {
      return queryTableEntities.apply(this, args);
    } finally {
      restore();
    }
  };
}
