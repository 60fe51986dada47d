/**
 * Publishes the current contribution of each call a segment touched to the per-resource views
 * `call-volume` and `call-quality`, exactly once, after the call partitions committed and before the
 * file's checkpoint moves.
 *
 * - The call row counts the records applied to the call (SUMMARY_SEQUENCE_FIELD), so it grows with
 *   every change of the call row; the contribution is a pure function of the call row
 *   (aggregating/calls/callContribution.ts).
 * - In each per-resource day partition, a row `~c|<call>` holds the sequence and contribution last
 *   applied there. Applying a higher sequence subtracts the old contribution and adds the new one,
 *   with the `~c|` row, in one ETag-guarded transaction; a lower or equal sequence is skipped. So a
 *   replay, a crash before the checkpoint and two runs at once publish again harmlessly. A place the
 *   call left gets its `~c|` row even when nothing was published there yet, so that a slower run
 *   publishing an older state of the call there later skips it.
 * - A later version can move the call to another day (or resource). The call partition keeps a
 *   locator row `~pub` (aggregating/calls/callLocator.ts) with every day partition the call was ever
 *   published to. The call join writes it in the same transaction as the call row when the call
 *   reaches a new place, so the publisher needs no write of its own there; for a call row whose place
 *   the locator does not list yet (written before the locator moved with it), the publisher adds it,
 *   ETag-guarded, before writing to that place, and rewrites the call row in the same transaction so
 *   that a run holding an older read of the partition must read it again. A publisher with a lower sequence than the locator's
 *   stops, and the one with the highest sequence visits every partition the call ever reached and
 *   leaves its contribution only in the current one.
 * - Every call touched, with call logs or not, is also listed in the time index `CallTimes` under the
 *   hour of its call row's first time (aggregating/calls/callTimeIndex.ts): upserts, as idempotent.
 */
import { callContributionFieldsSchema, callFirstAtSchema, callsView, CALL_ROW_KEY, CALLS_TABLE } from '../aggregating/calls/index.js';
import { appliedRecordsOf } from '../aggregating/appliedRecords.js';
import { contributionPlace, LEGACY_SEQUENCE_ROW_KEY, LOCATOR_ROW_KEY, locatorRow, locatorRowSchema } from '../aggregating/calls/callLocator.js';
import {
  contributionMarkSchema,
  contributionOf,
  encodeContribution,
  InconsistentRead,
  type CallContribution,
  type ContributionTarget,
} from '../aggregating/calls/callContribution.js';
import { CONTRIBUTION_VIEWS } from '../aggregating/index.js';
import { CALL_TIMES_TABLE, callTimeEntry } from '../aggregating/calls/callTimeIndex.js';
import type { AggregateView, RowData } from '../aggregating/types.js';
import { boundedKey, RESERVED_ROW_PREFIX } from '../storage/keys.js';
import { parseStoredRow } from '../storage/storedRows.js';
import { MAX_TRANSACTION_ROWS, type RowWrite, type StoredRow, type TableStore } from '../storage/TableStore.js';
import { summaryKey, type PositionedRecord, type WrittenSummaries } from './applyExactlyOnce.js';
import { forEachConcurrently, mapConcurrently } from './concurrency.js';

export { LOCATOR_ROW_KEY };
export const CONTRIBUTION_ROW_PREFIX = `${RESERVED_ROW_PREFIX}c|`;

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
  written?: WrittenSummaries,
  maxInFlight = Number.POSITIVE_INFINITY,
): Promise<PublishStats> {
  const stats: PublishStats = { calls: 0, applied: 0, skipped: 0, conflicts: 0 };
  if (!views.includes(callsView)) return stats;
  const partitions = new Set<string>();
  for (const { record } of records) {
    const route = callsView.route(record);
    if (route) partitions.add(boundedKey(route.partitionKey));
  }
  if (partitions.size === 0) return stats;
  await Promise.all([CALLS_TABLE, CALL_TIMES_TABLE, ...CONTRIBUTION_VIEWS.map((t) => t.table)].map((table) => tables.ensureTable(table)));
  stats.calls = partitions.size;
  // In the partitions' order, whichever claim ends first: the groups below come out the same every run.
  // A claim may write its call's locator: as many at once as keep the Calls table's transactions full.
  const claimsAtOnce = Math.max(1, Math.min(concurrency * tables.physicalSpread(CALLS_TABLE), maxInFlight));
  const claimed = await mapConcurrently(partitions, claimsAtOnce, (partition) =>
    claimCall(tables, partition, stats, written?.get(summaryKey(CALLS_TABLE, partition))),
  );
  const claims = claimed.map((result) => result.claim).filter((claim): claim is Claim => claim !== null);
  const listing = listCallTimes(
    tables,
    claimed.map((result) => result.listing),
    concurrency,
  );
  // Per view and day partition, every call that lands there or left it, in as few transactions as fit.
  const groups = new Map<string, { view: ContributionTarget; partition: string; entries: Entry[] }>();
  for (const claim of claims) {
    for (const place of claim.places) {
      for (const view of CONTRIBUTION_VIEWS) {
        const key = `${view.table}\n${place}`;
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { view, partition: place, entries: [] }));
        group.entries.push({
          callPartition: claim.callPartition,
          sequence: claim.sequence,
          contribution: place === claim.target ? claim.contribution : null,
        });
      }
    }
  }
  const settled = await Promise.allSettled([
    listing,
    forEachConcurrently(groups.values(), concurrency, (group) => applyToPartition(tables, group.view, group.partition, group.entries, stats)),
  ]);
  // Both end before the write fails: none of its requests is left running when the run retries.
  for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
  return stats;
}

/**
 * Lists each call under the day and hour of the first time its call row holds (aggregating/calls/callTimeIndex.ts):
 * upserts, so a replay or a run at the same time writes the same rows again harmlessly.
 */
async function listCallTimes(tables: TableStore, listings: readonly (CallTimeListing | null)[], concurrency: number): Promise<void> {
  const byDay = new Map<string, Map<string, RowWrite>>();
  for (const listing of listings) {
    if (listing === null) continue;
    let day = byDay.get(listing.partitionKey);
    if (!day) byDay.set(listing.partitionKey, (day = new Map<string, RowWrite>()));
    day.set(listing.rowKey, { op: 'upsert', rowKey: listing.rowKey, data: { call: listing.call } });
  }
  const batches = [...byDay].flatMap(([day, rows]) => chunks([...rows.values()], MAX_TRANSACTION_ROWS).map((writes) => ({ day, writes })));
  await forEachConcurrently(batches, concurrency, async ({ day, writes }) => {
    const outcome = await tables.commit(CALL_TIMES_TABLE, day, writes);
    // Upserts meet no condition: a refusal here is the service's, and the run must fail and be retried.
    if (!outcome.committed) throw new Error(`listing ${writes.length} calls under ${day} in ${CALL_TIMES_TABLE} failed: ${outcome.status} ${outcome.code}`);
  });
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A call whose current contribution this run publishes: to `target`, and nothing to the other places. */
interface Claim {
  callPartition: string;
  sequence: number;
  contribution: CallContribution | null;
  target: string | null;
  /** Every day partition the call was ever published to, `target` included. */
  places: string[];
}

/** Where a call row's first time lists the call in the time index. */
interface CallTimeListing {
  partitionKey: string;
  rowKey: string;
  call: string;
}

interface ClaimResult {
  claim: Claim | null;
  listing: CallTimeListing | null;
}

interface Entry {
  callPartition: string;
  sequence: number;
  contribution: CallContribution | null;
}

/**
 * The call as this run's write left it (`fromRun`), else as read; adds its place to the locator if the
 * locator does not list it yet. The claim is null when there is nothing to publish or a newer state of
 * the call is being published by another run; the listing says where the call row's first time lists
 * it in the time index, whatever the claim.
 */
async function claimCall(
  tables: TableStore,
  callPartition: string,
  stats: PublishStats,
  fromRun: ReadonlyMap<string, StoredRow | null> | undefined,
): Promise<ClaimResult> {
  for (let attempt = 1; ; attempt++) {
    const rows =
      attempt === 1 && fromRun ? fromRun : await tables.readRows(CALLS_TABLE, callPartition, [LOCATOR_ROW_KEY, CALL_ROW_KEY, LEGACY_SEQUENCE_ROW_KEY]);
    const locator = rows.get(LOCATOR_ROW_KEY) ?? undefined;
    const callRow = rows.get(CALL_ROW_KEY) ?? undefined;
    const entry = callRow ? callTimeEntry(parseStoredRow(callFirstAtSchema, CALLS_TABLE, callRow).firstAt, callPartition) : null;
    const listing = entry === null ? null : { ...entry, call: callPartition };
    const stored = locator ? parseStoredRow(locatorRowSchema, CALLS_TABLE, locator) : undefined;
    const places = stored?.places ?? [];
    const target = contributionPlace(callRow?.data);
    // A call without call logs (recordings only) contributes nothing, and was never published.
    if (target === null && places.length === 0) return { claim: null, listing };
    const sequence = appliedRecordsOf(CALLS_TABLE, callRow, rows.get(LEGACY_SEQUENCE_ROW_KEY) ?? undefined);
    if ((stored?.seq ?? 0) > sequence) return { claim: null, listing }; // a newer state of the call is being published by another run
    const contribution = target === null || !callRow ? null : contributionOf(parseStoredRow(callContributionFieldsSchema, CALLS_TABLE, callRow));
    if (target === null || places.includes(target)) return { claim: { callPartition, sequence, contribution, target, places }, listing };
    const all = [...places, target].sort();
    const data = locatorRow(sequence, all);
    const write: RowWrite = locator ? { op: 'replace', rowKey: LOCATOR_ROW_KEY, etag: locator.etag, data } : { op: 'create', rowKey: LOCATOR_ROW_KEY, data };
    // The call row rewritten as it is, under its ETag: a run that read the partition before this locator
    // write then fails its own write and reads again, so its publishing visits this place too.
    const writes: RowWrite[] = callRow ? [write, { op: 'replace', rowKey: CALL_ROW_KEY, etag: callRow.etag, data: callRow.data }] : [write];
    const outcome = await tables.commit(CALLS_TABLE, callPartition, writes);
    if (outcome.committed) return { claim: { callPartition, sequence, contribution, target, places: all }, listing };
    stats.conflicts++;
    if (attempt >= MAX_ATTEMPTS) throw new Error(`gave up publishing call ${callPartition} after ${attempt} conflicting writers`);
    await backoff(attempt);
  }
}

/**
 * In one per-resource day partition of one view: for each call whose stored sequence (`~c|<call>`) is
 * lower, replaces what it contributed there by its new contribution (null: nothing, the call is
 * elsewhere now). Calls are committed together, as many per transaction as fit in 99 rows, each call's
 * rows and its `~c|` row always in the same transaction.
 */
async function applyToPartition(
  tables: TableStore,
  view: ContributionTarget,
  partition: string,
  entries: readonly Entry[],
  stats: PublishStats,
): Promise<void> {
  let pending = [...entries];
  for (let attempt = 1; pending.length > 0; attempt++) {
    const markKeys = pending.map((e) => boundedKey(CONTRIBUTION_ROW_PREFIX + e.callPartition));
    const newKeys = pending.map((e) => (e.contribution === null ? [] : view.rowKeys(e.contribution).map(boundedKey)));
    const known = await tables.readRows(view.table, partition, [...new Set([...markKeys, ...newKeys.flat()])]);
    const todo: { entry: Entry; markKey: string; previous: CallContribution | null; oldKeys: string[]; newKeys: string[] }[] = [];
    pending.forEach((entry, i) => {
      const markKey = markKeys[i] as string;
      const mark = known.get(markKey);
      // A call that left a place it was never published to still leaves its mark there: a run
      // publishing an older state of the call later must find it and skip.
      const stored = mark === undefined ? undefined : parseStoredRow(contributionMarkSchema, view.table, mark);
      if (stored !== undefined && stored.seq >= entry.sequence) {
        stats.skipped++;
        return;
      }
      const previous = stored?.contribution ?? null;
      todo.push({ entry, markKey, previous, oldKeys: previous === null ? [] : view.rowKeys(previous).map(boundedKey), newKeys: newKeys[i] as string[] });
    });
    const missing = [...new Set(todo.flatMap((t) => t.oldKeys))].filter((key) => !known.has(key));
    if (missing.length > 0) for (const [key, row] of await tables.readRows(view.table, partition, missing)) known.set(key, row);

    const committed = new Set<Entry>();
    let lost = false;
    let start = 0;
    while (start < todo.length && !lost) {
      // As many calls as fit: each brings its mark and the rows it leaves and enters.
      const rowKeys = new Set<string>();
      let end = start;
      while (end < todo.length) {
        const t = todo[end]!;
        const adds = [t.markKey, ...t.oldKeys, ...t.newKeys].filter((key) => !rowKeys.has(key));
        if (end > start && rowKeys.size + adds.length > MAX_TRANSACTION_ROWS - 1) break;
        for (const key of adds) rowKeys.add(key);
        end++;
      }
      const changed = new Map<string, RowData>();
      const rowFor = (key: string): RowData => {
        let row = changed.get(key);
        if (!row) changed.set(key, (row = { ...(known.get(key)?.data ?? {}) }));
        return row;
      };
      try {
        for (const t of todo.slice(start, end)) {
          if (t.previous !== null) for (const key of t.oldKeys) view.apply(rowFor(key), key, t.previous, -1);
          if (t.entry.contribution !== null) for (const key of t.newKeys) view.apply(rowFor(key), key, t.entry.contribution, 1);
          changed.set(t.markKey, { seq: t.entry.sequence, contribution: t.entry.contribution === null ? '' : encodeContribution(t.entry.contribution) });
        }
      } catch (error) {
        // Rows read in two requests, with another writer's commit in between: read again. (A commit would fail its ETags.)
        if (!(error instanceof InconsistentRead)) throw error;
        lost = true;
        break;
      }
      if (view.finalize) for (const [key, row] of changed) if (!key.startsWith(CONTRIBUTION_ROW_PREFIX)) view.finalize(row);
      const writes: RowWrite[] = [...changed].map(([rowKey, data]) => writeFor(known.get(rowKey), rowKey, data));
      const outcome = await tables.commit(view.table, partition, writes);
      if (!outcome.committed) {
        lost = true;
        break;
      }
      stats.applied++;
      writes.forEach((write, i) => {
        const etag = outcome.etags?.[i];
        if (etag) known.set(write.rowKey, { partitionKey: partition, rowKey: write.rowKey, etag, data: write.data });
        else known.delete(write.rowKey);
      });
      for (const t of todo.slice(start, end)) committed.add(t.entry);
      // A row whose new ETag the answer did not carry is read again before it is written again.
      if (writes.some((_, i) => !outcome.etags?.[i])) {
        lost = true;
        break;
      }
      start = end;
    }
    if (!lost) return;
    pending = pending.filter((entry) => !committed.has(entry));
    stats.conflicts++;
    if (attempt >= MAX_ATTEMPTS) throw new Error(`gave up on ${view.table}/${partition} after ${attempt} conflicting writers`);
    await backoff(attempt);
  }
}

function writeFor(existing: StoredRow | undefined, rowKey: string, data: RowData): RowWrite {
  return existing ? { op: 'replace', rowKey, etag: existing.etag, data } : { op: 'create', rowKey, data };
}

function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(1000, 10 * 2 ** Math.min(attempt, 6)) * Math.random()));
}
