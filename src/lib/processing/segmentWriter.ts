import type { AggregateView } from '../aggregating/types.js';
import type { TableStore } from '../storage/TableStore.js';
import { applyToViews, type RecordSource } from './applyExactlyOnce.js';
import type { Logger } from '../logging.js';
import { PartitionCache } from './partitionCache.js';
import { publishCallContributions } from './publishCallContributions.js';

/** One segment of one file, ready to be made durable: its quarantine rows, its records, then its checkpoint. */
export interface SegmentWrite {
  source: RecordSource;
  /** Writes the segment's quarantine rows (idempotent). */
  quarantine(): Promise<void>;
  /** Saves the file's checkpoint past the segment; false when another run moved it first. */
  save(refused: number): Promise<boolean>;
}

export interface SegmentCommit {
  /** Records whose rows the store refused in some view (quarantined by the source's onRefused). */
  refused: number;
  /** False when the checkpoint could not be saved because another run moved it first. */
  saved: boolean;
}

export interface SegmentWriterOptions {
  tables: TableStore;
  views: readonly AggregateView[];
  logger: Logger;
  partitionConcurrency: number;
  /**
   * Most records the run holds, read and not yet written: once it holds this many, every segment
   * being read ends at its next record and a write starts with the segments waiting.
   */
  maxHeldRecords: number;
  cache?: PartitionCache;
}

/** One segment's records, counted from the first read until the segment is written or abandoned. */
export interface HeldRecords {
  /** The segment now holds `records`; false once the run holds its limit (the segment should end). */
  hold(records: number): boolean;
  /** The segment was written, or abandoned: its records no longer count. */
  release(): void;
}

interface Waiting {
  write: SegmentWrite;
  resolve(commit: SegmentCommit): void;
  reject(error: unknown): void;
}

/**
 * Makes segments durable for every file of a run, several files at a time: segments of files read
 * in parallel wait until every file still reading has one too (or the run holds its limit of
 * records), then go in one write, so a partition that many files touch (a call, whose records
 * arrive in several categories' files over several hours) costs one group of transactions instead
 * of one per file. Each file's checkpoint moves only after every partition of the write committed; the marks
 * keep it exactly once whatever is cut short. A write that fails is retried file by file, so one
 * file's failure never holds back another's.
 */
export class SegmentWriter {
  private readers = 0;
  private waiting: Waiting[] = [];
  /** Records of segments being read, waiting or being written. */
  private held = 0;
  private writing = false;
  private readonly cache: PartitionCache;

  constructor(private readonly options: SegmentWriterOptions) {
    this.cache = options.cache ?? new PartitionCache(options.tables);
  }

  /** A file starts reading: writes wait for its segment too. */
  enter(): void {
    this.readers++;
  }

  /** A file is done (or failed): writes no longer wait for it. */
  leave(): void {
    this.readers--;
    this.maybeWrite();
  }

  /** Counts a segment's records against the run's limit while it is read, waits and is written. */
  holdSegment(): HeldRecords {
    let counted = 0;
    return {
      hold: (records) => {
        this.held += records - counted;
        counted = records;
        return this.held < this.options.maxHeldRecords;
      },
      release: () => {
        this.held -= counted;
        counted = 0;
      },
    };
  }

  /** Resolves once the segment's records and checkpoint are written (or rejects with why they could not be). */
  commit(write: SegmentWrite): Promise<SegmentCommit> {
    return new Promise<SegmentCommit>((resolve, reject) => {
      this.waiting.push({ write, resolve, reject });
      this.maybeWrite();
    });
  }

  private maybeWrite(): void {
    if (this.writing || this.waiting.length === 0) return;
    // Waiting for every file reading costs the overlap of reading and writing, but a partition that
    // several of them touch is then written once rather than once per write: measured, fewer
    // transactions win (a call is written once per write it has records in).
    if (this.waiting.length < this.readers && this.held < this.options.maxHeldRecords) return;
    // One segment per file in a write: a file's next segment (another run's copy of it) waits for the next write.
    const batch: Waiting[] = [];
    const later: Waiting[] = [];
    const files = new Set<string>();
    for (const waiting of this.waiting) {
      const fileId = waiting.write.source.fileId;
      (files.has(fileId) ? later : batch).push(waiting);
      files.add(fileId);
    }
    this.waiting = later;
    this.writing = true;
    void this.write(batch).finally(() => {
      this.writing = false;
      this.maybeWrite();
    });
  }

  private async write(batch: Waiting[]): Promise<void> {
    try {
      const commits = await this.writeTogether(batch.map((waiting) => waiting.write));
      batch.forEach((waiting, i) => waiting.resolve(commits[i] as SegmentCommit));
      return;
    } catch (error) {
      if (batch.length === 1) {
        (batch[0] as Waiting).reject(error);
        return;
      }
      this.options.logger.warn('a write of several files failed; writing them one by one', { files: batch.length });
    }
    for (const waiting of batch) {
      try {
        waiting.resolve((await this.writeTogether([waiting.write]))[0] as SegmentCommit);
      } catch (error) {
        waiting.reject(error);
      }
    }
  }

  private async writeTogether(writes: readonly SegmentWrite[]): Promise<SegmentCommit[]> {
    await Promise.all(writes.map((write) => write.quarantine()));
    const { refusedByFile, summaries } = await applyToViews(
      this.options.tables,
      this.options.views,
      writes.map((write) => write.source),
      {
        concurrency: this.options.partitionConcurrency,
        cache: this.cache,
      },
    );
    // Before the checkpoints move: a crash in between publishes again on the next run, harmlessly.
    await publishCallContributions(
      this.options.tables,
      this.options.views,
      writes.flatMap((write) => write.source.records),
      this.options.partitionConcurrency,
      summaries,
    );
    return Promise.all(
      writes.map(async (write) => {
        const refused = refusedByFile.get(write.source.fileId) ?? 0;
        return { refused, saved: await write.save(refused) };
      }),
    );
  }
}
