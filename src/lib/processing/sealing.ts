import type { LogFileRef, LogFileStat } from '../storage/LogSource.js';

const HOUR_IN_PATH = /\/y=(\d{4})\/m=(\d{2})\/d=(\d{2})\/h=(\d{2})\//;

/** End of the hour a storage-laid-out path belongs to (epoch ms), if the path names one. */
export function hourEndFromPath(path: string): number | null {
  const match = HOUR_IN_PATH.exec(path);
  if (!match) return null;
  const [, y, m, d, h] = match;
  return Date.UTC(Number(y), Number(m) - 1, Number(d), Number(h)) + 3_600_000;
}

/**
 * Azure Monitor may still append to the previous hour's blob for a while after the hour ends, so a
 * blob is final only when its hour ended and it last changed at least `sealAfterMs` ago.
 */
export function isFinalBlob(file: LogFileRef, stat: LogFileStat, now: number, sealAfterMs: number): boolean {
  const hourEnd = hourEndFromPath(file.path);
  if (hourEnd !== null && now < hourEnd + sealAfterMs) return false;
  return now - stat.lastModified >= sealAfterMs;
}

/**
 * When a file of this last change becomes final by the rule above if it does not change again (epoch
 * ms): a file shorter than what was read is read as a replaced one then.
 */
export function finalAt(file: LogFileRef, stat: LogFileStat, sealAfterMs: number): number {
  return Math.max(hourEndFromPath(file.path) ?? Number.NEGATIVE_INFINITY, stat.lastModified) + sealAfterMs;
}
