import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8 } from '../../src/lib/reading/framedItemSink.js';
import { chunksOf, frame } from './helpers.js';

describe('lines that are not UTF-8', () => {
  it('firstInvalidUtf8 finds no bad byte exactly when the bytes are UTF-8, and the bytes before it are', () => {
    const bytes = fc.array(
      fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x80, 0xbf, 0xc0, 0xc2, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xa0, 0x9f, 0x8f, 0x90)),
      { maxLength: 24 },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          bytes,
          fc.string({ unit: 'grapheme' }).map((s) => [...Buffer.from(s)]),
        ),
        (array) => {
          const buf = Buffer.from(array);
          const at = firstInvalidUtf8(buf);
          expect(at === buf.length).toBe(isUtf8(buf));
          expect(isUtf8(buf.subarray(0, at))).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('are issues of their own (unsupported_encoding, naming the byte), the lines beside them units; U+FFFD written as UTF-8 is text', () => {
    const file = Buffer.concat([
      Buffer.from('{"roomId":"r1"}\n{"roomId":"r'),
      Buffer.from([0xff]),
      Buffer.from('"}\n{"roomId":"caf'),
      Buffer.from([0xe9]),
      Buffer.from('"}\r\n{"roomId":"r\uFFFD"}\n'),
    ]);
    for (const sizes of [[file.length], [1], [7, 3]]) {
      const items = frame(file, { chunks: (rest) => chunksOf(rest, sizes) }).items;
      expect(items.map((item) => (item.kind === 'unit' ? ['unit', item.text] : [item.code, item.message, item.line]))).toEqual([
        ['unit', '{"roomId":"r1"}'],
        ['unsupported_encoding', expect.stringMatching(/^not UTF-8: byte 0xFF at byte 12 of the line; only UTF-8 is read/), 2],
        ['unsupported_encoding', expect.stringMatching(/^not UTF-8: byte 0xE9 at byte 14 of the line/), 3],
        ['unit', '{"roomId":"r\uFFFD"}'],
      ]);
    }
  });
});
