import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Framer } from '../../src/lib/reading/Framer.js';
import type { FramerOptions } from '../../src/lib/reading/Framer.js';
import { decodeUnit } from '../../src/lib/reading/decodeUnit.js';
import type { FramedItem, FramedUnit, FramerPosition, FramingIssue, RawRecord } from '../../src/lib/reading/types.js';
import { Random } from '../support/random.js';

export const START: FramerPosition = { offset: 0, newlines: 0, mode: 'auto' };
export const DEFAULTS = { maxUnitBytes: 64 * 1024, maxRawBytes: 200 };

export function fixture(name: string): Buffer {
  return readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)));
}

export interface Step {
  /** Items returned by one push (or by the final finish). */
  items: FramedItem[];
  /** The framer's position after that call. */
  position: FramerPosition;
  /** Index in the file of the first byte not yet pushed after that call. */
  fed: number;
  bufferedBytes: number;
}

export interface FrameRun {
  items: FramedItem[];
  steps: Step[];
  maxBuffered: number;
  position: FramerPosition;
}

/** Split `buf` into chunks of the given sizes (cycling through them). */
export function chunksOf(buf: Buffer, sizes: number[] | number): Buffer[] {
  const list = typeof sizes === 'number' ? [sizes] : sizes;
  const out: Buffer[] = [];
  let i = 0;
  let k = 0;
  while (i < buf.length) {
    const n = Math.max(1, list[k++ % list.length]!);
    out.push(buf.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** Random split points, deterministic for a seed. */
export function randomChunks(buf: Buffer, seed: number, maxSize = 40): Buffer[] {
  const random = new Random(seed);
  const out: Buffer[] = [];
  let i = 0;
  while (i < buf.length) {
    const n = random.int(1, maxSize);
    out.push(buf.subarray(i, i + n));
    i += n;
  }
  return out;
}

/**
 * Feed `file` (the whole file; bytes from `start.offset` are fed) to a new framer in `chunks`
 * (default: one chunk), then `finish(final)`.
 */
export function frame(
  file: Buffer,
  opts: { start?: FramerPosition; chunks?: (rest: Buffer) => Buffer[]; final?: boolean } & Partial<Omit<FramerOptions, 'start'>> = {},
): FrameRun {
  const start = opts.start ?? START;
  const framer = new Framer({
    start,
    maxUnitBytes: opts.maxUnitBytes ?? DEFAULTS.maxUnitBytes,
    maxRawBytes: opts.maxRawBytes ?? DEFAULTS.maxRawBytes,
  });
  const rest = file.subarray(start.offset);
  const chunks = opts.chunks ? opts.chunks(rest) : [rest];
  const steps: Step[] = [];
  const items: FramedItem[] = [];
  let fed = start.offset;
  let maxBuffered = 0;
  for (const c of chunks) {
    const got = framer.push(c);
    fed += c.length;
    items.push(...got);
    maxBuffered = Math.max(maxBuffered, framer.bufferedBytes);
    steps.push({ items: got, position: framer.position, fed, bufferedBytes: framer.bufferedBytes });
  }
  const last = framer.finish(opts.final ?? true);
  items.push(...last);
  steps.push({ items: last, position: framer.position, fed, bufferedBytes: framer.bufferedBytes });
  return { items, steps, maxBuffered, position: framer.position };
}

export function units(items: FramedItem[]): FramedUnit[] {
  return items.filter((i): i is FramedUnit => i.kind === 'unit');
}

export function issues(items: FramedItem[]): FramingIssue[] {
  return items.filter((i): i is FramingIssue => i.kind === 'issue');
}

export interface Decoded {
  records: RawRecord[];
  failures: { unit: FramedUnit; code: string; message: string }[];
  issues: FramingIssue[];
}

export function decodeAll(items: FramedItem[]): Decoded {
  const out: Decoded = { records: [], failures: [], issues: [] };
  for (const it of items) {
    if (it.kind === 'issue') {
      out.issues.push(it);
      continue;
    }
    const r = decodeUnit(it);
    if (!r.success) {
      out.failures.push({ unit: it, code: r.code, message: r.message });
      continue;
    }
    out.records.push(...r.records);
    for (const element of r.rejected) out.failures.push({ unit: it, code: element.code, message: element.message });
  }
  return out;
}

/** Frame a whole file in one chunk and decode it. */
export function read(file: Buffer | string, opts: Parameters<typeof frame>[1] = {}): Decoded & FrameRun {
  const buf = typeof file === 'string' ? Buffer.from(file, 'utf8') : file;
  const run = frame(buf, opts);
  return { ...run, ...decodeAll(run.items) };
}
