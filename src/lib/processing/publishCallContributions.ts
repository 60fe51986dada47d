/**
 * Publishes the current contribution of each call a segment touched to the per-resource views
 * `call-volume` and `call-quality`, exactly once, after the call partitions committed and before the
 * file's checkpoint moves.
 *
 * - The call row and its `~seq` row (which counts the records applied to the call, so it grows with
 *   every change of the call row) are read together; the contribution is a pure function of the call
 *   row (joining/callContribution.ts).
 * - In each per-resource day partition, a row `~c|<call>` holds the sequence and contribution last
 *   applied there. Applying a higher sequence subtracts the old contribution and adds the new one,
 *   with the `~c|` row, in one ETag-guarded transaction; a lower or equal sequence is skipped. So a
 *   replay, a crash before the checkpoint and two runs at once publish again harmlessly.
 * - A later version can move the call to another day (or resource). The call partition keeps a
 *   locator row `~pub` with every day partition the call was ever published to and the highest
 *   sequence that claimed it, written before those partitions (ETag-guarded): a publisher with a
 *   lower sequence than the locator's stops, and the one with the highest sequence visits every
 *   partition the call ever reached and leaves its contribution only in the current one.
 */
import { callsView, CALL_ROW_KEY, CALLS_TABLE } from '../joining/index.js';
import { SEQUENCE_ROW_KEY } from '../joining/callLogRows.js';
import {
  contributionOf, decodeContribution, encodeContribution, InconsistentRead, type CallContribution, type ContributionTarget,
} from '../joining/callContribution.js';
import { callQualityTarget } from '../joining/callQualityView.js';
import { callVolumeTarget } from '../joining/callVolumeView.js';
import { resourceDayPartition } from '../aggregating/partitions.js';
import type { AggregateView, RowData } from '../aggregating/types.js';
import { boundedKey, RESERVED_ROW_PREFIX } from '../storage/keys.js';
import type { RowWrite, StoredRow, TableStore } from '../storage/TableStore.js';
import type { PositionedRecord } from './applyExactlyOnce.js';
import { forEachLimit } from './concurrency.js';

export const CONTRIBUTION_TARGETS: readonly ContributionTarget[] = [callVolumeTarget, callQualityTarget];
export const LOCATOR_ROW_KEY = `${RESERVED_ROW_PREFIX}pub`;
const CONTRIBUTION_ROW_PREFIX = `${RESERVED_ROW_PREFIX}c|`;

export interface PublishStats {
  calls: number;
  /** Partition transactions that changed a view. */
  applied: number;
  /** Partitions that already held this call's contribution (or a newer one). */
  skipped: number;
  conflicts: number;
}

const MAX_ATTEMPTS = 40;

/**
 * Publishes every call among `records` (those the call join routes). Does nothing unless `views`
 * includes the call join.
 */
export async function publishCallContributions(
  tables: TableStore,
  views: readonly AggregateView[],
  records: readonly PositionedRecord[],
  concurrency: number,
): Promise<PublishStats> {
  const stats: PublishStats = { calls: 0, applied: 0, skipped: 0, conflicts: 0 };
  if (!views.includes(callsView)) return stats;
  const partitions = new Set<string>();
  for (const { record } of records) {
    const route = callsView.route(record);
    if (route) partitions.add(boundedKey(route.partitionKey));
  }
  if (partitions.size === 0) return stats;
  await Promise.all([CALLS_TABLE, ...CONTRIBUTION_TARGETS.map((t) => t.table)].map((table) => tables.ensureTable(table)));
  stats.calls = partitions.size;
  await forEachLimit([...partitions], concurrency, (partition) => publishCall(tables, partition, stats));
  return stats;
}

async function publishCall(tables: TableStore, callPartition: string, stats: PublishStats): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const rows = await tables.readRows(CALLS_TABLE, callPartition, [SEQUENCE_ROW_KEY, LOCATOR_ROW_KEY, CALL_ROW_KEY]);
    const locator = rows.get(LOCATOR_ROW_KEY);
    const places = readPlaces(locator);
    // A call without call logs (recordings only) contributes nothing: one read is all it costs.
    if (places.length === 0 && contributionOf(rows.get(CALL_ROW_KEY)?.data) === null) return;
    // The sequence before and after reading the call row again: equal, no transaction came in between,
    // so the row is the call at that sequence (a multi-row read need not be one snapshot).
    const sequence = numberOf(rows.get(SEQUENCE_ROW_KEY)?.data['n']);
    const callRow = await tables.getRow(CALLS_TABLE, callPartition, CALL_ROW_KEY);
    const after = numberOf((await tables.getRow(CALLS_TABLE, callPartition, SEQUENCE_ROW_KEY))?.data['n']);
    if (after !== sequence) {
      stats.conflicts++;
      if (attempt >= MAX_ATTEMPTS) throw new Error(`gave up reading call ${callPartition}: it kept changing`);
      continue;
    }
    const contribution = contributionOf(callRow?.data);
    if (contribution === null && places.length === 0) return;
    const claimed = numberOf(locator?.data['seq']);
    if (claimed > sequence) return; // a newer state of the call is being published by another run
    const target = contribution === null ? null : boundedKey(resourceDayPartition(contribution.resourceId, contribution.day));
    const all = target === null || places.includes(target) ? places : [...places, target].sort();
    if (!locator || claimed < sequence || all.length > places.length) {
      const data = { seq: sequence, places: JSON.stringify(all) };
      const write: RowWrite = locator ? { op: 'replace', rowKey: LOCATOR_ROW_KEY, etag: locator.etag, data } : { op: 'create', rowKey: LOCATOR_ROW_KEY, data };
      const outcome = await tables.commit(CALLS_TABLE, callPartition, [write]);
      if (!outcome.committed) {
        stats.conflicts++;
        if (attempt >= MAX_ATTEMPTS) throw new Error(`gave up publishing call ${callPartition} after ${attempt} conflicting writers`);
        await backoff(attempt);
        continue;
      }
    }
    for (const place of all) {
      for (const view of CONTRIBUTION_TARGETS) {
        await applyContribution(tables, view, place, callPartition, sequence, place === target ? contribution : null, stats);
      }
    }
    return;
  }
}

/**
 * In one per-resource day partition of one view: replaces what the call contributed there (if the
 * stored sequence is lower) by `contribution` (null: nothing, the call is elsewhere now).
 */
async function applyContribution(
  tables: TableStore,
  view: ContributionTarget,
  partition: string,
  callPartition: string,
  sequence: number,
  contribution: CallContribution | null,
  stats: PublishStats,
): Promise<void> {
  const markKey = boundedKey(CONTRIBUTION_ROW_PREFIX + callPartition);
  const newKeys = contribution === null ? [] : view.rowKeys(contribution).map(boundedKey);
  for (let attempt = 1; ; attempt++) {
    const known = await tables.readRows(view.table, partition, [markKey, ...newKeys]);
    const mark = known.get(markKey);
    if (mark === undefined && contribution === null) return;
    if (mark !== undefined && numberOf(mark.data['seq']) >= sequence) {
      stats.skipped++;
      return;
    }
    const previous = decodeContribution(mark?.data['contribution']);
    const oldKeys = previous === null ? [] : view.rowKeys(previous).map(boundedKey);
    const missing = oldKeys.filter((key) => !known.has(key) && !newKeys.includes(key));
    if (missing.length > 0) for (const [key, row] of await tables.readRows(view.table, partition, missing)) known.set(key, row);

    const changed = new Map<string, RowData>();
    const rowFor = (key: string): RowData => {
      let row = changed.get(key);
      if (!row) changed.set(key, (row = { ...(known.get(key)?.data ?? {}) }));
      return row;
    };
    try {
      if (previous !== null) for (const key of oldKeys) view.apply(rowFor(key), key, previous, -1);
      if (contribution !== null) for (const key of newKeys) view.apply(rowFor(key), key, contribution, 1);
    } catch (error) {
      // Rows read in two requests, with another writer's commit in between: read again. (A commit would fail its ETags.)
      if (!(error instanceof InconsistentRead)) throw error;
      stats.conflicts++;
      if (attempt >= MAX_ATTEMPTS) throw new Error(`gave up on ${view.table}/${partition}: ${error.message}`);
      await backoff(attempt);
      continue;
    }
    const writes: RowWrite[] = [...changed].map(([rowKey, data]) => writeFor(known.get(rowKey), rowKey, data));
    const markData = { seq: sequence, contribution: contribution === null ? '' : encodeContribution(contribution) };
    writes.push(writeFor(mark, markKey, markData));
    const outcome = await tables.commit(view.table, partition, writes);
    if (outcome.committed) {
      stats.applied++;
      return;
    }
    stats.conflicts++;
    if (attempt >= MAX_ATTEMPTS) throw new Error(`gave up on ${view.table}/${partition} after ${attempt} conflicting writers (${outcome.code})`);
    await backoff(attempt);
  }
}

function writeFor(existing: StoredRow | undefined, rowKey: string, data: RowData): RowWrite {
  return existing ? { op: 'replace', rowKey, etag: existing.etag, data } : { op: 'create', rowKey, data };
}

function readPlaces(locator: StoredRow | undefined): string[] {
  const raw = locator?.data['places'];
  if (typeof raw !== 'string' || raw === '') return [];
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) throw new Error(`call locator ${LOCATOR_ROW_KEY} does not read`);
  return parsed as string[];
}

function numberOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(1000, 10 * 2 ** Math.min(attempt, 6)) * Math.random()));
}
