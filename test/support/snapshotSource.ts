import { fileKey, type ListedLogFile, type LogFileRef, type LogFileStat, type LogSource } from '../../src/lib/storage/LogSource.js';

/**
 * The given files read once from `source` and then served from memory: for loops that process the
 * same unchanging files again and again (crash before every write), where the reads are not under test.
 */
export async function snapshotSource(source: LogSource, files: readonly LogFileRef[]): Promise<LogSource> {
  const held = new Map<string, { stat: LogFileStat; bytes: Buffer }>();
  for (const file of files) {
    const stat = await source.stat(file);
    if (stat === null) throw new Error(`snapshotSource: ${fileKey(file)} does not exist`);
    held.set(fileKey(file), { stat, bytes: await source.read(file, 0, stat.length) });
  }
  return {
    stat: async (file) => held.get(fileKey(file))?.stat ?? null,
    read: async (file, start, end) => {
      const entry = held.get(fileKey(file));
      if (!entry) throw new Error(`snapshotSource: ${fileKey(file)} was not read`);
      return entry.bytes.subarray(start, Math.min(end, entry.bytes.length));
    },
    // eslint-disable-next-line require-yield -- fails before its first file
    list: async function* (): AsyncGenerator<ListedLogFile> {
      throw new Error('snapshotSource does not list');
    },
  };
}
