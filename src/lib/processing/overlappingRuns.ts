/**
 * Runs that overlap in time share one write group: a key for `ProcessDeps.writeGroup`, so that their
 * files are written together by one SegmentWriter (segmentWriterOf), as the files of one run are. The
 * Functions host runs a worker's trigger invocations concurrently (a backlog after an outage is many
 * full blobs at once), and each alone wrote its own partitions with its own writer: twelve of them
 * took six times as long as one timer run over the same blobs. A group ends with its last run, so
 * the next burst starts with a fresh writer and what it knows of partitions is never older than the
 * burst it served.
 */
export class OverlappingRuns {
  private current: { key: WriteGroup; runs: number } | undefined;

  /** Runs `body` with the write group of the runs in flight (a new one when there are none). */
  async run<T>(body: (group: WriteGroup) => Promise<T>): Promise<T> {
    const group = this.current ?? (this.current = { key: new WriteGroup(), runs: 0 });
    group.runs++;
    try {
      return await body(group.key);
    } finally {
      if (--group.runs === 0 && this.current === group) this.current = undefined;
    }
  }
}

/** The identity of a group of runs whose files are written together. */
export class WriteGroup {}
