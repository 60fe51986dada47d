import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedKey, MAX_STORED_KEY_CHARS, MAX_STORED_KEY_URL_CHARS, urlLength } from '../../src/lib/storage/keys.js';
import {
  checkEntity,
  escapedLineBreaks,
  joinLongStrings,
  jsonStringBytes,
  MAX_PROPERTY_CHARS,
  splitLongStrings,
  StorageRefusedError,
} from '../../src/lib/storage/limits.js';

const longString = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 0, maxLength: 3000 }).map((s) => s.repeat(30)),
  fc.constantFrom('😀'.repeat(40_000), 'x'.repeat(MAX_PROPERTY_CHARS), 'x'.repeat(MAX_PROPERTY_CHARS + 1), 'a' + '😀'.repeat(16_000)),
);

describe('storage limits (pure)', () => {
  it('counts a string as the UTF-8 bytes of its JSON literal, escapes and all', () => {
    // As sent: U+2028 and U+2029 escaped (escapedLineBreaks).
    const exact = (value: string): number => Buffer.byteLength(escapedLineBreaks(JSON.stringify(value)));
    for (const value of [
      '',
      'plain ascii ~{}[]',
      'quote " and \\ backslash',
      'tab\tnewline\n\u0001',
      'é',
      '😀',
      '\u007f',
      '\ud800 lone',
      'a\u2028b\u2029',
      '\u0085',
    ]) {
      expect(jsonStringBytes(value), JSON.stringify(value)).toBe(exact(value));
    }
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'binary-ascii', maxLength: 200 })), (value) => {
        expect(jsonStringBytes(value)).toBe(exact(value));
      }),
    );
  });

  it('escapes only U+2028 and U+2029 in JSON, which JSON.parse reads back as they were', () => {
    const json = JSON.stringify({ v: 'a\u2028b\u2029c\u0085d\n' });
    const escaped = escapedLineBreaks(json);
    expect(escaped).toBe('{"v":"a\\u2028b\\u2029c\u0085d\\n"}');
    expect(JSON.parse(escaped)).toEqual(JSON.parse(json));
  });

  it('splits long strings into parts within the property limit, never inside a surrogate pair, and joins them back whole', () => {
    fc.assert(
      fc.property(longString, fc.integer(), (value, n) => {
        const data = { value, other: n, short: 'kept' };
        const stored = splitLongStrings(data);
        for (const [name, part] of Object.entries(stored)) {
          if (typeof part !== 'string') continue;
          expect(part.length, name).toBeLessThanOrEqual(MAX_PROPERTY_CHARS);
          expect(/^[\udc00-\udfff]|[\ud800-\udbff]$/.test(part) && !/^[\udc00-\udfff]/.test(value) && !/[\ud800-\udbff]$/.test(value), name).toBe(false);
        }
        expect(data.value).toBe(value); // the caller's row is left as it is
        expect(joinLongStrings({ ...stored })).toEqual(data);
      }),
      { numRuns: 60 },
    );
  });

  it('bounds keys: unchanged when they fit, else a prefix and a digest of the whole key, idempotent and deterministic', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.integer({ min: 1, max: 400 }), (piece, times) => {
        const key = piece.repeat(times);
        const stored = boundedKey(key);
        expect(stored.length).toBeLessThanOrEqual(MAX_STORED_KEY_CHARS);
        expect(urlLength(stored)).toBeLessThanOrEqual(MAX_STORED_KEY_URL_CHARS);
        expect(boundedKey(stored)).toBe(stored);
        expect(boundedKey(key)).toBe(stored);
        if (key.length <= MAX_STORED_KEY_CHARS && urlLength(key) <= MAX_STORED_KEY_URL_CHARS) expect(stored).toBe(key);
        else expect(stored).toMatch(/!![A-Za-z0-9_-]{22}$/);
      }),
      { numRuns: 300 },
    );
    // Long keys that share their prefix stay apart.
    const a = 'h|2024-05-25T00|' + 'A'.repeat(1100) + '|x';
    const b = 'h|2024-05-25T00|' + 'A'.repeat(1100) + '|y';
    expect(boundedKey(a)).not.toBe(boundedKey(b));
    // A non-ASCII key that fits in characters but not in a URL.
    expect(urlLength(boundedKey('中'.repeat(500)))).toBeLessThanOrEqual(MAX_STORED_KEY_URL_CHARS);
  });

  it('refuses entities past 1 MiB or 252 properties before they are sent', () => {
    expect(() => checkEntity('p', 'r', splitLongStrings({ a: 'x'.repeat(300_000), b: 'y'.repeat(300_000) }))).toThrow(StorageRefusedError);
    expect(() => checkEntity('p', 'r', Object.fromEntries(Array.from({ length: 253 }, (_, i) => [`p${i}`, i])))).toThrow(/252/);
    expect(() => checkEntity('p', 'r', splitLongStrings({ a: 'x'.repeat(200_000) }))).not.toThrow();
  });
});
