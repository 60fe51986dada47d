import { lstatSync, mkdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir loops forever where a parent exists but
 * refuses a child with ENOENT (`/proc/foo`: procfs); here each level is tried at most twice, and a
 * failure names the directory and why. Synchronous: a few system calls, made once per folder.
 */
export function makeDirectory(target: string): void {
  const absolute = path.resolve(target);
  const first = attempt(absolute);
  if (first === undefined) return;
  if (first.code === 'EEXIST') return mustBeDirectory(absolute, first);
  const parent = path.dirname(absolute);
  if (first.code !== 'ENOENT' || parent === absolute) throw cannotCreate(absolute, first);
  makeDirectory(parent);
  const second = attempt(absolute);
  if (second === undefined) return;
  if (second.code === 'EEXIST') return mustBeDirectory(absolute, second);
  throw cannotCreate(absolute, second);
}

type SystemError = Error & { code?: string };

function attempt(absolute: string): SystemError | undefined {
  try {
    mkdirSync(absolute);
    return undefined;
  } catch (error) {
    return error as SystemError;
  }
}

function mustBeDirectory(absolute: string, cause: SystemError): void {
  let directory = false;
  try {
    directory = statSync(absolute).isDirectory();
  } catch {
    // Gone again, or unreadable: not a directory this can use.
  }
  if (directory) return;
  throw Object.assign(new Error(`cannot create directory ${absolute}: ${inTheWay(absolute)}`, { cause }), { code: 'ENOTDIR' });
}

/** What stands where the directory should be: a link whose target is gone reads as nothing at all. */
function inTheWay(absolute: string): string {
  try {
    if (lstatSync(absolute).isSymbolicLink()) return `it is a symbolic link to ${readlinkSync(absolute)}, which does not exist or is not a directory`;
  } catch {
    // Gone again: the generic reason below still holds for the failed attempt.
  }
  return 'a file of that name is in the way';
}

const REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file',
  ENOSPC: 'no space left on the device',
  ENAMETOOLONG: 'the name is too long',
  // Where the parent exists: the file system does not let directories be made there (procfs, sysfs).
  ENOENT: 'the file system does not allow it there',
};

function cannotCreate(absolute: string, cause: SystemError): Error {
  const reason = cause.code === undefined ? cause.message : `${REASONS[cause.code] ?? 'refused'} (${cause.code})`;
  return Object.assign(new Error(`cannot create directory ${absolute}: ${reason}`, { cause }), { code: cause.code });
}
