import { silentLogger } from '../../lib/processing/logger.js';
import { QuarantineStore } from '../../lib/processing/quarantine.js';
import { replayQuarantine } from '../../lib/processing/replayQuarantine.js';
import { parseFormat, render } from '../format.js';
import { openPipeline } from '../pipeline.js';
import type { StorageFlags } from '../storageSession.js';

export interface QuarantineListFlags extends StorageFlags {
  container?: string;
  code?: string;
  all?: boolean;
  format: string;
}

export const QUARANTINE_COLUMNS = ['container', 'path', 'line', 'offset', 'code', 'view', 'message', 'raw', 'rawTruncated', 'quarantinedAt', 'replayedAt'] as const;

/** `acs-logs quarantine list`: the lines that could not be read, with their reason (replayed ones with --all). */
export async function quarantineListCommand(flags: QuarantineListFlags, out: NodeJS.WritableStream): Promise<void> {
  const format = parseFormat(flags.format);
  const pipeline = await openPipeline(flags, silentLogger);
  try {
    const rows: Record<string, unknown>[] = [];
    for await (const line of new QuarantineStore(pipeline.deps.tables).list()) {
      if (flags.container && line.container !== flags.container) continue;
      if (flags.code && line.code !== flags.code) continue;
      if (line.replayedAt && !flags.all) continue;
      rows.push(Object.fromEntries(QUARANTINE_COLUMNS.map((column) => [column, line[column] ?? null])));
    }
    out.write(render(rows, format, QUARANTINE_COLUMNS));
  } finally {
    await pipeline.close();
  }
}

export interface QuarantineReplayFlags extends StorageFlags {
  code?: string;
}

/** `acs-logs quarantine replay`: reads quarantined lines again and applies those that now read, exactly once. */
export async function quarantineReplayCommand(flags: QuarantineReplayFlags, out: NodeJS.WritableStream): Promise<void> {
  const pipeline = await openPipeline(flags, silentLogger);
  try {
    const summary = await replayQuarantine(pipeline.deps, flags.code ? { code: flags.code } : {});
    out.write(
      `replayed ${summary.lines} line(s): ${summary.applied} applied (${summary.records} records), ${summary.stillBad} still bad, ` +
        `${summary.unsupported} of unsupported categories, ${summary.sourceGone} whose source and full text are gone\n`,
    );
  } finally {
    await pipeline.close();
  }
}
