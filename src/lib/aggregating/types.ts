import type { NormalizedRecord } from '../normalizing/types.js';

/** The partition and rows one record touches in a view's table. */
export interface Route {
  partitionKey: string;
  rowKeys: readonly string[];
  /**
   * A time (epoch ms) at which the record says its partition already had data, when it says one (a
   * call's end, a recording's start): a partition that had data before the records a write holds was
   * most likely written before, so it is read rather than assumed new. A hint only: it never changes
   * what is written.
   */
  since?: number;
}

/** A row's properties as the view keeps them (keys and ETag live outside). */
export type RowData = Record<string, unknown>;

/**
 * One aggregate table. Pure and synchronous: `route` says where a record lands, `apply` folds it into
 * those rows. Folding must be order-independent (sums, min/max, latest-by-time with a value
 * tie-break) so that aggregates equal one pass in any order.
 */
export interface AggregateView {
  /** Logical table name (the store adds the configured prefix). */
  readonly table: string;
  route(record: NormalizedRecord): Route | null;
  /** `rows[i]` is the row at `route.rowKeys[i]`: existing data, or `{}` for a new row. Mutates them. */
  apply(record: NormalizedRecord, rows: RowData[]): void;
  /**
   * Optional: called once on each changed row after all of a batch's records were applied and before
   * it is written, so that state kept decoded during `apply` (a sketch) is serialized once per row,
   * not once per record.
   */
  finalize?(row: RowData): void;
  /**
   * Optional row recomputed from every row of the partition after each change, in the same
   * transaction (e.g. one call's summary over its recordings and operations). Its value is then a
   * pure function of the set of records, whatever their order. The applier reads whole partitions
   * for such views.
   */
  readonly summary?: PartitionSummary;
}

export interface PartitionSummary {
  readonly rowKey: string;
  /**
   * `rows` holds every aggregate row of the partition (not the summary row itself) by row key. The
   * applier adds `SUMMARY_SEQUENCE_FIELD` and `SUMMARY_MARKS_FIELD` to what it returns (and, in the
   * transactions of a long write that carry the stored summary, `SUMMARY_PENDING_FIELD`).
   */
  compute(rows: ReadonlyMap<string, RowData>, partitionKey: string): RowData;
  /**
   * Optional bookkeeping rows (`~` keys) kept in step with the summary: written in the same
   * transaction when `companions` returns them. The applier hands the rows as committed last, with
   * the summary, to whatever follows the write (processing/applyExactlyOnce.ts, WrittenSummaries).
   */
  readonly companionKeys?: readonly string[];
  /** The companion rows to write with this summary (only those that change), given what is stored of them. */
  companions?(summary: RowData, stored: ReadonlyMap<string, RowData>, partitionKey: string): Map<string, RowData>;
}

/**
 * Every summary row counts the records applied to its partition: it grows with every change of the
 * summary, so two states of it are ordered (the call's contributions use it).
 */
export const SUMMARY_SEQUENCE_FIELD = 'appliedRecords';
/**
 * Records applied by transactions that carried the summary as it was instead of computing it (the
 * ones between a long write's first and last): not yet in SUMMARY_SEQUENCE_FIELD, which the next
 * transaction that computes the summary adds them to, so the count moves only with the summary.
 */
export const SUMMARY_PENDING_FIELD = 'unsummarizedRecords';
/** Where a partition kept that count (field `n`) before its summary row carried it. */
export const LEGACY_SEQUENCE_ROW_KEY = '~seq';
/**
 * A summary row also carries its partition's high-water marks (JSON `{ file id: mark }`), written
 * with it in every transaction, so that a partition with a summary needs no mark row per file.
 */
export const SUMMARY_MARKS_FIELD = 'fileMarks';
