import { silentLogger } from '../../lib/logging.js';
import { QuarantineStore } from '../../lib/processing/quarantine.js';
import { hasCode, replayQuarantine } from '../../lib/processing/replayQuarantine.js';
import { expandLocalPaths } from '../../lib/storage/LocalLogSource.js';
import { LocalOrBlobLogSource } from '../../lib/storage/LocalOrBlobLogSource.js';
import { UsageError } from '../errors.js';
import { isTerminal, parseFormat, render } from '../format.js';
import { openPipeline } from '../pipeline.js';
import type { StorageFlags } from '../storageSession.js';
import { terminalWidth } from '../terminalWidth.js';
import { quarantineBlocks, type QuarantineBlockEntry } from '../quarantineBlocks.js';

export interface QuarantineListFlags extends StorageFlags {
  container?: string;
  code?: string;
  all?: boolean;
  format: string;
}

export const QUARANTINE_COLUMNS = [
  'container',
  'path',
  'line',
  'lastLine',
  'count',
  'offset',
  'end',
  'code',
  'codes',
  'view',
  'message',
  'raw',
  'rawTruncated',
  'quarantinedAt',
  'replayedAt',
] as const;

/** `acs-logs quarantine list`: the entries (runs of lines) that could not be read, with their reason (replayed ones with --all). */
export async function quarantineListCommand(flags: QuarantineListFlags, out: NodeJS.WritableStream): Promise<void> {
  const format = parseFormat(flags.format);
  const pipeline = await openPipeline(flags, silentLogger);
  try {
    const rows: Record<string, unknown>[] = [];
    const blocks: QuarantineBlockEntry[] = [];
    for await (const line of new QuarantineStore(pipeline.deps.tables).list()) {
      if (flags.container && line.container !== flags.container) continue;
      if (flags.code && !hasCode(line, flags.code)) continue;
      if (line.replayedAt && !flags.all) continue;
      // Rows written before runs existed hold one line.
      const entry = { ...line, count: line.count ?? 1, lastLine: line.lastLine ?? line.line };
      if (format === 'table') blocks.push(entry);
      else rows.push(Object.fromEntries(QUARANTINE_COLUMNS.map((column) => [column, entry[column] ?? null])));
    }
    // In a terminal, a block per entry fitted to its width; JSON and CSV keep every character.
    out.write(format === 'table' ? quarantineBlocks(blocks, terminalWidth(out)) : render(rows, format, QUARANTINE_COLUMNS, { terminal: isTerminal(out) }));
  } finally {
    await pipeline.close();
  }
}

export interface QuarantineReplayFlags extends StorageFlags {
  code?: string;
}

/** `acs-logs quarantine replay`: reads quarantined lines again and applies those that now read, exactly once. */
export async function quarantineReplayCommand(paths: readonly string[], flags: QuarantineReplayFlags, out: NodeJS.WritableStream): Promise<void> {
  let localPaths: string[];
  try {
    localPaths = await expandLocalPaths(paths);
  } catch (error) {
    throw new UsageError(`cannot read ${(error as NodeJS.ErrnoException).path ?? 'input'}: ${(error as Error).message}`);
  }
  const pipeline = await openPipeline(flags, silentLogger);
  try {
    // Bad lines of local files (`acs-logs process`) are re-read from disk, those of blobs from storage;
    // files of a downloaded tree carry blob names, so their paths are given again.
    const deps = { ...pipeline.deps, source: new LocalOrBlobLogSource(pipeline.deps.source, localPaths) };
    const summary = await replayQuarantine(deps, flags.code ? { code: flags.code } : {});
    out.write(
      `replayed ${summary.lines} entr${summary.lines === 1 ? 'y' : 'ies'} (${summary.badLines} lines): ${summary.applied} applied (${summary.records} records), ${summary.stillBad} still bad, ` +
        `${summary.unsupported} of unsupported categories, ${summary.sourceGone} whose source and full text are gone` +
        (summary.waiting > 0 ? `, ${summary.waiting} waiting for their file to be read again (replay them after the next run)` : '') +
        '\n',
    );
  } finally {
    await pipeline.close();
  }
}
