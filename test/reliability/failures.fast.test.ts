import { describe, expect, it } from 'vitest';
import { outageScenario, poisonScenario, type PoisonReport, type Runner } from './support/failureScenarios.js';

export function assertPoisonReport(report: PoisonReport): void {
  expect(report.withPoison.actual, 'the good files are all counted, exactly once').toEqual(report.withPoison.expected);
  expect(report.stuckPaths, 'health lists exactly the poisoned files').toEqual(report.poisoned);
  expect(report.statusWhileStuck).toBe('degraded');
  expect(report.failuresCounted).toBeGreaterThanOrEqual(report.poisoned.length);
  expect(report.healed.actual, 'once they read, the poisoned files are counted too').toEqual(report.healed.expected);
  expect(report.healed.stuck).toBe(0);
}

// The quick part (runs in `npm test`); failures.reliability.ts draws more files, poisons and longer outages.
describe('failing files and storage outages (quick)', () => {
  for (const runner of ['backfill', 'watch', 'timer'] as Runner[]) {
    it(`a poison file among many in ${runner}: the others are counted, it is stuck, then recovers`, async () => {
      assertPoisonReport(await poisonScenario(701, runner, 12, 2));
    });
  }

  it('storage outage of 2 s during watch: watch survives, says so, and counts every file that landed meanwhile once', async () => {
    const report = await outageScenario(702, 2_000, 3);
    expect(report.survived).toBe(true);
    expect(report.actual).toEqual(report.expected);
    expect(report.warnings.join('\n')).toMatch(/storage unavailable/);
  });
});
