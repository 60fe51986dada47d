import { CR, crEndsLine, isBlank, LBRACE, LF } from './bytes.js';
import { parseJsonTolerant } from './decodeUnit.js';
import type { FramedItemSink } from './framedItemSink.js';
import { SpanBuffer, type TakenSpan } from './spanBuffer.js';
import type { FramerPosition } from './types.js';

/** Length of the line's content without a trailing `\r`. */
function contentLength(taken: TakenSpan): number {
  return taken.last === CR ? taken.total - 1 : taken.total;
}

/** Bytes of the line's content kept in `taken.buf`, without a trailing `\r`. */
function lineLength(taken: TakenSpan): number {
  const b = taken.buf;
  return b.length > 0 && b[b.length - 1] === CR ? b.length - 1 : b.length;
}

/**
 * Cuts JSON Lines at `\n`, and at a `\r` between the end of one JSON text and the start of the next
 * (`}\r{`: old Mac files end lines with `\r` alone; see crEndsLine). Each non-blank line is a unit, a
 * line over `maxUnitBytes` an issue. Lines are numbered by their `\n`, as `wc`, `sed` and `awk` count
 * them.
 */
export class LineFramer {
  /** Absolute offset of the next byte to process, and `\n` bytes before it. */
  private off: number;
  private nl: number;
  /** The line in progress at the end of the last chunk. */
  private span: SpanBuffer | null = null;

  constructor(
    start: { offset: number; newlines: number },
    private readonly items: FramedItemSink,
    private readonly maxUnit: number,
    private readonly maxRaw: number,
  ) {
    this.off = start.offset;
    this.nl = start.newlines;
  }

  get position(): FramerPosition {
    if (this.span !== null) return { offset: this.span.start, newlines: this.span.startNewlines, mode: 'lines' };
    return { offset: this.off, newlines: this.nl, mode: 'lines' };
  }

  get bufferedBytes(): number {
    return this.span?.kept ?? 0;
  }

  push(chunk: Buffer): void {
    const n = chunk.length;
    const base = this.off;
    let i = 0;
    const held = this.span;
    // The line kept from the last chunk ended with `}\r` and this chunk starts the next JSON text: the `\r` ended it.
    if (held !== null && n > 0 && held.lastByte === CR && crEndsLine(held.beforeLastByte, chunk[0])) {
      this.span = null;
      this.lineDone(held.start, held.startNewlines, base, held.takeAll());
      if (this.items.stopped) return;
    }
    // The next `\n` and `\r` at or after i: -1 when the chunk has no more, -2 before the first look.
    let lf = -2;
    let cr = -2;
    while (i < n) {
      if (lf !== -1 && lf < i) lf = chunk.indexOf(LF, i);
      if (cr !== -1 && cr < i) cr = chunk.indexOf(CR, i);
      // The first `\r` before the line's `\n` that ends a line; the others are whitespace inside it.
      // One that ends the chunk waits in the line kept, for the next chunk's first byte to tell.
      while (cr >= 0 && cr + 1 < n && (lf < 0 || cr < lf) && !crEndsLine(cr > i ? chunk[cr - 1] : this.span?.lastByte, chunk[cr + 1]))
        cr = chunk.indexOf(CR, cr + 1);
      const loneCr = cr >= 0 && cr + 1 < n && (lf < 0 || cr < lf);
      const k = loneCr ? cr : lf;
      if (k < 0) {
        this.span ??= new SpanBuffer(base + i, this.nl, 'lines', true, this.maxUnit + 1, this.maxRaw);
        this.span.keep(chunk, i, n);
        break;
      }
      const end = base + k + 1;
      const s = this.span;
      if (s === null) {
        const contentEnd = !loneCr && k > i && chunk[k - 1] === CR ? k - 1 : k;
        // Most lines are whole in the chunk, start with `{` and fit: decoded straight from the chunk.
        if (chunk[i] === LBRACE && contentEnd - i <= this.maxUnit) {
          this.items.unitFromBytes(base + i, this.nl, end, chunk, i, contentEnd, 'lines');
        } else {
          this.lineDone(base + i, this.nl, end, { buf: chunk.subarray(i, k), total: k - i, full: true, last: k > i ? chunk[k - 1]! : -1 });
        }
      } else {
        this.span = null;
        this.lineDone(s.start, s.startNewlines, end, s.take(chunk, i, k));
      }
      if (!loneCr) this.nl++;
      i = k + 1;
      if (this.items.stopped) {
        this.off = base + i;
        return;
      }
    }
    this.off = base + n;
  }

  /**
   * A last line without newline: at the end of the file it is a unit or an issue; before it, it is
   * read now only when it is already a complete JSON object or array.
   */
  finish(final: boolean): void {
    const s = this.span;
    if (s === null) return;
    const taken = s.takeAll();
    const end = this.off;
    if (!final) {
      if (!taken.full || contentLength(taken) > this.maxUnit || isBlank(taken.buf)) return;
      try {
        const v = parseJsonTolerant(taken.buf.toString('utf8', 0, lineLength(taken)));
        if (typeof v !== 'object' || v === null) return;
      } catch {
        return;
      }
      this.span = null;
      this.items.unitFromBytes(s.start, s.startNewlines, end, taken.buf, 0, lineLength(taken), 'lines');
      return;
    }
    this.span = null;
    if (this.tooLong(s.start, s.startNewlines, end, taken)) return;
    if (isBlank(taken.buf)) return;
    try {
      parseJsonTolerant(taken.buf.toString('utf8', 0, lineLength(taken)));
    } catch {
      this.items.issue('truncated', s.start, s.startNewlines, end, 'the file ends inside a line that is not valid JSON', taken, 'lines');
      return;
    }
    this.items.unitFromBytes(s.start, s.startNewlines, end, taken.buf, 0, lineLength(taken), 'lines');
  }

  private tooLong(start: number, startNewlines: number, end: number, taken: TakenSpan): boolean {
    if (taken.full && contentLength(taken) <= this.maxUnit) return false;
    const message = `line of ${contentLength(taken)} bytes exceeds the limit of ${this.maxUnit} bytes`;
    this.items.issue('line_too_long', start, startNewlines, end, message, taken, 'lines');
    return true;
  }

  private lineDone(start: number, startNewlines: number, end: number, taken: TakenSpan): void {
    if (this.tooLong(start, startNewlines, end, taken)) return;
    const b = taken.buf;
    // Fast path: a line starting with `{` is not blank.
    if (b.length === 0 || (b[0] !== LBRACE && isBlank(b))) return;
    this.items.unitFromBytes(start, startNewlines, end, taken.buf, 0, lineLength(taken), 'lines');
  }
}
