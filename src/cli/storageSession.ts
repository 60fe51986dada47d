import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_TABLE_PREFIX } from '../lib/config/appSettings.js';
import { azuriteAvailable, startAzurite } from '../lib/storage/azurite.js';
import { TableStore, type TransientNotice } from '../lib/storage/TableStore.js';

export interface StorageFlags {
  connectionString?: string;
  dataDir: string;
  tablePrefix?: string;
  /** Always start the embedded Azurite, whatever the environment says (the demo). */
  embedded?: boolean;
}

export interface StorageSession {
  connectionString: string;
  tables: TableStore;
  /** Where the storage came from, for messages. */
  origin: 'flag' | 'environment' | 'embedded';
  close(): Promise<void>;
}

/**
 * Storage for one CLI command: `--connection-string`, else `AzureWebJobsStorage`, else an embedded
 * Azurite keeping its data in `--data-dir` so that separate commands see the same tables.
 */
export async function openStorage(flags: StorageFlags, onTransient?: TransientNotice): Promise<StorageSession> {
  const prefix = flags.tablePrefix ?? process.env['ACS_LOGS_TABLE_PREFIX'] ?? DEFAULT_TABLE_PREFIX;
  const given = flags.embedded ? undefined : (flags.connectionString ?? process.env['AzureWebJobsStorage']);
  if (given) {
    return {
      connectionString: given,
      tables: new TableStore({ kind: 'connectionString', connectionString: given }, prefix, { onTransient }),
      origin: flags.connectionString ? 'flag' : 'environment',
      close: async () => {},
    };
  }
  if (!azuriteAvailable()) {
    throw new Error('no storage: pass --connection-string or set AzureWebJobsStorage (the embedded Azurite needs the azurite package)');
  }
  const location = path.resolve(flags.dataDir, 'azurite');
  await mkdir(location, { recursive: true });
  const azurite = await startAzurite({ location });
  return {
    connectionString: azurite.connectionString,
    tables: new TableStore({ kind: 'connectionString', connectionString: azurite.connectionString }, prefix, { onTransient }),
    origin: 'embedded',
    close: () => azurite.stop(),
  };
}
