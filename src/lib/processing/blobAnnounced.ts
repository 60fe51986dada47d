import type { LogFileRef } from '../storage/LogSource.js';
import { processFile, type FileRunResult, type ProcessDeps } from './processFile.js';
import { finalPolicy } from './tailAndSweep.js';

/**
 * Reads a blob the trigger announced. `blobTrigger` metadata is "container/path"; the content the
 * host hands over is ignored: the file is read from its checkpoint with ranged downloads instead,
 * so the same code serves the Event Grid source (fires once, at creation) and the polling source
 * (fires on every append).
 */
export async function handleAnnouncedBlob(blobTrigger: string, deps: ProcessDeps): Promise<FileRunResult> {
  const file = parseBlobTrigger(blobTrigger);
  return processFile(file, deps, { isFinal: finalPolicy(deps) });
}

export function parseBlobTrigger(blobTrigger: string): LogFileRef {
  const slash = blobTrigger.indexOf('/');
  if (slash <= 0 || slash === blobTrigger.length - 1) {
    throw new Error(`blob trigger path must be "container/blob", got "${blobTrigger}"`);
  }
  return { container: blobTrigger.slice(0, slash), path: blobTrigger.slice(slash + 1) };
}
