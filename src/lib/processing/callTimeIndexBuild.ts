/**
 * The one-time pass that lists the calls stored before the time index existed
 * (aggregating/calls/callTimeIndex.ts). Runs write the index for every call they touch; this pass
 * lists the others, reading the call rows in key order, and saves how far it got after each thousand
 * and when it stops, so that a timer run that reaches its deadline leaves the rest to the next run. When it reaches the
 * end it writes the completion row, from which on queries read the index instead of scanning.
 *
 * Two passes at once write the same upserts; a progress row they race on only ever names a call
 * partition up to which every call was listed by the pass that saved it, so resuming from either
 * misses nothing.
 */
import {
  CALL_TIMES_TABLE,
  callTimeEntry,
  INDEX_COMPLETE_ROW_KEY,
  INDEX_PROGRESS_ROW_KEY,
  INDEX_STATE_PARTITION,
  indexCompleteSchema,
  indexProgressSchema,
} from '../aggregating/calls/callTimeIndex.js';
import { callFirstAtSchema, CALL_ROW_KEY, CALLS_TABLE } from '../aggregating/calls/index.js';
import type { CallTimeIndexHealth } from '../aggregating/calls/callTimeIndexHealth.js';
import { partitionsAfter } from '../storage/packedKeys.js';
import { parseStoredRow } from '../storage/storedRows.js';
import { MAX_TRANSACTION_ROWS, odata, type RowWrite, type TableStore } from '../storage/TableStore.js';

export type CallTimeIndexBuild =
  /** `listed`: calls this pass listed (0 when the index was complete already). */
  | { state: 'complete'; listed: number }
  /** The deadline or a stop came first: the next pass resumes after `after`. */
  | { state: 'partial'; listed: number; after: string };

export interface CallTimeIndexBuildOptions {
  /** Stop, its progress saved, at the first call row read once this time (epoch ms) has passed. */
  deadline?: number;
  /** Stop, its progress saved, at the first call row read once aborted (`watch`'s Ctrl-C), as at the deadline. */
  stop?: AbortSignal;
  now?: () => number;
  /** Call rows between two progress saves. */
  saveEvery?: number;
}

/** Stores whose index this process saw complete: it stays complete, so they are not read again. */
const completeIn = new WeakSet<TableStore>();

/** Where the index stands, for health: complete (since when), being listed, or not made yet. */
export async function callTimeIndexState(tables: TableStore): Promise<CallTimeIndexHealth> {
  const complete = await tables.getRow(CALL_TIMES_TABLE, INDEX_STATE_PARTITION, INDEX_COMPLETE_ROW_KEY);
  if (complete) return { state: 'complete', completedAt: parseStoredRow(indexCompleteSchema, CALL_TIMES_TABLE, complete).completedAt };
  const progress = await tables.getRow(CALL_TIMES_TABLE, INDEX_STATE_PARTITION, INDEX_PROGRESS_ROW_KEY);
  return { state: progress ? 'listing' : 'waiting', completedAt: null };
}

/** Whether the completion row exists: queries read the index only then. */
export async function callTimeIndexComplete(tables: TableStore): Promise<boolean> {
  return (await tables.getRow(CALL_TIMES_TABLE, INDEX_STATE_PARTITION, INDEX_COMPLETE_ROW_KEY)) !== undefined;
}

/**
 * Forgets that the index is complete, and where a pass got to, so that the next pass lists every
 * stored call again: for calls an older version wrote after the index was complete, which it did not
 * list. Queries scan the Calls table until the pass ends; what is listed already stays (upserts).
 */
export async function restartCallTimeIndex(tables: TableStore): Promise<void> {
  // The place first: stopped between the two, the index is still complete as it was (run this again),
  // where the other way round the next pass would resume from the old place and call it complete.
  await tables.deleteRow(CALL_TIMES_TABLE, INDEX_STATE_PARTITION, INDEX_PROGRESS_ROW_KEY);
  await tables.deleteRow(CALL_TIMES_TABLE, INDEX_STATE_PARTITION, INDEX_COMPLETE_ROW_KEY);
  completeIn.delete(tables);
}

/** Lists every stored call not listed yet, from where the last pass stopped. */
export async function buildCallTimeIndex(tables: TableStore, options: CallTimeIndexBuildOptions = {}): Promise<CallTimeIndexBuild> {
  if (completeIn.has(tables)) return { state: 'complete', listed: 0 };
  if (await callTimeIndexComplete(tables)) {
    completeIn.add(tables);
    return { state: 'complete', listed: 0 };
  }
  const now = options.now ?? Date.now;
  const saveEvery = options.saveEvery ?? 1000;
  const progress = await tables.getRow(CALL_TIMES_TABLE, INDEX_STATE_PARTITION, INDEX_PROGRESS_ROW_KEY);
  let after = progress ? parseStoredRow(indexProgressSchema, CALL_TIMES_TABLE, progress).after : undefined;
  const pending = new Map<string, RowWrite[]>();
  let listed = 0;
  /** Whether another pass completed the index since this one looked (two commands starting at once). */
  let overtaken: boolean | undefined;
  const flush = async (day: string): Promise<void> => {
    const writes = pending.get(day);
    pending.delete(day);
    if (!writes || writes.length === 0) return;
    // Asked once, before the first listing: once another pass completed, the calls it did not see were
    // listed by the writes that stored them, so there is nothing left to list (nor to report).
    overtaken ??= await callTimeIndexComplete(tables);
    if (overtaken) return;
    const outcome = await tables.commit(CALL_TIMES_TABLE, day, writes);
    if (!outcome.committed) throw new Error(`listing ${writes.length} calls under ${day} in ${CALL_TIMES_TABLE} failed: ${outcome.status} ${outcome.code}`);
    listed += writes.length;
  };
  const flushAll = async (): Promise<void> => {
    for (const day of [...pending.keys()]) await flush(day);
  };
  let sinceSave = 0;
  const filter = odata`RowKey eq ${CALL_ROW_KEY}` + (after === undefined ? '' : ` and ${partitionsAfter(after)}`);
  for await (const row of tables.query(CALLS_TABLE, filter, ['PartitionKey', 'RowKey', 'firstAt'])) {
    const entry = callTimeEntry(parseStoredRow(callFirstAtSchema, CALLS_TABLE, row).firstAt, row.partitionKey);
    if (entry !== null) {
      let writes = pending.get(entry.partitionKey);
      if (!writes) pending.set(entry.partitionKey, (writes = []));
      writes.push({ op: 'upsert', rowKey: entry.rowKey, data: { call: row.partitionKey } });
      if (writes.length >= MAX_TRANSACTION_ROWS) await flush(entry.partitionKey);
    }
    after = row.partitionKey;
    // Checked at every row: in Azure a page of a scan can take seconds and hold few call rows.
    const late = (options.deadline !== undefined && now() >= options.deadline) || options.stop?.aborted === true;
    if (++sinceSave < saveEvery && !late) continue;
    // Every call up to `after` listed, then saved: a pass resuming from it misses none.
    await flushAll();
    await tables.upsert(CALL_TIMES_TABLE, INDEX_STATE_PARTITION, INDEX_PROGRESS_ROW_KEY, { after });
    sinceSave = 0;
    if (late) return { state: 'partial', listed, after };
  }
  await flushAll();
  if (overtaken === true) {
    completeIn.add(tables);
    return { state: 'complete', listed: 0 };
  }
  await tables.upsert(CALL_TIMES_TABLE, INDEX_STATE_PARTITION, INDEX_COMPLETE_ROW_KEY, { completedAt: new Date(now()).toISOString() });
  completeIn.add(tables);
  return { state: 'complete', listed };
}
