import { mkdirSync, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir loops forever where a parent exists but
 * refuses a child with ENOENT (`/proc/foo`: procfs); here each level is tried at most twice, and a
 * failure names the directory and why.
 */
export async function makeDirectory(target: string): Promise<void> {
  const absolute = path.resolve(target);
  const first = await attempt(() => mkdir(absolute));
  if (first === undefined) return;
  if (first.code === 'EEXIST') return mustBeDirectory(absolute, await stat(absolute).catch(() => undefined), first);
  const parent = path.dirname(absolute);
  if (first.code !== 'ENOENT' || parent === absolute) throw cannotCreate(absolute, first);
  await makeDirectory(parent);
  const second = await attempt(() => mkdir(absolute));
  if (second === undefined) return;
  if (second.code === 'EEXIST') return mustBeDirectory(absolute, await stat(absolute).catch(() => undefined), second);
  throw cannotCreate(absolute, second);
}

/** makeDirectory for the few places that must not wait (a process's first lines). */
export function makeDirectorySync(target: string): void {
  const absolute = path.resolve(target);
  const first = attemptSync(() => mkdirSync(absolute));
  if (first === undefined) return;
  if (first.code === 'EEXIST') return mustBeDirectory(absolute, statOrUndefined(absolute), first);
  const parent = path.dirname(absolute);
  if (first.code !== 'ENOENT' || parent === absolute) throw cannotCreate(absolute, first);
  makeDirectorySync(parent);
  const second = attemptSync(() => mkdirSync(absolute));
  if (second === undefined) return;
  if (second.code === 'EEXIST') return mustBeDirectory(absolute, statOrUndefined(absolute), second);
  throw cannotCreate(absolute, second);
}

type SystemError = Error & { code?: string };

async function attempt(create: () => Promise<unknown>): Promise<SystemError | undefined> {
  try {
    await create();
    return undefined;
  } catch (error) {
    return error as SystemError;
  }
}

function attemptSync(create: () => unknown): SystemError | undefined {
  try {
    create();
    return undefined;
  } catch (error) {
    return error as SystemError;
  }
}

function statOrUndefined(absolute: string): { isDirectory(): boolean } | undefined {
  try {
    return statSync(absolute);
  } catch {
    return undefined;
  }
}

function mustBeDirectory(absolute: string, found: { isDirectory(): boolean } | undefined, cause: SystemError): void {
  if (found?.isDirectory()) return;
  throw Object.assign(new Error(`cannot create directory ${absolute}: a file of that name is in the way`, { cause }), { code: 'ENOTDIR' });
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
