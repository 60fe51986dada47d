import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addToSketch, decodeSketch, emptySketch, encodeSketch, type DurationSketch } from '../../src/lib/aggregating/recordings/durationSketch.js';
import { readCounts, writeCounts } from '../../src/lib/aggregating/rowValues.js';

describe('values stored in aggregate rows', () => {
  it('read back what was written, and absent as empty', () => {
    expect(readCounts(writeCounts({ b: 2, a: 1 }))).toEqual({ a: 1, b: 2 });
    expect(readCounts(undefined)).toEqual({});
    const sketch = emptySketch();
    addToSketch(sketch, 12.5);
    addToSketch(sketch, 0);
    expect(decodeSketch(encodeSketch(sketch))).toEqual(sketch);
    expect(decodeSketch(undefined)).toEqual(emptySketch());
  });

  it.each(['{"a":', '[1,2]', '{"a":"x"}'])('a count map that does not read fails loudly instead of dropping its counts: %s', (stored) => {
    expect(() => readCounts(stored)).toThrow(/stored count map/);
  });

  it.each(['garbage', '1;5:x', '1;2:3;4', '-1;', '1;5', '1;5,6:1', '1;:', '1;2:0', '1.5;'])('a sketch that does not read fails loudly: %s', (stored) => {
    expect(() => decodeSketch(stored)).toThrow(/stored duration sketch/);
  });

  it('reads any text as the plain reading by splits does: the same sketch, or a refusal', () => {
    const text = fc.stringMatching(/^[-0-9;:,. e]{0,24}$/);
    const encoded = fc
      .array(fc.tuple(fc.integer({ min: -50, max: 2000 }), fc.integer({ min: 1, max: 1e6 })), { maxLength: 12 })
      .map((bins) => `${bins.length};${bins.map(([i, c]) => `${i}:${c}`).join(',')}`);
    fc.assert(
      fc.property(fc.oneof(text, encoded, fc.constantFrom('0;1:2:3', '2;5:1,,7:2,', '0;', '3', ' 1 ; 2 : 3 ', '1;-0:1')), (stored) => {
        const expected = readBySplits(stored);
        if (expected === undefined) expect(() => decodeSketch(stored)).toThrow(/stored duration sketch/);
        else expect(decodeSketch(stored)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('sketches written without intermediate lists', () => {
  it('writes every sketch as the plain writing by filter, sort and join does', () => {
    const sketch = fc
      .record({
        zero: fc.integer({ min: 0, max: 1e6 }),
        bins: fc.array(fc.tuple(fc.integer({ min: -1728, max: 1728 }), fc.integer({ min: -3, max: 1e6 })), { maxLength: 40 }),
      })
      .map(({ zero, bins }) => ({ zero, bins: new Map(bins) }));
    fc.assert(
      fc.property(sketch, (s) => {
        const bins = [...s.bins.entries()].filter(([, count]) => count !== 0).sort((a, b) => a[0] - b[0]);
        expect(encodeSketch(s)).toBe(`${s.zero};${bins.map(([index, count]) => `${index}:${count}`).join(',')}`);
      }),
      { numRuns: 500 },
    );
  });
});

/** The reading by `split` that decodeSketch replaced, as the reference it must agree with; undefined when it refuses. */
function readBySplits(text: string): DurationSketch | undefined {
  const sketch = emptySketch();
  if (text === '') return sketch;
  const [zero, bins, extra] = text.split(';');
  const zeroCount = Number(zero);
  if (extra !== undefined || !Number.isInteger(zeroCount) || zeroCount < 0) return undefined;
  sketch.zero = zeroCount;
  for (const pair of (bins ?? '').split(',')) {
    if (pair === '') continue;
    const [index, count] = pair.split(':').map(Number);
    if (!Number.isInteger(index) || !Number.isInteger(count) || (count as number) <= 0) return undefined;
    sketch.bins.set(index as number, count as number);
  }
  return sketch;
}
