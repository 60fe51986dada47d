import type { LogFileRef, LogSource } from './LogSource.js';

/**
 * The source with each read told to `onRead` (the file and where the read ended): a progress display
 * follows the bytes read, not only the files finished. Everything else is the source's own, whatever
 * its kind (a local source's registrations, a blob source's listings).
 */
export function observedReads<Source extends LogSource>(inner: Source, onRead: (file: LogFileRef, end: number) => void): Source {
  const read = async (file: LogFileRef, start: number, end: number): Promise<Buffer> => {
    const bytes = await inner.read(file, start, end);
    onRead(file, start + bytes.length);
    return bytes;
  };
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'read') return read;
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      // Methods run on the source itself, bound once.
      if (!bound.has(property)) bound.set(property, (value as (...args: unknown[]) => unknown).bind(target));
      return bound.get(property);
    },
  });
}
