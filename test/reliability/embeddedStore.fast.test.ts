import { describe, expect, it } from 'vitest';
import { embeddedScenario } from './support/embeddedScenario.js';
import { summary } from './support/scenario.js';

// The quick part (runs in `npm test`); embeddedStore.reliability.ts draws more rounds and seeds.
describe('commands on one data dir share one embedded Azurite (quick)', () => {
  it('commands at once on one data dir, some ended by SIGINT/SIGTERM/SIGHUP/SIGKILL: one Azurite, none left behind, one clean pass', async () => {
    const report = await embeddedScenario(7, 1, 2, 0.6);
    expect(report.maxAzurites).toBe(1);
    expect(report.leftBehind).toEqual([]);
    expect(summary(report.verdict)).toMatchObject({ equal: true, lost: 0, doubled: 0, checkpointMismatches: 0 });
  });
});
