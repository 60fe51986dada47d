/**
 * A DDSketch-style log-bucket histogram of durations (Masson, Rim, Lee: "DDSketch: A fast and
 * fully-mergeable quantile sketch with relative-error guarantees", VLDB 2019), small enough to keep
 * on a table row and exact to merge: bins are integer counts, so merging is adding counts and the
 * result does not depend on the order values arrive in (a float `sum` would; the views keep their
 * own integer sum for the mean).
 *
 * Error bound: with RELATIVE_ACCURACY α = 0.01, a value x in [MIN_INDEXABLE_MS, MAX_INDEXABLE_MS]
 * falls in bin i = ceil(log_γ x), γ = (1+α)/(1−α), and the bin is represented by 2γ^i/(γ+1), which is
 * within α·x of x. So the estimate of the q-quantile is within 1% (relative) of the exact value at
 * the same rank (quantileRank); clamping it to the exact min and max keeps that
 * bound. Values below 1 µs are counted in a zero bin and reported as 0 (absolute error < 0.001 ms);
 * values above MAX_INDEXABLE_MS are reported as the exact max.
 *
 * Size: at most 1,728 bins (1 µs .. 10^12 ms); stored as `i:count` pairs joined by `,`, at most
 * ~22,000 chars, within one 64 KiB string property. Real durations (1 ms .. 10 min) use < 700.
 */
export const RELATIVE_ACCURACY = 0.01;
export const MIN_INDEXABLE_MS = 0.001;
export const MAX_INDEXABLE_MS = 1e12;

const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
const MAX_INDEX = Math.ceil(Math.log(MAX_INDEXABLE_MS) / LOG_GAMMA);

export interface DurationSketch {
  /** Values below MIN_INDEXABLE_MS. */
  zero: number;
  /** Bin index → count. */
  bins: Map<number, number>;
}

export function emptySketch(): DurationSketch {
  return { zero: 0, bins: new Map() };
}

export function binIndex(valueMs: number): number {
  return Math.min(MAX_INDEX, Math.ceil(Math.log(valueMs) / LOG_GAMMA));
}

/** The value a bin stands for: within RELATIVE_ACCURACY of every value in it. */
export function binValue(index: number): number {
  return (2 * GAMMA ** index) / (GAMMA + 1);
}

export function addToSketch(sketch: DurationSketch, valueMs: number, count = 1): void {
  if (!(valueMs >= MIN_INDEXABLE_MS)) {
    sketch.zero += count;
    return;
  }
  const index = binIndex(valueMs);
  sketch.bins.set(index, (sketch.bins.get(index) ?? 0) + count);
}

/** Adds `other` into `into`: the sketch of the union of their values. */
export function mergeSketch(into: DurationSketch, other: DurationSketch): void {
  into.zero += other.zero;
  for (const [index, count] of other.bins) into.bins.set(index, (into.bins.get(index) ?? 0) + count);
}

export function sketchCount(sketch: DurationSketch): number {
  let n = sketch.zero;
  for (const count of sketch.bins.values()) n += count;
  return n;
}

/**
 * The nearest rank of the q-quantile of n sorted values, from 0: the ⌈q·n⌉-th value (at least the
 * first), so the p99 of up to 99 values is their largest (of 100, the 99th) (⌊q·(n−1)⌋ would make the p99 of three
 * values the middle one).
 */
export function quantileRank(q: number, n: number): number {
  if (!(n > 0) || !(q > 0)) return 0;
  // Less a hair: 0.07 × 100 is 7.000000000000001 in floating point, whose ceiling would pass rank 7.
  return Math.min(n - 1, Math.max(0, Math.ceil(Math.min(1, q) * n - 1e-9) - 1));
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of the values, as the value at quantileRank of the sorted values,
 * within RELATIVE_ACCURACY of it; clamped to [min, max] when they are given, and exactly the min or
 * the max when the rank is the first or the last (the p99 of up to 99 values is the slowest).
 * `null` when empty.
 */
export function sketchQuantile(sketch: DurationSketch, q: number, min?: number, max?: number): number | null {
  const n = sketchCount(sketch);
  if (n === 0) return null;
  const rank = quantileRank(q, n);
  if (rank === n - 1 && max !== undefined) return max;
  if (rank === 0 && min !== undefined) return min;
  let estimate: number | undefined;
  if (rank < sketch.zero) {
    estimate = 0;
  } else {
    let seen = sketch.zero;
    for (const index of [...sketch.bins.keys()].sort((a, b) => a - b)) {
      seen += sketch.bins.get(index) as number;
      if (seen > rank) {
        estimate = binValue(index);
        break;
      }
    }
  }
  let value = estimate ?? 0;
  if (min !== undefined && value < min) value = min;
  if (max !== undefined && value > max) value = max;
  return value;
}

/** A quantile as shown: six significant digits, since the sketch is within 1 % and more digits would only be noise. */
export function shownQuantile(value: number): number {
  return Number(value.toPrecision(6));
}

/** `zero;i:count,i:count...` with bins in ascending order: equal sketches give equal strings. */
export function encodeSketch(sketch: DurationSketch): string {
  const indexes: number[] = [];
  for (const [index, count] of sketch.bins) if (count !== 0) indexes.push(index);
  indexes.sort((a, b) => a - b);
  let text = `${sketch.zero};`;
  for (let i = 0; i < indexes.length; i++) {
    const index = indexes[i] as number;
    text += `${i === 0 ? '' : ','}${index}:${sketch.bins.get(index) as number}`;
  }
  return text;
}

/**
 * Reads encodeSketch's form (absent is empty). A stored value that does not read throws rather than
 * counting as empty: folding into an empty sketch would silently drop its bins.
 */
export function decodeSketch(value: unknown): DurationSketch {
  const sketch = emptySketch();
  if (value === undefined || value === null || value === '') return sketch;
  const text = String(value);
  const unreadable = (): Error => new Error(`stored duration sketch does not read: ${text.slice(0, 80)}`);
  // Read in place, without splitting into arrays: rows of call quality hold many sketches.
  const semicolon = text.indexOf(';');
  const zeroCount = Number(semicolon < 0 ? text : text.slice(0, semicolon));
  if ((semicolon >= 0 && text.includes(';', semicolon + 1)) || !Number.isInteger(zeroCount) || zeroCount < 0) throw unreadable();
  sketch.zero = zeroCount;
  if (semicolon < 0) return sketch;
  for (let start = semicolon + 1; start < text.length;) {
    const comma = text.indexOf(',', start);
    const end = comma < 0 ? text.length : comma;
    if (end > start) {
      // `index:count`; what follows a second colon is ignored.
      const colon = text.indexOf(':', start);
      if (colon < 0 || colon >= end) throw unreadable();
      const second = text.indexOf(':', colon + 1);
      const index = Number(text.slice(start, colon));
      const count = Number(text.slice(colon + 1, second >= 0 && second < end ? second : end));
      if (!Number.isInteger(index) || !Number.isInteger(count) || count <= 0) throw unreadable();
      sketch.bins.set(index, count);
    }
    start = end + 1;
  }
  return sketch;
}
