import { DEFAULT_EARLIEST_RECORD_TIME, DEFAULT_MAX_FUTURE_MS } from '../normalizing/ranges.js';
import { DEFAULT_DECODED_STREAM_CHARS } from '../aggregating/calls/legStreamBudget.js';
import { DEFAULT_CACHED_BYTES } from './partitionCache.js';

/** Tuning of the per-file loop. Defaults suit the Functions Flex Consumption plan (2 GB instances). */
export interface ProcessSettings {
  /** Bytes per ranged read. */
  readChunkBytes: number;
  /**
   * A segment (one commit of aggregates and checkpoint) ends at the first line past any of these
   * budgets (checked after every line): bytes read, records held (plus quarantined lines), quarantined text held.
   * Requests are per row changed per segment, memory is per record held: larger segments cost fewer
   * requests and more memory.
   */
  segmentBytes: number;
  segmentRecords: number;
  segmentQuarantinedChars: number;
  /** A line or document element longer than this is quarantined as `line_too_long`. */
  maxUnitBytes: number;
  /** At most this much of a bad line is kept in quarantine. */
  maxRawBytes: number;
  /**
   * Partitions written in parallel. Many, as the transactions of calls waiting together travel as one
   * (storage/packedTableStore.ts): 32 halved a run's requests against 8 (2,904 to 1,198 on the bench tree).
   */
  partitionConcurrency: number;
  /**
   * A table spread over physical partitions whose transactions travel together (an account's packed
   * Calls table: 16) has partitionConcurrency in flight per physical partition, at most this many in
   * all: each holds its rows while it is written.
   */
  maxPartitionsInFlight: number;
  /**
   * Segments of files read in parallel are written together (one group of transactions per
   * partition for all of them). A run holds at most this many records read and not yet written:
   * past it, segments end early and a write starts without waiting for every file.
   */
  heldRecords: number;
  /** Segments read at once (each holds a read chunk; more files than this wait for their write together). */
  readConcurrency: number;
  /**
   * What a run keeps of the partitions it wrote, so that it reads none twice: at most this many bytes
   * of rows, as `rowBytes` estimates them (about twice what they take on the heap).
   */
  cachedBytes: number;
  /** Stored chars of calls' leg streams kept decoded for the next fold, in the whole process. */
  decodedStreamChars: number;
  /** A file whose hour ended, and that has not changed, this long ago is read to its end and sealed. */
  sealAfterMs: number;
  /** Records older than this (epoch ms) are quarantined as `time_out_of_range`. */
  earliestRecordTime: number;
  /** Records more than this far ahead of the processing time are quarantined as `time_out_of_range`. */
  maxFutureMs: number;
}

export const DEFAULT_PROCESS_SETTINGS: ProcessSettings = Object.freeze({
  readChunkBytes: 1024 * 1024,
  // A file's segment is its own write: larger ones write a call touched throughout a large file in
  // fewer writes (a 256 MB file: 24,752 requests instead of 70,195). A run of many files is bounded by heldRecords.
  segmentBytes: 64 * 1024 * 1024,
  segmentRecords: 80_000,
  segmentQuarantinedChars: 4 * 1024 * 1024,
  maxUnitBytes: 1024 * 1024,
  maxRawBytes: 8 * 1024,
  partitionConcurrency: 32,
  maxPartitionsInFlight: 512,
  heldRecords: 200_000,
  readConcurrency: 16,
  cachedBytes: DEFAULT_CACHED_BYTES,
  decodedStreamChars: DEFAULT_DECODED_STREAM_CHARS,
  sealAfterMs: 2 * 60 * 60 * 1000,
  earliestRecordTime: DEFAULT_EARLIEST_RECORD_TIME,
  maxFutureMs: DEFAULT_MAX_FUTURE_MS,
});
