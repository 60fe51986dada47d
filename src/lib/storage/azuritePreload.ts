/**
 * Loaded with `node --import` into the embedded Azurite process: its save interval
 * (azuriteSaveInterval.ts), saves a document per line past V8's string limit (azuriteStreamedSave.ts), its table index (azuriteTableIndex.ts), whole UTF-8 request bodies
 * (azuriteBodyText.ts), batch boundaries, request ids and batches at less cost (azuriteRequestCosts.ts),
 * the modules it never uses here loaded only if it does (azuriteLazyModules.ts), and no save of an
 * unchanged database as it opens (azuriteOpeningSave.ts), and a second stop signal that does not cut its
 * save short (azuriteStopSignals.ts).
 * `ACS_LOGS_AZURITE_TABLE_INDEX=0` leaves Azurite's own indexes, to compare the two, and
 * `ACS_LOGS_AZURITE_REQUEST_COSTS=0` its own request handling.
 */
import { claimLocation, PARENT_CHECK_MS, parentToFollow } from './azuriteParent.js';
import { AZURITE_REQUEST_COSTS_SETTING, AZURITE_TABLE_INDEX_SETTING } from './azuriteSettingNames.js';
import './azuriteSaveInterval.js';
import { installBodyText } from './azuriteBodyText.js';
import { installLazyModules } from './azuriteLazyModules.js';
import { installOpeningSave } from './azuriteOpeningSave.js';
import { installRequestCosts } from './azuriteRequestCosts.js';
import { installStreamedSave } from './azuriteStreamedSave.js';
import { guardStopSignals } from './azuriteStopSignals.js';
import { installTableIndex } from './azuriteTableIndex.js';

// Before anything else: an Azurite whose starter died while spawning it never opens the files.
if (!claimLocation(process.argv, process.env, process.ppid, process.pid)) process.exit(0);
// In memory, it ends once its starter is gone (reparented), however the starter ended.
const parent = parentToFollow(process.argv, process.env);
if (parent !== undefined) {
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, PARENT_CHECK_MS).unref();
}

// Before Azurite listens for SIGINT and SIGTERM: a second stop signal must not end it while it saves.
guardStopSignals();

const azuriteEntry = process.argv[1];
// First: it must pool uuid's random bytes before any Azurite module loads uuid.
if (azuriteEntry && process.env[AZURITE_REQUEST_COSTS_SETTING] !== '0') installRequestCosts(azuriteEntry);
if (azuriteEntry) installBodyText(azuriteEntry);
if (azuriteEntry) installLazyModules(azuriteEntry);
if (azuriteEntry) installStreamedSave(azuriteEntry);
if (azuriteEntry) installOpeningSave(azuriteEntry);
if (azuriteEntry && process.env[AZURITE_TABLE_INDEX_SETTING] !== '0') installTableIndex(azuriteEntry);

// Azurite prints where it listens to the process that started it, which reads its ports there
// (azurite.ts). Once that process is gone (a store host killed), what Azurite prints has no reader:
// it is dropped, instead of the write's EPIPE ending Azurite before it saves.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}
