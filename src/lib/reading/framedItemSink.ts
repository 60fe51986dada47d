import { decodeUtf16 } from './encodingHead.js';
import type { TakenSpan } from './spanBuffer.js';
import type { FramedItem, FramingIssueCode, FramingMode } from './types.js';

/**
 * Where the framer's parts put the items they complete: collected for `push`, or handed one by one
 * to the caller of `pushTo`, who may stop the framer right after any item.
 */
export class FramedItemSink {
  private out: FramedItem[] = [];
  /** Receives items one by one during `pushTo`; returning false stops the framer right after that item. */
  onItem: ((item: FramedItem) => boolean) | null = null;
  stopped = false;

  constructor(private readonly maxRaw: number) {}

  /** The items collected since the last call. */
  take(): FramedItem[] {
    const items = this.out;
    this.out = [];
    return items;
  }

  unit(start: number, startNewlines: number, end: number, text: string, mode: FramingMode): void {
    this.emit({ kind: 'unit', offset: start, end, line: startNewlines + 1, text, mode });
  }

  issue(code: FramingIssueCode, start: number, startNewlines: number, end: number, message: string, taken: TakenSpan, mode: FramingMode): void {
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

  private emit(item: FramedItem): void {
    if (this.onItem === null) this.out.push(item);
    else if (!this.onItem(item)) this.stopped = true;
  }
}
