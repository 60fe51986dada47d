import { randomBytes } from 'node:crypto';

/** What a server keeps of views evaluated whole for their later pages, unless told otherwise. */
export const DEFAULT_SNAPSHOT_BYTES = 64 * 1024 * 1024;
/** The same under the low memory profile (a 512 MB instance). */
export const LOW_MEMORY_SNAPSHOT_BYTES = 16 * 1024 * 1024;
/** A snapshot no page has been asked of for this long is dropped. */
export const DEFAULT_SNAPSHOT_IDLE_MS = 2 * 60_000;
/** The longest delay setTimeout takes. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

interface Snapshot {
  /** The query the rows answer (paging.ts queryKey): a token is honoured only for it. */
  query: string;
  rows: readonly object[];
  bytes: number;
  lastUsed: number;
}

/**
 * The rows of views evaluated whole (paging.ts), kept for their next pages: a client paging through
 * 15,000 calls 5,000 at a time costs one evaluation, not three, and its pages are cut from one
 * answer, so no row shifts between them. A first page always evaluates afresh; a snapshot lives
 * while pages are asked of it (dropped after `idleMs` without one) and within `budgetBytes` in all,
 * the least recently used going first. One per server or Functions worker: a page asked of another
 * worker, or after its snapshot went, evaluates the view again, as every page did before.
 */
export class PagedSnapshots {
  private readonly snapshots = new Map<string, Snapshot>();
  /** The id kept for an evaluation's rows: requests that shared the evaluation share its snapshot. */
  private readonly ids = new WeakMap<readonly object[], string>();
  private bytes = 0;
  /** Drops the answers that went idle when no request comes to drop them (unref'd: it keeps no process alive). */
  private sweep: ReturnType<typeof setTimeout> | undefined;

  /**
   * `budget` may be read when the first answer is kept (a Functions worker learns its memory profile
   * with its settings, at its first request).
   */
  constructor(
    private readonly budget: number | (() => number) = DEFAULT_SNAPSHOT_BYTES,
    readonly idleMs = DEFAULT_SNAPSHOT_IDLE_MS,
    private readonly now: () => number = Date.now,
  ) {
    if (!(idleMs >= 0)) throw new RangeError(`idle time must be ≥ 0, got ${idleMs}`);
  }

  get budgetBytes(): number {
    const bytes = typeof this.budget === 'number' ? this.budget : this.budget();
    if (!(bytes >= 0)) throw new RangeError(`the budget of kept answers must be ≥ 0 bytes, got ${bytes}`);
    return bytes;
  }

  /** Bytes the kept snapshots are estimated to take (for tests and logs). */
  get keptBytes(): number {
    return this.bytes;
  }

  /** Snapshots kept now. */
  get size(): number {
    return this.snapshots.size;
  }

  /** Keeps `rows`, the answer to `query`, for their next pages and says under which id; undefined when they do not fit the budget. */
  keep(query: string, rows: readonly object[]): string | undefined {
    this.dropIdle();
    const known = this.ids.get(rows);
    if (known !== undefined && this.get(known, query) !== undefined) return known;
    const bytes = estimatedBytes(rows);
    const budget = this.budgetBytes;
    if (bytes > budget) return undefined;
    // Least recently used first: a Map iterates in insertion order, and get() re-inserts.
    for (const [id, snapshot] of this.snapshots) {
      if (this.bytes + bytes <= budget) break;
      this.drop(id, snapshot);
    }
    const id = randomBytes(16).toString('base64url');
    this.snapshots.set(id, { query, rows, bytes, lastUsed: this.now() });
    this.ids.set(rows, id);
    this.bytes += bytes;
    this.sweepLater();
    return id;
  }

  /** The rows kept under `id` for `query`, if they still are; asking keeps them another `idleMs`. */
  get(id: string, query: string): readonly object[] | undefined {
    this.dropIdle();
    const snapshot = this.snapshots.get(id);
    // A token made by hand may name the answer to another query: that is not this one's.
    if (snapshot === undefined || snapshot.query !== query) return undefined;
    snapshot.lastUsed = this.now();
    this.snapshots.delete(id);
    this.snapshots.set(id, snapshot);
    return snapshot.rows;
  }

  private dropIdle(): void {
    const before = this.now() - this.idleMs;
    for (const [id, snapshot] of this.snapshots) {
      // In order of last use: the first one used since is the end of the idle ones.
      if (snapshot.lastUsed > before) return;
      this.drop(id, snapshot);
    }
  }

  /** Sweeps once the least recently asked answer goes idle, if none is due already. */
  private sweepLater(): void {
    if (this.sweep !== undefined) return;
    const oldest = this.snapshots.values().next();
    if (oldest.done === true) return;
    // setTimeout takes at most 2^31 - 1 ms (a longer delay would fire at once).
    const due = Math.min(this.idleMs, Math.max(0, oldest.value.lastUsed + this.idleMs - this.now()), LONGEST_TIMER_MS - 1) + 1;
    this.sweep = setTimeout(() => {
      this.sweep = undefined;
      this.dropIdle();
      this.sweepLater();
    }, due);
    this.sweep.unref();
  }

  private drop(id: string, snapshot: Snapshot): void {
    this.snapshots.delete(id);
    this.bytes -= snapshot.bytes;
  }
}

/**
 * About what the rows take on the heap: twice the length of their JSON, every row counted (a sample
 * misses the one call with thousands of recordings among thousands of small ones). Walked without
 * writing the JSON: 4,960 calls took 20-70 ms, stringifying them 100-160 ms.
 */
export function estimatedBytes(rows: readonly object[]): number {
  let chars = 0;
  for (const row of rows) chars += jsonLength(row);
  return 2 * chars;
}

/** The length of `value`'s JSON (strings counted without their escapes); 0 for what JSON leaves out. */
function jsonLength(value: unknown): number {
  if (typeof value === 'string') return value.length + 2;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).length;
  if (typeof value !== 'object') return 0;
  if (value === null) return 4;
  // A Date and the like are written as their toJSON says.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(value)?.length ?? 0;
  if (Array.isArray(value)) {
    // An element JSON cannot write is written as null.
    let length = 1 + value.length;
    for (const element of value as unknown[])
      length += element === undefined || typeof element === 'function' || typeof element === 'symbol' ? 4 : jsonLength(element);
    return length;
  }
  let length = 2;
  const fields = value as Record<string, unknown>;
  // Rows are plain objects (no inherited fields): for...in spares Object.entries' arrays.
  for (const key in fields) {
    const field = fields[key];
    // JSON leaves out fields that are absent or functions.
    if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue;
    length += key.length + 4 + jsonLength(field);
  }
  return length;
}
