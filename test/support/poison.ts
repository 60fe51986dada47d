import type { ListedLogFile, LogFileRef, LogFileStat, LogSource } from '../../src/lib/storage/LogSource.js';

/** A log source whose reads of the files `poisoned` names throw, as a file that breaks the product would. */
export class PoisonedSource implements LogSource {
  readonly poisoned = new Set<string>();
  failures = 0;

  constructor(private readonly inner: LogSource) {}

  stat(file: LogFileRef): Promise<LogFileStat | null> {
    return this.inner.stat(file);
  }

  async read(file: LogFileRef, start: number, end: number): Promise<Buffer> {
    if (this.poisoned.has(file.path)) {
      this.failures++;
      throw new Error(`injected failure reading ${file.path}`);
    }
    return this.inner.read(file, start, end);
  }

  list(container: string, prefix?: string): AsyncIterable<ListedLogFile> {
    return this.inner.list(container, prefix);
  }
}
