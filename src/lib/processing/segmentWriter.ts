import type { AggregateView } from '../aggregating/types.js';
import { classifyError } from '../storage/errors.js';
import type { TableStore } from '../storage/TableStore.js';
import { applyToViews, type RecordSource } from './applyExactlyOnce.js';
import type { Logger } from '../logging.js';
import { PartitionCache } from './partitionCache.js';
import { publishCallContributions } from './publishCallContributions.js';

/** One segment of one file, ready to be made durable: its quarantine rows, its records, then its checkpoint. */
export interface SegmentWrite {
  source: RecordSource;
  /**
   * Writes the segment's quarantine rows (idempotent). False when the segment must not be written
   * (another run moved the file's checkpoint first): its records are left out and it is not saved.
   */
  quarantine(): Promise<boolean>;
  /** Saves the file's checkpoint past the segment; false when another run moved it first. */
  save(refused: number): Promise<boolean>;
  /** The file's run was asked to stop (ProcessOptions.stop). */
  stop?: AbortSignal;
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
  /** At most this many partitions in flight, whatever their tables' spread (ProcessSettings.maxPartitionsInFlight). */
  maxPartitionsInFlight: number;
  /**
   * Most records the run holds, read and not yet written. A segment starts reading only while its
   * estimate fits (or nothing else is held), and once the run holds this many, every segment being
   * read ends at its next record and a write starts with the segments waiting.
   */
  maxHeldRecords: number;
  /** Segments read at once: each holds a read chunk, and reading is one thread's work. */
  readConcurrency: number;
  /** The budget of the run's partition cache (ProcessSettings.cachedBytes), when no cache is given. */
  cachedBytes?: number;
  cache?: PartitionCache;
}

/** One segment's records, counted from the first read until the segment is written or abandoned. */
export interface HeldRecords {
  /** The segment now holds `records`; false once the run holds its limit (the segment should end). */
  hold(records: number): boolean;
  /** The segment is read (`bytes` of it, into the records held): its read slot goes to the next segment. */
  doneReading(bytes: number): void;
  /** The segment was written, or abandoned: its records no longer count. Idempotent. */
  release(): void;
}

interface Waiting {
  write: SegmentWrite;
  held: HeldRecords;
  resolve(commit: SegmentCommit): void;
  reject(error: unknown): void;
}

interface Queued {
  /** The file's place in the run (FileTurn.rank); undefined for a segment of no file entered. */
  rank: number | undefined;
  /** The records the segment will likely hold, as estimated when it is admitted. */
  estimate(): number;
  admit(held: HeldRecords): void;
}

/** A file's place among the files of a run, from its start until it leaves (see SegmentWriter.enter). */
export interface FileTurn {
  readonly rank: number;
  /** The file is done with the writer (it returned or failed). Idempotent. */
  leave(): void;
}

/** Bytes a record takes in a log file, until the run has read some (Azure Monitor's records are 0.5–1 KB). */
const DEFAULT_BYTES_PER_RECORD = 600;

/**
 * Makes segments durable for every file of a run, many files at a time. A segment is admitted to
 * read while the records it will likely hold fit the run's limit, a few segments read at a time, in
 * the order the run took their files, and a write starts once every admitted segment is waiting, no
 * file of the run has still to ask, and the next would not fit: so a
 * partition that many files touch (a call, whose records arrive in several categories' files over
 * several hours) costs one group of transactions for as many files as the limit holds, instead of
 * one per file. Each file's checkpoint moves only after every partition of the write committed; the
 * marks keep it exactly once whatever is cut short. A write that fails is retried file by file, so
 * one file's failure never holds back another's.
 */
export class SegmentWriter {
  private waiting: Waiting[] = [];
  private queue: Queued[] = [];
  /** Segments admitted and not yet written or abandoned. */
  private active = 0;
  private reading = 0;
  /** Records of admitted segments. */
  private held = 0;
  /** What admitted segments still reading are expected to add to `held`. */
  private reserved = 0;
  private bytesRead = 0;
  private recordsRead = 0;
  private writing = false;
  private readonly cache: PartitionCache;
  private nextRank = 0;
  /** Ranks of files entered that are not asking to read a segment, nor reading or waiting with one. */
  private readonly preparing = new Set<number>();

  constructor(private readonly options: SegmentWriterOptions) {
    this.cache = options.cache ?? new PartitionCache(options.tables, options.cachedBytes);
  }

  /** Records a segment of `bytes` is likely to hold, from what the run read so far (at most `maxRecords`). */
  estimateRecords(bytes: number, maxRecords: number): number {
    const bytesPerRecord = this.recordsRead > 0 ? this.bytesRead / this.recordsRead : DEFAULT_BYTES_PER_RECORD;
    return Math.max(1, Math.min(maxRecords, Math.ceil(bytes / bytesPerRecord)));
  }

  /**
   * Resolves when the segment may read: its estimate fits the run's limit next to what is held (or
   * nothing else is), and a read slot is free. Segments of no file entered are admitted in the order
   * they asked, after those of files entered (admitBytes with a turn).
   */
  admit(estimatedRecords: number): Promise<HeldRecords> {
    return this.enqueue(undefined, () => estimatedRecords);
  }

  /**
   * A file of the run starts: call it before anything is awaited, in the order the run takes its
   * files (process and backfill take them family by family, readingOrder.ts). Its segments are then
   * admitted in that order whatever order their reads of checkpoints and sizes end in: a segment
   * waits while a file started before it has not asked to read yet. So the files the run's limit of
   * held records leaves for a later write are the last ones, not those that answered last.
   */
  enter(): FileTurn {
    const rank = this.nextRank++;
    this.preparing.add(rank);
    let left = false;
    return {
      rank,
      leave: () => {
        if (left) return;
        left = true;
        this.preparing.delete(rank);
        this.admitQueued();
        this.maybeWrite();
      },
    };
  }

  /**
   * admit for a segment of `bytes` (at most `maxRecords`), estimated when its turn comes: segments
   * that ask before the run has read anything (every file of a run starts at once) are estimated
   * from the bytes per record of the segments read before them, not from a default.
   */
  admitBytes(bytes: number, maxRecords: number, turn?: FileTurn): Promise<HeldRecords> {
    return this.enqueue(turn, () => this.estimateRecords(bytes, maxRecords));
  }

  private enqueue(turn: FileTurn | undefined, estimate: () => number): Promise<HeldRecords> {
    return new Promise<HeldRecords>((resolve) => {
      const rank = turn?.rank;
      const queued: Queued = {
        rank,
        estimate,
        admit: resolve,
      };
      if (rank === undefined) {
        this.queue.push(queued);
      } else {
        this.preparing.delete(rank);
        // In rank order, before segments of no file entered.
        const at = this.queue.findIndex((other) => other.rank === undefined || other.rank > rank);
        this.queue.splice(at < 0 ? this.queue.length : at, 0, queued);
      }
      this.admitQueued();
      // A file that asked and does not fit next to what is held no longer holds back the write.
      this.maybeWrite();
    });
  }

  /** Whether a file started before `rank` has still to ask for its segment. */
  private earlierPreparing(rank: number): boolean {
    for (const other of this.preparing) if (other < rank) return true;
    return false;
  }

  /** Resolves once the segment's records and checkpoint are written (or rejects with why they could not be). */
  commit(write: SegmentWrite, held: HeldRecords): Promise<SegmentCommit> {
    return new Promise<SegmentCommit>((resolve, reject) => {
      this.waiting.push({ write, held, resolve, reject });
      this.maybeWrite();
    });
  }

  private admitQueued(): void {
    for (;;) {
      const next = this.queue[0];
      if (next === undefined || this.reading >= this.options.readConcurrency) return;
      if (next.rank !== undefined && this.earlierPreparing(next.rank)) return;
      const estimate = next.estimate();
      if (this.active > 0 && this.held + this.reserved + estimate > this.options.maxHeldRecords) return;
      this.queue.shift();
      next.admit(this.heldRecords(estimate, next.rank));
    }
  }

  private heldRecords(estimate: number, rank: number | undefined): HeldRecords {
    let counted = 0;
    let reserved = estimate;
    let reading = true;
    let released = false;
    this.active++;
    this.reading++;
    this.reserved += reserved;
    const stopReading = (): void => {
      if (!reading) return;
      reading = false;
      this.reading--;
      this.reserved -= reserved;
      reserved = 0;
    };
    return {
      hold: (records) => {
        this.held += records - counted;
        counted = records;
        if (reading) {
          const left = Math.max(0, estimate - counted);
          this.reserved += left - reserved;
          reserved = left;
        }
        return this.held < this.options.maxHeldRecords;
      },
      doneReading: (bytes) => {
        if (!reading) return;
        stopReading();
        this.bytesRead += bytes;
        this.recordsRead += counted;
        this.admitQueued();
        this.maybeWrite();
      },
      release: () => {
        if (released) return;
        released = true;
        // Its segment written or abandoned, the file prepares its next one (or leaves).
        if (rank !== undefined) this.preparing.add(rank);
        stopReading();
        this.held -= counted;
        counted = 0;
        this.active--;
        this.admitQueued();
        this.maybeWrite();
      },
    };
  }

  private maybeWrite(): void {
    if (this.writing || this.waiting.length === 0) return;
    // Waiting for every admitted segment costs the overlap of reading and writing, but a partition
    // that several of them touch is then written once rather than once per write: measured, fewer
    // transactions win (a call is written once per write it has records in). Segments not admitted
    // yet do not fit the limit next to those waiting: they go in the next write. A file of the run
    // that has not asked yet is waited for too: it will ask or leave without waiting for a write.
    const everyFileWaits = this.waiting.length >= this.active && this.preparing.size === 0;
    if (!everyFileWaits && this.held < this.options.maxHeldRecords) return;
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
      // The written segments' records no longer count: further segments may read, or write.
      for (const waiting of batch) waiting.held.release();
      this.admitQueued();
      this.maybeWrite();
    });
  }

  private async write(batch: Waiting[]): Promise<void> {
    const oneByOne: Waiting[] = [];
    try {
      const commits = await this.writeTogether(batch.map((waiting) => waiting.write));
      batch.forEach((waiting, i) => waiting.resolve(commits[i] as SegmentCommit));
      return;
    } catch (error) {
      if (batch.length === 1) {
        (batch[0] as Waiting).reject(error);
        return;
      }
      // Files whose run is stopping do not wait storage out file by file (minutes, for hundreds of files): the next run reads them.
      const transient = classifyError(error).kind === 'transient';
      for (const waiting of batch) {
        if (transient && waiting.write.stop?.aborted === true) waiting.reject(error);
        else oneByOne.push(waiting);
      }
      if (oneByOne.length === 0) return;
      this.options.logger.warn('a write of several files failed; writing them one by one', { files: oneByOne.length });
    }
    for (const waiting of oneByOne) {
      try {
        waiting.resolve((await this.writeTogether([waiting.write]))[0] as SegmentCommit);
      } catch (error) {
        waiting.reject(error);
      }
    }
  }

  private async writeTogether(writes: readonly SegmentWrite[]): Promise<SegmentCommit[]> {
    try {
      return await this.writeTogetherOnce(writes);
    } catch (error) {
      this.cache.forgetAll();
      throw error;
    }
  }

  private async writeTogetherOnce(writes: readonly SegmentWrite[]): Promise<SegmentCommit[]> {
    const going = await Promise.all(writes.map((write) => write.quarantine()));
    const written = writes.filter((_, i) => going[i]);
    const { refusedByFile, summaries } = await applyToViews(
      this.options.tables,
      this.options.views,
      written.map((write) => write.source),
      {
        concurrency: this.options.partitionConcurrency,
        maxInFlight: this.options.maxPartitionsInFlight,
        cache: this.cache,
      },
    );
    // Before the checkpoints move: a crash in between publishes again on the next run, harmlessly.
    await publishCallContributions(
      this.options.tables,
      this.options.views,
      written.flatMap((write) => write.source.records),
      this.options.partitionConcurrency,
      summaries,
      this.options.maxPartitionsInFlight,
    );
    return Promise.all(
      writes.map(async (write, i) => {
        if (!going[i]) return { refused: 0, saved: false };
        const refused = refusedByFile.get(write.source.fileId) ?? 0;
        return { refused, saved: await write.save(refused) };
      }),
    );
  }
}
