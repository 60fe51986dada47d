import type { FramedItemSink } from './framedItemSink.js';
import { SpanBuffer } from './spanBuffer.js';
import type { FramerPosition, FramingMode } from './types.js';

/**
 * Where the scanner is:
 * - `value`: inside a value that will become a unit;
 * - `between`: between values (depth 0 in `values`, between elements in `array`/`records`);
 * - `probe`: at the start of a top-level object in `values`, reading its first key: `{"records":[`
 *   makes it a wrapper, anything else a value;
 * - `unexpected`: inside stray bytes at depth 0 of `values`;
 * - `tail`: after the `records` array, skipping the rest of the wrapper object;
 * - `broken`: inside an object or array that broke JSON's grammar, looking for where the next one starts.
 */
type ScanState = 'value' | 'between' | 'probe' | 'unexpected' | 'tail' | 'broken';

/** Where the probe is in `{"records":[`. */
type WrapperProbe = 'open' | 'key' | 'afterKey' | 'afterColon';

/** What a byte did to the probe. */
type ProbeStep = 'consumed' | 'over' | 'wrapper';

/**
 * What may come next inside an object or array (outside strings). A byte that may not, in a value
 * that would otherwise swallow every element after it (a missing `}`, an element cut inside a string),
 * ends that value as a bad unit and the scan starts again at the next element.
 */
const EXPECT_VALUE = 0; // after `:`
const EXPECT_VALUE_OR_END = 1; // after `,` in an array (a trailing comma is tolerated)
const EXPECT_KEY_OR_END = 2; // after `,` in an object
const EXPECT_COLON = 3; // after a key
const EXPECT_COMMA_OR_END = 4; // after a value
const EXPECT_FIRST_VALUE = 5; // after `[`: a value, `]`, or a comma the decoder drops (`[,]`)
const EXPECT_FIRST_KEY = 6; // after `{`: a key, `}`, or a comma the decoder drops (`{,}`)
const EXPECT_END = 7; // after `[,` or `{,`: only the closer

// The bytes are constants of this module, not imports: V8 folds a module's own constants into the
// byte loop but loads an imported binding at every use, which made the loop about 15% slower.
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

/** Nesting followed by the grammar: deeper is broken (a run of `[` or `{` would otherwise hold a flag a byte). */
export const MAX_DOCUMENT_DEPTH = 1000;

/** What a byte did inside an object or array: nothing to report, closed the value, or broke the grammar. */
type GrammarStep = 0 | 1 | 2;
const STEP_OK = 0;
const STEP_CLOSED = 1;
const STEP_BROKEN = 2;

function isWs(b: number): boolean {
  return b === SP || b === LF || b === CR || b === TAB;
}

/** Bytes that end a bare scalar (number, literal, garbage) inside an array. */
function isBareDelimiter(b: number): boolean {
  return b === SP || b === LF || b === CR || b === TAB || b === COMMA || b === RBRACKET || b === RBRACE || b === LBRACE || b === LBRACKET || b === QUOTE;
}

function isAsciiLetter(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

/**
 * Cuts JSON documents into units: top-level values (`values`), the elements of a top-level array
 * (`array`) or of a `{"records":[...]}` wrapper's array (`records`). It tracks depth and strings
 * only, byte by byte; each unit is parsed later.
 */
export class DocumentScanner {
  private mode: FramingMode;
  /** Absolute offset of the next byte to process, and `\n` bytes before it. */
  private off: number;
  private nl: number;
  private span: SpanBuffer | null = null;
  private state: ScanState = 'between';
  private depth = 0;
  private inStr = false;
  private esc = false;
  /** The value in progress is a bare scalar. */
  private bare = false;
  /** Inside an object or array: what may come next, whether each open container is an object, whether the string is a key, a bare scalar inside. */
  private expect = EXPECT_VALUE;
  private readonly objects: boolean[] = [];
  private keyString = false;
  private innerBare = false;
  /** In `broken`: the last byte that was not whitespace. */
  private lastSignificant = 0;
  private probe: WrapperProbe = 'open';
  private key = '';
  /** In `tail`: nothing but whitespace yet after the records array. */
  private tailOpening = false;
  /** The probe reads the key of a member after the `records` array, not the first key of a value. */
  private probingTail = false;
  /** Past a `records` array, the boundary just after it: resuming there skips the wrapper's tail. */
  private tailBoundary: FramerPosition | null = null;

  constructor(
    start: FramerPosition,
    private readonly items: FramedItemSink,
    private readonly maxUnit: number,
    private readonly maxRaw: number,
  ) {
    this.mode = start.mode;
    this.off = start.offset;
    this.nl = start.newlines;
  }

  get position(): FramerPosition {
    if (this.span !== null) return { offset: this.span.start, newlines: this.span.startNewlines, mode: this.span.mode };
    if (this.tailBoundary !== null) return { ...this.tailBoundary };
    return { offset: this.off, newlines: this.nl, mode: this.mode };
  }

  get bufferedBytes(): number {
    return this.span?.kept ?? 0;
  }

  push(chunk: Buffer): void {
    const n = chunk.length;
    const base = this.off;
    let seg = 0; // where the bytes of the span in progress start in this chunk
    let i = 0;
    // The framer stops only after an item, so the check follows each emit rather than every byte.
    while (i < n) {
      const b = chunk[i]!;
      switch (this.state) {
        case 'value': {
          if (this.inStr) {
            if (b === LF && !this.esc) {
              // No JSON string holds a raw newline: the value is broken here, before a lost quote turns every string after it inside out.
              this.nl++;
              this.inStr = false;
              this.esc = false;
              if (this.depth === 0) {
                if (this.valueDone(chunk, seg, i + 1)) return this.stopAt(base + i + 1);
              } else {
                this.state = 'broken';
                this.lastSignificant = LF;
              }
              i++;
              break;
            }
            // (a newline escaped inside a string is invalid JSON too, but it stays in its string, and counts as a line)
            if (b === LF) this.nl++;
            if (this.esc) this.esc = false;
            else if (b === BSLASH) this.esc = true;
            else if (b === QUOTE) {
              this.inStr = false;
              if (this.depth === 0) {
                if (this.valueDone(chunk, seg, i + 1)) return this.stopAt(base + i + 1);
              } else this.expect = this.keyString ? EXPECT_COLON : EXPECT_COMMA_OR_END;
            }
            i++;
            break;
          }
          if (this.bare) {
            if (isBareDelimiter(b)) {
              // The delimiter is processed again, between values.
              if (this.valueDone(chunk, seg, i)) return this.stopAt(base + i);
              break;
            }
            i++;
            break;
          }
          if (this.innerBare) {
            if (isBareDelimiter(b)) {
              // The delimiter is processed again, after the scalar.
              this.innerBare = false;
              this.expect = EXPECT_COMMA_OR_END;
              break;
            }
            i++;
            break;
          }
          if (b === SP) {
            // Indentation, the most common byte of a pretty-printed document, without the grammar's call.
            i++;
            break;
          }
          const step = this.grammarStep(b);
          if (step === STEP_CLOSED) {
            if (this.valueDone(chunk, seg, i + 1)) return this.stopAt(base + i + 1);
          } else if (step === STEP_BROKEN) {
            // A `{` after a value or an object's comma (a closing brace or a comma missing) starts the next element.
            if (b === LBRACE && (this.expect === EXPECT_COMMA_OR_END || this.expect === EXPECT_KEY_OR_END)) {
              if (this.brokenDone(chunk, seg, i)) return this.stopAt(base + i);
              break;
            }
            this.state = 'broken';
            this.lastSignificant = b;
          }
          i++;
          break;
        }

        case 'broken': {
          // Strings cannot be told apart any more: the next `{` after `,`, `[` or `}` starts an element.
          if (b === LF) {
            this.nl++;
            i++;
            break;
          }
          if (b === SP || b === TAB || b === CR) {
            i++;
            break;
          }
          if (b === LBRACE && (this.lastSignificant === COMMA || this.lastSignificant === LBRACKET || this.lastSignificant === RBRACE)) {
            if (this.brokenDone(chunk, seg, i)) return this.stopAt(base + i);
            break; // the brace is processed again, between values
          }
          this.lastSignificant = b;
          i++;
          break;
        }

        case 'between': {
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
              this.beginSpan(base + i, true);
              seg = i;
              this.state = 'probe';
              this.inStr = false;
              this.esc = false;
              this.bare = false;
              this.open(true);
              this.probe = 'open';
            } else if (b === LBRACKET) {
              this.mode = 'array';
            } else {
              this.beginSpan(base + i, false);
              seg = i;
              this.state = 'unexpected';
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
              this.state = 'tail';
              this.tailOpening = true;
              this.depth = 0;
              this.inStr = false;
              this.esc = false;
            }
            i++;
            break;
          }
          this.beginSpan(base + i, true);
          seg = i;
          this.state = 'value';
          this.inStr = false;
          this.esc = false;
          if (b === LBRACE || b === LBRACKET) {
            this.bare = false;
            this.open(b === LBRACE);
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

        case 'probe': {
          const inKey = this.probe === 'key';
          const step = this.probeStep(b);
          if (step === 'over' && this.probingTail) {
            // Another member of the wrapper: skipped as its tail (the byte is processed again there, inside the key if it stopped in one).
            this.probingTail = false;
            this.state = 'tail';
            this.inStr = inKey;
            this.esc = false;
            break;
          }
          if (step === 'over') {
            this.state = 'value'; // the byte is processed again, in the value
            break;
          }
          if (step === 'wrapper' && this.probingTail) {
            // A second `records` array in the wrapper (a repeated key, or `Records` beside `records`): its elements are records too.
            this.probingTail = false;
            this.tailBoundary = null;
            this.mode = 'records';
            this.state = 'between';
          } else if (step === 'wrapper') {
            // `{"records":[` — the wrapper itself is not a unit; its elements are.
            this.span = null;
            this.mode = 'records';
            this.state = 'between';
          } else if (b === LF) this.nl++;
          i++;
          break;
        }

        case 'unexpected': {
          if (b === LBRACE || b === LBRACKET || b === LF) {
            const s = this.span!;
            const taken = s.take(chunk, seg, i);
            this.span = null;
            this.state = 'between';
            this.items.issue('unexpected_content', s.start, s.startNewlines, base + i, 'unexpected content between JSON values', taken, s.mode);
            if (this.items.stopped) return this.stopAt(base + i);
            break; // the delimiter is processed again, between values
          }
          i++;
          break;
        }

        case 'tail': {
          // Skip the rest of the wrapper object up to its closing brace.
          if (this.tailOpening && !isWs(b)) {
            this.tailOpening = false;
            if (b === LBRACE || b === LBRACKET) {
              // A document right after the records array: the wrapper lost its closing brace, and this is no tail of it.
              this.state = 'between';
              this.mode = 'values';
              this.tailBoundary = null;
              break;
            }
          }
          if (this.inStr) {
            if (b === LF) this.nl++;
            if (this.esc) this.esc = false;
            else if (b === BSLASH) this.esc = true;
            else if (b === QUOTE) this.inStr = false;
          } else if (b === LBRACE || b === LBRACKET) this.depth++;
          else if (b === RBRACE || b === RBRACKET) {
            if (this.depth === 0) {
              this.state = 'between';
              this.mode = 'values';
              this.tailBoundary = null;
            } else this.depth--;
          } else if (b === QUOTE) this.inStr = true;
          else if (b === COMMA && this.depth === 0) {
            // The next member's key is read: one more `records` array is read, not skipped.
            this.state = 'probe';
            this.probe = 'open';
            this.probingTail = true;
          } else if (b === LF) this.nl++;
          i++;
        }
      }
    }
    if (this.span !== null) this.span.keep(chunk, seg, n);
    this.off = base + n;
  }

  /** At the end of the file, a value or stray bytes still open are an issue. */
  finish(final: boolean): void {
    if (!final) return;
    const s = this.span;
    if (s === null) return; // also inside an unclosed array or wrapper: every element was returned
    const taken = s.takeAll();
    const unexpected = this.state === 'unexpected';
    const broken = this.state === 'broken';
    this.span = null;
    this.state = 'between';
    if (broken) {
      this.emitValue(s, taken, this.off);
    } else if (unexpected) {
      this.items.issue('unexpected_content', s.start, s.startNewlines, this.off, 'unexpected content between JSON values', taken, s.mode);
    } else {
      this.items.issue('truncated', s.start, s.startNewlines, this.off, 'the file ends inside a JSON value', taken, s.mode);
    }
  }

  /** A span kept whole up to `maxUnitBytes` (a value), or only for its `raw` (stray bytes). */
  private beginSpan(start: number, full: boolean): void {
    this.span = new SpanBuffer(start, this.nl, this.mode, full, full ? this.maxUnit : 0, this.maxRaw);
  }

  private probeStep(b: number): ProbeStep {
    switch (this.probe) {
      case 'open':
        if (isWs(b)) return 'consumed';
        if (b === QUOTE) {
          this.inStr = true;
          this.keyString = true;
          this.key = '';
          this.probe = 'key';
          return 'consumed';
        }
        break;
      case 'key':
        if (b === QUOTE) {
          this.inStr = false;
          this.expect = EXPECT_COLON;
          this.probe = 'afterKey';
          return 'consumed';
        }
        if (this.key.length < 7 && isAsciiLetter(b)) {
          this.key += String.fromCharCode(b);
          return 'consumed';
        }
        break;
      case 'afterKey':
        if (isWs(b)) return 'consumed';
        if (b === COLON) {
          if (this.key.toLowerCase() !== 'records') return 'over';
          this.expect = EXPECT_VALUE;
          this.probe = 'afterColon';
          return 'consumed';
        }
        break;
      case 'afterColon':
        if (isWs(b)) return 'consumed';
        if (b === LBRACKET) return 'wrapper';
        break;
    }
    return 'over';
  }

  /** The framer stopped after an item: `offset` is the boundary just past it. */
  private stopAt(offset: number): void {
    this.off = offset;
  }

  /** Emits the value ending at chunk[endIdx); returns whether the framer stopped after it. */
  private valueDone(chunk: Buffer, seg: number, endIdx: number): boolean {
    const s = this.span!;
    const taken = s.take(chunk, seg, endIdx);
    this.span = null;
    this.state = 'between';
    this.emitValue(s, taken, this.off + endIdx);
    return this.items.stopped;
  }

  /**
   * Ends a value that broke the grammar just before the `{` at chunk[endIdx], where the next element
   * is taken to start: the value is a unit of its own (invalid JSON, quarantined with its text), and
   * the scan goes on as in a sequence of values, which reads the elements after it whether the
   * document's array goes on or the `{` was inside the broken value. Returns whether the framer stopped.
   */
  private brokenDone(chunk: Buffer, seg: number, endIdx: number): boolean {
    const s = this.span!;
    const taken = s.take(chunk, seg, endIdx);
    this.span = null;
    this.state = 'between';
    this.mode = 'values';
    this.emitValue(s, taken, this.off + endIdx);
    return this.items.stopped;
  }

  /** The value a span holds: a unit when kept whole, else an oversized value's issue. */
  private emitValue(s: SpanBuffer, taken: ReturnType<SpanBuffer['take']>, end: number): void {
    if (taken.full) {
      this.items.unitFromBytes(s.start, s.startNewlines, end, taken.buf, 0, taken.buf.length, s.mode);
    } else {
      const message = `JSON value of ${taken.total} bytes exceeds the limit of ${this.maxUnit} bytes`;
      this.items.issue('line_too_long', s.start, s.startNewlines, end, message, taken, s.mode);
    }
  }

  /** A value's first byte opened an object or an array. */
  private open(object: boolean): void {
    this.depth = 1;
    this.objects.length = 0;
    this.objects.push(object);
    this.expect = object ? EXPECT_FIRST_KEY : EXPECT_FIRST_VALUE;
    this.keyString = false;
    this.innerBare = false;
  }

  /** One byte outside strings inside an object or array, checked against what may come next. */
  private grammarStep(b: number): GrammarStep {
    if (b === LF) {
      this.nl++;
      return STEP_OK;
    }
    if (b === TAB || b === CR) return STEP_OK;
    const expect = this.expect;
    const valueMayCome = expect === EXPECT_VALUE || expect === EXPECT_VALUE_OR_END || expect === EXPECT_FIRST_VALUE;
    switch (b) {
      case LBRACE:
      case LBRACKET:
        if (!valueMayCome || this.depth >= MAX_DOCUMENT_DEPTH) return STEP_BROKEN;
        this.objects.push(b === LBRACE);
        this.depth++;
        this.expect = b === LBRACE ? EXPECT_FIRST_KEY : EXPECT_FIRST_VALUE;
        return STEP_OK;
      case RBRACE:
      case RBRACKET: {
        const object = this.objects[this.objects.length - 1] === true;
        const mayClose = expect === EXPECT_COMMA_OR_END || expect === EXPECT_END;
        const closes =
          b === RBRACE
            ? object && (mayClose || expect === EXPECT_KEY_OR_END || expect === EXPECT_FIRST_KEY)
            : !object && (mayClose || expect === EXPECT_VALUE_OR_END || expect === EXPECT_FIRST_VALUE);
        if (!closes) return STEP_BROKEN;
        this.objects.pop();
        this.expect = EXPECT_COMMA_OR_END;
        return --this.depth === 0 ? STEP_CLOSED : STEP_OK;
      }
      case QUOTE:
        if (expect === EXPECT_KEY_OR_END || expect === EXPECT_FIRST_KEY) this.keyString = true;
        else if (valueMayCome) this.keyString = false;
        else return STEP_BROKEN;
        this.inStr = true;
        return STEP_OK;
      case COLON:
        if (expect !== EXPECT_COLON) return STEP_BROKEN;
        this.expect = EXPECT_VALUE;
        return STEP_OK;
      case COMMA:
        if (expect === EXPECT_FIRST_KEY || expect === EXPECT_FIRST_VALUE) {
          this.expect = EXPECT_END;
          return STEP_OK;
        }
        if (expect !== EXPECT_COMMA_OR_END) return STEP_BROKEN;
        this.expect = this.objects[this.objects.length - 1] === true ? EXPECT_KEY_OR_END : EXPECT_VALUE_OR_END;
        return STEP_OK;
      default:
        // A number or a literal: its bytes are JSON.parse's to judge, its place is checked here.
        if (!valueMayCome) return STEP_BROKEN;
        this.innerBare = true;
        return STEP_OK;
    }
  }
}
