import type { ListedLogFile, LogFileRef, LogFileStat, LogSource } from './LogSource.js';
import { LOCAL_CONTAINER, LocalLogSource } from './LocalLogSource.js';

/**
 * Files of the `local` container (processed by `acs-logs process` outside a storage layout, named by
 * their absolute path), and laid-out local files given by path, are read from disk; every other file
 * from `blobs`. Lets a quarantine replay re-read the bad lines of local files as it does those of blobs.
 */
export class LocalOrBlobLogSource implements LogSource {
  private readonly local = new LocalLogSource();

  /** `localPaths`: files laid out as in storage, read from disk under their blob names. */
  constructor(
    private readonly blobs: LogSource,
    localPaths: readonly string[] = [],
  ) {
    for (const localPath of localPaths) this.local.register(localPath);
  }

  private pick(file: LogFileRef): LogSource {
    return file.container === LOCAL_CONTAINER || this.local.knows(file) ? this.local : this.blobs;
  }

  stat(file: LogFileRef): Promise<LogFileStat | null> {
    return this.pick(file).stat(file);
  }

  locationOf(file: LogFileRef): string | undefined {
    return this.pick(file) === this.local ? this.local.locationOf(file) : undefined;
  }

  copyAt(file: LogFileRef, location: string): LogSource {
    return this.local.copyAt(file, location);
  }

  read(file: LogFileRef, start: number, end: number): Promise<Buffer> {
    return this.pick(file).read(file, start, end);
  }

  list(container: string, prefix?: string): AsyncIterable<ListedLogFile> {
    return (container === LOCAL_CONTAINER ? this.local : this.blobs).list(container, prefix);
  }
}
