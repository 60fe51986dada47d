import type { LogFileRef } from '../storage/LogSource.js';
import { applyToViews, type PositionedRecord, type RecordSource, type RefusedRecord } from './applyExactlyOnce.js';
import type { PartitionCache } from './partitionCache.js';
import type { ProcessDeps } from './processFile.js';
import { publishCallContributions } from './publishCallContributions.js';

/** Records a batch holds before they are applied: an entry of many lines is written in parts of about this many. */
export const BATCH_RECORDS = 2_000;
/** Entries a batch marks after its write: a partition's transactions take 100 rows, one mark each. */
export const BATCH_ENTRIES = 100;

/** What a batch knows of one entry: the records of it that now read, and of those, the ones an earlier run had applied. */
export interface BatchedEntry {
  records: number;
  alreadyCounted: number;
}

/**
 * The records of replayed entries, applied together: each still under its own mark
 * (`<file generation>.q<position>`), but the entries of one file share one write, so the partitions
 * they reach are read and written once for many entries instead of once each (a quarantine of 5,266
 * one-line entries: 41,900 table requests replayed one by one). An entry is marked replayed only
 * after all of its records are applied (replayQuarantine.ts).
 */
export class ReplayBatch {
  /** Each mark's records held, in the order first held. */
  private bySource = new Map<string, { source: RecordSource & { records: PositionedRecord[] }; entry: BatchedEntry }>();
  private records = 0;

  constructor(
    private readonly deps: ProcessDeps,
    private readonly cache: PartitionCache,
  ) {}

  /** Holds one record of `entry` read at `position`, under the mark `fileId`; applies what is held first when the mark is another entry's. */
  async add(
    entry: BatchedEntry,
    fileId: string,
    file: LogFileRef,
    record: PositionedRecord,
    onRefused: (refused: RefusedRecord) => Promise<void>,
  ): Promise<void> {
    let held = this.bySource.get(fileId);
    if (held !== undefined && held.entry !== entry) {
      await this.apply();
      held = undefined;
    }
    if (held === undefined) {
      held = { source: { fileId, fileKey: `${file.container}/${file.path}`, records: [], onRefused }, entry };
      this.bySource.set(fileId, held);
    }
    held.source.records.push(record);
    entry.records++;
    this.records++;
  }

  /** Applies what is held once it is a write's worth: an entry of many lines is not held whole. */
  async applyIfFull(): Promise<void> {
    if (this.records >= BATCH_RECORDS) await this.apply();
  }

  /** Applies every record held, each under its own mark, in one write. */
  async apply(): Promise<void> {
    if (this.bySource.size === 0) return;
    const pending = [...this.bySource.values()];
    this.bySource.clear();
    this.records = 0;
    const sources = pending.map(({ source }) => source);
    const { appliedBefore } = await applyToViews(this.deps.tables, this.deps.views, sources, {
      concurrency: this.deps.settings.partitionConcurrency,
      maxInFlight: this.deps.settings.maxPartitionsInFlight,
      cache: this.cache,
    });
    for (const { source, entry } of pending) if (appliedBefore.has(source.fileId)) entry.alreadyCounted += source.records.length;
    await publishCallContributions(
      this.deps.tables,
      this.deps.views,
      sources.flatMap((source) => source.records),
      this.deps.settings.partitionConcurrency,
      undefined,
      this.deps.settings.maxPartitionsInFlight,
    );
  }
}
