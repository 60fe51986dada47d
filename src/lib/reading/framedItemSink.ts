import { isUtf8 } from 'node:buffer';
import { utf8Boundary } from './bytes.js';
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

  /**
   * A unit whose text is bytes[from, to) as UTF-8. Bytes that are not UTF-8 (text in Latin-1 or
   * Windows-1252, corruption) make it an `unsupported_encoding` issue instead: decoding would turn
   * them into U+FFFD without a word, and ids that differ only there would count as one.
   */
  unitFromBytes(start: number, startNewlines: number, end: number, bytes: Buffer, from: number, to: number, mode: FramingMode): void {
    const text = bytes.toString('utf8', from, to);
    // U+FFFD is in the text whenever the bytes are not UTF-8: only then are the bytes checked.
    if (text.includes('\uFFFD')) {
      const line = bytes.subarray(from, to);
      if (!isUtf8(line)) {
        this.issue('unsupported_encoding', start, startNewlines, end, notUtf8Message(line), { buf: line, total: line.length, full: true, last: -1 }, mode);
        return;
      }
    }
    this.unit(start, startNewlines, end, text, mode);
  }

  issue(code: FramingIssueCode, start: number, startNewlines: number, end: number, message: string, taken: TakenSpan, mode: FramingMode): void {
    const utf16 = mode === 'utf16le' || mode === 'utf16be';
    const kept = Math.min(taken.buf.length, this.maxRaw);
    // A sample cut short ends at a whole character, not inside one.
    const raw = taken.buf.subarray(0, taken.total > kept && !utf16 ? utf8Boundary(taken.buf, kept) : kept);
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

/** Where the bytes stop being UTF-8, and what to do: a byte offset into the line and the byte. */
function notUtf8Message(line: Buffer): string {
  const at = firstInvalidUtf8(line);
  const byte = (line[at] ?? 0).toString(16).toUpperCase().padStart(2, '0');
  return `not UTF-8: byte 0x${byte} at byte ${at} of the line; only UTF-8 is read: convert a file in another encoding before processing it (iconv -f WINDOWS-1252 -t UTF-8), or dismiss the entry (acs-logs quarantine dismiss --path)`;
}

/** Index of the first byte that does not continue a well-formed UTF-8 sequence (RFC 3629). Pure. */
export function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0) return i;
    // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
    const low = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const high = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? low : 0x80) || c > (k === 1 ? high : 0xbf)) return i;
    }
    i += length;
  }
  return bytes.length;
}
