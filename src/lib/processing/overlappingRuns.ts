import type { Logger } from '../logging.js';

/**
 * How long after a group's first run later runs still join it. A writer waits for every file of its
 * group to ask before it writes, so a group that any new run could join never wrote while
 * announcements kept arriving: each invocation waited for the stream to stop, past the host's timeout.
 */
export const JOIN_WINDOW_MS = 1_000;

/**
 * Runs that start together share one write group: a key for `ProcessDeps.writeGroup`, so that their
 * files are written together by one SegmentWriter (segmentWriterOf), as the files of one run are. The
 * Functions host runs a worker's trigger invocations concurrently (a backlog after an outage is many
 * full blobs at once), and each alone wrote its own partitions with its own writer: twelve of them
 * took six times as long as one timer run over the same blobs. A run joins the group in flight only
 * within JOIN_WINDOW_MS of its start (later ones start the next group), and a group ends with its
 * last run, so the next burst starts with a fresh writer and what it knows of partitions is never
 * older than the burst it served.
 */
export class OverlappingRuns {
  private current: { group: WriteGroup; runs: number; startedAt: number } | undefined;

  /** Runs `body` with the write group of the runs in flight that it may join (else a new one); `logger` is the run's own. */
  async run<T>(logger: Logger, body: (group: WriteGroup) => Promise<T>): Promise<T> {
    const at = Date.now();
    const open = this.current !== undefined && at - this.current.startedAt < JOIN_WINDOW_MS ? this.current : undefined;
    const current = open ?? (this.current = { group: new WriteGroup(), runs: 0, startedAt: at });
    current.runs++;
    const leave = current.group.join(logger);
    try {
      return await body(current.group);
    } finally {
      leave();
      if (--current.runs === 0 && this.current === current) this.current = undefined;
    }
  }
}

/** A group of runs whose files are written together. */
export class WriteGroup {
  private readonly loggers: Logger[] = [];

  /**
   * The group writer's logger: that of the earliest run still in flight, since an invocation's logger
   * is not to be written to once the invocation has ended (the write goes on for the others).
   */
  readonly logger: Logger = {
    info: (message, fields) => this.loggers[0]?.info(message, fields),
    warn: (message, fields) => this.loggers[0]?.warn(message, fields),
    error: (message, fields) => this.loggers[0]?.error(message, fields),
  };

  /** A run joins with its logger; the function returned takes it out. */
  join(logger: Logger): () => void {
    const entry = { ...logger };
    this.loggers.push(entry);
    return () => {
      const at = this.loggers.indexOf(entry);
      if (at >= 0) this.loggers.splice(at, 1);
    };
  }
}
