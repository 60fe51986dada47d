import type { GenerateOptions } from './types.js';

/** 2024-05-25T00:00:00Z, the day of the bundled samples: defaults never depend on the current date. */
export const DEFAULT_FROM = Date.UTC(2024, 4, 25, 0, 0, 0);
const HOUR = 3_600_000;
/** As many resources as one run simulates. */
export const MAX_RESOURCES = 10_000;

export function defaultGenerateOptions(overrides: Partial<GenerateOptions> = {}): GenerateOptions {
  const from = overrides.from ?? DEFAULT_FROM;
  return {
    seed: 1,
    resources: 1,
    roomsPerHour: 20,
    callsPerHour: 10,
    failureRate: 0.03,
    summaryDelayMinutes: [2, 90],
    ...overrides,
    from,
    to: overrides.to ?? from + 24 * HOUR,
  };
}

/** Throws a RangeError naming the first option that cannot be simulated. */
export function validateOptions(options: GenerateOptions): void {
  const { seed, from, to, resources, roomsPerHour, callsPerHour, failureRate, summaryDelayMinutes } = options;
  const check = (ok: boolean, message: string): void => {
    if (!ok) throw new RangeError(`generateLogs: ${message}`);
  };
  check(Number.isFinite(seed), `seed must be a finite number, got ${seed}`);
  check(Number.isFinite(from) && Number.isFinite(to), 'from and to must be finite epoch milliseconds');
  check(from < to, `from (${from}) must be before to (${to})`);
  check(Number.isInteger(resources) && resources >= 1 && resources <= MAX_RESOURCES, `resources must be an integer in 1..${MAX_RESOURCES}, got ${resources}`);
  check(Number.isFinite(roomsPerHour) && roomsPerHour >= 0, `roomsPerHour must be >= 0, got ${roomsPerHour}`);
  check(Number.isFinite(callsPerHour) && callsPerHour >= 0, `callsPerHour must be >= 0, got ${callsPerHour}`);
  check(Number.isFinite(failureRate) && failureRate >= 0 && failureRate <= 1, `failureRate must be in 0..1, got ${failureRate}`);
  const [min, max] = summaryDelayMinutes;
  check(Array.isArray(summaryDelayMinutes) && summaryDelayMinutes.length === 2, 'summaryDelayMinutes must be [min, max]');
  check(Number.isFinite(min) && Number.isFinite(max) && min >= 0 && min <= max, `summaryDelayMinutes must be 0 <= min <= max, got [${min}, ${max}]`);
}
