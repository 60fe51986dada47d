import fc from 'fast-check';
import { expect } from 'vitest';
import type { AggregateView, RowData } from '../../src/lib/aggregating/types.js';
import type { FoldedTable } from '../../src/lib/aggregating/memoryFold.js';
import type { NormalizedRecord } from '../../src/lib/normalizing/types.js';
import { RESERVED_ROW_PREFIX } from '../../src/lib/storage/keys.js';
import { foldedRows } from './storage.js';

/**
 * A view's rows folded the way the applier writes them: the records in chunks, each chunk followed
 * by finalize and the summary over every partition it touched (not once at the end, as
 * referenceAggregates does), so a summary must come out the same however often it is recomputed.
 */
export function foldInChunks(view: AggregateView, records: readonly NormalizedRecord[], chunk: number): Record<string, RowData> {
  const table: FoldedTable = new Map();
  for (let start = 0; start < records.length; start += chunk) {
    const touched = new Set<string>();
    for (const record of records.slice(start, start + chunk)) {
      const route = view.route(record);
      if (!route) continue;
      let partition = table.get(route.partitionKey);
      if (!partition) table.set(route.partitionKey, (partition = new Map()));
      const rows = route.rowKeys.map((key) => {
        let row = partition.get(key);
        if (!row) partition.set(key, (row = {}));
        return row;
      });
      view.apply(record, rows);
      touched.add(route.partitionKey);
    }
    for (const partitionKey of touched) {
      const partition = table.get(partitionKey) as Map<string, RowData>;
      for (const row of partition.values()) view.finalize?.(row);
      const summary = view.summary;
      if (!summary) continue;
      const aggregates = new Map([...partition].filter(([rowKey]) => rowKey !== summary.rowKey && !rowKey.startsWith(RESERVED_ROW_PREFIX)));
      partition.set(summary.rowKey, summary.compute(aggregates, partitionKey));
    }
  }
  return foldedRows(table);
}

/** `records` with `all[i]` inserted once more for each index i in `replays`, at a position i decides: duplicate lines or a file read again. */
export function withReplays(
  records: readonly NormalizedRecord[],
  all: readonly NormalizedRecord[],
  replays: readonly number[],
  stride: number,
): NormalizedRecord[] {
  const replayed = [...records];
  for (const i of replays) replayed.splice((i * stride) % (replayed.length + 1), 0, all[i] as NormalizedRecord);
  return replayed;
}

/**
 * Checks that `view` folds `records` to `expected` in every arrival order and chunking, with any of
 * them replayed (`replays` at most; each inserted `stride` apart): the rows are a pure function of
 * the set of records.
 */
export function expectSameInAnyOrder(
  view: AggregateView,
  records: readonly NormalizedRecord[],
  expected: Record<string, RowData>,
  options: { replays: number; maxChunk: number; stride: number; runs: number; minReplays?: number },
): void {
  fc.assert(
    fc.property(
      fc.shuffledSubarray([...records], { minLength: records.length, maxLength: records.length }),
      fc.array(fc.nat({ max: records.length - 1 }), { minLength: options.minReplays ?? 0, maxLength: options.replays }),
      fc.integer({ min: 1, max: options.maxChunk }),
      (shuffled, replays, chunk) => {
        expect(foldInChunks(view, withReplays(shuffled, records, replays, options.stride), chunk)).toEqual(expected);
      },
    ),
    { numRuns: options.runs },
  );
}
