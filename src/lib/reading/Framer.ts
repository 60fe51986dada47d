import { DocumentScanner } from './documentScanner.js';
import { CompressedBytes } from './compressedBytes.js';
import { HeadDetector, type DecidedHead } from './encodingHead.js';
import { FramedItemSink } from './framedItemSink.js';
import { LineFramer } from './lineFramer.js';
import { ShapeSniffer, type SniffOutcome } from './shapeSniffer.js';
import { EMPTY } from './spanBuffer.js';
import type { FramedItem, FramerPosition, FramingMode } from './types.js';
import { Utf16Lines } from './utf16Lines.js';

export interface FramerOptions {
  /** Where to start: `{ offset: 0, newlines: 0, mode: 'auto' }` for a new file, else a saved `position`. */
  start: FramerPosition;
  /** Largest unit (line, or document element) kept and returned as text; longer ones become issues. */
  maxUnitBytes: number;
  /** How many bytes of a bad span are kept in an issue's `raw`. */
  maxRawBytes: number;
}

/** The part that frames the file once its encoding and shape are known. */
type BodyFramer = LineFramer | DocumentScanner | Utf16Lines | CompressedBytes;

/**
 * Cuts the bytes of a log file into units (JSON texts) and issues, chunk by chunk, without I/O.
 * See `FramingMode` in types.ts for the shapes it reads. Memory is bounded by `maxUnitBytes` plus
 * the chunk being pushed, whatever the file size.
 *
 * A file's first bytes go to the encoding check (BOM, UTF-16, compressed), then, for a new file, to
 * the shape sniffer; from then on one body framer (lines, documents, UTF-16 lines or compressed
 * bytes) reads the rest.
 */
export class Framer {
  private readonly maxUnit: number;
  private readonly maxRaw: number;
  private readonly items: FramedItemSink;

  /** The mode to frame in; `auto` while sniffing. */
  private mode: FramingMode;
  /** Until a body framer takes over: the offset of the first byte not yet judged, and `\n` bytes before it. */
  private off: number;
  private nl: number;
  /** Set at offset 0 until the first bytes tell the encoding. */
  private head: HeadDetector | null;
  private sniffer: ShapeSniffer | null = null;
  private body: BodyFramer | null = null;

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
    this.items = new FramedItemSink(maxRawBytes);
    this.mode = start.mode;
    this.off = start.offset;
    this.nl = start.newlines;
    this.head = start.offset === 0 ? new HeadDetector() : null;
  }

  /** The resumable boundary just after the last item returned (initially `start`). */
  get position(): FramerPosition {
    if (this.body !== null) return this.body.position;
    return { offset: this.off, newlines: this.nl, mode: this.mode };
  }

  /** Bytes the framer holds between calls (for tests of its memory bound). */
  get bufferedBytes(): number {
    return (this.body?.bufferedBytes ?? 0) + (this.sniffer?.heldBytes ?? 0) + (this.head?.heldBytes ?? 0);
  }

  /** Feed the next bytes (they start exactly at the current read position). Returns the items completed. */
  push(chunk: Buffer): FramedItem[] {
    this.items.take();
    this.pushBytes(chunk);
    return this.items.take();
  }

  /**
   * Feeds the next bytes and hands each item to `onItem` as soon as it is complete. When `onItem`
   * returns false the framer stops right after that item: `position` is then the boundary just past
   * it, the rest of `chunk` is not consumed, and this framer takes no more bytes (start a new one at
   * `position`). Returns whether it stopped.
   */
  pushTo(chunk: Buffer, onItem: (item: FramedItem) => boolean): boolean {
    this.items.onItem = onItem;
    try {
      this.pushBytes(chunk);
    } finally {
      this.items.onItem = null;
    }
    return this.items.stopped;
  }

  /** End of the bytes available now. `final` = the file will not grow any more. Returns items completed by that. */
  finish(final: boolean): FramedItem[] {
    this.items.take();
    if (this.items.stopped) return this.items.take();
    if (this.head !== null) {
      if (!final) return this.items.take();
      this.process(this.decideHead(this.head.finish()));
    }
    if (this.mode === 'auto') {
      if (!final) {
        const early = this.sniffer?.finishEarly() ?? null;
        if (early !== null) {
          this.frameFrom(early.mode, early.bytes);
          this.bodyFramer().finish(false);
        }
        return this.items.take();
      }
      const sniffed = this.sniffer?.finish() ?? null;
      this.frameFrom(sniffed?.mode ?? 'lines', sniffed?.bytes ?? EMPTY);
    }
    this.bodyFramer().finish(final);
    return this.items.take();
  }

  private pushBytes(chunk: Buffer): void {
    if (this.items.stopped) throw new Error('the framer stopped; start a new one at its position');
    let data = chunk;
    if (this.head !== null) {
      const decided = this.head.push(data);
      if (decided === null) return;
      data = decided.rest;
      const held = this.decideHead(decided);
      // A compressed file's first bytes are one issue with the rest of the chunk, not one of their own.
      if (held.length > 0) data = Buffer.concat([held, data]);
    }
    this.process(data);
  }

  /** Applies what the first bytes said, then frames the bytes held while deciding; a compressed file's are returned, to frame with what follows. */
  private decideHead({ head, held }: DecidedHead): Buffer {
    this.head = null;
    if (head === 'utf8bom') {
      this.off += 3;
      this.process(held.subarray(3));
      return EMPTY;
    }
    if (head !== 'plain' && head !== 'utf16le' && head !== 'utf16be') {
      this.mode = 'compressed';
      return held;
    }
    if (head !== 'plain') this.mode = head;
    this.process(held);
    return EMPTY;
  }

  private process(chunk: Buffer): void {
    if (chunk.length === 0 || this.items.stopped) return;
    if (this.mode === 'auto') this.sniff(chunk);
    else this.bodyFramer().push(chunk);
  }

  private sniff(chunk: Buffer): void {
    this.sniffer ??= new ShapeSniffer(this.maxUnit);
    let data = chunk;
    while (data.length > 0 && this.mode === 'auto' && !this.items.stopped) {
      const outcome: SniffOutcome = this.sniffer.push(data);
      data = EMPTY;
      if (outcome.kind === 'decided') this.frameFrom(outcome.mode, outcome.bytes);
      else if (outcome.kind === 'badFirstLine') {
        const start = this.off + outcome.start;
        const newlines = this.nl + outcome.newlinesBefore;
        this.off += outcome.next;
        this.nl = newlines + 1;
        this.items.unit(start, newlines, this.off, outcome.text, 'lines');
        data = outcome.rest;
      }
    }
  }

  /** The shape is known: the body framer takes over at the first byte sniffed. */
  private frameFrom(mode: FramingMode, sniffed: Buffer): void {
    this.sniffer = null;
    this.mode = mode;
    this.process(sniffed);
  }

  private bodyFramer(): BodyFramer {
    if (this.body !== null) return this.body;
    const start = { offset: this.off, newlines: this.nl, mode: this.mode };
    switch (this.mode) {
      case 'lines':
        this.body = new LineFramer(start, this.items, this.maxUnit, this.maxRaw);
        break;
      case 'utf16le':
      case 'utf16be':
        this.body = new Utf16Lines(start, this.mode, this.items, this.maxRaw);
        break;
      case 'compressed':
        this.body = new CompressedBytes(start, this.items);
        break;
      case 'auto':
      case 'array':
      case 'records':
      case 'values':
      default: // a mode read back from a checkpoint row is not validated: read as a document, as always
        this.body = new DocumentScanner(start, this.items, this.maxUnit, this.maxRaw);
    }
    return this.body;
  }
}
