import { describe, expect, it } from 'vitest';
import { assertScenario } from './support/assertScenario.js';
import { copiesScenario } from './support/copiesScenario.js';

describe('identical re-downloads and copies; alternating process/backfill (long)', () => {
  for (const seed of [61, 62, 63, 64, 65]) {
    it(`random downloads, copies, older copies, re-created blobs and backfills over 6 rounds, seed ${seed}: one clean pass, no replacement`, async () => {
      const report = await copiesScenario(seed, { rounds: 6, actionsPerRound: 5, hours: 2, rooms: 25, calls: 10 });
      assertScenario(report);
      expect(report.figures['replacements']).toBe(0);
      expect(report.figures['recordsCounted']).toBe(report.verdict.expectedRecords);
    });
  }
});
