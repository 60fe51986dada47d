import { describe, expect, it } from 'vitest';
import { defaultGenerateOptions, generateLogs } from '../../src/lib/generating/index.js';
import { collect, digestOf, FROM, HOUR, scenario } from './helpers.js';

describe('generateLogs determinism', () => {
  it('gives byte-identical output for the same seed and options', () => {
    const options = scenario({ to: FROM + 4 * HOUR });
    const a = collect(options);
    const b = collect({ ...options, summaryDelayMinutes: [...options.summaryDelayMinutes] });
    expect(a.length).toBeGreaterThan(50);
    expect(b).toEqual(a);
    expect(digestOf(b)).toBe(digestOf(a));
  });

  it('gives the same output when the same iterable is iterated twice', () => {
    const logs = generateLogs(scenario({ to: FROM + 2 * HOUR }));
    expect(digestOf(logs)).toBe(digestOf(logs));
  });

  it('gives different output for a different seed', () => {
    const options = scenario({ to: FROM + 3 * HOUR });
    expect(digestOf(generateLogs({ ...options, seed: 8 }))).not.toBe(digestOf(generateLogs(options)));
  });

  it('does not let one volume knob reshuffle the other categories', () => {
    const base = scenario({ to: FROM + 3 * HOUR });
    const rooms = (calls: number) => collect({ ...base, callsPerHour: calls }).filter((a) => a.file.container === 'insights-logs-roomsoperational');
    expect(digestOf(rooms(40))).toBe(digestOf(rooms(12)));
  });

  it('has defaults that do not depend on the current date', () => {
    const defaults = defaultGenerateOptions();
    expect(defaults).toEqual({
      seed: 1,
      from: Date.UTC(2024, 4, 25),
      to: Date.UTC(2024, 4, 26),
      resources: 1,
      roomsPerHour: 20,
      callsPerHour: 10,
      failureRate: 0.03,
      summaryDelayMinutes: [2, 90],
    });
    expect(defaultGenerateOptions({ from: FROM + HOUR }).to).toBe(FROM + 25 * HOUR);
    expect(defaultGenerateOptions({ seed: 5, resources: 3 })).toMatchObject({ seed: 5, resources: 3, failureRate: 0.03 });
  });

  it('refuses options it cannot simulate', () => {
    const ok = scenario();
    expect(() => generateLogs({ ...ok, to: ok.from })).toThrow(RangeError);
    expect(() => generateLogs({ ...ok, resources: 0 })).toThrow(/resources/);
    expect(() => generateLogs({ ...ok, failureRate: 1.5 })).toThrow(/failureRate/);
    expect(() => generateLogs({ ...ok, roomsPerHour: -1 })).toThrow(/roomsPerHour/);
    expect(() => generateLogs({ ...ok, summaryDelayMinutes: [10, 5] })).toThrow(/summaryDelayMinutes/);
    expect(() => generateLogs({ ...ok, seed: Number.NaN })).toThrow(/seed/);
  });

  it('produces nothing when both volume knobs are zero', () => {
    expect(collect(scenario({ roomsPerHour: 0, callsPerHour: 0 }))).toEqual([]);
  });
});
