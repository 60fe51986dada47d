import { describe, expect, it } from 'vitest';
import { assertScenario } from './support/assertScenario.js';
import { copiesScenario } from './support/copiesScenario.js';

// The quick part of the copies class (runs in `npm test`); copies.reliability.ts draws the actions at random.
describe('identical re-downloads and copies; alternating process/backfill (quick)', () => {
  it('downloads, `cp -r` copies, older copies, re-created blobs and backfills in turn, as the blobs grow: one clean pass, no replacement', async () => {
    const report = await copiesScenario(401, {
      rounds: 3,
      script: [
        ['download', 'backfill', 'download', 'backfill'],
        ['redownload', 'backfill', 'older', 'copy', 'backfill'],
        ['older', 'redownload', 'download', 'together', 'copy', 'older'],
      ],
    });
    assertScenario(report);
    expect(report.figures['replacements']).toBe(0);
    expect(report.figures['recordsCounted']).toBe(report.verdict.expectedRecords);
  });
});
