/**
 * Loaded with `node --import` into the embedded Azurite process (see azuritePreload.ts). Azurite's
 * table store saves its database as soon as it has loaded it, before it listens, whether or not
 * anything changed: every command that started the store rewrote the whole file (a third of the
 * start of a 91 MB store; the file of a large store is a gigabyte). The save is skipped when the
 * load left nothing unsaved (LokiJS marks no collection changed). A new database, one that gained
 * Azurite's own collections, and one whose last save failed (the save clears that record) are saved
 * as before.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { saveFailedPath } from './azuriteStreamedSave.js';

/** What the table store's init shows of itself. */
export interface OpeningStore {
  initialized?: unknown;
  lokiDBPath?: unknown;
  db?: { autosaveDirty?: () => boolean };
}

/** Whether the save Azurite makes while opening its table store has anything to keep. */
export function openingSaveNeeded(
  store: OpeningStore,
  failedSaveRecorded: (dbname: string) => boolean = (dbname) => existsSync(saveFailedPath(dbname)),
): boolean {
  // Only the save of init, before the store says it is initialized; any other is Azurite's to make.
  if (store.initialized !== false) return true;
  if (typeof store.db?.autosaveDirty !== 'function' || store.db.autosaveDirty()) return true;
  return typeof store.lokiDBPath !== 'string' || failedSaveRecorded(store.lokiDBPath);
}

type SaveState = (this: OpeningStore) => Promise<void>;

/** Patches the Azurite whose entry script is `azuriteEntry`; false when its table store is laid out otherwise. */
export function installOpeningSave(azuriteEntry: string): boolean {
  const require = createRequire(azuriteEntry);
  let modulePath: string;
  try {
    modulePath = require.resolve(path.join(path.dirname(azuriteEntry), 'table/persistence/LokiTableMetadataStore.js'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return false;
    throw error;
  }
  const prototype = (require(modulePath) as { default?: { prototype?: { saveDBState?: unknown } } }).default?.prototype;
  if (prototype === undefined || typeof prototype.saveDBState !== 'function') return false;
  const own = prototype.saveDBState as SaveState;
  prototype.saveDBState = function (this: OpeningStore): Promise<void> {
    return openingSaveNeeded(this) ? own.call(this) : Promise.resolve();
  };
  return true;
}
