import { expect } from 'vitest';
import type { ScenarioReport } from './scenarios.js';
import { recordFigures, summary } from './scenario.js';

/** Records the figures, then: aggregates equal one clean pass, checkpoints count every good record, no run failed. */
export function assertScenario(report: ScenarioReport, allowFailures = false): void {
  recordFigures({ suite: report.scenario, seed: report.seed, ...report.figures, ...summary(report.verdict), failures: report.failures });
  const { verdict } = report;
  expect({ lost: verdict.lost, doubled: verdict.doubled }).toEqual({ lost: 0, doubled: 0 });
  expect(verdict.checkpointMismatches).toEqual([]);
  expect(verdict.checkpointRecords).toBe(verdict.expectedRecords);
  expect(verdict.actual).toEqual(verdict.reference);
  if (!allowFailures) expect(report.failures).toEqual([]);
}
