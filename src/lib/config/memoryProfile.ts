import type { ProcessSettings } from '../processing/settings.js';

/**
 * How much memory a process may take (ACS_LOGS_MEMORY, `--memory`). `default` is the fastest; `low`
 * holds and keeps less, for more time and table requests (docs/BENCHMARKS.md measures both).
 */
export const MEMORY_PROFILES = ['default', 'low'] as const;
export type MemoryProfile = (typeof MEMORY_PROFILES)[number];

/** What ACS_LOGS_MEMORY and `--memory` take: a profile, or `auto` (the default) to choose one by the machine. */
export const MEMORY_CHOICES = ['auto', ...MEMORY_PROFILES] as const;
export type MemoryChoice = (typeof MEMORY_CHOICES)[number];

/** The choice an ACS_LOGS_MEMORY value makes before it is checked: unset or empty is `auto`. */
export function memoryChoiceOf(setting: string | undefined): string {
  return setting === undefined || setting === '' ? 'auto' : setting;
}

export function isMemoryChoice(value: string): value is MemoryChoice {
  return (MEMORY_CHOICES as readonly string[]).includes(value);
}

/**
 * Below this much memory for the process, `auto` is `low`. A backlog run of the default profile
 * peaks at 500-675 MiB next to the embedded Azurite's own; Functions instances have 512, 2,048 or
 * 4,096 MB, and a 2,048 MB one may read a little less than its size.
 */
export const AUTO_LOW_MEMORY_BELOW_BYTES = 1.5 * 1024 ** 3;

/** The profile `auto` means on a machine that gives the process `machineBytes`. Pure. */
export function autoMemoryProfile(machineBytes: number): MemoryProfile {
  return machineBytes < AUTO_LOW_MEMORY_BELOW_BYTES ? 'low' : 'default';
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
  // 4,000 records of logs as ACS writes them are 3 MB; records of 15 KB each, counted one each, made 60 MB
  // segments: 253 MiB at the peak where this gives 172 (records under 4 KiB still count one each).
  segmentBytes: 8 * 1024 * 1024,
  // A lone file holds one segment at a time whatever this is; on many files each record held costs
  // about a kilobyte, and 50,000 writes the bench tree's calls in four writes instead of ten.
  heldRecords: 50_000,
  readConcurrency: 4,
  cachedBytes: 8 * 1024 * 1024,
  decodedStreamChars: 1_000_000,
  // An account's calls 32 at a time in all, not 32 per physical partition: its timer run over the bench
  // tree peaked at 250-260 MiB so (43 requests per 1,000 records), at 280-290 MiB with up to 512 (21).
  maxPartitionsInFlight: 32,
});

type LowMemorySettings = Pick<
  ProcessSettings,
  'segmentRecords' | 'segmentBytes' | 'heldRecords' | 'readConcurrency' | 'cachedBytes' | 'decodedStreamChars' | 'maxPartitionsInFlight'
>;

/** The per-file loop's settings under a profile. */
export function processSettingsFor(profile: MemoryProfile, settings: ProcessSettings): ProcessSettings {
  return profile === 'low' ? { ...settings, ...LOW_MEMORY_PROCESS_SETTINGS } : settings;
}
