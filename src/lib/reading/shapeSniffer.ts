import { BACKSLASH, closesJson, CR, isWs, LBRACE, LBRACKET, LF, QUOTE } from './bytes.js';
import { parseJsonTolerant } from './decodeUnit.js';
import { EMPTY } from './spanBuffer.js';
import type { FramingMode } from './types.js';

/** Where the sniffer is in the first two non-blank lines (L1, L2). */
type SniffPhase = 'beforeFirst' | 'inFirst' | 'beforeSecond' | 'inSecond';

/** What the lines seen say: a shape, `junk` (L1 is bad in every shape), or null (look further). */
type Judgement = FramingMode | 'junk' | null;

/** What sniffing a chunk came to. Indexes are relative to the first byte sniffed. */
export type SniffOutcome =
  /** Not known yet: the bytes are held. */
  | { kind: 'pending' }
  /** Frame `bytes` (every byte sniffed, from the first) in `mode`. */
  | { kind: 'decided'; mode: FramingMode; bytes: Buffer }
  /**
   * The first line is neither JSON nor a document's start: it is returned at once as a line (its
   * decoding fails) and `rest` is sniffed again from the next line.
   */
  | { kind: 'badFirstLine'; start: number; newlinesBefore: number; next: number; text: string; rest: Buffer };

const DOCUMENT_OPENING = /^\{\s*(?:"records"\s*:\s*\[\s*)?$/i;
/** A wrapper's opening with its first element on the same line: `{"records":[{...},` (one element a line after it). */
const RECORDS_OPENING = /^\{\s*"records"\s*:\s*\[/i;

/**
 * A first line that is not JSON and opens a document: `{` alone, or `{"records": [` alone or
 * followed by the wrapper's first elements (its next lines would each read as a record, and the
 * wrapper's first and last lines as bad ones).
 */
function opensDocument(all: Buffer, start: number, end: number): boolean {
  const line = all.toString('utf8', start, end).trim();
  return DOCUMENT_OPENING.test(line) || RECORDS_OPENING.test(line);
}

/** The first `\n` or `\r` in chunk[from, cap); -1 when none. */
function firstLineEnd(chunk: Buffer, from: number, cap: number): number {
  const lf = chunk.indexOf(LF, from);
  const cr = chunk.indexOf(CR, from);
  const k = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
  return k >= 0 && k < cap ? k : -1;
}

/** Whether bytes [start, end) parse as a JSON object or array. */
export function isStructured(buf: Buffer, start: number, end: number): boolean {
  try {
    const v = parseJsonTolerant(buf.toString('utf8', start, end));
    return typeof v === 'object' && v !== null;
  } catch {
    return false;
  }
}

/**
 * Tells JSON Lines from JSON documents by the first (and if needed second) non-blank line. Only the
 * first `maxUnitBytes + 1` bytes are looked at, so the decision does not depend on chunking.
 */
export class ShapeSniffer {
  private parts: Buffer[] = [];
  private length = 0;
  private phase: SniffPhase = 'beforeFirst';
  private l1Start = -1;
  private l2Start = -1;
  /** The first line began with `{` but was neither JSON nor a document's opening. */
  private l1Brace = false;
  /** A `\r` that ended the last chunk inside a line, inside the window (index in the bytes held): the next byte tells `\r\n` from a lone `\r`. */
  private pendingCr = -1;

  constructor(private readonly maxUnit: number) {}

  get heldBytes(): number {
    return this.length;
  }

  push(chunk: Buffer): SniffOutcome {
    const rel0 = this.length;
    const window = this.maxUnit + 1;
    const cap = Math.max(0, Math.min(chunk.length, window - rel0));
    let all: Buffer | null = null;
    const bytes = (): Buffer => (all ??= this.parts.length === 0 ? chunk : Buffer.concat([...this.parts, chunk]));
    let decided: Judgement = null;
    let j = 0;
    let lineEnd = -1;
    if (this.pendingCr >= 0) {
      const at = this.pendingCr;
      this.pendingCr = -1;
      if (cap > 0) {
        const lone = chunk[0] !== LF;
        lineEnd = lone ? at : rel0;
        decided = this.judge(bytes(), lineEnd, lone);
        j = lone ? 0 : 1;
      }
    }
    while (j < cap && decided === null) {
      if (this.phase === 'beforeFirst' || this.phase === 'beforeSecond') {
        if (isWs(chunk[j]!)) {
          j++;
          continue;
        }
        if (this.phase === 'beforeFirst') {
          this.l1Start = rel0 + j;
          this.phase = 'inFirst';
        } else {
          this.l2Start = rel0 + j;
          this.phase = 'inSecond';
        }
        j++;
      } else {
        // A line ends at `\n`, and for telling shapes apart at a lone `\r` too (an old Mac file: `{\r` opens a
        // pretty-printed document as `{\n` does); whether a `\r` is `\r\n`'s needs the byte after it.
        let k = firstLineEnd(chunk, j, cap);
        if (k < 0) break;
        let lone = false;
        if (chunk[k] === CR) {
          if (k + 1 >= cap) {
            if (cap === chunk.length && rel0 + cap < window) this.pendingCr = rel0 + k;
            break;
          }
          if (chunk[k + 1] === LF) k++;
          else lone = true;
        }
        lineEnd = rel0 + k;
        decided = this.judge(bytes(), lineEnd, lone);
        j = k + 1;
      }
    }
    this.length += chunk.length;
    if (decided === 'junk') return this.badFirstLine(bytes(), lineEnd);
    if (decided === null && this.length >= window) decided = this.forcedDecision(bytes());
    if (decided !== null) return this.decide(decided, bytes());
    this.parts.push(Buffer.from(chunk));
    return { kind: 'pending' };
  }

  /** At the end of the file: the lines seen decide, JSON Lines when they cannot. */
  finish(): SniffOutcome & { kind: 'decided' } {
    const all = this.held();
    let decided: FramingMode = 'lines';
    if (this.phase === 'inFirst' || this.phase === 'inSecond') {
      const judged = this.judge(all, all.length);
      decided = judged === null || judged === 'junk' ? 'lines' : judged;
    }
    return this.decide(decided, all);
  }

  /**
   * Before the end of the file, the bytes so far hold one line without its newline. If it is
   * already a complete JSON object or array (a one-line export or `{"records":[...]}` without a
   * final newline), it is JSON Lines now; else null (wait for more bytes).
   */
  finishEarly(): (SniffOutcome & { kind: 'decided' }) | null {
    if (this.phase !== 'inFirst' || this.length > this.maxUnit) return null;
    const all = this.held();
    if (!isStructured(all, this.l1Start, all.length)) return null;
    return this.decide('lines', all);
  }

  private held(): Buffer {
    return this.parts.length === 0 ? EMPTY : Buffer.concat(this.parts);
  }

  private decide(mode: FramingMode, bytes: Buffer): SniffOutcome & { kind: 'decided' } {
    this.parts = [];
    this.length = 0;
    return { kind: 'decided', mode, bytes };
  }

  private badFirstLine(all: Buffer, lf: number): SniffOutcome {
    let newlinesBefore = 0;
    for (let t = 0; t < this.l1Start; t++) if (all[t] === LF) newlinesBefore++;
    const contentEnd = lf > this.l1Start && all[lf - 1] === CR ? lf - 1 : lf;
    const outcome: SniffOutcome = {
      kind: 'badFirstLine',
      start: this.l1Start,
      newlinesBefore,
      next: lf + 1,
      text: all.toString('utf8', this.l1Start, contentEnd),
      rest: all.subarray(lf + 1),
    };
    this.parts = [];
    this.length = 0;
    this.phase = 'beforeFirst';
    this.l1Start = -1;
    this.l2Start = -1;
    this.l1Brace = false;
    this.pendingCr = -1;
    return outcome;
  }

  /**
   * Decide on the line (L1 or L2 by phase) that ends at relative index `end`. A first line ended by a
   * lone `\r` that is bad in every shape is left to LineFramer, which cuts at `\r` only between JSON
   * texts: it is JSON Lines, and the line framer judges it.
   */
  private judge(all: Buffer, end: number, endsAtLoneCr = false): Judgement {
    if (this.phase === 'inFirst') {
      if (isStructured(all, this.l1Start, end)) return 'lines';
      const first = all[this.l1Start];
      if (first === LBRACKET || (first === LBRACE && opensDocument(all, this.l1Start, end))) return 'values';
      // A JSON Lines file whose first record is cut or corrupt, or a pretty-printed object: the
      // second line tells them apart. Any other first line is bad in every shape.
      if (first !== LBRACE) return endsAtLoneCr ? 'lines' : 'junk';
      this.l1Brace = true;
      this.phase = 'beforeSecond';
      return null;
    }
    // in the second line (or a later one)
    if (isStructured(all, this.l2Start, end)) return 'lines';
    const first = all[this.l2Start];
    // Another line that starts like a record and is not one: several cut or corrupt records, or a
    // document. A later complete record says JSON Lines; the end of the window, a document.
    if (first === LBRACE) {
      this.phase = 'beforeSecond';
      return null;
    }
    if (first === LBRACKET) return 'values';
    return this.l1Brace ? 'values' : 'lines';
  }

  private forcedDecision(all: Buffer): FramingMode {
    const start = this.phase === 'inFirst' ? this.l1Start : this.phase === 'inSecond' ? this.l2Start : -1;
    if (start < 0) return 'lines';
    const first = all[start];
    // A first line too long to judge that opens one object and is not a records wrapper is an
    // oversized record of JSON Lines: read as a document, a broken line after it would wait until
    // the file is final instead of being quarantined at once.
    const end = Math.min(all.length, this.maxUnit + 1);
    if (this.phase === 'inFirst' && first === LBRACE && !mayOpenRecordsWrapper(all, start, end) && !closesWithin(all, start, end)) return 'lines';
    return first === LBRACE || first === LBRACKET ? 'values' : 'lines';
  }
}

const WRAPPER_OPENING = '{"records":[';

/** Whether the bytes [start, end) begin as `{"records": [`, or could (they end before telling). */
function mayOpenRecordsWrapper(all: Buffer, start: number, end: number): boolean {
  const opening = all
    .toString('utf8', start, Math.min(end, start + 256))
    .replace(/\s+/g, '')
    .toLowerCase();
  return opening.startsWith(WRAPPER_OPENING) || WRAPPER_OPENING.startsWith(opening);
}

/** Whether the JSON value opening at `start` closes before `end` (more values may follow on its line). */
function closesWithin(all: Buffer, start: number, end: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = start; i < end; i++) {
    const b = all[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === LBRACE || b === LBRACKET) depth++;
    else if (closesJson(b) && --depth === 0) return true;
  }
  return false;
}
