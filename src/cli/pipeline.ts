import { ALL_VIEWS } from '../lib/aggregating/index.js';
import { DEFAULT_CONTAINERS } from '../lib/config/appSettings.js';
import type { Logger } from '../lib/processing/logger.js';
import type { ProcessDeps } from '../lib/processing/processFile.js';
import { DEFAULT_PROCESS_SETTINGS } from '../lib/processing/settings.js';
import { BlobLogSource } from '../lib/storage/BlobLogSource.js';
import type { TransientNotice } from '../lib/storage/TableStore.js';
import { openStorage, type StorageFlags, type StorageSession } from './storageSession.js';

export interface Pipeline {
  storage: StorageSession;
  source: BlobLogSource;
  deps: ProcessDeps;
  close(): Promise<void>;
}

/** The functions' pipeline against one storage account (blobs and tables), for CLI commands. */
export async function openPipeline(flags: StorageFlags, logger: Logger, onTransient?: TransientNotice): Promise<Pipeline> {
  const storage = await openStorage(flags, onTransient);
  const source = new BlobLogSource({ kind: 'connectionString', connectionString: storage.connectionString });
  return {
    storage,
    source,
    deps: { source, tables: storage.tables, views: ALL_VIEWS, settings: DEFAULT_PROCESS_SETTINGS, logger },
    close: () => storage.close(),
  };
}

/** `--container` values, or the four log containers. */
export function containersFrom(values: readonly string[] | undefined): string[] {
  return values && values.length > 0 ? [...values] : Object.values(DEFAULT_CONTAINERS);
}
