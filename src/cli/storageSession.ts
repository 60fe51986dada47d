import { azuriteAvailable } from '../lib/storage/azurite.js';
import type { SharedAzurite } from '../lib/storage/sharedAzurite.js';
import { checkTablePrefix } from '../lib/storage/errors.js';
import { PendingTableStore } from '../lib/storage/pendingTableStore.js';
import { attachEmbedded, checkedConnectionString, givenConnectionString, type EarlyAttach, type StorageChoice } from './earlyStorage.js';
import { watchEmbeddedStore } from './embeddedStoreStopped.js';
import type { BlobRetry } from '../lib/storage/BlobLogSource.js';
import { AzureTableStore, type TableStore, type StorageRetry, type TransientNotice } from '../lib/storage/TableStore.js';
import { cliSettings, type SettingFlags } from './settings.js';
import { withPackedCalls } from '../lib/config/callsLayout.js';

export interface StorageFlags extends SettingFlags, StorageChoice {
  /** The embedded store, attaching since the command started (not a flag: set by the program). */
  earlyAttach?: EarlyAttach;
  /** SDK retry settings of the clients (not a flag: given by whoever runs the program); default: the adapters' own. */
  storageRetry?: StorageRetries;
  /** Once aborted, table requests that failed an attempt are not tried again (not a flag: `watch` sets it on its first Ctrl-C). */
  giveUpRetries?: AbortSignal;
}

export interface StorageRetries {
  tables: StorageRetry;
  blobs: BlobRetry;
}

export interface StorageSession {
  connectionString: string;
  tables: TableStore;
  /** Where the storage came from, for messages. */
  origin: 'flag' | 'environment' | 'embedded';
  /** The account, endpoint or embedded store, in words, for messages (never a key). */
  where: string;
  close(): Promise<void>;
}

/** The account a connection string names (its name, else its endpoint's host), never its key. */
export function accountOf(connectionString: string): string {
  const field = (name: string): string | undefined => new RegExp(`(?:^|;)\\s*${name}\\s*=([^;]*)`, 'i').exec(connectionString)?.[1]?.trim();
  if (/^true$/i.test(field('UseDevelopmentStorage') ?? '')) return 'the local storage emulator';
  const name = field('AccountName');
  if (name) return `account ${name}`;
  const endpoint = field('TableEndpoint') ?? field('BlobEndpoint');
  if (endpoint) {
    try {
      const url = new URL(endpoint);
      // A SAS string names no account: Azure names it in the endpoint's host, an emulator in its path (as errors name it), not the tables' host alone.
      const named = /^([^.]+)\.(blob|table|dfs|queue)\./i.exec(url.hostname)?.[1] ?? url.pathname.split('/').find((segment) => segment !== '');
      return named ? `account ${named}` : `endpoint ${url.host}`;
    } catch {
      return `endpoint ${endpoint}`;
    }
  }
  return 'the account of the connection string';
}

/**
 * Storage for one CLI command: `--connection-string`, else `AzureWebJobsStorage`, else the embedded
 * Azurite of `--data-dir`, shared with every other command on that dir while any of them runs.
 */
export async function openStorage(flags: StorageFlags, tablePrefix = cliSettings(flags).tablePrefix, onTransient?: TransientNotice): Promise<StorageSession> {
  // The services a command reaches were checked as it started (program.ts withStorage, generate).
  const given = checkedConnectionString(flags, []);
  if (given) {
    return {
      connectionString: given,
      tables: withPackedCalls(
        new AzureTableStore({ kind: 'connectionString', connectionString: given }, tablePrefix, {
          onTransient,
          retry: flags.storageRetry?.tables,
          giveUpRetries: flags.giveUpRetries,
        }),
        'account',
      ),
      origin: flags.connectionString ? 'flag' : 'environment',
      where: `${accountOf(given)} (from ${flags.connectionString ? '--connection-string' : 'AzureWebJobsStorage'})`,
      close: async () => {},
    };
  }
  if (!azuriteAvailable()) {
    throw new Error('no storage: pass --connection-string or set AzureWebJobsStorage (the embedded Azurite needs the azurite package)');
  }
  const azurite = await (flags.earlyAttach?.take() ?? attachEmbedded(flags));
  watchEmbeddedStore(azurite, flags.dataDir, flags.warnings);
  return {
    connectionString: azurite.connectionString,
    tables: embeddedTables(azurite, flags, tablePrefix, onTransient),
    origin: 'embedded',
    where: embeddedWhere(flags),
    close: async () => azurite.detach(),
  };
}

/** A session of tables only (no connection string: nothing else of the account is used). */
export type TableSession = Omit<StorageSession, 'connectionString'>;

/**
 * Table storage for a command that needs nothing else of the account (`process` of local files). On
 * a data dir never used before, the session is ready at once: its reads answer from the empty store
 * while the embedded Azurite starts (pendingTableStore.ts), so the command reads its files meanwhile.
 */
export async function openTables(flags: StorageFlags, tablePrefix = cliSettings(flags).tablePrefix, onTransient?: TransientNotice): Promise<TableSession> {
  const attaching = flags.earlyAttach?.fresh && !givenConnectionString(flags) ? flags.earlyAttach.take() : undefined;
  if (!attaching) return openStorage(flags, tablePrefix, onTransient);
  checkTablePrefix(tablePrefix);
  return {
    tables: withPackedCalls(
      new PendingTableStore(
        tablePrefix,
        attaching.then((azurite) => {
          watchEmbeddedStore(azurite, flags.dataDir, flags.warnings);
          return embeddedStore(azurite, flags, tablePrefix, onTransient);
        }),
      ),
      'embedded',
    ),
    origin: 'embedded',
    where: embeddedWhere(flags),
    close: async () => (await attaching).detach(),
  };
}

function embeddedTables(azurite: SharedAzurite, flags: StorageFlags, tablePrefix: string, onTransient: TransientNotice | undefined): TableStore {
  return withPackedCalls(embeddedStore(azurite, flags, tablePrefix, onTransient), 'embedded');
}

function embeddedStore(azurite: SharedAzurite, flags: StorageFlags, tablePrefix: string, onTransient: TransientNotice | undefined): AzureTableStore {
  return new AzureTableStore({ kind: 'connectionString', connectionString: azurite.connectionString }, tablePrefix, {
    onTransient,
    retry: flags.storageRetry?.tables,
    giveUpRetries: flags.giveUpRetries,
  });
}

function embeddedWhere(flags: StorageFlags): string {
  // A store this command made is most likely a mistyped or forgotten --data-dir: say so where nothing is found.
  const made = flags.earlyAttach?.fresh ? ', new: nothing was stored there before this command' : '';
  return `the embedded store in ${flags.dataDir}${made} (${flags.embedded ? '--data-dir' : 'no --data-dir, --connection-string or AzureWebJobsStorage given'})`;
}
