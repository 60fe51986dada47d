import { ALL_VIEWS } from '../aggregating/index.js';
import type { Logger } from '../processing/logger.js';
import type { ProcessDeps } from '../processing/processFile.js';
import { BlobLogSource } from '../storage/BlobLogSource.js';
import { resolveConnection } from '../storage/connections.js';
import { TableStore } from '../storage/TableStore.js';
import { readAppSettings, type AppSettings } from './appSettings.js';

export interface Runtime {
  settings: AppSettings;
  source: BlobLogSource;
  tables: TableStore;
  deps(logger: Logger): ProcessDeps;
}

let cached: Runtime | undefined;

/** Clients are built once per worker process and reused by every invocation. */
export function getRuntime(env: NodeJS.ProcessEnv = process.env): Runtime {
  if (!cached) cached = createRuntime(env);
  return cached;
}

export function createRuntime(env: NodeJS.ProcessEnv): Runtime {
  const settings = readAppSettings(env);
  const source = new BlobLogSource(resolveConnection(settings.logsConnection, 'blob', env));
  const tables = new TableStore(resolveConnection(settings.aggregatesConnection, 'table', env), settings.tablePrefix);
  return {
    settings,
    source,
    tables,
    deps: (logger) => ({ source, tables, views: ALL_VIEWS, settings: settings.process, logger }),
  };
}
