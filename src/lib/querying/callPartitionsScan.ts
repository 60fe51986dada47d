import { CALL_ROW_KEY, CALLS_TABLE, recordingRowSchema, SUMMARY_ROW_PREFIX, type RecordingFacts } from '../aggregating/calls/index.js';
import { parseStoredRow } from '../storage/storedRows.js';
import { odata, type StoredRow, type TableStore } from '../storage/TableStore.js';

/** A call row the scan picked, with the recordings (`s|` rows) of its partition. */
export interface ScannedCall {
  callRow: StoredRow;
  recordings: RecordingFacts[];
}

/**
 * Hands `take` the call rows matching `callClause` with the recordings of their partitions, read in
 * one query over the Calls table instead of one per call. Table Storage returns rows sorted by
 * PartitionKey then RowKey, so each partition's rows arrive together: they are grouped as they come
 * and handed over, as soon as the partition ends, when its call row matched (and `keep` accepts it).
 * Operation and call-log rows are never read.
 */
export async function scanCallPartitions(
  tables: TableStore,
  callClause: string,
  keep: (callRow: StoredRow) => boolean,
  take: (call: ScannedCall) => void,
): Promise<void> {
  const filter = `(${callClause}) or (${odata`RowKey ge ${SUMMARY_ROW_PREFIX} and RowKey lt ${'s}'}`})`;
  const grouper = new PartitionGrouper((group) => {
    if (group.callRow !== undefined && keep(group.callRow)) take({ callRow: group.callRow, recordings: group.recordings });
  });
  for await (const row of tables.query(CALLS_TABLE, filter)) grouper.add(row);
  grouper.end();
}

interface PartitionGroup {
  callRow: StoredRow | undefined;
  recordings: RecordingFacts[];
}

/** Groups rows that arrive partition by partition into one group per partition. Pure. */
export class PartitionGrouper {
  private current: (PartitionGroup & { partitionKey: string }) | undefined;
  private readonly finished = new Set<string>();

  constructor(private readonly flush: (group: PartitionGroup) => void) {}

  add(row: StoredRow): void {
    if (this.current === undefined || row.partitionKey !== this.current.partitionKey) {
      this.end();
      // A partition seen again would be split in two groups and lose its recordings: fail instead.
      if (this.finished.has(row.partitionKey)) {
        throw new Error(`the ${CALLS_TABLE} table returned the rows of partition ${row.partitionKey} apart: rows out of key order`);
      }
      this.current = { partitionKey: row.partitionKey, callRow: undefined, recordings: [] };
    }
    if (row.rowKey === CALL_ROW_KEY) this.current.callRow = row;
    else if (row.rowKey.startsWith(SUMMARY_ROW_PREFIX)) this.current.recordings.push(parseStoredRow(recordingRowSchema, CALLS_TABLE, row));
  }

  end(): void {
    if (this.current === undefined) return;
    this.finished.add(this.current.partitionKey);
    this.flush(this.current);
    this.current = undefined;
  }
}
