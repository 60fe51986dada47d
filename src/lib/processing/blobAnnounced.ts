import type { LogFileRef } from '../storage/LogSource.js';
import { IsolatedFiles, type IsolatedRun } from './isolatedFiles.js';
import type { ProcessDeps } from './processFile.js';
import { finalPolicy } from './tailAndSweep.js';

/**
 * Reads a blob the trigger announced. `blobTrigger` metadata is "container/path"; the content the
 * host hands over is ignored: the file is read from its checkpoint with ranged downloads instead,
 * so the same code serves the Event Grid source (fires once, at creation) and the polling source
 * (fires on every append). A file that fails is recorded and retried by the tail with backoff; the
 * invocation fails (and the host retries it) only when even that record could not be written, or
 * on a configuration error. After `deadline` (epoch ms) no segment starts: the timer's tail reads the rest.
 */
export async function handleAnnouncedBlob(
  blobTrigger: string,
  deps: ProcessDeps,
  watched?: readonly string[],
  deadline?: number,
): Promise<IsolatedRun | NotWatched> {
  const file = parseBlobTrigger(blobTrigger);
  // A blob of a container the app does not read (an event forwarded by hand, a container since
  // renamed in the settings) is left alone: a failure recorded for it would never be retried or cleared.
  if (watched !== undefined && !watched.includes(file.container)) {
    deps.logger.warn('announced blob is not in a log container this app reads: left alone', {
      container: file.container,
      path: file.path,
      containers: watched.join(', '),
    });
    return { kind: 'notWatched' };
  }
  const files = await IsolatedFiles.load(deps, [file.container]);
  const outcome = await files.run(file, { isFinal: finalPolicy(deps), respectBackoff: false, ...(deadline === undefined ? {} : { deadline }) });
  if (outcome.kind === 'failed' && !outcome.recorded) {
    throw new Error(`${file.container}/${file.path} failed and its failure could not be recorded: ${outcome.failure.lastError}`);
  }
  // Said, so that an announcement that changed nothing is not a silent one (deleted since, or a name the account does not hold).
  if (outcome.kind === 'done' && outcome.result.status === 'missing') {
    deps.logger.info('announced blob does not exist (deleted since, or never written): nothing read', { container: file.container, path: file.path });
  }
  // Read on by the timer: the tail from its checkpoint, the sweep when it has none yet (cut before its first segment).
  if (outcome.kind === 'done' && outcome.result.cut) {
    deps.logger.info('announced blob read up to the invocation budget: the timer reads the rest', { container: file.container, path: file.path });
  }
  return outcome;
}

/** An announced blob of a container the app does not read. */
export interface NotWatched {
  kind: 'notWatched';
}

export function parseBlobTrigger(blobTrigger: string): LogFileRef {
  const slash = blobTrigger.indexOf('/');
  if (slash <= 0 || slash === blobTrigger.length - 1) {
    throw new Error(`blob trigger path must be "container/blob", got "${blobTrigger}"`);
  }
  const path = storedBlobName(blobTrigger.slice(slash + 1));
  // A name that resolves to the container itself (`..`, `a/..`, `./`) names no blob: its read fails for ever, a stuck file nothing clears.
  if (withoutDotSegments(path) === '') throw new Error(`blob trigger path must be "container/blob", got "${blobTrigger}"`);
  return { container: blobTrigger.slice(0, slash), path };
}

/**
 * The name storage keeps for a blob addressed as `path`: its URL's dot segments resolved, and then
 * each `\` made a `/`, as the service does (a blob created as `a\b` is listed as `a/b`, and reading
 * `a\b` reads it). A blob announced under either spelling is that one blob, not a second file whose
 * records would count again when the sweep lists it.
 */
export function storedBlobName(path: string): string {
  return withoutDotSegments(path).replaceAll('\\', '/');
}

/**
 * The blob's name as storage resolves the URL it is read by: `./` and `../` segments are resolved
 * there (`a/./b` reads `a/b`), so a blob announced under such a spelling is the blob of that name,
 * not a second file whose records would count again.
 */
export function withoutDotSegments(path: string): string {
  if (!/(^|\/)\.\.?(\/|$)/.test(path)) return path;
  const kept: string[] = [];
  const segments = path.split('/');
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..') kept.pop();
      // A dot segment at the end leaves the name ending in `/`, as the URL does.
      if (last) kept.push('');
      return;
    }
    kept.push(segment);
  });
  return kept.join('/');
}
