import type { LogFileRef, LogSource } from './LogSource.js';

/**
 * The source with each read told to `onRead` (the file and where the read ended): a progress display
 * follows the bytes read, not only the files finished. Everything else is the source's own.
 */
export function observedReads(inner: LogSource, onRead: (file: LogFileRef, end: number) => void): LogSource {
  const source: LogSource = {
    stat: (file) => inner.stat(file),
    read: async (file, start, end) => {
      const bytes = await inner.read(file, start, end);
      onRead(file, start + bytes.length);
      return bytes;
    },
    list: (container, prefix) => inner.list(container, prefix),
  };
  // The optional parts only where the source has them: callers test for them.
  const locationOf = inner.locationOf?.bind(inner);
  const copyAt = inner.copyAt?.bind(inner);
  const blobOf = inner.blobOf?.bind(inner);
  if (locationOf) source.locationOf = locationOf;
  if (copyAt) source.copyAt = copyAt;
  if (blobOf) source.blobOf = blobOf;
  return source;
}
