import { ALL_VIEWS } from '../../lib/aggregating/index.js';
import { parseCategory } from '../../lib/normalizing/index.js';
import type { Category } from '../../lib/normalizing/types.js';
import { processLocalFiles } from '../../lib/processing/localCopies.js';
import { expandLocalPaths, LOCAL_CONTAINER, LocalLogSource } from '../../lib/storage/LocalLogSource.js';
import { UsageError } from '../errors.js';
import { lineLogger } from '../lineLogger.js';
import { cliSettings } from '../settings.js';
import { openStorage, type StorageFlags } from '../storageSession.js';

export interface ProcessFlags extends StorageFlags {
  category?: string;
  quiet?: boolean;
}

export interface ProcessTotals {
  files: number;
  processed: number;
  records: number;
  badLines: number;
  unsupported: number;
  bytes: number;
  pendingBytes: number;
}

/** `acs-logs process`: runs local files through the very pipeline the functions run. */
export async function processCommand(inputs: string[], flags: ProcessFlags, out: NodeJS.WritableStream): Promise<ProcessTotals> {
  const settings = cliSettings(flags);
  let category: Category | undefined;
  if (flags.category !== undefined) {
    category = parseCategory(flags.category);
    if (!category) throw new UsageError(`--category must be RoomsOperational, CallRecordingSummary, CallRecordingOperational or Usage, got "${flags.category}"`);
  }
  let files: string[];
  try {
    files = await expandLocalPaths(inputs);
  } catch (error) {
    throw new UsageError(`cannot read ${(error as NodeJS.ErrnoException).path ?? 'input'}: ${(error as Error).message}`);
  }
  const source = new LocalLogSource();
  const storage = await openStorage(flags, settings.tablePrefix);
  const totals: ProcessTotals = { files: files.length, processed: 0, records: 0, badLines: 0, unsupported: 0, bytes: 0, pendingBytes: 0 };
  try {
    const logger = lineLogger(flags.quiet ? undefined : out);
    const deps = { source, tables: storage.tables, views: ALL_VIEWS, settings: settings.process, logger };
    const results = await processLocalFiles(deps, files, LOCAL_CONTAINER, category ? { category } : {}, settings.fileConcurrency);
    for (const result of results) {
      if (result.status === 'processed') totals.processed++;
      totals.records += result.records;
      totals.badLines += result.badLines;
      totals.unsupported += result.unsupported;
      totals.bytes += result.bytes;
      totals.pendingBytes += result.pendingBytes;
    }
  } finally {
    await storage.close();
  }
  out.write(
    `${totals.files} file(s), ${totals.processed} with new data: ${totals.records} records, ` +
      `${totals.badLines} bad lines quarantined, ${totals.unsupported} of unsupported categories, ` +
      `${totals.bytes} bytes read` + (totals.pendingBytes > 0 ? `, ${totals.pendingBytes} bytes waiting for the end of their line` : '') + '\n',
  );
  return totals;
}
