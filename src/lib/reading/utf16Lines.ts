import { LF } from './bytes.js';
import type { FramedItemSink } from './framedItemSink.js';
import { SpanBuffer, type TakenSpan } from './spanBuffer.js';
import type { FramerPosition } from './types.js';

/** Cuts UTF-16 text at its LF code units, each line an `unsupported_encoding` issue (it is reported, not read). */
export class Utf16Lines {
  private off: number;
  private nl: number;
  private span: SpanBuffer | null = null;
  /** The last byte pushed (the first byte of a code unit split across pushes). */
  private prev = -1;

  constructor(
    start: { offset: number; newlines: number },
    private readonly mode: 'utf16le' | 'utf16be',
    private readonly items: FramedItemSink,
    private readonly maxRaw: number,
  ) {
    this.off = start.offset;
    this.nl = start.newlines;
  }

  get position(): FramerPosition {
    if (this.span !== null) return { offset: this.span.start, newlines: this.span.startNewlines, mode: this.mode };
    return { offset: this.off, newlines: this.nl, mode: this.mode };
  }

  get bufferedBytes(): number {
    return this.span?.kept ?? 0;
  }

  push(chunk: Buffer): void {
    const n = chunk.length;
    const base = this.off;
    const le = this.mode === 'utf16le';
    let from = 0;
    // A code unit ends at an odd offset: code units start at even offsets (after a 2-byte BOM too).
    for (let i = (base + 1) % 2; i < n; i += 2) {
      const first = i > 0 ? chunk[i - 1]! : this.prev;
      const second = chunk[i]!;
      if (!(le ? first === LF && second === 0 : first === 0 && second === LF)) continue;
      const s = this.span ?? this.newSpan(base + from);
      this.span = null;
      this.issue(s, base + i + 1, s.take(chunk, from, i + 1));
      this.nl++;
      from = i + 1;
      if (this.items.stopped) {
        this.off = base + from;
        return;
      }
    }
    if (from < n) {
      this.span ??= this.newSpan(base + from);
      this.span.keep(chunk, from, n);
    }
    this.prev = chunk[n - 1]!;
    this.off = base + n;
  }

  finish(final: boolean): void {
    const s = this.span;
    if (!final || s === null) return;
    this.span = null;
    this.issue(s, this.off, s.takeAll());
  }

  private newSpan(start: number): SpanBuffer {
    return new SpanBuffer(start, this.nl, this.mode, false, 0, this.maxRaw);
  }

  private issue(s: SpanBuffer, end: number, taken: TakenSpan): void {
    const endian = this.mode === 'utf16le' ? 'little' : 'big';
    const message = `the file is UTF-16 (${endian}-endian); only UTF-8 is read: convert it (iconv -f UTF-16 -t UTF-8), process the converted file, then dismiss this entry (acs-logs quarantine dismiss --path)`;
    this.items.issue('unsupported_encoding', s.start, s.startNewlines, end, message, taken, this.mode);
  }
}
