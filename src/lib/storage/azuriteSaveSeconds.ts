import { MAX_TIMER_SECONDS } from '../timerLimit.js';

/** How often the embedded Azurite saves its tables unless told otherwise. */
export const DEFAULT_AZURITE_SAVE_SECONDS = 60;

/**
 * The seconds between the embedded Azurite's saves, from `ACS_LOGS_AZURITE_SAVE_SECONDS`: a value that
 * is not a positive number keeps the default (not Azurite's 5 s); a longer one than a timer waits is
 * that longest wait, since LokiJS's save timer would fire at once and save the whole database nonstop.
 */
export function azuriteSaveSeconds(value: string | undefined): number {
  const given = Number(value);
  if (!Number.isFinite(given) || given <= 0) return DEFAULT_AZURITE_SAVE_SECONDS;
  return Math.min(given, MAX_TIMER_SECONDS);
}
