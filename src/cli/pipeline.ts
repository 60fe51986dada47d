import { ALL_VIEWS } from '../lib/aggregating/index.js';
import type { AppSettings } from '../lib/config/appSettings.js';
import type { Logger } from '../lib/logging.js';
import type { ProcessDeps } from '../lib/processing/processFile.js';
import { BlobLogSource } from '../lib/storage/BlobLogSource.js';
import type { TransientNotice } from '../lib/storage/TableStore.js';
import { cliSettings } from './settings.js';
import { openStorage, type StorageFlags, type StorageSession } from './storageSession.js';

export interface Pipeline {
  settings: AppSettings;
  storage: StorageSession;
  source: BlobLogSource;
  deps: ProcessDeps;
  close(): Promise<void>;
}

/** The functions' pipeline against one storage account (blobs and tables), for CLI commands. */
export async function openPipeline(flags: StorageFlags, logger: Logger, onTransient?: TransientNotice): Promise<Pipeline> {
  const settings = cliSettings(flags);
  const storage = await openStorage(flags, settings.tablePrefix, onTransient);
  const source = new BlobLogSource({ kind: 'connectionString', connectionString: storage.connectionString }, flags.storageRetry?.blobs, flags.giveUpRetries);
  return {
    settings,
    storage,
    source,
    deps: { source, tables: storage.tables, views: ALL_VIEWS, settings: settings.process, logger },
    close: () => storage.close(),
  };
}
