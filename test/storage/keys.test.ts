import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { memoryUsage } from 'node:process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { boundedKey, decodeKeyPart, digest, encodeKeyPart, encodeLongKeyPart, RESERVED_ROW_PREFIX } from '../../src/lib/storage/keys.js';

// eslint-disable-next-line no-control-regex -- control characters are what Table Storage keys refuse
const FORBIDDEN = /[/\\#?\u0000-\u001f\u007f-\u009f]/;

describe('table key encoding', () => {
  it('keeps no long part once escaped: 300 resource ids of 100,000 characters held 60 MB (the parts escaped lately)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const escape = (n: number): number => encodeKeyPart(`/SUBSCRIPTIONS/S/${n}/${'r'.repeat(100_000)}`).length;
    gc();
    const before = memoryUsage().heapUsed;
    for (let n = 0; n < 300; n++) expect(escape(n)).toBe(escape(n));
    gc();
    expect(memoryUsage().heapUsed - before).toBeLessThan(4 * 1024 * 1024);
    expect(decodeKeyPart(encodeKeyPart(`/a/${'r'.repeat(2_000)}`))).toBe(`/a/${'r'.repeat(2_000)}`);
  });

  it('keeps no long key alive in the bounded key made of it: 300 row keys of 100,000 characters held 30 MB (the routes of a write)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = memoryUsage().heapUsed;
    const held = Array.from({ length: 300 }, (_, n) => boundedKey(`h|2024-05-25T00|Op${n}${'x'.repeat(100_000)}`));
    gc();
    expect(memoryUsage().heapUsed - before).toBeLessThan(4 * 1024 * 1024);
    expect(held[7]).toBe(boundedKey(`h|2024-05-25T00|Op7${'x'.repeat(100_000)}`));
    expect(held[7]?.startsWith('h|2024-05-25T00|Op7x')).toBe(true);
    expect(held[7]?.length).toBeLessThanOrEqual(512);
  });

  it('round-trips any string and never yields a forbidden character, a separator or the reserved prefix', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (value) => {
        const encoded = encodeKeyPart(value);
        expect(decodeKeyPart(encoded)).toBe(value);
        expect(encoded).not.toMatch(FORBIDDEN);
        expect(encoded).not.toContain('|');
        expect(encoded).not.toContain(RESERVED_ROW_PREFIX);
        expect(() => encodeURIComponent(encoded)).not.toThrow(); // keys go into OData filters in URLs
      }),
      { numRuns: 500 },
    );
  });

  it('encodes a value the same way before and after many others (the escaped-part cache is bounded)', () => {
    const values = Array.from({ length: 3000 }, (_, i) => `/SUBSCRIPTIONS/${i}/RG#${i % 7}`);
    const first = values.map(encodeKeyPart);
    expect(values.map(encodeKeyPart)).toEqual(first);
    expect(first.map(decodeKeyPart)).toEqual(values);
  });

  it('escapes lone surrogates (no URL can carry them) and keeps surrogate pairs', () => {
    expect(encodeKeyPart('room\ud800')).toBe('room!uD800');
    expect(encodeKeyPart('\udfffx\ud83d')).toBe('!uDFFFx!uD83D');
    expect(encodeKeyPart('call 😀')).toBe('call 😀');
    for (const value of ['room\ud800', '\udfffx\ud83d', 'a!uD800b', '😀\ud800😀']) expect(decodeKeyPart(encodeKeyPart(value))).toBe(value);
  });

  it('digests as base64url SHA-256, cut to 22 characters', () => {
    for (const value of ['', 'abc', 'é/∑', 'x'.repeat(5000)]) {
      expect(digest(value)).toBe(createHash('sha256').update(value).digest('base64url').slice(0, 22));
    }
  });

  it('keeps resource ids and base64 correlation ids readable', () => {
    expect(encodeKeyPart('x7rMXmihYEe3GFho9T/H2w')).toBe('x7rMXmihYEe3GFho9T!2FH2w');
    expect(encodeKeyPart('/SUBSCRIPTIONS/A/RG')).toBe('!2FSUBSCRIPTIONS!2FA!2FRG');
  });

  it('bounds long values with a stable digest', () => {
    const long = 'a/'.repeat(600);
    expect(encodeLongKeyPart(long).length).toBeLessThan(300);
    expect(encodeLongKeyPart(long)).toBe(encodeLongKeyPart(long));
    expect(encodeLongKeyPart(long)).not.toBe(encodeLongKeyPart(long + 'b'));
  });
});
