import { parseJsonTolerant } from './decodeUnit.js';
import type {
  FramedItem,
  FramerPosition,
  FramingIssueCode,
  FramingMode,
} from './types.js';

export interface FramerOptions {
  /** Where to start: `{ offset: 0, newlines: 0, mode: 'auto' }` for a new file, else a saved `position`. */
  start: FramerPosition;
  /** Largest unit (line, or document element) kept and returned as text; longer ones become issues. */
  maxUnitBytes: number;
  /** How many bytes of a bad span are kept in an issue's `raw`. */
  maxRawBytes: number;
}

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const TAB = 0x09;
const COMMA = 0x2c;
const COLON = 0x3a;
const QUOTE = 0x22;
const BSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const EMPTY = Buffer.alloc(0);

/** What the first bytes of a file say about its encoding; `undecided` until enough bytes are in. */
type Head = 'undecided' | 'plain' | 'utf8bom' | 'utf16le' | 'utf16be';

/**
 * A UTF-8 BOM, a UTF-16 BOM, or the NUL bytes of UTF-16 text without one (a JSON text starts with an
 * ASCII character, so its first two UTF-16 code units each have a zero byte).
 */
function classifyHead(b: readonly number[], final: boolean): Head {
  const n = b.length;
  const need = (k: number): boolean => n < k && !final;
  if (n === 0) return final ? 'plain' : 'undecided';
  const b0 = b[0]!;
  if (b0 === 0xef) {
    if (need(3)) return n >= 2 && b[1] !== 0xbb ? 'plain' : 'undecided';
    return n >= 3 && b[1] === 0xbb && b[2] === 0xbf ? 'utf8bom' : 'plain';
  }
  if (b0 === 0xff || b0 === 0xfe) {
    if (need(2)) return 'undecided';
    if (n < 2) return 'plain';
    if (b0 === 0xff && b[1] === 0xfe) return 'utf16le';
    return b0 === 0xfe && b[1] === 0xff ? 'utf16be' : 'plain';
  }
  if (b0 === 0) {
    if (n >= 2 && b[1] === 0) return 'plain';
    if (need(4)) return n >= 3 && b[2] !== 0 ? 'plain' : 'undecided';
    return n >= 4 && b[1] !== 0 && b[2] === 0 && b[3] !== 0 && b[1]! < 0x80 && b[3]! < 0x80 ? 'utf16be' : 'plain';
  }
  if (b0 >= 0x80) return 'plain';
  if (n >= 2 && b[1] !== 0) return 'plain';
  if (need(4)) return n >= 3 && b[2] === 0 ? 'plain' : 'undecided';
  return n >= 4 && b[1] === 0 && b[2] !== 0 && b[2]! < 0x80 && b[3] === 0 ? 'utf16le' : 'plain';
}

/** Text of a UTF-16 byte span (an odd last byte dropped), without a leading BOM. */
function decodeUtf16(buf: Buffer, littleEndian: boolean): string {
  const even = buf.subarray(0, buf.length - (buf.length % 2));
  const le = littleEndian ? even : Buffer.from(even).swap16();
  const text = le.toString('utf16le');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Document scanner states. */
const D_BETWEEN = 0; // between values (depth 0 in `values`, between elements in `array`/`records`)
const D_VALUE = 1; // inside a value that will become a unit
const D_UNEXPECTED = 2; // inside stray bytes at depth 0 of `values`
const D_TAIL = 3; // after the `records` array: skipping the rest of the wrapper object

/** Wrapper probe states (first key of a top-level object in `values` mode). */
const P_NONE = 0;
const P_OPEN = 1; // after `{`
const P_KEY = 2; // inside the first key
const P_AFTER_KEY = 3; // after the first key's closing quote
const P_AFTER_COLON = 4; // after `"records":`

const DOCUMENT_OPENING = /^\{\s*(?:"records"\s*:\s*\[\s*)?$/i;

/** A first line that only opens a document: `{` alone, or `{"records": [`. */
function opensDocument(all: Buffer, start: number, end: number): boolean {
  return DOCUMENT_OPENING.test(all.toString('utf8', start, end).trim());
}

function isWs(b: number): boolean {
  return b === SP || b === LF || b === CR || b === TAB;
}

/** Bytes that end a bare scalar (number, literal, garbage) inside an array. */
function isBareDelimiter(b: number): boolean {
  return (
    b === SP || b === LF || b === CR || b === TAB || b === COMMA ||
    b === RBRACKET || b === RBRACE || b === LBRACE || b === LBRACKET || b === QUOTE
  );
}

function isAsciiLetter(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

/** The bytes of a span (a unit or a bad stretch) being collected across chunks. */
interface Span {
  start: number;
  startNewlines: number;
  /** The mode at the span's start: the resumable boundary is `{ start, startNewlines, mode }`. */
  mode: FramingMode;
  /** Bytes of the span seen in earlier chunks. */
  total: number;
  /** Copies of kept bytes: all of them while `full`, else at most `maxRawBytes`. */
  parts: Buffer[];
  kept: number;
  /** All bytes are kept (the span is a unit so far within `limit`). */
  full: boolean;
  limit: number;
  /** The span's last byte so far (-1 when empty). */
  last: number;
}

interface Taken {
  /** All bytes of the span when `full`, else its first `maxRawBytes` bytes. */
  buf: Buffer;
  total: number;
  full: boolean;
  /** The span's last byte (-1 when empty). */
  last: number;
}

function isStructured(buf: Buffer, start: number, end: number): boolean {
  try {
    const v = parseJsonTolerant(buf.toString('utf8', start, end));
    return typeof v === 'object' && v !== null;
  } catch {
    return false;
  }
}

/**
 * Cuts the bytes of a log file into units (JSON texts) and issues, chunk by chunk, without I/O.
 * See `FramingMode` in types.ts for the shapes it reads. Memory is bounded by `maxUnitBytes` plus
 * the chunk being pushed, whatever the file size.
 */
export class Framer {
  private readonly maxUnit: number;
  private readonly maxRaw: number;

  private mode: FramingMode;
  /** Absolute offset of the next byte to process, and `\n` bytes before it. */
  private off: number;
  private nl: number;
  private out: FramedItem[] = [];
  private span: Span | null = null;
  /** Receives items one by one during `pushTo`; returning false stops the framer right after that item. */
  private sink: ((item: FramedItem) => boolean) | null = null;
  private stopped = false;

  /** Bytes held at offset 0 while deciding whether they are a BOM or UTF-16; null once decided. */
  private bomHeld: number[] | null;
  /** UTF-16 modes: the last byte pushed (the first byte of a code unit split across pushes). */
  private u16Prev = -1;

  // auto mode: sniffing the first lines (relative to `off`, which stays put while sniffing)
  private sniffParts: Buffer[] = [];
  private sniffLen = 0;
  private phase: 0 | 1 | 2 | 3 = 0; // 0 before L1, 1 in L1, 2 before L2, 3 in L2
  private l1Start = -1;
  private l2Start = -1;
  /** The first line began with `{` but was neither JSON nor a document's opening. */
  private l1Brace = false;

  // document modes
  private ds = D_BETWEEN;
  private depth = 0;
  private inStr = false;
  private esc = false;
  private bare = false;
  private probe = P_NONE;
  private key = '';
  private tailBoundary: FramerPosition | null = null;

  constructor(options: FramerOptions) {
    const { start, maxUnitBytes, maxRawBytes } = options;
    if (!Number.isInteger(maxUnitBytes) || maxUnitBytes < 1) {
      throw new RangeError(`maxUnitBytes must be a positive integer, got ${maxUnitBytes}`);
    }
    if (!Number.isInteger(maxRawBytes) || maxRawBytes < 0) {
      throw new RangeError(`maxRawBytes must be a non-negative integer, got ${maxRawBytes}`);
    }
    if (!Number.isInteger(start.offset) || start.offset < 0 || !Number.isInteger(start.newlines) || start.newlines < 0) {
      throw new RangeError(`invalid start position ${JSON.stringify(start)}`);
    }
    this.maxUnit = maxUnitBytes;
    this.maxRaw = maxRawBytes;
    this.mode = start.mode;
    this.off = start.offset;
    this.nl = start.newlines;
    this.bomHeld = start.offset === 0 ? [] : null;
  }

  /** The resumable boundary just after the last item returned (initially `start`). */
  get position(): FramerPosition {
    // While sniffing, `off` stays at the first byte not yet judged.
    if (this.mode === 'auto') return { offset: this.off, newlines: this.nl, mode: 'auto' };
    if (this.span !== null) {
      return { offset: this.span.start, newlines: this.span.startNewlines, mode: this.span.mode };
    }
    if (this.tailBoundary !== null) return { ...this.tailBoundary };
    return { offset: this.off, newlines: this.nl, mode: this.mode };
  }

  /** Bytes the framer holds between calls (for tests of its memory bound). */
  get bufferedBytes(): number {
    return (this.span?.kept ?? 0) + this.sniffLen + (this.bomHeld?.length ?? 0);
  }

  /** Feed the next bytes (they start exactly at the current read position). Returns the items completed. */
  push(chunk: Buffer): FramedItem[] {
    this.out = [];
    this.pushBytes(chunk);
    return this.takeOut();
  }

  /**
   * Feeds the next bytes and hands each item to `onItem` as soon as it is complete. When `onItem`
   * returns false the framer stops right after that item: `position` is then the boundary just past
   * it, the rest of `chunk` is not consumed, and this framer takes no more bytes (start a new one at
   * `position`). Returns whether it stopped.
   */
  pushTo(chunk: Buffer, onItem: (item: FramedItem) => boolean): boolean {
    this.sink = onItem;
    try {
      this.pushBytes(chunk);
    } finally {
      this.sink = null;
    }
    return this.stopped;
  }

  private pushBytes(chunk: Buffer): void {
    if (this.stopped) throw new Error('the framer stopped; start a new one at its position');
    let data = chunk;
    if (this.bomHeld !== null) {
      const held = this.bomHeld;
      const before = held.length;
      for (let t = 0; held.length < 4 && t < data.length; t++) held.push(data[t]!);
      const head = classifyHead(held, false);
      if (head === 'undecided') return;
      data = data.subarray(held.length - before);
      this.decideHead(head);
    }
    this.process(data);
  }

  /** Applies what the first bytes said, then frames the bytes held while deciding. */
  private decideHead(head: Head): void {
    const held = Buffer.from(this.bomHeld ?? []);
    this.bomHeld = null;
    if (head === 'utf8bom') {
      this.off += 3;
      this.process(held.subarray(3));
      return;
    }
    if (head === 'utf16le' || head === 'utf16be') this.mode = head;
    this.process(held);
  }

  /** End of the bytes available now. `final` = the file will not grow any more. Returns items completed by that. */
  finish(final: boolean): FramedItem[] {
    this.out = [];
    if (this.stopped) return this.takeOut();
    if (this.bomHeld !== null) {
      if (!final) return this.takeOut();
      this.decideHead(classifyHead(this.bomHeld, true));
    }
    if (this.mode === 'auto') {
      if (!final) {
        this.sniffFinishEarly();
        return this.takeOut();
      }
      this.sniffFinish();
    }
    if (this.mode === 'lines') this.finishLines(final);
    else if (this.mode === 'utf16le' || this.mode === 'utf16be') this.finishUtf16(final);
    else this.finishDocument(final);
    return this.takeOut();
  }

  private takeOut(): FramedItem[] {
    const items = this.out;
    this.out = [];
    return items;
  }

  private process(chunk: Buffer): void {
    if (chunk.length === 0 || this.stopped) return;
    switch (this.mode) {
      case 'auto':
        this.sniffPush(chunk);
        return;
      case 'lines':
        this.pushLines(chunk);
        return;
      case 'utf16le':
      case 'utf16be':
        this.pushUtf16(chunk);
        return;
      case 'array':
      case 'records':
      case 'values':
      default: // a mode read back from a checkpoint row is not validated: read as a document, as always
        this.pushDocument(chunk);
    }
  }

  // ---------------------------------------------------------------- spans

  private beginSpan(start: number, full: boolean, limit: number): void {
    this.span = {
      start,
      startNewlines: this.nl,
      mode: this.mode,
      total: 0,
      parts: [],
      kept: 0,
      full,
      limit,
      last: -1,
    };
  }

  /** Keep chunk[from, to) of the span in progress at the end of a chunk (copying it). */
  private spanKeep(chunk: Buffer, from: number, to: number): void {
    const s = this.span;
    const n = to - from;
    if (s === null || n <= 0) return;
    s.total += n;
    s.last = chunk[to - 1]!;
    if (s.full) {
      if (s.total <= s.limit) {
        s.parts.push(Buffer.from(chunk.subarray(from, to)));
        s.kept += n;
        return;
      }
      s.full = false;
      s.parts.push(chunk.subarray(from, to));
      const raw = Buffer.concat(s.parts, Math.min(this.maxRaw, s.kept + n));
      s.parts = raw.length > 0 ? [raw] : [];
      s.kept = raw.length;
      return;
    }
    if (s.kept < this.maxRaw) {
      const m = Math.min(this.maxRaw - s.kept, n);
      s.parts.push(Buffer.from(chunk.subarray(from, from + m)));
      s.kept += m;
    }
  }

  /** The span's bytes when it ends at chunk[to) (its bytes in this chunk start at `from`). */
  private spanTake(chunk: Buffer, from: number, to: number): Taken {
    const s = this.span;
    if (s === null) throw new Error('no span in progress');
    const tail = chunk.subarray(from, to);
    const total = s.total + tail.length;
    const last = tail.length > 0 ? tail[tail.length - 1]! : s.last;
    if (s.full && total <= s.limit) {
      const buf = s.parts.length === 0 ? tail : Buffer.concat([...s.parts, tail], total);
      return { buf, total, full: true, last };
    }
    const rawLen = Math.min(this.maxRaw, s.kept + tail.length);
    const buf = Buffer.concat([...s.parts, tail], rawLen);
    return { buf, total, full: false, last };
  }

  private emit(item: FramedItem): void {
    if (this.sink === null) this.out.push(item);
    else if (!this.sink(item)) this.stopped = true;
  }

  private emitUnit(start: number, startNewlines: number, end: number, text: string, mode: FramingMode): void {
    this.emit({ kind: 'unit', offset: start, end, line: startNewlines + 1, text, mode });
  }

  private emitIssue(
    code: FramingIssueCode,
    start: number,
    startNewlines: number,
    end: number,
    message: string,
    taken: Taken,
    mode: FramingMode,
  ): void {
    const raw = taken.buf.length > this.maxRaw ? taken.buf.subarray(0, this.maxRaw) : taken.buf;
    const utf16 = mode === 'utf16le' || mode === 'utf16be';
    this.emit({
      kind: 'issue',
      code,
      offset: start,
      end,
      line: startNewlines + 1,
      message,
      raw: utf16 ? decodeUtf16(raw, mode === 'utf16le') : raw.toString('utf8'),
      rawTruncated: taken.total > raw.length,
      mode,
    });
  }

  // ---------------------------------------------------------------- auto

  private sniffPush(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0 && this.mode === 'auto' && !this.stopped) data = this.sniffStep(data);
  }

  /** Sniffs `chunk`; returns the bytes left to sniff again after a first line that was judged on its own. */
  private sniffStep(chunk: Buffer): Buffer {
    const rel0 = this.sniffLen;
    // Only the first maxUnitBytes + 1 bytes are looked at, so the decision does not depend on chunking.
    const window = this.maxUnit + 1;
    const cap = Math.max(0, Math.min(chunk.length, window - rel0));
    let all: Buffer | null = null;
    const bytes = (): Buffer =>
      (all ??= this.sniffParts.length === 0 ? chunk : Buffer.concat([...this.sniffParts, chunk]));
    let decided: FramingMode | 'junk' | null = null;
    let j = 0;
    let lineEnd = -1;
    while (j < cap && decided === null) {
      if (this.phase === 0 || this.phase === 2) {
        const b = chunk[j]!;
        if (isWs(b)) {
          j++;
          continue;
        }
        if (this.phase === 0) {
          this.l1Start = rel0 + j;
          this.phase = 1;
        } else {
          this.l2Start = rel0 + j;
          this.phase = 3;
        }
        j++;
      } else {
        const k = chunk.indexOf(LF, j);
        if (k < 0 || k >= cap) break;
        lineEnd = rel0 + k;
        decided = this.judge(bytes(), lineEnd);
        j = k + 1;
      }
    }
    this.sniffLen += chunk.length;
    if (decided === 'junk') return this.judgeFirstLineAlone(bytes(), lineEnd);
    if (decided === null && this.sniffLen >= window) decided = this.forcedDecision(bytes());
    if (decided !== null) {
      this.replay(decided, bytes());
      return EMPTY;
    }
    this.sniffParts.push(Buffer.from(chunk));
    return EMPTY;
  }

  /**
   * A first line that is neither JSON nor a document's start is bad in every shape: it is returned
   * at once as a line (its decoding fails) and the shape is sniffed again from the next line.
   */
  private judgeFirstLineAlone(all: Buffer, lf: number): Buffer {
    let newlines = this.nl;
    for (let t = 0; t < this.l1Start; t++) if (all[t] === LF) newlines++;
    const contentEnd = lf > this.l1Start && all[lf - 1] === CR ? lf - 1 : lf;
    const text = all.toString('utf8', this.l1Start, contentEnd);
    const start = this.off + this.l1Start;
    this.off += lf + 1;
    this.nl = newlines + 1;
    this.sniffParts = [];
    this.sniffLen = 0;
    this.phase = 0;
    this.l1Start = -1;
    this.l2Start = -1;
    this.l1Brace = false;
    this.emitUnit(start, newlines, this.off, text, 'lines');
    return all.subarray(lf + 1);
  }

  /** Decide on the line (L1 or L2 by phase) that ends at relative index `end`; null = look at L2. */
  private judge(all: Buffer, end: number): FramingMode | 'junk' | null {
    if (this.phase === 1) {
      if (isStructured(all, this.l1Start, end)) return 'lines';
      const first = all[this.l1Start];
      if (first === LBRACKET || (first === LBRACE && opensDocument(all, this.l1Start, end))) return 'values';
      // A JSON Lines file whose first record is cut or corrupt, or a pretty-printed object: the
      // second line tells them apart. Any other first line is bad in every shape.
      if (first !== LBRACE) return 'junk';
      this.l1Brace = true;
      this.phase = 2;
      return null;
    }
    // phase 3
    if (isStructured(all, this.l2Start, end)) return 'lines';
    const first = all[this.l2Start];
    if (first === LBRACE || first === LBRACKET) return 'values';
    return this.l1Brace ? 'values' : 'lines';
  }

  private forcedDecision(all: Buffer): FramingMode {
    const start = this.phase === 1 ? this.l1Start : this.phase === 3 ? this.l2Start : -1;
    if (start < 0) return 'lines';
    const first = all[start];
    return first === LBRACE || first === LBRACKET ? 'values' : 'lines';
  }

  private sniffFinish(): void {
    const all = this.sniffParts.length === 0 ? EMPTY : Buffer.concat(this.sniffParts);
    let decided: FramingMode = 'lines';
    if (this.phase === 1 || this.phase === 3) {
      const judged = this.judge(all, all.length);
      decided = judged === null || judged === 'junk' ? 'lines' : judged;
    }
    this.replay(decided, all);
  }

  /**
   * The bytes so far hold one line without its newline. If it is already a complete JSON object or
   * array (a one-line export or `{"records":[...]}` without a final newline), it is read now, as in
   * JSON Lines; else it waits for more bytes.
   */
  private sniffFinishEarly(): void {
    if (this.phase !== 1 || this.sniffLen > this.maxUnit) return;
    const all = this.sniffParts.length === 0 ? EMPTY : Buffer.concat(this.sniffParts);
    if (!isStructured(all, this.l1Start, all.length)) return;
    this.replay('lines', all);
    this.finishLines(false);
  }

  private replay(mode: FramingMode, all: Buffer): void {
    this.sniffParts = [];
    this.sniffLen = 0;
    this.mode = mode;
    this.process(all);
  }

  // ---------------------------------------------------------------- lines

  private pushLines(chunk: Buffer): void {
    const n = chunk.length;
    const base = this.off;
    let i = 0;
    while (i < n) {
      const k = chunk.indexOf(LF, i);
      if (k < 0) {
        if (this.span === null) this.beginSpan(base + i, true, this.maxUnit + 1);
        this.spanKeep(chunk, i, n);
        break;
      }
      const end = base + k + 1;
      if (this.span === null) {
        this.lineDone(base + i, this.nl, end, {
          buf: chunk.subarray(i, k),
          total: k - i,
          full: true,
          last: k > i ? chunk[k - 1]! : -1,
        });
      } else {
        const s = this.span;
        const taken = this.spanTake(chunk, i, k);
        this.span = null;
        this.lineDone(s.start, s.startNewlines, end, taken);
      }
      this.nl++;
      i = k + 1;
      if (this.stopped) {
        this.off = base + i;
        return;
      }
    }
    this.off = base + n;
  }

  /** Length of the line's content without a trailing `\r`. */
  private static contentLength(taken: Taken): number {
    return taken.last === CR ? taken.total - 1 : taken.total;
  }

  private static isBlank(buf: Buffer): boolean {
    for (let i = 0; i < buf.length; i++) if (!isWs(buf[i]!)) return false;
    return true;
  }

  private lineTooLong(start: number, startNewlines: number, end: number, taken: Taken): boolean {
    if (taken.full && Framer.contentLength(taken) <= this.maxUnit) return false;
    this.emitIssue(
      'line_too_long',
      start,
      startNewlines,
      end,
      `line of ${Framer.contentLength(taken)} bytes exceeds the limit of ${this.maxUnit} bytes`,
      taken,
      'lines',
    );
    return true;
  }

  private static lineText(taken: Taken): string {
    const b = taken.buf;
    const len = b.length > 0 && b[b.length - 1] === CR ? b.length - 1 : b.length;
    return b.toString('utf8', 0, len);
  }

  private lineDone(start: number, startNewlines: number, end: number, taken: Taken): void {
    if (this.lineTooLong(start, startNewlines, end, taken)) return;
    const b = taken.buf;
    // Fast path: a line starting with `{` is not blank.
    if (b.length === 0 || (b[0] !== LBRACE && Framer.isBlank(b))) return;
    this.emitUnit(start, startNewlines, end, Framer.lineText(taken), 'lines');
  }

  private finishLines(final: boolean): void {
    const s = this.span;
    if (s === null) return;
    const taken = this.spanTake(EMPTY, 0, 0);
    const end = this.off;
    if (!final) {
      // Emit a last line without newline only when it is already a complete JSON object/array.
      if (!taken.full || Framer.contentLength(taken) > this.maxUnit || Framer.isBlank(taken.buf)) return;
      const text = Framer.lineText(taken);
      try {
        const v = parseJsonTolerant(text);
        if (typeof v !== 'object' || v === null) return;
      } catch {
        return;
      }
      this.span = null;
      this.emitUnit(s.start, s.startNewlines, end, text, 'lines');
      return;
    }
    this.span = null;
    if (this.lineTooLong(s.start, s.startNewlines, end, taken)) return;
    if (Framer.isBlank(taken.buf)) return;
    const text = Framer.lineText(taken);
    try {
      parseJsonTolerant(text);
    } catch {
      this.emitIssue(
        'truncated',
        s.start,
        s.startNewlines,
        end,
        'the file ends inside a line that is not valid JSON',
        taken,
        'lines',
      );
      return;
    }
    this.emitUnit(s.start, s.startNewlines, end, text, 'lines');
  }

  // ---------------------------------------------------------------- documents

  private pushDocument(chunk: Buffer): void {
    const n = chunk.length;
    const base = this.off;
    let seg = 0; // where the bytes of the span in progress start in this chunk
    let i = 0;
    while (i < n) {
      if (this.stopped) {
        this.off = base + i;
        return;
      }
      const b = chunk[i]!;
      switch (this.ds) {
        case D_BETWEEN: {
          if (b === LF) {
            this.nl++;
            i++;
            break;
          }
          if (b === SP || b === TAB || b === CR || b === COMMA) {
            i++;
            break;
          }
          if (this.mode === 'values') {
            if (b === LBRACE) {
              this.beginSpan(base + i, true, this.maxUnit);
              seg = i;
              this.ds = D_VALUE;
              this.depth = 1;
              this.inStr = false;
              this.esc = false;
              this.bare = false;
              this.probe = P_OPEN;
            } else if (b === LBRACKET) {
              this.mode = 'array';
            } else {
              this.beginSpan(base + i, false, 0);
              seg = i;
              this.ds = D_UNEXPECTED;
            }
            i++;
            break;
          }
          // array / records
          if (b === RBRACKET) {
            if (this.mode === 'array') {
              this.mode = 'values';
            } else {
              this.tailBoundary = { offset: base + i, newlines: this.nl, mode: 'records' };
              this.ds = D_TAIL;
              this.depth = 0;
              this.inStr = false;
              this.esc = false;
            }
            i++;
            break;
          }
          this.beginSpan(base + i, true, this.maxUnit);
          seg = i;
          this.ds = D_VALUE;
          this.probe = P_NONE;
          this.inStr = false;
          this.esc = false;
          if (b === LBRACE || b === LBRACKET) {
            this.depth = 1;
            this.bare = false;
          } else if (b === QUOTE) {
            this.depth = 0;
            this.inStr = true;
            this.bare = false;
          } else {
            this.depth = 0;
            this.bare = true;
          }
          i++;
          break;
        }

        case D_VALUE: {
          if (this.probe !== P_NONE) {
            const r = this.probeStep(b);
            if (r === 0) {
              if (b === LF) this.nl++;
              i++;
              break;
            }
            if (r === 2) {
              // `{"records":[` — the wrapper itself is not a unit; its elements are.
              this.span = null;
              this.mode = 'records';
              this.ds = D_BETWEEN;
              i++;
              break;
            }
            // r === 1: the probe is over; process the byte normally.
          }
          if (this.inStr) {
            // (a raw newline inside a string is invalid JSON, but it still counts as a line)
            if (b === LF) this.nl++;
            if (this.esc) this.esc = false;
            else if (b === BSLASH) this.esc = true;
            else if (b === QUOTE) {
              this.inStr = false;
              if (this.depth === 0) this.valueDone(chunk, seg, i + 1);
            }
            i++;
            break;
          }
          if (this.bare) {
            if (isBareDelimiter(b)) {
              this.valueDone(chunk, seg, i); // the delimiter is processed again, between values
              break;
            }
            i++;
            break;
          }
          if (b === LBRACE || b === LBRACKET) this.depth++;
          else if (b === RBRACE || b === RBRACKET) {
            if (--this.depth === 0) this.valueDone(chunk, seg, i + 1);
          } else if (b === QUOTE) this.inStr = true;
          else if (b === LF) this.nl++;
          i++;
          break;
        }

        case D_UNEXPECTED: {
          if (b === LBRACE || b === LBRACKET || b === LF) {
            const s = this.span!;
            const taken = this.spanTake(chunk, seg, i);
            this.span = null;
            this.ds = D_BETWEEN;
            this.emitIssue(
              'unexpected_content',
              s.start,
              s.startNewlines,
              base + i,
              'unexpected content between JSON values',
              taken,
              s.mode,
            );
            break; // the delimiter is processed again, between values
          }
          i++;
          break;
        }

        default: {
          // D_TAIL: skip the rest of the wrapper object up to its closing brace.
          if (this.inStr) {
            if (b === LF) this.nl++;
            if (this.esc) this.esc = false;
            else if (b === BSLASH) this.esc = true;
            else if (b === QUOTE) this.inStr = false;
          } else if (b === LBRACE || b === LBRACKET) this.depth++;
          else if (b === RBRACE || b === RBRACKET) {
            if (this.depth === 0) {
              this.ds = D_BETWEEN;
              this.mode = 'values';
              this.tailBoundary = null;
            } else this.depth--;
          } else if (b === QUOTE) this.inStr = true;
          else if (b === LF) this.nl++;
          i++;
        }
      }
    }
    if (this.span !== null) this.spanKeep(chunk, seg, n);
    this.off = base + n;
  }

  // ---------------------------------------------------------------- UTF-16 (reported, not read)

  /** Cuts UTF-16 text at its LF code units, each line an `unsupported_encoding` issue. */
  private pushUtf16(chunk: Buffer): void {
    const n = chunk.length;
    const base = this.off;
    const le = this.mode === 'utf16le';
    let from = 0;
    // A code unit ends at an odd offset: code units start at even offsets (after a 2-byte BOM too).
    for (let i = (base + 1) % 2; i < n; i += 2) {
      const first = i > 0 ? chunk[i - 1]! : this.u16Prev;
      const second = chunk[i]!;
      if (!(le ? first === LF && second === 0 : first === 0 && second === LF)) continue;
      const end = base + i + 1;
      if (this.span === null) this.beginSpan(base + from, false, 0);
      const s = this.span!;
      const taken = this.spanTake(chunk, from, i + 1);
      this.span = null;
      this.utf16Issue(s.start, s.startNewlines, end, taken);
      this.nl++;
      from = i + 1;
      if (this.stopped) {
        this.off = base + from;
        return;
      }
    }
    if (from < n) {
      if (this.span === null) this.beginSpan(base + from, false, 0);
      this.spanKeep(chunk, from, n);
    }
    this.u16Prev = chunk[n - 1]!;
    this.off = base + n;
  }

  private utf16Issue(start: number, startNewlines: number, end: number, taken: Taken): void {
    const endian = this.mode === 'utf16le' ? 'little' : 'big';
    this.emitIssue(
      'unsupported_encoding',
      start,
      startNewlines,
      end,
      `the file is UTF-16 (${endian}-endian); only UTF-8 is read: convert it (iconv -f UTF-16 -t UTF-8) and process the converted file`,
      taken,
      this.mode,
    );
  }

  private finishUtf16(final: boolean): void {
    const s = this.span;
    if (!final || s === null) return;
    const taken = this.spanTake(EMPTY, 0, 0);
    this.span = null;
    this.utf16Issue(s.start, s.startNewlines, this.off, taken);
  }

  /** 0 = byte consumed by the probe, 1 = probe over (process the byte normally), 2 = wrapper found. */
  private probeStep(b: number): 0 | 1 | 2 {
    switch (this.probe) {
      case P_OPEN:
        if (isWs(b)) return 0;
        if (b === QUOTE) {
          this.inStr = true;
          this.key = '';
          this.probe = P_KEY;
          return 0;
        }
        break;
      case P_KEY:
        if (b === QUOTE) {
          this.inStr = false;
          this.probe = P_AFTER_KEY;
          return 0;
        }
        if (this.key.length < 7 && isAsciiLetter(b)) {
          this.key += String.fromCharCode(b);
          return 0;
        }
        break;
      case P_AFTER_KEY:
        if (isWs(b)) return 0;
        if (b === COLON) {
          this.probe = this.key.toLowerCase() === 'records' ? P_AFTER_COLON : P_NONE;
          return 0;
        }
        break;
      case P_AFTER_COLON:
        if (isWs(b)) return 0;
        if (b === LBRACKET) {
          this.probe = P_NONE;
          return 2;
        }
        break;
    }
    this.probe = P_NONE;
    return 1;
  }

  private valueDone(chunk: Buffer, seg: number, endIdx: number): void {
    const s = this.span!;
    const taken = this.spanTake(chunk, seg, endIdx);
    const end = this.off + endIdx;
    this.span = null;
    this.ds = D_BETWEEN;
    if (taken.full) {
      this.emitUnit(s.start, s.startNewlines, end, taken.buf.toString('utf8'), s.mode);
    } else {
      this.emitIssue(
        'line_too_long',
        s.start,
        s.startNewlines,
        end,
        `JSON value of ${taken.total} bytes exceeds the limit of ${this.maxUnit} bytes`,
        taken,
        s.mode,
      );
    }
  }

  private finishDocument(final: boolean): void {
    if (!final) return;
    const s = this.span;
    if (s === null) return; // also inside an unclosed array or wrapper: every element was returned
    const taken = this.spanTake(EMPTY, 0, 0);
    const unexpected = this.ds === D_UNEXPECTED;
    this.span = null;
    this.ds = D_BETWEEN;
    this.probe = P_NONE;
    if (unexpected) {
      this.emitIssue('unexpected_content', s.start, s.startNewlines, this.off, 'unexpected content between JSON values', taken, s.mode);
    } else {
      this.emitIssue('truncated', s.start, s.startNewlines, this.off, 'the file ends inside a JSON value', taken, s.mode);
    }
  }
}
