/** A log file: a blob in a container, or a local file standing in for one. */
export interface LogFileRef {
  container: string;
  /** Path inside the container (`resourceId=/SUBSCRIPTIONS/.../PT1H.json`), or a local file's path. */
  path: string;
}

export interface LogFileStat {
  length: number;
  etag: string;
  /** Epoch ms. A replaced blob has a new creation time. */
  createdOn: number | null;
  lastModified: number;
}

export interface ListedLogFile {
  file: LogFileRef;
  stat: LogFileStat;
}

/** Where log files are read from. Implementations: Azure Blob Storage, the local file system. */
export interface LogSource {
  /** `null` when the file does not exist (any more). */
  stat(file: LogFileRef): Promise<LogFileStat | null>;
  /**
   * Where a local file is read from (its absolute path); undefined for blobs. A checkpoint keeps it,
   * so that a shorter copy found later can be compared with the copy that was read.
   */
  locationOf?(file: LogFileRef): string | undefined;
  /** The file as found at `location` (an answer of `locationOf`), to compare bytes with. */
  copyAt?(file: LogFileRef, location: string): LogSource;
  /**
   * Where the blob a laid-out local file was downloaded from can be read (the storage account the
   * command was given), to compare bytes with; undefined when there is none.
   */
  blobOf?(file: LogFileRef): LogSource | undefined;
  /** Bytes `[start, end)`; may return fewer when the file shrank. */
  read(file: LogFileRef, start: number, end: number): Promise<Buffer>;
  /** Files of a container, paged by the implementation: memory does not grow with the number of files. */
  list(container: string, prefix?: string): AsyncIterable<ListedLogFile>;
}

export function fileKey(file: LogFileRef): string {
  return `${file.container}/${file.path}`;
}
