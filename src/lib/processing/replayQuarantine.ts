import { parseCategory, resourceIdFromBlobPath, timeBoundsAt } from '../normalizing/index.js';
import type { FramedUnit } from '../reading/types.js';
import type { LogFileRef } from '../storage/LogSource.js';
import { applyExactlyOnce } from './applyExactlyOnce.js';
import { CheckpointStore, fileGenerationId } from './checkpoints.js';
import { interpret } from './interpret.js';
import type { ProcessDeps } from './processFile.js';
import { QuarantineStore, STORAGE_REJECTED, type QuarantinedLine } from './quarantine.js';

/** Codes of records that framed and decoded but failed their schema, their ranges or the store: only that record is replayed. */
const RECORD_CODES = new Set(['schema_invalid', 'time_invalid', 'value_out_of_range', 'time_out_of_range', STORAGE_REJECTED]);

export interface ReplayFilter {
  file?: LogFileRef;
  code?: string;
}

export type ReplayOutcome = 'applied' | 'still_bad' | 'unsupported' | 'source_gone';

export interface ReplaySummary {
  lines: number;
  applied: number;
  records: number;
  stillBad: number;
  sourceGone: number;
  unsupported: number;
}

/**
 * Reads quarantined lines again with today's code (after a fix) and applies what now reads. Each
 * line is applied under its own high-water mark (`<file generation>.q<position>`), so a replay that
 * is interrupted and run again, or two replays at once, count each record once.
 */
export async function replayQuarantine(deps: ProcessDeps, filter: ReplayFilter = {}): Promise<ReplaySummary> {
  const store = new QuarantineStore(deps.tables);
  const checkpoints = new CheckpointStore(deps.tables);
  const summary: ReplaySummary = { lines: 0, applied: 0, records: 0, stillBad: 0, sourceGone: 0, unsupported: 0 };
  const pending: QuarantinedLine[] = [];
  for await (const line of store.list(filter.file)) {
    if (line.replayedAt || (filter.code && line.code !== filter.code)) continue;
    pending.push(line);
  }
  for (const line of pending) {
    summary.lines++;
    const outcome = await replayLine(line, deps, store, checkpoints);
    if (outcome.kind === 'applied') {
      summary.applied++;
      summary.records += outcome.records;
    } else if (outcome.kind === 'still_bad') summary.stillBad++;
    else if (outcome.kind === 'unsupported') summary.unsupported++;
    else summary.sourceGone++;
  }
  return summary;
}

async function replayLine(
  line: QuarantinedLine,
  deps: ProcessDeps,
  store: QuarantineStore,
  checkpoints: CheckpointStore,
): Promise<{ kind: ReplayOutcome; records: number }> {
  const file: LogFileRef = { container: line.container, path: line.path };
  const text = await unitText(line, file, deps, checkpoints);
  if (text === null) return { kind: 'source_gone', records: 0 };

  const unit: FramedUnit = { kind: 'unit', offset: line.offset, end: line.end, line: line.line, text };
  const category = line.category ? parseCategory(line.category) : undefined;
  const now = (deps.now ?? Date.now)();
  const timeBounds = timeBoundsAt(now, deps.settings.earliestRecordTime, deps.settings.maxFutureMs);
  const context = { fileCategory: category, resourceIdFromPath: resourceIdFromBlobPath(line.path), timeBounds };
  const items = Buffer.byteLength(text) > deps.settings.maxUnitBytes ? [] : [unit];
  const result = interpret(items, context, line.generation, file, deps.settings.maxRawBytes, now);
  const records = RECORD_CODES.has(line.code) ? result.records.filter((r) => r.position === line.position) : result.records;
  const stillBad = items.length === 0 ? { code: 'line_too_long', message: 'longer than ACS_LOGS_MAX_LINE_BYTES' } : result.quarantined.find((q) => q.position === line.position || !RECORD_CODES.has(line.code));

  let stillRefused: string | undefined;
  if (records.length > 0) {
    // A refused record went into every view but one: it is replayed into that view only, under a mark of its own.
    const refusedIn = line.code === STORAGE_REJECTED ? line.view : undefined;
    const views = refusedIn === undefined ? deps.views : deps.views.filter((view) => view.table === refusedIn);
    const applied = await applyExactlyOnce(deps.tables, views, records, {
      fileId: `${fileGenerationId(file, line.generation)}.${refusedIn === undefined ? 'q' : 's'}${line.position}`,
      fileKey: `${line.container}/${line.path}`,
      concurrency: deps.settings.partitionConcurrency,
      onRefused: async (refused) => {
        if (refusedIn === undefined) await store.putRefused(file, line.generation, line.category, refused, now);
        else stillRefused = `${refused.code}: ${refused.message}`;
      },
    });
    if (stillRefused !== undefined) {
      await store.update({ ...line, message: stillRefused });
      return { kind: 'still_bad', records: 0 };
    }
    const kept = records.length - (refusedIn === undefined ? applied.refused : 0);
    await store.update({ ...line, replayedAt: new Date(now).toISOString(), replayedRecords: kept });
    return { kind: 'applied', records: kept };
  }
  if (stillBad) {
    await store.update({ ...line, code: stillBad.code, message: stillBad.message });
    return { kind: 'still_bad', records: 0 };
  }
  // It reads now, but as a category the product does not aggregate: nothing to apply, nothing lost.
  await store.update({ ...line, replayedAt: new Date(now).toISOString(), replayedRecords: 0 });
  return { kind: 'unsupported', records: 0 };
}

/** The unit's bytes from the file when it is still the same generation, else the kept raw text if whole. */
async function unitText(line: QuarantinedLine, file: LogFileRef, deps: ProcessDeps, checkpoints: CheckpointStore): Promise<string | null> {
  const checkpoint = (await checkpoints.get(file))?.checkpoint;
  if (checkpoint && checkpoint.generation === line.generation && line.end > line.offset) {
    try {
      const bytes = await deps.source.read(file, line.offset, line.end);
      if (bytes.length === line.end - line.offset) return stripLineEnd(bytes.toString('utf8'));
    } catch (error) {
      // A local file that moved or is unknown here: fall back to the kept text. Anything else fails the replay.
      if (!isMissingLocalFile(error)) throw error;
    }
  }
  return line.rawTruncated ? null : line.raw;
}

function stripLineEnd(text: string): string {
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return withoutBom.replace(/\r?\n$/, '');
}

function isMissingLocalFile(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT' || (error instanceof Error && error.message.startsWith('unknown local file'));
}
