/**
 * Stored chars of calls' leg streams a process keeps decoded for the next fold, by default: a few MB
 * of strings the cache of partitions mostly holds anyway. Its own module, without imports, so that
 * the settings can name it without loading the folds.
 */
export const DEFAULT_DECODED_STREAM_CHARS = 4_000_000;
