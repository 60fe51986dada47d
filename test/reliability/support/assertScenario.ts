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

/**
 * The blob scenario: as above (runs that gave up are crashes a later pass repaired), and every read
 * handed the processor exactly its range's bytes, the blobs hold what was appended, the pass with the
 * proxies off failed nothing, and mid-body cuts of ranged reads did happen.
 */
export function assertBlobScenario(report: ScenarioReport): void {
  assertScenario(report, true);
  const { figures } = report;
  expect({ readsWrong: figures['readsWrong'], blobsNotAsWritten: figures['blobsNotAsWritten'], cleanPassFailed: figures['cleanPassFailed'] }).toEqual({
    readsWrong: 0,
    blobsNotAsWritten: 0,
    cleanPassFailed: 0,
  });
  expect(figures['readsChecked']).toBeGreaterThan(0);
  expect(figures['blob.read.cutMidBody']).toBeGreaterThan(0);
}
