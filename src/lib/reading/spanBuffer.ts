import { closesJson, CR, isInlineWs } from './bytes.js';
import type { FramingMode } from './types.js';

/** A span's bytes as taken at its end. */
export interface TakenSpan {
  /** All bytes of the span when `full`, else its first `maxRawBytes` bytes. */
  buf: Buffer;
  total: number;
  full: boolean;
  /** The span's last byte (-1 when empty). */
  last: number;
}

/**
 * The bytes of a span (a unit or a bad stretch) collected across chunks. It keeps all of them while
 * they fit `limit` (the span may still be a unit), then only the first `maxRawBytes` (for an issue's
 * `raw`), so memory stays bounded however long the span.
 */
export class SpanBuffer {
  /** Bytes of the span seen in earlier chunks. */
  private total = 0;
  /** Copies of kept bytes: all of them while `full`, else at most `maxRawBytes`. */
  private parts: Buffer[] = [];
  private keptBytes = 0;
  /** The span's last byte so far (-1 when empty). */
  private last = -1;
  /** The last byte that is not a space, tab or `\r` (-1 when none), and the offset of the first `\r` after it (-1 when none). */
  private lastSolid = -1;
  private crAfterSolid = -1;

  /**
   * @param start absolute offset of the span's first byte
   * @param startNewlines `\n` bytes before `start`
   * @param mode the mode at the span's start: the resumable boundary is `{ start, startNewlines, mode }`
   * @param full whether bytes are kept whole while the span stays within `limit`
   */
  constructor(
    readonly start: number,
    readonly startNewlines: number,
    readonly mode: FramingMode,
    private full: boolean,
    private readonly limit: number,
    private readonly maxRaw: number,
  ) {}

  /** Whether the span's last byte that is not a space, tab or `\r` is a `}` or `]`. */
  get endsInClose(): boolean {
    return closesJson(this.lastSolid);
  }

  /**
   * When the span ends in spaces, tabs and `\r`s, with at least one `\r`, after a `}` or `]`: the
   * offset of the first of those `\r`s; else -1. The line may end there (LineFramer).
   */
  get crAfterClose(): number {
    return closesJson(this.lastSolid) ? this.crAfterSolid : -1;
  }

  /** Tracks the last solid byte and the first `\r` after it, for chunk[from, to) about to be kept (its first byte at offset start + total). */
  private noteSolid(chunk: Buffer, from: number, to: number): void {
    let t = to - 1;
    while (t >= from && isInlineWs(chunk[t])) t--;
    const scanFrom = t >= from ? t + 1 : from;
    if (t >= from) {
      this.lastSolid = chunk[t]!;
      this.crAfterSolid = -1;
    }
    if (this.crAfterSolid < 0 && scanFrom < to) {
      const cr = chunk.subarray(scanFrom, to).indexOf(CR);
      if (cr >= 0) this.crAfterSolid = this.start + this.total + (scanFrom + cr - from);
    }
  }

  /** Bytes held between chunks. */
  get kept(): number {
    return this.keptBytes;
  }

  /** Keep chunk[from, to) at the end of a chunk (copying it: the chunk is not kept). */
  keep(chunk: Buffer, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    this.noteSolid(chunk, from, to);
    this.total += n;
    this.last = chunk[to - 1]!;
    if (this.full) {
      if (this.total <= this.limit) {
        this.parts.push(Buffer.from(chunk.subarray(from, to)));
        this.keptBytes += n;
        return;
      }
      this.full = false;
      this.parts.push(chunk.subarray(from, to));
      const raw = Buffer.concat(this.parts, Math.min(this.maxRaw, this.keptBytes + n));
      this.parts = raw.length > 0 ? [raw] : [];
      this.keptBytes = raw.length;
      return;
    }
    if (this.keptBytes < this.maxRaw) {
      const m = Math.min(this.maxRaw - this.keptBytes, n);
      this.parts.push(Buffer.from(chunk.subarray(from, from + m)));
      this.keptBytes += m;
    }
  }

  /** The span's bytes when it ends at chunk[to) (its bytes in this chunk start at `from`). */
  take(chunk: Buffer, from: number, to: number): TakenSpan {
    const tail = chunk.subarray(from, to);
    const total = this.total + tail.length;
    const last = tail.length > 0 ? tail[tail.length - 1]! : this.last;
    if (this.full && total <= this.limit) {
      const buf = this.parts.length === 0 ? tail : Buffer.concat([...this.parts, tail], total);
      return { buf, total, full: true, last };
    }
    const rawLen = Math.min(this.maxRaw, this.keptBytes + tail.length);
    const buf = Buffer.concat([...this.parts, tail], rawLen);
    return { buf, total, full: false, last };
  }

  /** All the span's bytes, at the end of the file. */
  takeAll(): TakenSpan {
    return this.take(EMPTY, 0, 0);
  }
}

export const EMPTY = Buffer.alloc(0);
