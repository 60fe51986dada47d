import { buildCallTimeIndex, restartCallTimeIndex } from '../../lib/processing/callTimeIndexBuild.js';
import { decideExit } from '../decidedExit.js';
import { cliSettings } from '../settings.js';
import { openStorage, type StorageFlags } from '../storageSession.js';

/**
 * `acs-logs reindex-calls`: lists every stored call in the time index of calls again. Runs keep the
 * index themselves; an older version writing to the same tables after the index was complete does
 * not, and its calls are left out of ranged queries until this runs.
 */
export async function reindexCallsCommand(flags: StorageFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<void> {
  const tablePrefix = cliSettings(flags).tablePrefix;
  const storage = await openStorage(flags, tablePrefix);
  try {
    await restartCallTimeIndex(storage.tables);
    const build = await buildCallTimeIndex(storage.tables);
    // Listed to the end: a closed output now loses only this line, and the run ends as done (cli/main.ts).
    decideExit({ code: 0 });
    out.write(`${build.listed} call(s) listed in the time index of calls; queries of a time range use it again\n`);
    // None is most likely another store than the one meant (a mistyped --data-dir or --table-prefix).
    if (build.listed === 0) err.write(`note: no call is stored in tables ${tablePrefix}* of ${storage.where}\n`);
  } finally {
    await storage.close();
  }
}
