import { describe, expect, it } from 'vitest';
import { embeddedScenario } from './support/embeddedScenario.js';
import { recordFigures, summary } from './support/scenario.js';

describe('commands on one data dir share one embedded Azurite (long)', () => {
  for (const seed of [21, 22, 23, 24]) {
    it(`4 rounds of 2-4 commands at once on one data dir, half ended by a random signal at a random moment, seed ${seed}: one Azurite, none left behind, one clean pass`, async () => {
      const report = await embeddedScenario(seed, 4, 3, 0.5);
      recordFigures({
        scenario: 'embedded-store',
        seed,
        commands: report.commands.length,
        endings: report.endings,
        maxAzurites: report.maxAzurites,
        ...summary(report.verdict),
      });
      expect(report.maxAzurites).toBe(1);
      expect(report.leftBehind).toEqual([]);
      expect(summary(report.verdict)).toMatchObject({ equal: true, lost: 0, doubled: 0, checkpointMismatches: 0 });
    });
  }
});
