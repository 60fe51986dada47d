import type { ProcessSettings } from '../processing/settings.js';

/**
 * How much memory a process may take (ACS_LOGS_MEMORY, `--memory`). `default` is the fastest; `low`
 * holds and keeps less, for more time and table requests (docs/BENCHMARKS.md measures both).
 */
export const MEMORY_PROFILES = ['default', 'low'] as const;
export type MemoryProfile = (typeof MEMORY_PROFILES)[number];

export function isMemoryProfile(value: string): value is MemoryProfile {
  return (MEMORY_PROFILES as readonly string[]).includes(value);
}

/**
 * What `low` changes in the per-file loop: what a run holds (a segment's records, the records of
 * every file read and not yet written, the segments read at once) and what it keeps of the
 * partitions it wrote and of calls' decoded leg streams. Each costs requests or time: smaller writes
 * touch a call in more of them, a smaller cache reads more partitions again, and fewer decoded
 * streams are decoded again.
 */
export const LOW_MEMORY_PROCESS_SETTINGS: Readonly<LowMemorySettings> = Object.freeze({
  segmentRecords: 4_000,
  // A lone file holds one segment at a time whatever this is; on many files each record held costs
  // about a kilobyte, and 50,000 writes the bench tree's calls in four writes instead of ten.
  heldRecords: 50_000,
  readConcurrency: 4,
  cachedBytes: 8 * 1024 * 1024,
  decodedStreamChars: 1_000_000,
});

type LowMemorySettings = Pick<ProcessSettings, 'segmentRecords' | 'heldRecords' | 'readConcurrency' | 'cachedBytes' | 'decodedStreamChars'>;

/** The per-file loop's settings under a profile. */
export function processSettingsFor(profile: MemoryProfile, settings: ProcessSettings): ProcessSettings {
  return profile === 'low' ? { ...settings, ...LOW_MEMORY_PROCESS_SETTINGS } : settings;
}
