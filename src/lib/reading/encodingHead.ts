/** A compressed file or archive, known by its first bytes (no JSON text starts with any of them). */
export type CompressedFormat = 'gzip' | 'zip' | 'zstd' | 'xz' | 'bzip2';

const COMPRESSED_MAGIC: readonly { format: CompressedFormat; magic: readonly number[] }[] = [
  { format: 'gzip', magic: [0x1f, 0x8b] },
  { format: 'zip', magic: [0x50, 0x4b, 0x03, 0x04] },
  { format: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd] },
  { format: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58] },
  { format: 'bzip2', magic: [0x42, 0x5a, 0x68] },
];

/** What the first bytes of a file say about its encoding; `undecided` until enough bytes are in. */
export type EncodingHead = 'undecided' | 'plain' | 'utf8bom' | 'utf16le' | 'utf16be' | CompressedFormat;

/** Whether the bytes start a compressed format: its name, `undecided` while they may still, or null. */
function compressedHead(b: readonly number[], final: boolean): CompressedFormat | 'undecided' | null {
  for (const { format, magic } of COMPRESSED_MAGIC) {
    const seen = Math.min(b.length, magic.length);
    let same = true;
    for (let i = 0; i < seen && same; i++) same = b[i] === magic[i];
    if (!same) continue;
    if (seen === magic.length) return format;
    return final ? null : 'undecided';
  }
  return null;
}

/**
 * A compressed format's magic bytes, a UTF-8 BOM, a UTF-16 BOM followed by an ASCII code unit, or the
 * NUL bytes of UTF-16 text without one (a JSON text starts with an ASCII character, so its first two
 * UTF-16 code units each have a zero byte).
 */
export function classifyHead(b: readonly number[], final: boolean): EncodingHead {
  const n = b.length;
  const need = (k: number): boolean => n < k && !final;
  if (n === 0) return final ? 'plain' : 'undecided';
  const compressed = compressedHead(b, final);
  if (compressed !== null) return compressed;
  const b0 = b[0]!;
  if (b0 === 0xef) {
    if (need(3)) return n >= 2 && b[1] !== 0xbb ? 'plain' : 'undecided';
    return n >= 3 && b[1] === 0xbb && b[2] === 0xbf ? 'utf8bom' : 'plain';
  }
  if (b0 === 0xff || b0 === 0xfe) {
    if (need(2)) return 'undecided';
    if (n < 2) return 'plain';
    const le = b0 === 0xff && b[1] === 0xfe;
    if (!le && !(b0 === 0xfe && b[1] === 0xff)) return 'plain';
    // The BOM is believed when the code unit after it is ASCII, as JSON text's first character is
    // (or when the file ends there): two stray bytes FF FE at the head of UTF-8 text are garbage in
    // its first line, not a reason to take every line of it for UTF-16.
    if (need(4)) return 'undecided';
    if (n < 4) return le ? 'utf16le' : 'utf16be';
    const [high, low] = le ? [b[3]!, b[2]!] : [b[2]!, b[3]!];
    if (high !== 0 || low >= 0x80) return 'plain';
    return le ? 'utf16le' : 'utf16be';
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

/** The head decided, with the bytes held while deciding and those of the chunk after them. */
export interface DecidedHead {
  head: Exclude<EncodingHead, 'undecided'>;
  held: Buffer;
  rest: Buffer;
}

/** Holds the first bytes of a file (at most four) until they tell its encoding. */
export class HeadDetector {
  private readonly held: number[] = [];

  get heldBytes(): number {
    return this.held.length;
  }

  /** Takes bytes from `chunk`; null while still undecided (then the whole chunk was taken). */
  push(chunk: Buffer): DecidedHead | null {
    const held = this.held;
    const before = held.length;
    for (let t = 0; held.length < 4 && t < chunk.length; t++) held.push(chunk[t]!);
    const head = classifyHead(held, false);
    if (head === 'undecided') return null;
    return { head, held: Buffer.from(held), rest: chunk.subarray(held.length - before) };
  }

  /** The decision at the end of the file, on the bytes held. */
  finish(): DecidedHead {
    const head = classifyHead(this.held, true);
    return { head: head === 'undecided' ? 'plain' : head, held: Buffer.from(this.held), rest: Buffer.alloc(0) };
  }
}

/** Text of a UTF-16 byte span (an odd last byte dropped), without a leading BOM. */
export function decodeUtf16(buf: Buffer, littleEndian: boolean): string {
  const even = buf.subarray(0, buf.length - (buf.length % 2));
  const le = littleEndian ? even : Buffer.from(even).swap16();
  const text = le.toString('utf16le');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
