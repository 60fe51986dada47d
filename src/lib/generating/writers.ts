/** Writing generated appends to a folder laid out as in storage, or to append blobs through an adapter. */
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { categoryFromContainer } from '../normalizing/category.js';
import type { BlobAppendTarget, GenerateTotals, LogAppend, LogFileRef } from './types.js';
import { makeDirectory } from '../makeDirectory.js';

/** Azure's classic limit for one Append Block call. */
export const MAX_APPEND_BLOCK_BYTES = 4 * 1024 * 1024;

class Totals {
  private readonly files = new Set<string>();
  readonly value: GenerateTotals = { files: 0, appends: 0, records: 0, bytes: 0, byCategory: {} };

  /** Counts an append; true when it is the first one of its file. */
  add(append: LogAppend, bytes: number): boolean {
    const key = `${append.file.container}/${append.file.path}`;
    const first = !this.files.has(key);
    if (first) {
      this.files.add(key);
      this.value.files++;
    }
    this.value.appends++;
    this.value.records += append.lines.length;
    this.value.bytes += bytes;
    const category = categoryFromContainer(append.file.container) ?? append.file.container;
    this.value.byCategory[category] = (this.value.byCategory[category] ?? 0) + append.lines.length;
    return first;
  }
}

/** `<dir>/<container>/<path segments as folders>` (the empty segment after `resourceId=` collapses, as in samples/). */
export function localPathFor(dir: string, file: LogFileRef): string {
  const segments = file.path.split('/').filter((segment) => segment !== '');
  for (const segment of [file.container, ...segments]) {
    if (segment === '.' || segment === '..') throw new Error(`unsafe path segment in ${file.container}/${file.path}`);
  }
  return path.join(dir, file.container, ...segments);
}

/** A file kept open by writeLogsToDirectory, with appends not yet written (coalesced into one write). */
interface OpenFile {
  handle: FileHandle;
  pending: Buffer[];
  size: number;
}

const MAX_OPEN_FILES = 32;
const MAX_PENDING_BYTES = 1024 * 1024;

async function flushFile(file: OpenFile): Promise<void> {
  if (file.size === 0) return;
  const data = file.pending.length === 1 ? (file.pending[0] as Buffer) : Buffer.concat(file.pending, file.size);
  file.pending = [];
  file.size = 0;
  await file.handle.write(data);
}

export interface DirectoryWriteOptions {
  /** Existing files this run writes are emptied first, instead of appended to. */
  replace?: boolean;
}

/**
 * Appends each block's lines to `<dir>/<container>/<path>`, creating folders and files as needed
 * (existing files are appended to, as Azure Monitor would, or replaced with `replace`). Keeps a few
 * files open at a time and coalesces consecutive appends to a file into one write of up to 1 MiB.
 */
export async function writeLogsToDirectory(dir: string, appends: Iterable<LogAppend>, options: DirectoryWriteOptions = {}): Promise<GenerateTotals> {
  const totals = new Totals();
  const openFiles = new Map<string, OpenFile>(); // insertion order = least recently used first
  const written = new Set<string>();
  try {
    for (const append of appends) {
      const data = Buffer.from(append.lines.join(''), 'utf8');
      totals.add(append, data.length);
      const target = localPathFor(dir, append.file);
      let file = openFiles.get(target);
      if (file === undefined) {
        if (openFiles.size >= MAX_OPEN_FILES) {
          const [oldest, oldFile] = openFiles.entries().next().value as [string, OpenFile];
          openFiles.delete(oldest);
          try {
            await flushFile(oldFile);
          } finally {
            await oldFile.handle.close();
          }
        }
        makeDirectory(path.dirname(target));
        // A file closed to keep few open is appended to when reopened, even when replacing.
        const flags = options.replace && !written.has(target) ? 'w' : 'a';
        written.add(target);
        file = { handle: await open(target, flags), pending: [], size: 0 };
      } else {
        openFiles.delete(target);
      }
      openFiles.set(target, file);
      file.pending.push(data);
      file.size += data.length;
      if (file.size >= MAX_PENDING_BYTES) await flushFile(file);
    }
    for (const file of openFiles.values()) await flushFile(file);
  } finally {
    for (const file of openFiles.values()) await file.handle.close();
  }
  return totals.value;
}

/**
 * Writes the appends as Azure Monitor does: a file's blob is created empty (`createBlob`, when the
 * target has it) before its first block, then each append is one Append Block, split at line
 * boundaries (or, for a single huge line, at the byte limit) when above 4 MiB. `pace`, if given, is
 * awaited before each append (e.g. to replay simulated time in real time).
 */
export async function writeLogsToBlobs(
  target: BlobAppendTarget,
  appends: Iterable<LogAppend>,
  pace?: (append: LogAppend) => Promise<void>,
): Promise<GenerateTotals> {
  const totals = new Totals();
  for (const append of appends) {
    if (pace) await pace(append);
    const chunks = splitBlocks(append.lines, MAX_APPEND_BLOCK_BYTES);
    const bytes = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    if (totals.add(append, bytes) && target.createBlob) await target.createBlob(append.file);
    for (const chunk of chunks) await target.appendBlock(append.file, chunk);
  }
  return totals.value;
}

/** Lines packed into buffers of at most `limit` bytes, never splitting a line that fits in one. */
export function splitBlocks(lines: readonly string[], limit: number): Buffer[] {
  const chunks: Buffer[] = [];
  let pending: Buffer[] = [];
  let size = 0;
  const flush = (): void => {
    if (size > 0) chunks.push(pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, size));
    pending = [];
    size = 0;
  };
  for (const line of lines) {
    const bytes = Buffer.from(line, 'utf8');
    if (bytes.length > limit) {
      flush();
      for (let at = 0; at < bytes.length; at += limit) chunks.push(bytes.subarray(at, Math.min(bytes.length, at + limit)));
      continue;
    }
    if (size + bytes.length > limit) flush();
    pending.push(bytes);
    size += bytes.length;
  }
  flush();
  return chunks;
}
