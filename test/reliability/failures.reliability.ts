import { describe, expect, it } from 'vitest';
import { assertPoisonReport } from './failures.fast.test.js';
import { outageScenario, poisonScenario, type Runner } from './support/failureScenarios.js';

const SCALE = Number(process.env['RELIABILITY_SCALE'] ?? 1);

describe('failing files and storage outages (long)', () => {
  for (const seed of [711, 712, 713]) {
    for (const runner of ['backfill', 'watch', 'timer'] as Runner[]) {
      it(`poison files among many in ${runner}, seed ${seed}: the others are counted, they are stuck, then recover`, async () => {
        const files = Math.round((20 + (seed % 7) * 5) * SCALE);
        const report = await poisonScenario(seed, runner, files, 1 + (seed % 4));
        console.log(
          `poison ${runner} seed ${seed}: ${report.files} files, ${report.poisoned.length} poisoned, ${report.records} records (${report.poisonedRecords} in poisoned files), ${report.failuresCounted} failed runs counted`,
        );
        assertPoisonReport(report);
      });
    }
  }

  for (const [seed, outageMs] of [
    [721, 10_000],
    [722, 15_000],
    [723, 6_000],
  ] as const) {
    it(`storage outage of ${outageMs / 1000} s during watch, files landing throughout, seed ${seed}: watch survives and counts every file once`, async () => {
      const report = await outageScenario(seed, outageMs, 4 + (seed % 3));
      console.log(
        `outage ${outageMs} ms seed ${seed}: ${report.files} files, ${report.records} records, ${report.cycles} passes completed, ${report.warnings.length} warnings, survived ${report.survived}`,
      );
      expect(report.survived).toBe(true);
      expect(report.actual).toEqual(report.expected);
      expect(report.warnings.join('\n')).toMatch(/storage unavailable/);
    });
  }
});
