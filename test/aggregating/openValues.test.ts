import { describe, expect, it } from 'vitest';
import { closeRow } from '../../src/lib/aggregating/openValues.js';
import { bumpCount, readCounts } from '../../src/lib/aggregating/rowValues.js';
import type { RowData } from '../../src/lib/aggregating/types.js';

describe('count maps kept decoded through a batch', () => {
  it('are written once, when the row is closed, with keys in code-unit order', () => {
    const row: RowData = { byFormat: '{"mp3":2}' };
    bumpCount(row, 'byFormat', 'mp4');
    bumpCount(row, 'byFormat', 'mp3');
    bumpCount(row, 'byFormat', '10');
    bumpCount(row, 'byFormat', '9');
    expect(row['byFormat']).toBe('{"mp3":2}');
    closeRow(row);
    expect(row['byFormat']).toBe('{"10":1,"9":1,"mp3":3,"mp4":1}');
    closeRow(row);
    expect(row['byFormat']).toBe('{"10":1,"9":1,"mp3":3,"mp4":1}');
  });

  it('count keys that name Object properties like any other', () => {
    const row: RowData = {};
    for (const key of ['__proto__', 'constructor', 'toString', '__proto__']) bumpCount(row, 'byEndReason', key);
    closeRow(row);
    const counts = readCounts(row['byEndReason']);
    expect(Object.entries(counts)).toEqual([
      ['__proto__', 2],
      ['constructor', 1],
      ['toString', 1],
    ]);
    bumpCount(row, 'byEndReason', '__proto__');
    closeRow(row);
    expect(readCounts(row['byEndReason'])['__proto__']).toBe(3);
  });

  it('fail on a stored map that does not read, instead of counting from empty', () => {
    expect(() => bumpCount({ byFormat: '{"mp3":' }, 'byFormat', 'mp3')).toThrow(/stored count map/);
  });
});
