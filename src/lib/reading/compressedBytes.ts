import { LF } from './bytes.js';
import type { FramedItemSink } from './framedItemSink.js';
import { EMPTY } from './spanBuffer.js';
import type { FramerPosition } from './types.js';

// The same wherever a read starts: a read resumed mid-file no longer has the first bytes that named the format.
export const COMPRESSED_MESSAGE =
  'the file is compressed (gzip, zip, zstd, xz or bzip2); only JSON text is read: decompress it, process the decompressed file, then dismiss this entry (acs-logs quarantine dismiss --path)';

/**
 * A compressed file or archive: no line of it reads, and its bytes need not end in a newline, so
 * each chunk is one `unsupported_encoding` issue as it comes (consecutive ones make one quarantine
 * entry per segment), without text: compressed bytes are no sample a user can read.
 */
export class CompressedBytes {
  private off: number;
  private nl: number;

  constructor(
    start: { offset: number; newlines: number },
    private readonly items: FramedItemSink,
  ) {
    this.off = start.offset;
    this.nl = start.newlines;
  }

  get position(): FramerPosition {
    return { offset: this.off, newlines: this.nl, mode: 'compressed' };
  }

  get bufferedBytes(): number {
    return 0;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const start = this.off;
    const newlines = this.nl;
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === LF) this.nl++;
    this.off += chunk.length;
    const taken = { buf: EMPTY, total: chunk.length, full: false, last: chunk[chunk.length - 1]! };
    this.items.issue('unsupported_encoding', start, newlines, this.off, COMPRESSED_MESSAGE, taken, 'compressed');
  }

  finish(): void {}
}
