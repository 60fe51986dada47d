import { odata } from '../storage/TableStore.js';
import { encodeLongKeyPart } from '../storage/keys.js';
import type { LogFileRef } from '../storage/LogSource.js';
import { MAX_TRANSACTION_ROWS, type TableStore } from '../storage/TableStore.js';

export const QUARANTINE_TABLE = 'Quarantine';

/** A line or record that could not be read, kept where a user can list and replay it. */
export interface QuarantinedLine {
  container: string;
  path: string;
  generation: number;
  offset: number;
  /** Byte offset just past the bad unit: `[offset, end)` is read again on replay. */
  end: number;
  /** Unique position in the file (offset, or offset + index inside a `{"records":[...]}` line). */
  position: number;
  line: number;
  code: string;
  message: string;
  raw: string;
  rawTruncated: boolean;
  quarantinedAt: string;
  /** Category the file implied when the line was read (container or `--category`), for replays. */
  category: string | null;
  /** Set once a replay applied the line's records. */
  replayedAt?: string;
  replayedRecords?: number;
}

/** Row key: generation and zero-padded position, so rows sort in file order and replays overwrite. */
export function quarantineRowKey(generation: number, position: number): string {
  return `g${generation}|${String(position).padStart(16, '0')}`;
}

export function quarantinePartition(file: LogFileRef): string {
  return encodeLongKeyPart(`${file.container}/${file.path}`);
}

/** Quarantine rows: partition per file, upserted in batches (idempotent: a replay rewrites the same rows). */
export class QuarantineStore {
  constructor(private readonly tables: TableStore) {}

  async put(file: LogFileRef, lines: readonly QuarantinedLine[]): Promise<void> {
    if (lines.length === 0) return;
    await this.tables.ensureTable(QUARANTINE_TABLE);
    const partitionKey = quarantinePartition(file);
    for (let i = 0; i < lines.length; i += MAX_TRANSACTION_ROWS) {
      const writes = lines.slice(i, i + MAX_TRANSACTION_ROWS).map((line) => ({
        op: 'upsert' as const,
        rowKey: quarantineRowKey(line.generation, line.position),
        data: { ...line } as Record<string, unknown>,
      }));
      const outcome = await this.tables.commit(QUARANTINE_TABLE, partitionKey, writes);
      if (!outcome.committed) throw new Error(`quarantine write refused: ${outcome.code}`);
    }
  }

  async *list(file?: LogFileRef): AsyncGenerator<QuarantinedLine> {
    await this.tables.ensureTable(QUARANTINE_TABLE);
    const filter = file ? odata`PartitionKey eq ${quarantinePartition(file)}` : undefined;
    for await (const row of this.tables.query(QUARANTINE_TABLE, filter)) yield row.data as unknown as QuarantinedLine;
  }

  /** Rewrites one line's row (after a replay attempt). */
  async update(line: QuarantinedLine): Promise<void> {
    await this.tables.upsert(
      QUARANTINE_TABLE,
      quarantinePartition(line),
      quarantineRowKey(line.generation, line.position),
      { ...line } as Record<string, unknown>,
    );
  }
}
