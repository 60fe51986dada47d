import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { generateLogs } from '../../src/lib/generating/index.js';
import { collect, FROM, HOUR, scenario } from './helpers.js';

function countByContainer(options: Parameters<typeof collect>[0]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const append of generateLogs(options)) counts[append.file.container] = (counts[append.file.container] ?? 0) + append.lines.length;
  return counts;
}

describe('volume knobs', () => {
  it('scale Rooms records with roomsPerHour and recording records with callsPerHour', () => {
    const base = scenario({ to: FROM + 6 * HOUR, resources: 1 });
    const low = countByContainer({ ...base, roomsPerHour: 10, callsPerHour: 5 });
    const high = countByContainer({ ...base, roomsPerHour: 40, callsPerHour: 20 });
    for (const container of [
      'insights-logs-roomsoperational',
      'insights-logs-callrecordingoperational',
      'insights-logs-callrecordingsummary',
      'insights-logs-usage',
    ]) {
      const ratio = (high[container] ?? 0) / (low[container] ?? 1);
      expect(ratio, container).toBeGreaterThan(2.5);
      expect(ratio, container).toBeLessThan(6);
    }
    const roomsOnly = countByContainer({ ...base, roomsPerHour: 10, callsPerHour: 0 });
    expect(Object.keys(roomsOnly)).toEqual(['insights-logs-roomsoperational']);
    const callsOnly = countByContainer({ ...base, roomsPerHour: 0, callsPerHour: 5 });
    expect(callsOnly['insights-logs-roomsoperational']).toBeUndefined();
  });

  it('scale with the number of resources, each in its own files', () => {
    const base = scenario({ to: FROM + 4 * HOUR });
    const one = collect({ ...base, resources: 1 });
    const four = collect({ ...base, resources: 4 });
    const records = (appends: typeof one) => appends.reduce((n, a) => n + a.lines.length, 0);
    expect(records(four) / records(one)).toBeGreaterThan(3);
    expect(records(four) / records(one)).toBeLessThan(5);
    const resources = new Set(four.map((a) => a.file.path.split('/y=')[0]));
    expect(resources.size).toBe(4);
  });

  it('generates ~50 MB in bounded memory (nothing kept while iterating)', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const options = scenario({ resources: 2, roomsPerHour: 300, callsPerHour: 150, to: FROM + 30 * 24 * HOUR });
    const target = 50 * 1024 * 1024;
    let bytes = 0;
    let baseline = 0;
    let peakAfterGc = 0;
    let nextCheck = 0;
    const iterator = generateLogs(options)[Symbol.iterator]();
    for (let step = iterator.next(); !step.done && bytes < target; step = iterator.next()) {
      for (const line of step.value.lines) bytes += line.length;
      if (bytes >= nextCheck) {
        gc();
        const used = process.memoryUsage().heapUsed;
        if (baseline === 0 && bytes >= 10 * 1024 * 1024) baseline = used; // the simulation is in its steady state
        if (baseline !== 0) peakAfterGc = Math.max(peakAfterGc, used);
        nextCheck += 5 * 1024 * 1024;
      }
    }
    iterator.return?.();
    expect(bytes).toBeGreaterThanOrEqual(target);
    expect(baseline).toBeGreaterThan(0);
    // 40 MB were generated after the baseline; the live state must not grow with them.
    expect(peakAfterGc - baseline).toBeLessThan(8 * 1024 * 1024);
  });
});
