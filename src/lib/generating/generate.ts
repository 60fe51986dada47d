import { startCalls } from './calls.js';
import { validateOptions } from './options.js';
import { startRooms } from './rooms.js';
import { Simulation } from './simulation.js';
import type { GenerateOptions, LogAppend } from './types.js';

/**
 * Synthetic ACS diagnostic logs for every category, as the appends Azure Monitor makes to the
 * `PT1H.json` append blobs, in `at` order. Lazy and memory-bounded: each iteration runs a fresh
 * simulation, so iterating twice yields the same appends. Throws a RangeError for invalid options.
 */
export function generateLogs(options: GenerateOptions): Iterable<LogAppend> {
  validateOptions(options);
  const frozen: GenerateOptions = { ...options, summaryDelayMinutes: [...options.summaryDelayMinutes] };
  return {
    [Symbol.iterator]: () => {
      const sim = new Simulation(frozen);
      for (const resource of sim.resources) {
        startRooms(sim, resource);
        startCalls(sim, resource);
      }
      return sim.run();
    },
  };
}
