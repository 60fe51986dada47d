import type { RowData } from '../aggregating/types.js';
import type { RowWrite, StoredRow, TableStore } from '../storage/TableStore.js';

/**
 * Bytes of rows (as rowBytes estimates them) kept across the writes of one run. A call is touched by
 * the writes of several hours (its logs, their updates, its recordings): a partition evicted before
 * then is read again, so this sets most of a run's reads.
 */
export const DEFAULT_CACHED_BYTES = 64 * 1024 * 1024;
/** A table's partitions are taken as new while at least this share of those it met lately were. */
const NEWNESS_TO_ASSUME = 0.5;
/**
 * The same for a table whose partitions are read many to a request (reads ahead of the writes): read
 * unless nearly all were new, as one found otherwise takes it below; a packed create that meets a
 * row fails the commits of the other partitions sent with it, where the read costs little.
 */
const NEWNESS_TO_ASSUME_READ_TOGETHER = 0.95;
/** Keys of evicted partitions remembered as existing (a hint only: forgetting one costs one failed create). */
const MAX_EXISTING = 50_000;

/**
 * What one run knows of the rows of one partition, kept current from its own commits (the batch
 * answer carries each row's new ETag), so a row is read at most once per run. For a view with a
 * summary the whole partition is known or nothing is. A lost race forgets all.
 *
 * A partition nobody has looked at may be assumed empty (`assumeEmpty`): the writes are then all
 * creates, which fail as a whole (409) if any row exists after all, and only then is it read.
 */
export class PartitionRows {
  private readonly rows = new Map<string, StoredRow>();
  private readonly absent = new Set<string>();
  /** Rows as this run's own commits left them (one commit is one snapshot; a multi-row read need not be). */
  private readonly written = new Set<string>();
  private bytes = 0;
  private whole = false;
  /**
   * `assuming`: rows not known are taken as absent without a read (all writes of them are creates,
   * and a 409 refutes it); `reading`: they are read. `undecided` until the first write.
   */
  private mode: 'undecided' | 'assuming' | 'reading' = 'undecided';
  /** Whether the first commit of an assumption is still to be reported (to learn how often it pays). */
  private unconfirmed = false;
  /** Whether the first read was chosen by the table's guess that partitions exist (its result is reported once). */
  private guessedExisting = false;
  /** Whether a write has used what is known here (a read ahead is for a partition no write has begun). */
  private used = false;
  /** A read of the whole partition started ahead of its write (readAhead), not yet awaited by it: never rejects (undefined: it failed). */
  private ahead: Promise<boolean | undefined> | undefined;
  /** Counts forget(): a read ahead that a forget overtook is not taken (it may hold what made a write fail). */
  private forgotten = 0;

  constructor(
    private readonly tables: TableStore,
    readonly table: string,
    readonly partitionKey: string,
    private readonly needsWhole: boolean,
    private onSize: (delta: number) => void,
    knownToExist = false,
  ) {
    if (knownToExist) this.mode = 'reading';
  }

  get hasRows(): boolean {
    return this.rows.size > 0;
  }

  /** Leaves the cache: what is known stays true for a write still using it, but is no longer counted. */
  detach(): void {
    this.onSize(-this.size);
    this.onSize = () => undefined;
  }

  /** What the known rows and absences cost in memory, as rowBytes estimates it. */
  get size(): number {
    return this.bytes;
  }

  get assuming(): boolean {
    return this.mode === 'assuming';
  }

  /** Whether no write has decided yet how to learn this partition's rows. */
  get undecided(): boolean {
    return this.mode === 'undecided';
  }

  /**
   * Makes `keys` (for a summary view: the whole partition) known: assumed absent when the partition
   * is taken as new, else read. Returns, after the read the table's guess chose, whether it found
   * nothing: what assuming would have got right.
   */
  async prepare(keys: readonly string[], expectNew: boolean): Promise<boolean | undefined> {
    this.used = true;
    if (this.mode === 'undecided') {
      this.mode = expectNew ? 'assuming' : 'reading';
      this.unconfirmed = expectNew;
      this.guessedExisting = !expectNew;
    }
    if (this.mode === 'assuming') {
      if (this.needsWhole) this.whole = true;
      else for (const key of keys) if (!this.rows.has(key) && !this.absent.has(key)) this.addAbsent(key);
      return undefined;
    }
    // Only a read the guess chose teaches the guess: a partition read because this run already knows it
    // exists (its rows were evicted, or a race was lost) says nothing about partitions not seen yet.
    const guessed = this.guessedExisting;
    this.guessedExisting = false;
    const foundNothing = await this.load(keys);
    return guessed ? foundNothing : undefined;
  }

  /** Whether this was the first commit made on an assumption of emptiness (reported once). */
  confirm(): boolean {
    const first = this.unconfirmed;
    this.unconfirmed = false;
    return first;
  }

  /** The assumption of emptiness was wrong (a create met a row): forget it and read from now on. */
  refute(): void {
    this.forget();
  }

  /**
   * Starts reading the whole partition (a summary view's) before its write begins, so that the reads
   * of many partitions wait together and travel in few requests; the write's read then awaits this
   * one. Returns whether it found nothing (undefined if it failed: the write reads again, and fails
   * if that fails too), or undefined when there is nothing to read ahead: a write began, or the
   * partition is known or taken as new.
   */
  readAhead(): Promise<boolean | undefined> | undefined {
    if (!this.needsWhole || this.used || this.whole || this.ahead || this.mode === 'assuming') return undefined;
    // Read, whatever the table's guess: the write finds the partition known.
    this.mode = 'reading';
    const forgotten = this.forgotten;
    this.ahead = this.tables.readPartition(this.table, this.partitionKey).then(
      (all) => (forgotten === this.forgotten ? this.know(all) : undefined),
      () => undefined,
    );
    return this.ahead;
  }

  /** Reads what is not known yet; returns whether the read found none of `keys` (none at all, for a summary view). */
  async load(keys: readonly string[]): Promise<boolean | undefined> {
    this.used = true;
    if (this.needsWhole) {
      if (this.ahead) {
        const ahead = this.ahead;
        this.ahead = undefined;
        await ahead;
      }
      return this.whole ? undefined : this.readWhole();
    }
    const unknown = keys.filter((key) => !this.rows.has(key) && !this.absent.has(key));
    if (unknown.length === 0) return undefined;
    const found = await this.tables.readRows(this.table, this.partitionKey, unknown);
    for (const key of unknown) {
      const row = found.get(key);
      if (row) this.addRow(key, row);
      else this.addAbsent(key);
    }
    return found.size === 0;
  }

  private async readWhole(): Promise<boolean> {
    return this.know(await this.tables.readPartition(this.table, this.partitionKey));
  }

  /** Takes a read of the whole partition as what is known; returns whether it found nothing. */
  private know(all: Map<string, StoredRow>): boolean {
    this.clear();
    for (const [key, row] of all) this.addRow(key, row);
    this.whole = true;
    return all.size === 0;
  }

  get(key: string): StoredRow | undefined {
    return this.rows.get(key);
  }

  /** The row as known: the row, null when known to be absent, undefined when not known. */
  lookup(key: string): StoredRow | null | undefined {
    const row = this.rows.get(key);
    if (row) return row;
    return this.absent.has(key) || this.whole ? null : undefined;
  }

  /** Whether the row is known as this run's last commit of it left it. */
  wrote(key: string): boolean {
    return this.written.has(key);
  }

  /** Every row known (for a whole partition: every row of it, bookkeeping rows included). */
  entries(): IterableIterator<[string, StoredRow]> {
    return this.rows.entries();
  }

  /** Records a commit; returns the keys whose new ETag the answer did not carry (to be read again). */
  committed(writes: readonly RowWrite[], etags: readonly (string | undefined)[] | undefined): string[] {
    this.used = true;
    const unknown: string[] = [];
    writes.forEach((write, i) => {
      const etag = etags?.[i];
      if (etag) {
        this.deleteAbsent(write.rowKey);
        this.written.add(write.rowKey);
        this.addRow(write.rowKey, { partitionKey: this.partitionKey, rowKey: write.rowKey, etag, data: asStored(write.data) });
      } else {
        this.forgetRow(write.rowKey);
        unknown.push(write.rowKey);
      }
    });
    return unknown;
  }

  /** After a lost race (or a wrong assumption): nothing known is trusted any more, and what is not known is read. */
  forget(): void {
    this.forgotten++;
    this.ahead = undefined;
    this.clear();
    this.mode = 'reading';
    this.unconfirmed = false;
  }

  private clear(): void {
    this.onSize(-this.size);
    this.bytes = 0;
    this.written.clear();
    this.rows.clear();
    this.absent.clear();
    this.whole = false;
  }

  private addRow(key: string, row: StoredRow): void {
    const old = this.rows.get(key);
    this.resize(rowBytes(key, row.data) - (old ? rowBytes(key, old.data) : 0));
    this.rows.set(key, row);
  }

  private addAbsent(key: string): void {
    if (!this.absent.has(key)) this.resize(rowBytes(key));
    this.absent.add(key);
  }

  private deleteAbsent(key: string): void {
    if (this.absent.delete(key)) this.resize(-rowBytes(key));
  }

  private resize(delta: number): void {
    this.bytes += delta;
    this.onSize(delta);
  }

  private forgetRow(key: string): void {
    this.written.delete(key);
    const old = this.rows.get(key);
    if (old && this.rows.delete(key)) this.resize(-rowBytes(key, old.data));
    this.deleteAbsent(key);
    // A whole partition with one row unknown is not whole.
    this.whole = false;
  }
}

/**
 * The row as a read would return it: the store does not keep null or undefined properties. A row
 * without such properties is kept as written (writes' data is not changed after their commit).
 */
function asStored(data: RowData): RowData {
  let empty = false;
  for (const key in data) {
    if (data[key] === null || data[key] === undefined) {
      empty = true;
      break;
    }
  }
  if (!empty) return data;
  const stored: RowData = {};
  for (const key of Object.keys(data)) if (data[key] !== null && data[key] !== undefined) stored[key] = data[key];
  return stored;
}

/**
 * About what a row costs in memory: a fixed cost per row and per property, plus its strings (two
 * bytes a character at most). Absent rows (known not to exist) cost their key.
 */
export function rowBytes(rowKey: string, data?: RowData): number {
  let bytes = 96 + 2 * rowKey.length;
  if (data) {
    for (const key in data) {
      const value = data[key];
      bytes += 32 + 2 * key.length + (typeof value === 'string' ? 2 * value.length : 8);
    }
  }
  return bytes;
}

/**
 * The partitions one run knows, least recently used first out once their rows are estimated at more
 * than `maxBytes`. Also learns, per table, whether partitions this run meets are usually new: while they are,
 * a partition not yet known is written with creates and no read.
 */
export class PartitionCache {
  private readonly partitions = new Map<string, PartitionRows>();
  private readonly newness = new Map<string, number>();
  /** Partitions this run saw rows in, even after their rows were evicted: never assumed new again. */
  private readonly existing = new Set<string>();
  private bytes = 0;

  constructor(
    private readonly tables: TableStore,
    private readonly maxBytes = DEFAULT_CACHED_BYTES,
  ) {}

  /** The partition's rows as known (a partition evicted while a write uses it stays valid for that write). */
  partition(table: string, partitionKey: string, needsWhole: boolean): PartitionRows {
    const key = table + '\u0000' + partitionKey;
    let rows = this.partitions.get(key);
    if (rows) {
      this.partitions.delete(key);
    } else {
      rows = new PartitionRows(
        this.tables,
        table,
        partitionKey,
        needsWhole,
        (delta) => {
          this.bytes += delta;
        },
        this.existing.has(key),
      );
    }
    this.partitions.set(key, rows);
    this.evict();
    return rows;
  }

  /**
   * Forgets every partition's rows. After a write failed: a row that made it fail (a value a user
   * then puts back to its type) is read again by the next write, in a run that lives on (`watch`).
   */
  forgetAll(): void {
    for (const rows of this.partitions.values()) {
      rows.forget();
      rows.detach();
    }
    this.partitions.clear();
  }

  /**
   * Starts reading a summary view's partition ahead of its write (PartitionRows.readAhead) when its
   * write would read it: its records say it began before the write, or the table's partitions are
   * not taken as new (expectsNew). What it finds teaches the table's guess, as the write's read would.
   */
  readAhead(table: string, partitionKey: string, startedBefore: boolean): void {
    // A cache that keeps nothing (a write of its own, such as a quarantine replay's) would drop the rows before their write came.
    if (this.maxBytes === 0) return;
    const key = table + '\u0000' + partitionKey;
    const known = this.partitions.get(key);
    if (known && !known.undecided) return;
    if (!startedBefore && !this.existing.has(key) && this.expectsNew(table)) return;
    const rows = this.partition(table, partitionKey, true);
    const teaches = !startedBefore && rows.undecided;
    const found = rows.readAhead();
    // A failed read ahead is no lesson: the write reads again, and fails if that fails too.
    if (found && teaches) void found.then((foundNothing) => foundNothing !== undefined && this.observe(table, foundNothing));
  }

  /** Whether a partition of `table` not known yet is best assumed new (most recent ones were). */
  expectsNew(table: string): boolean {
    const threshold = this.tables.partitionsReadTogether(table) > 1 ? NEWNESS_TO_ASSUME_READ_TOGETHER : NEWNESS_TO_ASSUME;
    return (this.newness.get(table) ?? 1) >= threshold;
  }

  /** Learns from a partition found new (`true`) or not. */
  observe(table: string, wasNew: boolean): void {
    const score = this.newness.get(table) ?? 1;
    this.newness.set(table, score * 0.9 + (wasNew ? 0.1 : 0));
  }

  private evict(): void {
    if (this.bytes <= this.maxBytes) return;
    for (const [key, rows] of this.partitions) {
      if (this.bytes <= this.maxBytes) break;
      if (rows.hasRows) {
        if (this.existing.size >= MAX_EXISTING) this.existing.clear();
        this.existing.add(key);
      }
      rows.detach();
      this.partitions.delete(key);
    }
  }
}
