/**
 * Every view's rows for a set of records, folded in memory: route, group by partition, apply,
 * finalize, then each summary over its partition. What the applier writes, without storage or
 * marks; the yardstick of the exactly-once tests and the in-process pipeline of the benchmark. Pure.
 */
import type { NormalizedRecord } from '../normalizing/types.js';
import { RESERVED_ROW_PREFIX } from '../storage/keys.js';
import type { AggregateView, RowData } from './types.js';

/** Rows by partition key, then row key. */
export type FoldedTable = Map<string, Map<string, RowData>>;

export class MemoryFold {
  readonly tables: Map<AggregateView, FoldedTable>;
  /** Whether records were folded (not only routed): rows then left empty are dropped, as the applier does not write them. */
  private folded = false;

  constructor(readonly views: readonly AggregateView[]) {
    this.tables = new Map(views.map((view): [AggregateView, FoldedTable] => [view, new Map<string, Map<string, RowData>>()]));
  }

  /** Routes the record in every view and folds it in; with `apply` false, only finds (or creates) its rows. */
  add(record: NormalizedRecord, apply = true): void {
    for (const [view, table] of this.tables) {
      const route = view.route(record);
      if (!route) continue;
      let partition = table.get(route.partitionKey);
      if (!partition) table.set(route.partitionKey, (partition = new Map<string, RowData>()));
      const rows = route.rowKeys.map((rowKey) => {
        let row = partition.get(rowKey);
        if (!row) partition.set(rowKey, (row = {}));
        return row;
      });
      if (apply) view.apply(record, rows);
      this.folded ||= apply;
    }
  }

  /**
   * Serializes what views kept decoded, then (unless `summaries` is false) computes each summary row
   * over its partition; returns the rows folded.
   */
  finish(summaries = true): number {
    let rows = 0;
    for (const [view, table] of this.tables) {
      for (const [partitionKey, partition] of table) {
        if (view.finalize) for (const row of partition.values()) view.finalize(row);
        // The applier does not write a row left empty (a stream its leg row holds); neither does this.
        if (this.folded) for (const [rowKey, row] of partition) if (Object.keys(row).length === 0) partition.delete(rowKey);
        rows += partition.size;
        if (!view.summary || !summaries) continue;
        const aggregates = new Map<string, RowData>();
        for (const [rowKey, row] of partition) if (!rowKey.startsWith(RESERVED_ROW_PREFIX)) aggregates.set(rowKey, row);
        partition.set(view.summary.rowKey, view.summary.compute(aggregates, partitionKey));
      }
    }
    return rows;
  }
}
