import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Seconds the slowest files take (measured on the 2-core machine). Without vitest's cache of last
 * durations (a fresh clone, CI) files run in path order, and a slow file that starts late is the
 * whole run's tail; these start first in their project.
 */
const SLOW_FILES: Readonly<Record<string, number>> = {
  'test/cli/sharedStore.test.ts': 50,
  'test/reliability/storage.fast.test.ts': 20,
  'test/cli/operate.test.ts': 19,
  'test/dashboard/dashboard.browser.test.ts': 17,
  'test/processing/recordingsExactlyOnce.test.ts': 11,
  'test/processing/exactlyOnce.test.ts': 10,
  'test/reliability/embeddedStore.fast.test.ts': 9,
  'test/reliability/failures.fast.test.ts': 7,
  'test/processing/callContributions.test.ts': 6,
};

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const weight = (spec: TestSpecification): number => SLOW_FILES[path.relative(spec.project.config.root, spec.moduleId).split(path.sep).join('/')] ?? 0;
    // Projects run one after the other in the order the base sequencer gave: reorder within each.
    const runs: TestSpecification[][] = [];
    for (const spec of sorted) {
      const run = runs[runs.length - 1];
      if (run && run[0]?.project.name === spec.project.name) run.push(spec);
      else runs.push([spec]);
    }
    return runs
      .flatMap((run) => run.map((spec, index) => ({ spec, index })).sort((a, b) => weight(b.spec) - weight(a.spec) || a.index - b.index))
      .map(({ spec }) => spec);
  }
}
