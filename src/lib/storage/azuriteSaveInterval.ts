/**
 * Loaded with `node --import` into the embedded Azurite process. Azurite saves each LokiJS database
 * (every table, the whole file) every 5 seconds while anything changed; on a table of 100k rows that
 * is most of its time. This lengthens the interval: the data is saved when Azurite stops (as the
 * embedded store stops it when the last command is done) and every `ACS_LOGS_AZURITE_SAVE_SECONDS`
 * in between. Nothing is lost on a crash: checkpoints are saved with the aggregates, in the same
 * file, so a run whose writes were not saved is redone from the checkpoints saved with them.
 */
import { createRequire } from 'node:module';
import { azuriteSaveSeconds } from './azuriteSaveSeconds.js';
import { AZURITE_SAVE_SECONDS_SETTING } from './azuriteSettingNames.js';

interface LokiPrototype {
  configureOptions: (this: unknown, options: Record<string, unknown> | undefined, initialConfig: boolean) => unknown;
}

const seconds = azuriteSaveSeconds(process.env[AZURITE_SAVE_SECONDS_SETTING]);
const azurite = process.argv[1];
if (azurite) {
  // Azurite's own copy of LokiJS: the module it will load, so the change is seen by its databases.
  const require = createRequire(azurite);
  const loki = require(require.resolve('lokijs')) as { prototype: LokiPrototype };
  const configure = loki.prototype.configureOptions;
  loki.prototype.configureOptions = function (options, initialConfig) {
    const longer = options?.['autosave'] === true ? { ...options, autosaveInterval: seconds * 1000 } : options;
    return configure.call(this, longer, initialConfig);
  };
}
