import { DelegatingTableStore } from './delegatingTableStore.js';
import { boundedKey } from './keys.js';
import { MIN_QUERIES_FOR_PAGES, readRowsFilters, ROWS_PER_PAGE } from './readRows.js';
import { LOGICAL_PARTITION_PROPERTY, LOGICAL_ROW_PROPERTY, packedFilter, packedPartition, packedRowKey, packedRowRange, packedSelect } from './packedKeys.js';
import {
  MAX_TRANSACTION_BYTES,
  MAX_TRANSACTION_ROWS,
  odata,
  StorageRefusedError,
  type CommitOutcome,
  type RowWrite,
  type StoredRow,
  type TableStore,
} from './TableStore.js';

/** Where a packed table's rows are: packed (new stores), or one partition each as written before packing. */
export type PackedLayout = 'packed' | 'unpacked';

export interface PackedTableOptions {
  /** The logical table whose partitions are packed (each small: a call's rows). */
  table: string;
  /** Leading characters of a logical partition key that choose its physical partition; 0 puts all in one. */
  bucketChars: number;
  /** Physical transactions in flight per physical partition. */
  inFlight?: number;
  /** Batched reads in flight per physical partition: few, so that the reads waiting meanwhile travel together. */
  readsInFlight?: number;
  /**
   * Logical partitions one query may read, as an `or` of their row-key ranges (1: each alone). The
   * embedded Azurite's index reads each range without a scan. Azure allows 15 comparisons in a
   * filter (at most 7 ranges) and may scan the physical partition for such a filter, so an account
   * reads each alone.
   */
  partitionsPerRead?: number;
}

/** The characters a call id (a GUID) starts with. */
const HEX_DIGITS = 16;

/** A batched read's filter, percent-encoded as it travels in the URL: the request line stays well inside a server's 16 KiB header limit. */
const MAX_READ_FILTER_URL_CHARS = 8000;

/** The physical table of a packed logical table: a new name, so a store written before packing keeps its rows where they are. */
export function packedTableName(table: string): string {
  return `${table}Packed`;
}

interface PendingCommit {
  partitionKey: string;
  writes: RowWrite[];
  bytes: number;
  resolve(outcome: CommitOutcome): void;
  reject(error: unknown): void;
}

interface Bucket {
  pending: PendingCommit[];
  inFlight: number;
  /** Logical partitions with a commit in flight: the next commit of one waits for it (its ETags come from it). */
  sending: Set<string>;
  /** Whether a send is due once the current turn of the event loop ends. */
  due: boolean;
}

interface PendingRead {
  partitionKey: string;
  /** The filter's term for its row-key range. */
  range: string;
  /** The term's length in a URL. */
  urlChars: number;
  resolve(rows: Map<string, StoredRow>): void;
  reject(error: unknown): void;
}

interface ReadQueue {
  pending: PendingRead[];
  inFlight: number;
  due: boolean;
}

/**
 * Keeps the rows of a table of many small partitions (the Calls table: one partition per call)
 * in a few physical partitions (packedKeys.ts), so that the transactions of many logical partitions
 * travel as one. Every caller still sees the logical table: its keys, its partitions, its order.
 *
 * Commits to one physical partition queue; waiting commits of different logical partitions are sent
 * together (up to 100 rows and 4 MiB). A combined transaction is atomic: if any part of it
 * conflicts or is refused, nothing of it was written, and each commit is sent again alone, so each
 * gets the outcome it would have had alone. The exactly-once guarantees of a logical partition's
 * ETag-guarded transaction are therefore unchanged.
 *
 * A store whose unpacked table already holds rows (written before packing) is used as it is; one
 * whose two tables both hold rows is refused (layout()).
 */
export class PackedTableStore extends DelegatingTableStore {
  private layoutFound: Promise<PackedLayout> | undefined;
  private layoutKnown: PackedLayout | undefined;
  private readonly buckets = new Map<string, Bucket>();
  private readonly reads = new Map<string, ReadQueue>();
  private readonly inFlight: number;
  private readonly readsInFlight: number;
  private readonly partitionsPerRead: number;
  /** The options' for a new table; a table that holds rows keeps the one it was written with. */
  private bucketChars: number;

  constructor(
    inner: TableStore,
    private readonly options: PackedTableOptions,
  ) {
    super(inner);
    this.inFlight = options.inFlight ?? 4;
    this.readsInFlight = options.readsInFlight ?? 2;
    this.partitionsPerRead = Math.max(1, options.partitionsPerRead ?? 1);
    this.bucketChars = options.bucketChars;
  }

  /**
   * Packed unless the unpacked table holds a row: decided once, on first use of the table (found
   * again after a failed read). Refused
   * when both hold rows, as when an earlier version (a rollback, or an instance still running through
   * a deployment) wrote calls to the unpacked table of a packed store: either table alone would hide
   * the calls stored in the other and take their next records for a new call's.
   */
  layout(): Promise<PackedLayout> {
    this.layoutFound ??= (async () => {
      const firstRow = async (table: string): Promise<StoredRow | undefined> => {
        for await (const row of this.inner.query(table, undefined, ['PartitionKey'], 1)) return row;
        return undefined;
      };
      const [unpacked, packed] = await Promise.all([firstRow(this.options.table), firstRow(this.physical)]);
      if (unpacked && packed) {
        throw new Error(
          `both ${this.inner.tableName(this.options.table)} and ${this.inner.tableName(this.physical)} hold calls: an earlier version wrote ` +
            `to ${this.inner.tableName(this.options.table)} after this store kept its calls in ${this.inner.tableName(this.physical)}, and neither holds them all; ` +
            `process the logs again into a new store (another --data-dir or ACS_LOGS_TABLE_PREFIX) with this version`,
        );
      }
      if (packed) this.bucketChars = bucketCharsOf(packed.partitionKey, this.inner.tableName(this.physical));
      return (this.layoutKnown = unpacked ? 'unpacked' : 'packed');
    })().catch((error: unknown) => {
      // Asked again next time: a store kept for a worker's life must not keep one outage's failure.
      this.layoutFound = undefined;
      throw error;
    });
    return this.layoutFound;
  }

  private async packed(logicalName: string): Promise<boolean> {
    return logicalName === this.options.table && (await this.layout()) === 'packed';
  }

  private get physical(): string {
    return packedTableName(this.options.table);
  }

  override tableName(logicalName: string): string {
    const packed = logicalName === this.options.table && this.layoutKnown === 'packed';
    return this.inner.tableName(packed ? this.physical : logicalName);
  }

  /** Known once the layout is (after ensureTable or any use of the table). */
  override partitionsReadTogether(logicalName: string): number {
    if (logicalName !== this.options.table || this.layoutKnown === undefined) return this.inner.partitionsReadTogether(logicalName);
    return this.layoutKnown === 'packed' ? this.partitionsPerRead : this.inner.partitionsReadTogether(logicalName);
  }

  /** Calls spread by the first `bucketChars` characters of their key (call ids are GUIDs: 16 hex digits each), unless the table is unpacked. */
  override physicalSpread(logicalName: string): number {
    if (logicalName !== this.options.table || this.layoutKnown === 'unpacked') return this.inner.physicalSpread(logicalName);
    return HEX_DIGITS ** this.bucketChars;
  }

  override async ensureTable(logicalName: string): Promise<void> {
    return this.inner.ensureTable((await this.packed(logicalName)) ? this.physical : logicalName);
  }

  override async getRow(logicalName: string, partitionKey: string, rowKey: string): Promise<StoredRow | undefined> {
    if (!(await this.packed(logicalName))) return this.inner.getRow(logicalName, partitionKey, rowKey);
    const [logicalPartition, logicalRow] = [boundedKey(partitionKey), boundedKey(rowKey)];
    const row = await this.inner.getRow(this.physical, this.bucket(logicalPartition), packedRowKey(logicalPartition, logicalRow));
    return row && logicalRowOf(row);
  }

  override async readRows(logicalName: string, partitionKey: string, rowKeys: readonly string[]): Promise<Map<string, StoredRow>> {
    if (!(await this.packed(logicalName))) return this.inner.readRows(logicalName, partitionKey, rowKeys);
    const logicalPartition = boundedKey(partitionKey);
    // The keys asked for by the physical key each is stored under (two may share one, as unpacked).
    const asked = new Map<string, string[]>();
    for (const rowKey of rowKeys) {
      const physicalKey = packedRowKey(logicalPartition, boundedKey(rowKey));
      const keys = asked.get(physicalKey);
      if (keys) keys.push(rowKey);
      else asked.set(physicalKey, [rowKey]);
    }
    const found = new Map<string, StoredRow>();
    const take = (physicalKey: string, row: StoredRow): void => {
      const logical = logicalRowOf(row);
      for (const key of asked.get(physicalKey) ?? []) found.set(key, logical);
    };
    let byName = [...asked.keys()];
    // Many keys: the call's own rows, page by page, as an unpacked partition would be read whole
    // (readRows.ts, within the same budget), never the other calls of its physical partition.
    // Each query names one key at least: fewer keys than that many queries need no count (a call's usual read).
    const queries = byName.length < MIN_QUERIES_FOR_PAGES ? 0 : readRowsFilters(this.bucket(logicalPartition), byName).filters.length;
    if (queries >= MIN_QUERIES_FOR_PAGES) {
      const range = packedRowRange(logicalPartition);
      const filter = odata`PartitionKey eq ${this.bucket(logicalPartition)} and RowKey ge ${range.low} and RowKey lt ${range.high}`;
      const budget = Math.floor(queries / 2) * ROWS_PER_PAGE;
      let read = 0;
      let complete = true;
      for await (const row of this.inner.query(this.physical, filter)) {
        take(row.rowKey, row);
        if (++read >= budget) {
          complete = false;
          break;
        }
      }
      if (complete) return found;
      byName = byName.filter((physicalKey) => !found.has((asked.get(physicalKey) as string[])[0] as string));
    }
    for (const [physicalKey, row] of await this.inner.readRows(this.physical, this.bucket(logicalPartition), byName)) take(physicalKey, row);
    return found;
  }

  override async readPartition(logicalName: string, partitionKey: string): Promise<Map<string, StoredRow>> {
    if (!(await this.packed(logicalName))) return this.inner.readPartition(logicalName, partitionKey);
    const logicalPartition = boundedKey(partitionKey);
    const rows = packedRowRange(logicalPartition);
    const range = odata`RowKey ge ${rows.low} and RowKey lt ${rows.high}`;
    const bucketKey = this.bucket(logicalPartition);
    if (this.partitionsPerRead === 1) {
      const found: StoredRow[] = [];
      for await (const row of this.inner.query(this.physical, odata`PartitionKey eq ${bucketKey} and ` + range)) found.push(row);
      return logicalRows(found);
    }
    let queue = this.reads.get(bucketKey);
    if (!queue) this.reads.set(bucketKey, (queue = { pending: [], inFlight: 0, due: false }));
    const reads = queue;
    return new Promise<Map<string, StoredRow>>((resolve, reject) => {
      reads.pending.push({ partitionKey: logicalPartition, range, urlChars: encodeURIComponent(range).length, resolve, reject });
      whenTurnEnds(reads, () => this.sendReads(bucketKey, reads));
    });
  }

  /** Sends waiting reads of one physical partition while it has room in flight, several logical partitions per query. */
  private sendReads(bucketKey: string, queue: ReadQueue): void {
    while (queue.inFlight < this.readsInFlight && queue.pending.length > 0) {
      const group = takeReads(queue.pending, this.partitionsPerRead);
      queue.inFlight++;
      void this.readGroup(bucketKey, group).finally(() => {
        queue.inFlight--;
        this.sendReads(bucketKey, queue);
      });
    }
  }

  /** One query for the rows of every read of `group` (one logical partition may be waited on twice). */
  private async readGroup(bucketKey: string, group: PendingRead[]): Promise<void> {
    const ranges = [...new Set(group.map((read) => read.range))];
    const filter = odata`PartitionKey eq ${bucketKey} and ` + (ranges.length === 1 ? ranges[0] : `(${ranges.map((range) => `(${range})`).join(' or ')})`);
    const found = new Map<string, StoredRow[]>(group.map((read) => [read.partitionKey, []]));
    try {
      for await (const row of this.inner.query(this.physical, filter)) {
        const logical = logicalRowOf(row);
        found.get(logical.partitionKey)?.push(logical);
      }
    } catch (error) {
      for (const read of group) read.reject(error);
      return;
    }
    for (const read of group) read.resolve(new Map((found.get(read.partitionKey) as StoredRow[]).map((row) => [row.rowKey, row])));
  }

  override async *query(logicalName: string, filter: string | undefined, select?: string[], pageSize?: number): AsyncGenerator<StoredRow> {
    if (!(await this.packed(logicalName))) {
      yield* this.inner.query(logicalName, filter, select, pageSize);
      return;
    }
    const physicalFilter = packedFilter(filter, this.bucketChars);
    for await (const row of this.inner.query(this.physical, physicalFilter, packedSelect(select), pageSize)) yield logicalRowOf(row);
  }

  override async upsert(logicalName: string, partitionKey: string, rowKey: string, data: Record<string, unknown>): Promise<void> {
    if (!(await this.packed(logicalName))) return this.inner.upsert(logicalName, partitionKey, rowKey, data);
    const write = this.physicalWrite(boundedKey(partitionKey), { op: 'upsert', rowKey, data });
    return this.inner.upsert(this.physical, this.bucket(boundedKey(partitionKey)), write.rowKey, write.data);
  }

  override async writeConditional(logicalName: string, partitionKey: string, write: RowWrite): Promise<CommitOutcome> {
    if (!(await this.packed(logicalName))) return this.inner.writeConditional(logicalName, partitionKey, write);
    const logicalPartition = boundedKey(partitionKey);
    return this.inner.writeConditional(this.physical, this.bucket(logicalPartition), this.physicalWrite(logicalPartition, write));
  }

  override async deleteRow(logicalName: string, partitionKey: string, rowKey: string): Promise<void> {
    if (!(await this.packed(logicalName))) return this.inner.deleteRow(logicalName, partitionKey, rowKey);
    const logicalPartition = boundedKey(partitionKey);
    return this.inner.deleteRow(this.physical, this.bucket(logicalPartition), packedRowKey(logicalPartition, boundedKey(rowKey)));
  }

  override async commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    if (!(await this.packed(logicalName))) return this.inner.commit(logicalName, partitionKey, writes);
    if (writes.length === 0) return { committed: true, etags: [] };
    if (writes.length > MAX_TRANSACTION_ROWS) throw new Error(`a transaction holds at most ${MAX_TRANSACTION_ROWS} rows, got ${writes.length}`);
    const logicalPartition = boundedKey(partitionKey);
    const physicalWrites = writes.map((write) => this.physicalWrite(logicalPartition, write));
    const bucketKey = this.bucket(logicalPartition);
    let bucket = this.buckets.get(bucketKey);
    if (!bucket) this.buckets.set(bucketKey, (bucket = { pending: [], inFlight: 0, sending: new Set(), due: false }));
    const queue = bucket;
    return new Promise<CommitOutcome>((resolve, reject) => {
      const bytes = this.inner.transactionBytes(bucketKey, physicalWrites);
      queue.pending.push({ partitionKey: logicalPartition, writes: physicalWrites, bytes, resolve, reject });
      whenTurnEnds(queue, () => this.send(bucketKey, queue));
    });
  }

  /** Where a row of a logical table is stored: its physical table (logical name), keys and properties. */
  async placement(
    logicalName: string,
    partitionKey: string,
    rowKey: string,
    data: Record<string, unknown>,
  ): Promise<{ table: string; partitionKey: string; rowKey: string; data: Record<string, unknown> }> {
    if (!(await this.packed(logicalName))) return { table: logicalName, partitionKey, rowKey, data };
    const logicalPartition = boundedKey(partitionKey);
    const write = this.physicalWrite(logicalPartition, { op: 'upsert', rowKey, data });
    return { table: this.physical, partitionKey: this.bucket(logicalPartition), rowKey: write.rowKey, data: write.data };
  }

  private bucket(logicalPartition: string): string {
    return packedPartition(logicalPartition, this.bucketChars);
  }

  private physicalWrite(logicalPartition: string, write: RowWrite): RowWrite {
    const logicalRow = boundedKey(write.rowKey);
    const data = { ...write.data, [LOGICAL_PARTITION_PROPERTY]: logicalPartition, [LOGICAL_ROW_PROPERTY]: logicalRow };
    return { ...write, rowKey: packedRowKey(logicalPartition, logicalRow), data };
  }

  /** Sends waiting commits while the physical partition has room in flight, each transaction as full as its limits allow. */
  private send(bucketKey: string, bucket: Bucket): void {
    while (bucket.inFlight < this.inFlight && bucket.pending.length > 0) {
      const group = takeGroup(bucket.pending, bucket.sending);
      if (group.length === 0) return;
      bucket.inFlight++;
      for (const commit of group) bucket.sending.add(commit.partitionKey);
      void this.sendGroup(bucketKey, group).finally(() => {
        bucket.inFlight--;
        for (const commit of group) bucket.sending.delete(commit.partitionKey);
        this.send(bucketKey, bucket);
      });
    }
  }

  private async sendGroup(bucketKey: string, group: PendingCommit[]): Promise<void> {
    if (group.length === 1) return this.sendAlone(bucketKey, group[0] as PendingCommit);
    let outcome: CommitOutcome;
    try {
      outcome = await this.inner.commit(
        this.physical,
        bucketKey,
        group.flatMap((commit) => commit.writes),
      );
    } catch (error) {
      if (!(error instanceof StorageRefusedError)) {
        for (const commit of group) commit.reject(error);
        return;
      }
      outcome = { committed: false, status: 400, code: 'Refused' };
    }
    if (!outcome.committed) {
      // Nothing of the group was written: each commit learns its own outcome alone.
      await Promise.all(group.map((commit) => this.sendAlone(bucketKey, commit)));
      return;
    }
    let at = 0;
    for (const commit of group) {
      const etags = outcome.etags?.slice(at, at + commit.writes.length);
      at += commit.writes.length;
      commit.resolve(etags ? { committed: true, etags } : { committed: true });
    }
  }

  private async sendAlone(bucketKey: string, commit: PendingCommit): Promise<void> {
    try {
      commit.resolve(await this.inner.commit(this.physical, bucketKey, commit.writes));
    } catch (error) {
      commit.reject(error);
    }
  }
}

/**
 * The bucket characters a packed table was written with, read from one of its partition keys (`p`
 * and four hex digits per character): a store opened otherwise (embedded, or through a connection
 * string) still finds its calls where they are.
 */
function bucketCharsOf(partitionKey: string, table: string): number {
  const chars = (partitionKey.length - 1) / 4;
  if (!partitionKey.startsWith('p') || !Number.isInteger(chars) || !/^p[0-9a-f]*$/.test(partitionKey)) {
    throw new Error(`${table} holds a row in partition '${partitionKey}', which this version did not write: not a packed Calls table`);
  }
  return chars;
}

/** Takes from the queue, in order, commits of distinct logical partitions, none with a commit in flight, that fit one transaction together. */
function takeGroup(pending: PendingCommit[], sending: ReadonlySet<string>): PendingCommit[] {
  const group: PendingCommit[] = [];
  const partitions = new Set<string>();
  let rows = 0;
  let bytes = 0;
  for (let i = 0; i < pending.length;) {
    const next = pending[i] as PendingCommit;
    const fits = group.length === 0 || (rows + next.writes.length <= MAX_TRANSACTION_ROWS && bytes + next.bytes <= MAX_TRANSACTION_BYTES);
    // Two commits of one logical partition go one after the other: the second's ETags come from the first.
    if (partitions.has(next.partitionKey) || sending.has(next.partitionKey) || !fits) {
      i++;
      continue;
    }
    pending.splice(i, 1);
    group.push(next);
    partitions.add(next.partitionKey);
    rows += next.writes.length;
    bytes += next.bytes;
  }
  return group;
}

/**
 * Runs `send` once the current turn of the event loop ends, once however often asked in it: the
 * calls a read answered go on together and ask in the same turn, and then travel together.
 */
function whenTurnEnds(queue: { due: boolean }, send: () => void): void {
  if (queue.due) return;
  queue.due = true;
  setImmediate(() => {
    queue.due = false;
    send();
  });
}

/** Takes from the queue, in order, reads of up to `most` logical partitions whose ranges fit one filter together. */
function takeReads(pending: PendingRead[], most: number): PendingRead[] {
  const group: PendingRead[] = [];
  const partitions = new Set<string>();
  let chars = 0;
  for (let i = 0; i < pending.length;) {
    const next = pending[i] as PendingRead;
    const known = partitions.has(next.partitionKey);
    if (!known && group.length > 0 && (partitions.size >= most || chars + next.urlChars > MAX_READ_FILTER_URL_CHARS)) {
      i++;
      continue;
    }
    pending.splice(i, 1);
    group.push(next);
    if (!known) chars += next.urlChars;
    partitions.add(next.partitionKey);
  }
  return group;
}

/** A packed row under its logical keys, without the properties that carry them. */
function logicalRowOf(row: StoredRow): StoredRow {
  const { [LOGICAL_PARTITION_PROPERTY]: partitionKey, [LOGICAL_ROW_PROPERTY]: rowKey, ...data } = row.data;
  if (typeof partitionKey !== 'string' || typeof rowKey !== 'string') {
    throw new Error(`packed row ${row.partitionKey}/${row.rowKey} has no logical keys (${LOGICAL_PARTITION_PROPERTY}, ${LOGICAL_ROW_PROPERTY})`);
  }
  return { partitionKey, rowKey, etag: row.etag, data };
}

function logicalRows(rows: Iterable<StoredRow>): Map<string, StoredRow> {
  const found = new Map<string, StoredRow>();
  for (const row of rows) {
    const logical = logicalRowOf(row);
    found.set(logical.rowKey, logical);
  }
  return found;
}
