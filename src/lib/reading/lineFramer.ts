import { isUtf8 } from 'node:buffer';
import { closesJson, CR, isBlank, isInlineWs, LBRACE, LF, opensJson } from './bytes.js';
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
 * Cuts JSON Lines at `\n`, and where a `\r` stands between the end of one JSON text and the start of
 * the next (`}\r{`, `}\r\r{`, `} \r [`: old Mac files end lines with `\r` alone). No single JSON text
 * holds a `}` or `]` and then a `{` or `[` with only spaces, tabs and `\r` between, so no valid line is
 * cut; anywhere else a `\r` is whitespace inside its line, as JSON Lines has it. Such a line ends
 * before its first `\r` there, and the next starts at its first byte. Each non-blank line is a unit,
 * a line over `maxUnitBytes` an issue. Lines are numbered by their `\n`, as `wc`, `sed` and `awk` count
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
    // The line kept from the last chunk ended in `}` and `\r` (spaces, tabs): the first solid byte here tells whether that ended it.
    if (held !== null && held.crAfterClose >= 0) {
      let a = 0;
      while (a < n && isInlineWs(chunk[a])) a++;
      if (a === n) {
        held.keep(chunk, 0, n);
        this.off = base + n;
        return;
      }
      if (opensJson(chunk[a])) {
        this.span = null;
        this.crLineDone(held.start, held.startNewlines, base + a, held.take(chunk, 0, a), held.crAfterClose - held.start);
        i = a;
        if (this.items.stopped) {
          this.off = base + i;
          return;
        }
      }
    }
    // Most chunks are UTF-8 throughout: one check of the lines wholly in the chunk spares one per line.
    const firstWhole = held === null ? 0 : chunk.indexOf(LF) + 1;
    const lastLf = chunk.lastIndexOf(LF);
    const utf8To = lastLf >= firstWhole && isUtf8(chunk.subarray(firstWhole, lastLf + 1)) ? lastLf + 1 : -1;
    // The next `\n` and `\r` at or after i: -1 when the chunk has no more, -2 before the first look.
    let lf = -2;
    let cr = -2;
    while (i < n) {
      if (lf !== -1 && lf < i) lf = chunk.indexOf(LF, i);
      if (cr !== -1 && cr < i) cr = chunk.indexOf(CR, i);
      // Where the line ends: its `\n`, or a `\r` after the end of a JSON text and before the start of
      // the next (the line resumes at `next`). A `\r` whose run of whitespace reaches the chunk's end
      // waits, in the line kept, for the next chunk to tell.
      let k = lf;
      let next = lf + 1;
      let byCr = false;
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        const cut = this.crCut(chunk, i, cr, lf);
        cr = cut.cr;
        if (cut.next >= 0) {
          k = cr;
          next = cut.next;
          byCr = true;
        }
      }
      if (k < 0) {
        this.span ??= new SpanBuffer(base + i, this.nl, 'lines', true, this.maxUnit + 1, this.maxRaw);
        this.span.keep(chunk, i, n);
        break;
      }
      const end = base + next;
      const s = this.span;
      if (byCr) {
        this.span = null;
        const taken =
          s !== null ? s.take(chunk, i, next) : { buf: chunk.subarray(i, next), total: next - i, full: next - i <= this.maxUnit + 1, last: chunk[next - 1]! };
        this.crLineDone(s?.start ?? base + i, s?.startNewlines ?? this.nl, end, taken, base + k - (s?.start ?? base + i));
      } else if (s === null) {
        const contentEnd = !byCr && k > i && chunk[k - 1] === CR ? k - 1 : k;
        // Most lines are whole in the chunk, start with `{` and fit: decoded straight from the chunk.
        if (chunk[i] === LBRACE && contentEnd - i <= this.maxUnit) {
          if (i >= firstWhole && contentEnd <= utf8To) this.items.unit(base + i, this.nl, end, chunk.toString('utf8', i, contentEnd), 'lines');
          else this.items.unitFromBytes(base + i, this.nl, end, chunk, i, contentEnd, 'lines');
        } else {
          this.lineDone(base + i, this.nl, end, { buf: chunk.subarray(i, k), total: k - i, full: true, last: k > i ? chunk[k - 1]! : -1 });
        }
      } else {
        this.span = null;
        this.lineDone(s.start, s.startNewlines, end, s.take(chunk, i, k));
      }
      if (!byCr) this.nl++;
      i = next;
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

  /**
   * The first `\r` at or after `cr`, before the line's `\n` at `lf` (-1: none in the chunk), that ends
   * the line starting at `i`, and where the next line starts (`next`, -1 when none does); else the next
   * `\r` to look at. Apart from push, whose loop every line of every file runs.
   */
  private crCut(chunk: Buffer, i: number, cr: number, lf: number): { cr: number; next: number } {
    const n = chunk.length;
    while (cr >= 0 && (lf < 0 || cr < lf)) {
      let b = cr - 1;
      while (b >= i && isInlineWs(chunk[b])) b--;
      const closes = b >= i ? closesJson(chunk[b]) : (this.span?.endsInClose ?? false);
      let a = cr + 1;
      while (a < n && a !== lf && isInlineWs(chunk[a])) a++;
      if (closes && a < n && a !== lf && opensJson(chunk[a])) return { cr, next: a };
      // Not a line end: the next `\r` past this run is looked at (one in the run has the same neighbours).
      cr = a < n ? chunk.indexOf(CR, a) : -1;
    }
    return { cr, next: -1 };
  }

  /**
   * A line cut at `\r`: its text is its first `length` bytes (up to the run of whitespace), while its
   * bytes up to the next JSON text (`taken`) count against the line limit, as when the run's end comes
   * in a later chunk: the outcome does not depend on where chunks end.
   */
  private crLineDone(start: number, startNewlines: number, end: number, taken: TakenSpan, length: number): void {
    if (!taken.full) {
      this.tooLong(start, startNewlines, end, taken);
      return;
    }
    this.items.unitFromBytes(start, startNewlines, end, taken.buf, 0, length, 'lines');
  }

  private lineDone(start: number, startNewlines: number, end: number, taken: TakenSpan): void {
    if (this.tooLong(start, startNewlines, end, taken)) return;
    const b = taken.buf;
    // Fast path: a line starting with `{` is not blank.
    if (b.length === 0 || (b[0] !== LBRACE && isBlank(b))) return;
    this.items.unitFromBytes(start, startNewlines, end, taken.buf, 0, lineLength(taken), 'lines');
  }
}
