import { describe, expect, it } from 'vitest';
import { addToSketch, decodeSketch, emptySketch, encodeSketch } from '../../src/lib/aggregating/recordings/durationSketch.js';
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

  it.each(['garbage', '1;5:x', '1;2:3;4', '-1;'])('a sketch that does not read fails loudly: %s', (stored) => {
    expect(() => decodeSketch(stored)).toThrow(/stored duration sketch/);
  });
});
