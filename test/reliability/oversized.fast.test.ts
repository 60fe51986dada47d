import { describe, expect, it } from 'vitest';
import { CATEGORY_CASES, hugeCall, OVERSIZED_VALUES, oversizedFile, runOversized } from './support/oversized.js';

// The quick part (runs in `npm test`); oversized.reliability.ts draws random values, lengths and positions.
describe('oversized values in every field that reaches a key or property (quick)', () => {
  it('every field of every category at 1,100 and 40K chars, non-ASCII, escape-heavy and astral, unfit records and a huge call: good records once, refused ones quarantined', async () => {
    const files = CATEGORY_CASES.map((category, i) => {
      const file = oversizedFile(category, 500 + i, Object.values(OVERSIZED_VALUES), 12);
      return { container: category.container, records: file.records, unfit: file.unfit };
    });
    files.push({ container: 'callrecordingoperational', records: hugeCall(500, 7), unfit: new Set() });
    const report = await runOversized(files, 150);
    expect(report.refused).toBeGreaterThanOrEqual(CATEGORY_CASES.length);
  });
});
