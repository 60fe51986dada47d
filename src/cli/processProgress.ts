import { stat } from 'node:fs/promises';
import path from 'node:path';

const BAR_CELLS = 24;

/**
 * How far a `process` run has come: how much of the files given was read (the bar), how many rows
 * were written and how many files are done. A run reads ahead of its writes (it folds many files
 * before it writes them, and their writes finish together), so the rows written are what moves
 * while it writes, and no time left is guessed.
 */
export class ProcessProgress {
  private readonly furthest = new Map<string, number>();
  private readonly finished = new Set<string>();
  /** The paths given for each file (copies of one blob in two downloaded trees are one file). */
  private readonly paths = new Map<string, string[]>();
  private readBytes = 0;
  private readonly total: number;

  /** `sizes`: of each path given; `fileOf`: the file a path is read as (by default, itself). */
  constructor(
    private readonly sizes: ReadonlyMap<string, number>,
    private readonly startedAt: number,
    fileOf: (path: string) => string = (path) => path,
  ) {
    this.total = [...sizes.values()].reduce((sum, size) => sum + size, 0);
    for (const path of sizes.keys()) {
      const file = fileOf(path);
      this.paths.set(file, [...(this.paths.get(file) ?? []), path]);
    }
  }

  /** Bytes of `location` read up to `end`. */
  read(location: string, end: number): void {
    const size = this.sizes.get(location);
    if (size === undefined || this.finished.has(location)) return;
    const before = this.furthest.get(location) ?? 0;
    const now = Math.min(size, end);
    if (now <= before) return;
    this.furthest.set(location, now);
    this.readBytes += now - before;
  }

  /**
   * The file is done (read, written, or found with nothing new): every path given for it counts as
   * read, and `location`, the path it was read from (a copy read under the name it was first read by).
   */
  done(file: string, location?: string): void {
    for (const path of [...(this.paths.get(file) ?? []), ...(location === undefined ? [] : [location])]) {
      const size = this.sizes.get(path);
      if (size === undefined || this.finished.has(path)) continue;
      this.read(path, size);
      this.finished.add(path);
    }
  }

  /** `rowsWritten`: entities the run sent to the store so far. */
  text(now: number, rowsWritten: number): string {
    const total = this.total;
    const share = total > 0 ? this.readBytes / total : 1;
    const filled = Math.round(share * BAR_CELLS);
    const bar = '█'.repeat(filled) + '░'.repeat(BAR_CELLS - filled);
    // The least telling last: a narrow terminal cuts the line's end.
    return (
      `process ${String(Math.floor(share * 100)).padStart(3)}% ${bar} ${elapsed(now - this.startedAt)} · ` +
      `${megabytes(this.readBytes)}/${megabytes(total)} MB read · ${this.finished.size}/${this.sizes.size} files · ${rowsWritten.toLocaleString('en-US')} rows written`
    );
  }
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

function elapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const mmss = `${String(minutes % 60).padStart(hours > 0 ? 2 : 1, '0')}:${String(seconds % 60).padStart(2, '0')}`;
  return hours > 0 ? `${hours}:${mmss}` : mmss;
}

/** The sizes of the files given (absolute paths); a file that cannot be measured is left out (its run says why). */
export async function fileSizes(files: readonly string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const absolute = [...new Set(files.map((file) => path.resolve(file)))];
  const AT_ONCE = 64;
  for (let at = 0; at < absolute.length; at += AT_ONCE) {
    const measured = await Promise.all(
      absolute.slice(at, at + AT_ONCE).map((file) =>
        stat(file).then(
          (info) => info.size,
          () => undefined,
        ),
      ),
    );
    measured.forEach((size, index) => {
      if (size !== undefined) sizes.set(absolute[at + index] as string, size);
    });
  }
  return sizes;
}
