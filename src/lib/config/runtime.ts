import { ALL_VIEWS } from '../aggregating/index.js';
import type { Logger } from '../logging.js';
import type { ProcessDeps } from '../processing/processFile.js';
import { BlobLogSource, type BlobRetry } from '../storage/BlobLogSource.js';
import { resolveConnection } from '../storage/connections.js';
import { AzureTableStore, type TableConnection, type TableStore, type StorageRetry } from '../storage/TableStore.js';
import { readAppSettings, type AppSettings } from './appSettings.js';
import { withPackedCalls } from './callsLayout.js';
import { applyMemoryProfile } from './heapGrowth.js';

export interface Runtime {
  settings: AppSettings;
  source: BlobLogSource;
  tables: TableStore;
  deps(logger: Logger): ProcessDeps;
}

/** The SDK retry settings of the clients; each defaults to the storage adapter's own. */
export interface RuntimeRetry {
  blobs?: BlobRetry;
  tables?: StorageRetry;
}

let cached: Runtime | undefined;

/** The app's aggregate tables in an account: the Calls table packed in the account's layout (config/callsLayout.ts). */
export function appTables(connection: TableConnection, prefix: string, retry?: StorageRetry): TableStore {
  return withPackedCalls(new AzureTableStore(connection, prefix, retry ? { retry } : {}), 'account');
}

/** Clients are built once per worker process (with `retry` given to the first call) and reused by every invocation. */
export function getRuntime(env: NodeJS.ProcessEnv = process.env, retry: RuntimeRetry = {}): Runtime {
  if (!cached) cached = createRuntime(env, retry);
  return cached;
}

export function createRuntime(env: NodeJS.ProcessEnv, retry: RuntimeRetry = {}): Runtime {
  const settings = readAppSettings(env);
  // The worker process is the app's: a 512 MB instance runs it under the low profile (infra sets ACS_LOGS_MEMORY).
  applyMemoryProfile(settings.memory);
  const source = new BlobLogSource(resolveConnection(settings.logsConnection, 'blob', env), retry.blobs);
  const tables = appTables(resolveConnection(settings.aggregatesConnection, 'table', env), settings.tablePrefix, retry.tables);
  return {
    settings,
    source,
    tables,
    deps: (logger) => ({ source, tables, views: ALL_VIEWS, settings: settings.process, logger }),
  };
}
