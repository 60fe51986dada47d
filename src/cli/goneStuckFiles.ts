import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LogFileRef } from '../lib/storage/LogSource.js';
import { fileName, LOCAL_CONTAINER } from '../lib/storage/fileName.js';

/** A log container's folder in a path, as a tree laid out as in storage has it. */
const CONTAINER_FOLDER = /(?:^|[\\/])(insights-logs-[a-z0-9-]+)(?=[\\/]|$)/i;

/**
 * The stuck files (recorded in `<prefix>FileFailures`) that would lie in one of the folders given to
 * `process` and are no longer there: a file deleted after it failed. `process` retries only the files
 * it finds, so such a file would be listed as stuck, and keep health degraded, for ever; a blob
 * deleted after it failed is cleared the same way by the timer's retry, which finds it gone.
 * `read`: whether the run read the file (from its own path or a copy's): there, it is not gone.
 */
export async function goneStuckFiles(stuck: AsyncIterable<LogFileRef>, inputs: readonly string[], read: (file: LogFileRef) => boolean): Promise<LogFileRef[]> {
  const folders: string[] = [];
  for (const input of inputs) {
    if (input === '') continue;
    const absolute = path.resolve(input);
    if ((await stat(absolute).catch(() => null))?.isDirectory() === true) folders.push(absolute);
  }
  const gone: LogFileRef[] = [];
  if (folders.length === 0) return gone;
  for await (const file of stuck) {
    if (read(file)) continue;
    for (const folder of folders) {
      const where = await localPlace(file, folder);
      if (where !== undefined && (await missing(where))) {
        gone.push({ container: file.container, path: file.path });
        break;
      }
    }
  }
  return gone;
}

/** Where `file` would be inside `folder`: a file given on its own by its path, a laid-out file beneath its tree's root. */
async function localPlace(file: LogFileRef, folder: string): Promise<string | undefined> {
  const inside = (place: string): string | undefined => (place.startsWith(folder + path.sep) ? place : undefined);
  if (file.container === LOCAL_CONTAINER) return inside(file.path);
  const parts = file.path.split('/');
  const named = CONTAINER_FOLDER.exec(folder);
  if (named?.[1] !== undefined) {
    // The folder is in a tree (its container's folder, or deeper): the file is in it only under that container.
    if (named[1].toLowerCase() !== file.container) return undefined;
    return inside(path.join(folder.slice(0, named.index + named[0].length), ...parts));
  }
  // The root of a tree holding the file's container (its folder may be written in capitals on this
  // disk); a folder that holds no such container's folder (another download, a parent of the tree) says nothing.
  const entries = await readdir(folder).catch(() => [] as string[]);
  const container = entries.find((entry) => entry.toLowerCase() === file.container);
  return container === undefined ? undefined : inside(path.join(folder, container, ...parts));
}

async function missing(place: string): Promise<boolean> {
  try {
    await stat(place);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

const GONE_NAMES_SHOWN = 3;

/** Says which stuck files are gone (`where`: "of these folders are no longer on disk"), and what that means for their records. */
export function goneStuckNote(gone: readonly LogFileRef[], where: string): string {
  const shown = gone
    .slice(0, GONE_NAMES_SHOWN)
    .map((file) => fileName(file))
    .join(', ');
  const more = gone.length > GONE_NAMES_SHOWN ? ` and ${gone.length - GONE_NAMES_SHOWN} more` : '';
  return `${gone.length} stuck file(s) ${where}: ${shown}${more}; no longer listed as stuck (health), and what they had not read is not counted`;
}
