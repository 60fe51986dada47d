/**
 * A set of strings kept in sorted order (by UTF-16 code units, as Azurite sorts keys) in chunks of
 * at most MAX_CHUNK keys. A key comes or goes at the cost of one chunk, not of the whole set: one
 * sorted array took a copy of every key after it, which made writing n new rows into a partition of
 * n rows cost n² (the packed Calls table keeps all of a store's calls in one partition).
 */
const MAX_CHUNK = 1024;

export class SortedKeys {
  /** Non-empty sorted chunks, each key below every key of the chunks after it. */
  private readonly chunks: string[][] = [];
  private count = 0;

  /** `keys` need not be sorted; each is taken once. `maxChunk` (even, at least 2) is for tests. */
  constructor(
    keys: Iterable<string> = [],
    private readonly maxChunk = MAX_CHUNK,
  ) {
    const sorted = [...new Set(keys)].sort();
    for (let at = 0; at < sorted.length; at += maxChunk / 2) this.chunks.push(sorted.slice(at, at + maxChunk / 2));
    this.count = sorted.length;
  }

  get size(): number {
    return this.count;
  }

  /** Adds `key`; a key already held is left as it is. */
  add(key: string): void {
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      this.count = 1;
      return;
    }
    // Past the last chunk's keys, the key joins the last chunk.
    const index = Math.min(this.chunkAtOrAfter(key), this.chunks.length - 1);
    const chunk = this.chunks[index] as string[];
    const at = lowerBound(chunk, key);
    if (chunk[at] === key) return;
    chunk.splice(at, 0, key);
    this.count++;
    if (chunk.length > this.maxChunk) this.chunks.splice(index, 1, chunk.slice(0, this.maxChunk / 2), chunk.slice(this.maxChunk / 2));
  }

  /** Removes `key` if held. */
  delete(key: string): void {
    const index = this.chunkAtOrAfter(key);
    const chunk = this.chunks[index];
    if (!chunk) return;
    const at = lowerBound(chunk, key);
    if (chunk[at] !== key) return;
    chunk.splice(at, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(index, 1);
  }

  /** The keys at or past `from` (every key without it), in order. */
  *from(from?: string): Generator<string> {
    let index = from === undefined ? 0 : this.chunkAtOrAfter(from);
    let at = from === undefined ? 0 : lowerBound(this.chunks[index] ?? [], from);
    for (; index < this.chunks.length; index++, at = 0) {
      const chunk = this.chunks[index] as string[];
      for (; at < chunk.length; at++) yield chunk[at] as string;
    }
  }

  /** The first chunk whose last key is not below `key` (chunks.length when every key is below it). */
  private chunkAtOrAfter(key: string): number {
    let low = 0;
    let high = this.chunks.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const chunk = this.chunks[middle] as string[];
      if ((chunk[chunk.length - 1] as string) < key) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** The first index of a sorted array whose value is not below `key`. */
export function lowerBound(sorted: readonly string[], key: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as string) < key) low = middle + 1;
    else high = middle;
  }
  return low;
}
